package des

import (
	"math"
	"strconv"
)

// gossipModel turns GossipModel into delivery times. It is a pure function
// of the network, the seed and the version, so every worker computes the
// same times in any order.
type gossipModel struct {
	nw                       *network
	seed                     uint64
	baseNs, spreadNs, pullNs int64
	joinNs, deadNs           int64
	perRTT                   float64
	maxRTT                   [][]float64 // per slice, per origin: largest measured RTT in ms
	retransmits              int
}

func newGossipModel(nw *network, c *Config) *gossipModel {
	g := &gossipModel{
		nw: nw, seed: c.Seed, baseNs: int64(c.Gossip.Base), spreadNs: int64(c.Gossip.Spread),
		pullNs: int64(c.Gossip.pushPull(nw.n)), joinNs: int64(c.Gossip.JoinDelay),
		deadNs: int64(c.Gossip.deadAfter(nw.n)), perRTT: c.Gossip.PerRTT,
		retransmits: c.Gossip.retransmits(nw.n),
	}
	for _, r := range nw.rtt {
		m := make([]float64, nw.n)
		for i := range nw.n {
			for _, v := range r[i*nw.n : (i+1)*nw.n] {
				if v > m[i] {
					m[i] = v
				}
			}
		}
		g.maxRTT = append(g.maxRTT, m)
	}
	return g
}

// deliver returns when version v of origin o reaches receiver r.
func (g *gossipModel) deliver(o, r int, v *version) int64 {
	d := g.baseNs + int64(unit(g.seed, uint64(o), uint64(r), v.v, 1)*float64(g.spreadNs))
	rtt := g.nw.rttMs(o, r, v.at)
	if ls, _ := g.nw.linkState(o, r, v.at); ls.down || math.IsNaN(rtt) {
		// The direct stream fails; push/pull with a third PoP carries it.
		return v.at + d + int64(unit(g.seed, uint64(o), uint64(r), v.v, 2)*float64(g.pullNs))
	}
	return v.at + d + int64(g.perRTT*rtt*1e6)
}

// maxDelivery bounds deliver over all receivers of a version of o sent at.
func (g *gossipModel) maxDelivery(o int, at int64) int64 {
	k, _ := g.nw.slice(at)
	d := at + g.baseNs + g.spreadNs + int64(g.perRTT*g.maxRTT[k][o]*1e6) + 1
	if g.nw.outDown(o, at) {
		d += g.pullNs
	}
	return d
}

// unit hashes its inputs (splitmix64 rounds) to a number in [0, 1).
func unit(seed, a, b, c, salt uint64) float64 {
	h := uint64(0x9e3779b97f4a7c15)
	for _, x := range [...]uint64{seed, a, b, c, salt} {
		h ^= x
		h += 0x9e3779b97f4a7c15
		h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9
		h = (h ^ (h >> 27)) * 0x94d049bb133111eb
		h ^= h >> 31
	}
	return float64(h>>11) / (1 << 53)
}

// envelopeBytes is the gossip envelope around an encoded table: kind,
// name length and the memberlist node name ("pop-<id>").
func envelopeBytes(id int) int { return 2 + len("pop-") + len(strconv.Itoa(id)) }

// maxGossipMessage mirrors linkstate: larger messages go over TCP to every
// member instead of the epidemic broadcast queue.
const maxGossipMessage = 1024

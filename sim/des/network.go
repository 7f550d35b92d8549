package des

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/argonet/argo/pathcalc"
)

// network is the ground truth of the underlay over virtual time (ns from
// the start): the RTT matrix slices, and the link and node events. It is
// immutable once built, so every worker reads it without locks.
type network struct {
	n        int
	rtt      [][]float64 // per slice, row-major ms; NaN = no path
	sliceNs  int64       // 0 with one slice
	endNs    int64
	jitter   float64
	baseLoss float64
	links    map[int32][]linkChange // directed link i*n+j -> changes in time order
	outLinks [][]int32              // per PoP: keys of its affected outgoing links
	nodes    [][]nodeChange         // per PoP: changes in time order
	bounds   []int64                // times at which the ground truth changes, sorted, first 0
}

// linkChange is the state of a directed link from at on.
type linkChange struct {
	at   int64
	down bool
	loss float64
}

// nodeChange is the state of a PoP from at on.
type nodeChange struct {
	at   int64
	down bool
}

// cond is the state of a directed link, constant until until.
type cond struct {
	rttNs float64 // matrix RTT in ns, when measured
	loss  float64 // probe loss probability
	up    bool    // measured, link up and both ends alive
	until int64
}

func newNetwork(c *Config) *network {
	n := c.Slices[0].Len()
	nw := &network{
		n: n, endNs: int64(c.Duration), jitter: c.Jitter, baseLoss: c.Loss,
		links: map[int32][]linkChange{}, outLinks: make([][]int32, n), nodes: make([][]nodeChange, n),
	}
	if len(c.Slices) > 1 {
		nw.sliceNs = int64(c.SliceDuration)
	}
	for _, m := range c.Slices {
		r := make([]float64, n*n)
		for i := range n {
			for j := range n {
				v, ok := m.At(i, j)
				if !ok {
					v = math.NaN()
				}
				r[i*n+j] = v
			}
		}
		nw.rtt = append(nw.rtt, r)
	}
	bounds := []int64{0}
	for k := 1; k < len(c.Slices); k++ {
		if t := int64(k) * nw.sliceNs; t < nw.endNs {
			bounds = append(bounds, t)
		}
	}
	for _, e := range c.Events {
		at := int64(e.At)
		bounds = append(bounds, at)
		if !e.isLink() {
			nw.nodes[e.Node] = append(nw.nodes[e.Node], nodeChange{at: at, down: e.Action == NodeDown})
			continue
		}
		dirs := [][2]int{{e.A, e.B}, {e.B, e.A}}
		if e.OneWay {
			dirs = dirs[:1]
		}
		for _, d := range dirs {
			k := int32(d[0]*n + d[1])
			hist := nw.links[k]
			prev := linkChange{}
			if len(hist) > 0 {
				prev = hist[len(hist)-1]
			} else {
				nw.outLinks[d[0]] = append(nw.outLinks[d[0]], k)
			}
			next := linkChange{at: at, down: prev.down, loss: prev.loss}
			switch e.Action {
			case LinkDown:
				next.down = true
			case LinkUp:
				next.down = false
			case LinkLoss:
				next.loss = e.Loss
			}
			nw.links[k] = append(hist, next)
		}
	}
	slices.Sort(bounds)
	nw.bounds = slices.Compact(bounds)
	return nw
}

// slice returns the index of the slice in force at t and when it ends.
func (nw *network) slice(t int64) (int, int64) {
	if nw.sliceNs == 0 {
		return 0, math.MaxInt64
	}
	k := int(t / nw.sliceNs)
	if k >= len(nw.rtt)-1 {
		return len(nw.rtt) - 1, math.MaxInt64
	}
	return k, int64(k+1) * nw.sliceNs
}

// rttMs returns the matrix RTT from i to j at t (NaN when not measured).
func (nw *network) rttMs(i, j int, t int64) float64 {
	k, _ := nw.slice(t)
	return nw.rtt[k][i*nw.n+j]
}

// alive reports whether PoP i runs at t, and until when that holds.
func (nw *network) alive(i int, t int64) (bool, int64) {
	ch := nw.nodes[i]
	k, _ := slices.BinarySearchFunc(ch, t, func(c nodeChange, t int64) int { return cmp.Compare(c.at, t+1) })
	// ch[:k] have at <= t
	until := int64(math.MaxInt64)
	if k < len(ch) {
		until = ch[k].at
	}
	if k == 0 {
		return true, until
	}
	return !ch[k-1].down, until
}

// linkState returns the event state of the directed link i->j at t and
// until when it holds.
func (nw *network) linkState(i, j int, t int64) (linkChange, int64) {
	ch, ok := nw.links[int32(i*nw.n+j)]
	if !ok {
		return linkChange{}, math.MaxInt64
	}
	k, _ := slices.BinarySearchFunc(ch, t, func(c linkChange, t int64) int { return cmp.Compare(c.at, t+1) })
	until := int64(math.MaxInt64)
	if k < len(ch) {
		until = ch[k].at
	}
	if k == 0 {
		return linkChange{}, until
	}
	return ch[k-1], until
}

// cond returns the state of the directed link i->j at t.
func (nw *network) cond(i, j int, t int64) cond {
	k, until := nw.slice(t)
	ls, u := nw.linkState(i, j, t)
	until = min(until, u)
	ai, u := nw.alive(i, t)
	until = min(until, u)
	aj, u := nw.alive(j, t)
	until = min(until, u)
	rtt := nw.rtt[k][i*nw.n+j]
	measured := !math.IsNaN(rtt)
	c := cond{until: until, up: measured && !ls.down && ai && aj}
	if measured {
		c.rttNs = rtt * 1e6
	}
	c.loss = 1 - (1-nw.baseLoss)*(1-ls.loss)
	return c
}

// outDown reports whether some outgoing underlay link of PoP i is down or
// unmeasured at t (gossip to that peer then needs anti-entropy).
func (nw *network) outDown(i int, t int64) bool {
	k, _ := nw.slice(t)
	row := nw.rtt[k][i*nw.n : (i+1)*nw.n]
	for j, v := range row {
		if j != i && math.IsNaN(v) {
			return true
		}
	}
	for _, key := range nw.outLinks[i] {
		if ls, _ := nw.linkState(i, int(key)%nw.n, t); ls.down {
			return true
		}
	}
	return false
}

// truthLink is what an argod with perfect measurements would publish for
// the link i->j at t: the mean probe RTT, the expected RFC 3550 jitter of
// the probe RTTs (matrix RTT times Jitter: E|X1-X2| = 1 for exponential X)
// and the true loss.
func (nw *network) truthLink(i, j int, t int64) pathcalc.Link {
	c := nw.cond(i, j, t)
	return pathcalc.Link{
		From: uint16(i), To: uint16(j), Up: c.up, Loss: c.loss,
		RTT:    time.Duration(c.rttNs * (1 + nw.jitter)),
		Jitter: time.Duration(c.rttNs * nw.jitter),
	}
}

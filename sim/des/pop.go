package des

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/argonet/argo/linkstate"
	"github.com/argonet/argo/pathcalc"
)

// pop is one PoP's measurement and publication side (phase 1): a probe
// train per peer and the publish rule. Only its phase-1 worker touches it.
type pop struct {
	id    int
	links []probeLink // by peer, self skipped
	pub   publisher
	hist  history
	cur   []linkstate.Link // the table as last published, in peer order
	alive bool
	// lastPub is when the last table was published (tick rate limit).
	lastPub int64

	flips  []flip
	snaps  []payload    // the tables read at this segment's checks
	urgent []version    // urgent broadcasts of the current epoch
	sent   []sentRecord // broadcasts of the current epoch
	enc    []byte       // encoding scratch
	stats  popStats
	// reported is stats as last added to the metrics.
	reported popStats
}

// popStats are one PoP's gossip counters.
type popStats struct {
	sent, significant, refresh uint64
	txBytes, rxBytes           float64
	tableBytes                 uint64 // sum of encoded sizes of the tables sent
	probes                     uint64
}

// sentRecord is one broadcast of the epoch and the bytes each other PoP
// receives because of it.
type sentRecord struct {
	at    int64
	bytes float64
}

// phase1Env is what phase 1 shares.
type phase1Env struct {
	probeEnv
	gossip *gossipModel
	tickNs int64
	w      pathcalc.Weights
	urgent Urgency
}

func newPop(id, n int, seed uint64, c *Config) *pop {
	p := &pop{
		id:    id,
		links: make([]probeLink, 0, n-1),
		cur:   make([]linkstate.Link, 0, n-1),
		pub:   publisher{th: c.Threshold, refreshNs: int64(c.Refresh)},
	}
	maxIn := int(c.Probe.MaxTimeout/c.Probe.Interval) + 2
	for j := range n {
		if j == id {
			continue
		}
		p.links = append(p.links, probeLink{
			peer: j,
			rng:  rand.New(rand.NewPCG(seed, uint64(id)<<32|uint64(j))),
			fl:   make([]pending, 0, maxIn),
		})
		p.cur = append(p.cur, linkstate.Link{Peer: uint16(j)})
	}
	return p
}

// start (re)starts the PoP at t: fresh trackers, no table sent yet.
func (p *pop) start(env *phase1Env, t int64) {
	p.alive = true
	p.pub.restart()
	p.lastPub = t - env.tickNs
	for k := range p.links {
		p.links[k].reset(&env.probeEnv, t)
		p.cur[k] = linkstate.Link{Peer: p.cur[k].Peer}
	}
}

// phase1 probes and publishes over [t0, t1), following the PoP's own
// crashes and restarts. checks are the check instants in (t0, t1]. Each
// probe train runs over the whole span at once (its Tracker stays in
// cache), recording its state at every check.
func (p *pop) phase1(env *phase1Env, t0, t1 int64, checks []int64) error {
	p.urgent, p.sent = p.urgent[:0], p.sent[:0]
	for t := t0; t < t1; {
		alive, until := env.nw.alive(p.id, t)
		end := min(until, t1)
		if alive && !p.alive {
			p.start(env, t)
		}
		p.alive = alive
		if alive {
			var cs []int64
			for _, c := range checks {
				if up, _ := env.nw.alive(p.id, c); c > t && c <= end && up {
					cs = append(cs, c)
				}
			}
			if err := p.segment(env, end, cs); err != nil {
				return err
			}
		}
		t = end
	}
	return nil
}

// segment runs the probe trains until end, reading every tracker at the
// checks, then publishes in time order.
func (p *pop) segment(env *phase1Env, end int64, checks []int64) error {
	snaps := p.snaps[:0]
	for range checks {
		snaps = append(snaps, p.hist.payload(len(p.links)))
	}
	p.snaps = snaps
	p.flips = p.flips[:0]
	for k := range p.links {
		l := &p.links[k]
		before := l.seq
		for c, at := range checks {
			p.flips = l.advance(&env.probeEnv, p.id, at, p.flips)
			snaps[c].links[k] = l.state()
		}
		p.flips = l.advance(&env.probeEnv, p.id, end, p.flips)
		p.stats.probes += uint64(l.seq - before)
	}
	slices.SortStableFunc(p.flips, func(a, b flip) int { return cmp.Compare(a.at, b.at) })
	fs := p.flips
	var err error
	for c, at := range checks {
		if fs, err = p.publishFlips(env, fs, at); err != nil {
			return err
		}
		copy(p.cur, snaps[c].links)
		if err := p.emit(env, at, snaps[c], true); err != nil {
			return err
		}
	}
	_, err = p.publishFlips(env, fs, end)
	return err
}

// publishFlips publishes the up/down changes before end as argod does (at
// once, at most one table per tick). Changes that cannot go out before end
// are left to the check at end, which reads every tracker anyway.
func (p *pop) publishFlips(env *phase1Env, fs []flip, end int64) ([]flip, error) {
	for len(fs) > 0 && fs[0].at < end {
		at := max(fs[0].at, p.lastPub+env.tickNs)
		if at >= end {
			break
		}
		for len(fs) > 0 && fs[0].at <= at {
			p.cur[p.index(int(fs[0].link.Peer))] = fs[0].link
			fs = fs[1:]
		}
		pl := p.hist.payload(len(p.cur))
		copy(pl.links, p.cur)
		if err := p.emit(env, at, pl, false); err != nil {
			return nil, err
		}
	}
	for len(fs) > 0 && fs[0].at < end {
		fs = fs[1:]
	}
	return fs, nil
}

func (p *pop) index(peer int) int {
	if peer > p.id {
		return peer - 1
	}
	return peer
}

// emit publishes the table in pl (filled in, owned by the new version) at
// time at: linkstate's rule decides whether it is broadcast; the refresh
// applies at checks.
func (p *pop) emit(env *phase1Env, at int64, pl payload, isCheck bool) error {
	t := linkstate.Table{Origin: uint16(p.id), Links: pl.links}
	if err := t.Validate(); err != nil {
		return fmt.Errorf("PoP %d: own table at %v: %w", p.id, at, err)
	}
	for k, l := range t.Links {
		pl.edges[k] = pathcalc.Link{From: t.Origin, To: l.Peer, RTT: l.RTT, Jitter: l.Jitter, Loss: l.Loss, Up: l.Up}
	}
	prev := p.pub.lastSent
	hadSent := p.pub.hasSent
	unix := env.unix0 + at
	sent := p.pub.publish(&t, at, unix)
	refreshed := false
	if !sent && isCheck && p.pub.refreshDue(at) {
		p.pub.refresh(&t, at, unix)
		sent, refreshed = true, true
	}
	v := version{v: t.Version, at: at, links: t.Links, edges: pl.edges, sent: sent}
	if sent {
		if !hadSent {
			prev.Links = nil
		}
		v.change = classify(p.id, prev.Links, t.Links, env.w, env.urgent)
		v.maxDel = env.gossip.maxDelivery(p.id, at)
		if err := p.count(env, &t, at, refreshed); err != nil {
			return err
		}
	}
	p.hist.vs = append(p.hist.vs, v)
	if v.change != nil {
		p.urgent = append(p.urgent, v)
	}
	p.lastPub = at
	return nil
}

// count adds a broadcast to the traffic counters.
func (p *pop) count(env *phase1Env, t *linkstate.Table, at int64, refreshed bool) error {
	var err error
	p.enc, err = t.AppendBinary(p.enc[:0])
	if err != nil {
		return fmt.Errorf("PoP %d: encoding own table: %w", p.id, err)
	}
	size := len(p.enc) + envelopeBytes(p.id)
	p.stats.sent++
	if refreshed {
		p.stats.refresh++
	} else {
		p.stats.significant++
	}
	p.stats.tableBytes += uint64(size)
	if size > maxGossipMessage {
		p.stats.txBytes += float64(size) * float64(env.nw.n-1)
		p.sent = append(p.sent, sentRecord{at: at, bytes: float64(size)})
	} else {
		p.stats.txBytes += float64(size) * float64(env.gossip.retransmits)
		p.sent = append(p.sent, sentRecord{at: at, bytes: float64(size) * float64(env.gossip.retransmits)})
	}
	return nil
}

// classify returns what next changed since prev (nil: the first table) in
// a way that may need action at once, or nil: a link that became dead for
// pathcalc or whose edge cost rose by more than both bounds of u is worse;
// one that became live or whose cost fell by that much is better.
func classify(origin int, prev, next []linkstate.Link, w pathcalc.Weights, u Urgency) *change {
	absMs := float64(u.Absolute) / 1e6
	var ch change
	for i, b := range next {
		cb, lb := w.EdgeCost(pathcalc.Link{RTT: b.RTT, Jitter: b.Jitter, Loss: b.Loss, Up: b.Up})
		if prev == nil {
			ch.better = ch.better || lb
			continue
		}
		a := prev[i]
		if a == b {
			continue
		}
		ca, la := w.EdgeCost(pathcalc.Link{RTT: a.RTT, Jitter: a.Jitter, Loss: a.Loss, Up: a.Up})
		big := la && lb && math.Abs(ca-cb) > absMs && math.Abs(ca-cb) > u.Relative*min(ca, cb)
		switch {
		case la && !lb, big && cb > ca:
			ch.worse = append(ch.worse, b.Peer)
		case !la && lb, big:
			ch.better = true
		}
	}
	if len(ch.worse) == 0 && !ch.better {
		return nil
	}
	ch.origin = origin
	return &ch
}

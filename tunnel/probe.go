package tunnel

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/argonet/argo/overlay"
)

// echoProbeID is the probe id of liveness echoes (SendEcho); path probes
// use ids below it.
const echoProbeID = 0xFFFFFFFF

// PathStat is the in-band probe measurement of one path.
type PathStat struct {
	Dst    uint16
	Nodes  []uint16      // including this PoP
	RTT    time.Duration // smoothed round-trip time (0 before the first reply)
	Loss   float64       // fraction of the recent probes lost, 0..1
	Up     bool          // false after ProbeConfig.DownAfter consecutive losses
	Active bool          // carries the traffic to Dst now
	Sent   uint64        // probes sent on this path
}

// probeSlot remembers one sent probe.
type probeSlot struct {
	seq      uint32
	sentAt   time.Time
	answered bool
	lost     bool
}

// pathState is the probe state of one path, kept across route changes as
// long as the path stays in some route.
type pathState struct {
	id        uint32
	dst       uint16
	nodes     []uint16
	hdr       [overlay.HeaderLen]byte // TypeProbe header along the path
	first     *pop
	ring      []probeSlot
	nextSeq   uint32
	srtt      time.Duration
	lostInRow int
	up        bool
	lossDown  bool // down because of loss over the window (not a silence)
	// nextSend is when the next probe is due; suspectUntil ends the
	// faster probing that a lost probe starts.
	nextSend     time.Time
	suspectUntil time.Time
	sent         uint64
	// orphanSince is when a down path left every route. Down paths keep
	// being probed (so that their recovery is reported and pathcalc may
	// use them again) until orphanTTL has passed.
	orphanSince time.Time
}

// Probe timing constants.
const (
	// initialTimeout is a path's probe timeout before its first reply, so
	// that a long path's RTT is learnt at all (compare TCP's initial RTO).
	initialTimeout = time.Second
	// orphanTTL bounds how long a down path outside every route is probed.
	orphanTTL = 5 * time.Minute
	// suspectSpeedup is how much faster a path is probed for suspectFor
	// after it lost a probe: a loss burst or a degraded link is then
	// judged on four times the samples, within about a second.
	suspectSpeedup = 4
	suspectFor     = 2 * time.Second
)

// pathEvent is an up/down transition to report.
type pathEvent struct {
	dst   uint16
	nodes []uint16
	up    bool
	lossy bool // down because of loss, not silence
}

// prober sends probes along every path of every route and tracks their
// answers. It never holds its lock while taking the Backbone's.
type prober struct {
	b       *Backbone
	cfg     ProbeConfig
	mu      sync.Mutex
	paths   map[string]*pathState
	byID    map[uint32]*pathState
	nextID  uint32
	events  []pathEvent
	changed chan struct{}
	done    chan struct{}
	exited  chan struct{}
	once    sync.Once
}

func newProber(b *Backbone) *prober {
	return &prober{
		b:       b,
		cfg:     b.cfg.Probe,
		paths:   map[string]*pathState{},
		byID:    map[uint32]*pathState{},
		changed: make(chan struct{}, 1),
		done:    make(chan struct{}),
		exited:  make(chan struct{}),
	}
}

// syncPaths makes the probed paths those of dests: new paths start up, paths
// still present keep their state, paths no longer present are dropped —
// except down paths, which stay probed (as orphans) until they answer again
// or orphanTTL passes, so that pathcalc learns when they recover.
func (p *prober) syncPaths(dests map[uint16]*destRoute) {
	p.mu.Lock()
	defer p.mu.Unlock()
	keep := map[string]bool{}
	for _, d := range dests {
		for _, cp := range d.paths {
			keep[cp.key] = true
			if st := p.paths[cp.key]; st != nil {
				st.orphanSince = time.Time{}
				continue
			}
			p.nextID++
			if p.nextID == echoProbeID {
				p.nextID = 1
			}
			st := &pathState{id: p.nextID, dst: cp.dst, nodes: cp.nodes, first: cp.first,
				ring: make([]probeSlot, p.cfg.Window), up: true}
			st.hdr = cp.hdr
			st.hdr[1] = byte(overlay.TypeProbe)
			p.paths[cp.key] = st
			p.byID[st.id] = st
		}
	}
	now := time.Now()
	for k, st := range p.paths {
		switch {
		case keep[k]:
		case !st.up:
			if st.orphanSince.IsZero() {
				st.orphanSince = now
			}
		default:
			delete(p.paths, k)
			delete(p.byID, st.id)
		}
	}
}

// isUp reports whether the path with key is up (unknown paths are up).
func (p *prober) isUp(key string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.paths[key]
	return st == nil || st.up
}

func (p *prober) stop() {
	p.once.Do(func() { close(p.done) })
	<-p.exited
}

// run probes every path each interval until stop.
func (p *prober) run() {
	defer close(p.exited)
	t := time.NewTicker(p.cfg.Interval / suspectSpeedup)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case now := <-t.C:
			p.tick(now)
		case <-p.changed:
		}
		p.report()
	}
}

// outgoing is a probe to send, built under the lock and sent outside it.
type outgoing struct {
	hdr  [overlay.HeaderLen]byte
	body [overlay.ProbeLen]byte
	to   *pop
}

// tick marks overdue probes lost and sends the next probe on every path.
func (p *prober) tick(now time.Time) {
	var out []outgoing
	p.mu.Lock()
	for k, st := range p.paths {
		if !st.orphanSince.IsZero() && now.Sub(st.orphanSince) > orphanTTL {
			// Give up watching: report it up so that pathcalc forgets the
			// report and may try the path again.
			delete(p.paths, k)
			delete(p.byID, st.id)
			p.events = append(p.events, pathEvent{dst: st.dst, nodes: st.nodes, up: true})
			continue
		}
		suspect := now.Before(st.suspectUntil)
		if !suspect && now.Before(st.nextSend) {
			continue
		}
		p.expire(st, now)
		if now.Before(st.nextSend) {
			continue
		}
		interval := p.cfg.Interval
		if now.Before(st.suspectUntil) {
			interval /= suspectSpeedup
		}
		// Due again one interval on, less a quarter of the fast one, so
		// that ticker jitter does not skip a tick.
		st.nextSend = now.Add(interval - p.cfg.Interval/suspectSpeedup/4)
		seq := st.nextSeq
		st.nextSeq++
		st.ring[int(seq%uint32(len(st.ring)))] = probeSlot{seq: seq, sentAt: now}
		st.sent++
		o := outgoing{hdr: st.hdr, to: st.first}
		pr := overlay.Probe{ID: st.id, Seq: seq, Sent: now.UnixNano()}
		_ = pr.Marshal(o.body[:])
		out = append(out, o)
	}
	p.mu.Unlock()
	for i := range out {
		if err := p.b.bind.sendRaw(out[i].hdr[:], out[i].body[:], out[i].to); err != nil && !errors.Is(err, errClosedSocket) {
			p.b.log.Debug("send path probe", "to", out[i].to.id, "err", err)
		}
	}
}

// expire counts st's probes unanswered after the timeout as lost and marks
// the path down after DownAfter losses in a row or when its loss over the
// window reaches LossDown. p.mu is held.
func (p *prober) expire(st *pathState, now time.Time) {
	timeout := max(p.cfg.Timeout, 2*st.srtt) // long paths get longer
	if st.srtt == 0 {
		timeout = max(timeout, initialTimeout)
	}
	for i := range st.ring {
		s := &st.ring[i]
		if s.sentAt.IsZero() || s.answered || s.lost || now.Sub(s.sentAt) < timeout {
			continue
		}
		s.lost = true
		st.lostInRow++
		st.suspectUntil = now.Add(suspectFor)
		if st.up && st.lostInRow >= p.cfg.DownAfter {
			st.up = false
			p.events = append(p.events, pathEvent{dst: st.dst, nodes: st.nodes, up: false})
		}
	}
	if st.up && p.cfg.LossDown < 1 {
		if lost, resolved := st.loss(); resolved >= len(st.ring)/2 && float64(lost) >= p.cfg.LossDown*float64(resolved) {
			st.up, st.lossDown = false, true
			p.events = append(p.events, pathEvent{dst: st.dst, nodes: st.nodes, up: false, lossy: true})
		}
	}
}

// reply records the answer to a path probe (from the receive goroutine).
func (p *prober) reply(src uint16, pr overlay.Probe, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.byID[pr.ID]
	if st == nil || st.dst != src {
		return
	}
	s := &st.ring[int(pr.Seq%uint32(len(st.ring)))]
	if s.seq != pr.Seq || s.sentAt.IsZero() || s.answered {
		return // unknown or duplicate
	}
	rtt := at.Sub(s.sentAt)
	if st.srtt == 0 {
		st.srtt = rtt
	} else {
		st.srtt += (rtt - st.srtt) / 8
	}
	if s.lost {
		// Too late: it stays counted lost, but its RTT still teaches the
		// timeout, so a path slower than the timeout is not down forever.
		return
	}
	s.answered = true
	st.lostInRow = 0
	if st.lossDown {
		if lost, _ := st.loss(); float64(lost) > p.cfg.LossDown/4*float64(len(st.ring)) {
			return // still lossy
		}
	}
	if !st.up {
		st.up, st.lossDown = true, false
		p.events = append(p.events, pathEvent{dst: st.dst, nodes: st.nodes, up: true})
		select {
		case p.changed <- struct{}{}:
		default:
		}
	}
}

// loss counts the lost and the resolved (lost or answered) probes of the
// window.
func (st *pathState) loss() (lost, resolved int) {
	for _, s := range st.ring {
		if s.lost {
			lost++
		}
		if s.lost || s.answered {
			resolved++
		}
	}
	return lost, resolved
}

// report rebuilds the table after transitions and calls the callbacks.
func (p *prober) report() {
	p.mu.Lock()
	ev := p.events
	p.events = nil
	p.mu.Unlock()
	if len(ev) == 0 {
		return
	}
	b := p.b
	b.mu.Lock()
	if !b.closed {
		b.swapTableLocked()
	}
	b.mu.Unlock()
	for _, e := range ev {
		attrs := []any{"dst", e.dst, "nodes", e.nodes, "up", e.up}
		if e.lossy {
			attrs = append(attrs, "reason", fmt.Sprintf("loss >= %.0f%% over the last %d probes", 100*p.cfg.LossDown, p.cfg.Window))
		}
		b.log.Info("path state", attrs...)
		switch {
		case e.up && b.cfg.OnPathUp != nil:
			b.cfg.OnPathUp(e.dst, slices.Clone(e.nodes))
		case !e.up && b.cfg.OnPathDown != nil:
			b.cfg.OnPathDown(e.dst, slices.Clone(e.nodes))
		}
	}
}

// stats returns the measurements, sorted by destination then path order.
func (p *prober) stats(active func(dst uint16) []uint16) []PathStat {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]PathStat, 0, len(p.paths))
	for _, st := range p.paths {
		lost, resolved := st.loss()
		ps := PathStat{Dst: st.dst, Nodes: slices.Clone(st.nodes), RTT: st.srtt, Up: st.up, Sent: st.sent}
		if resolved > 0 {
			ps.Loss = float64(lost) / float64(resolved)
		}
		out = append(out, ps)
	}
	for i := range out {
		out[i].Active = slices.Equal(out[i].Nodes, active(out[i].Dst))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Dst != out[j].Dst {
			return out[i].Dst < out[j].Dst
		}
		return slices.Compare(out[i].Nodes, out[j].Nodes) < 0
	})
	return out
}

// PathStats returns the probe measurements of every path in the routes
// (nil when probing is disabled).
func (b *Backbone) PathStats() []PathStat {
	if b.prober == nil {
		return nil
	}
	return b.prober.stats(b.ActivePath)
}

// handleProbeReply dispatches probe replies: liveness echoes to
// OnEchoReply, path probes to the prober.
func (b *Backbone) handleProbeReply(src uint16, pr overlay.Probe, at time.Time) {
	if pr.ID == echoProbeID {
		if fn := b.onEcho.Load(); fn != nil {
			(*fn)(src, uint16(pr.Seq), at)
		}
		return
	}
	if b.prober != nil {
		b.prober.reply(src, pr, at)
	}
}

// SetEchoHandler sets (or with nil clears) the function called when the
// reply to SendEcho arrives, replacing Config.OnEchoReply; it lets the
// prober be created after the Backbone. fn runs on the receive goroutine
// and must not block; (*prober.Prober).EchoReply fits.
func (b *Backbone) SetEchoHandler(fn func(peer, seq uint16, at time.Time)) {
	if fn == nil {
		b.onEcho.Store(nil)
		return
	}
	b.onEcho.Store(&fn)
}

// SendEcho sends a liveness echo (a one-hop probe) straight to PoP peer; its
// reply calls Config.OnEchoReply(peer, seq, at). It has the shape of the
// prober's EchoTransport.SendEcho with the target reduced to its id.
func (b *Backbone) SendEcho(peer uint16, seq uint16) error {
	to := b.pops.byID[peer]
	if to == nil {
		return fmt.Errorf("tunnel: echo: pop %d is not a configured peer", peer)
	}
	h := overlay.Header{Type: overlay.TypeProbe, Count: 1, Src: b.cfg.ID, Hops: [overlay.MaxHops]uint16{peer}}
	var hdr [overlay.HeaderLen]byte
	var body [overlay.ProbeLen]byte
	if err := h.Marshal(hdr[:]); err != nil {
		return err
	}
	pr := overlay.Probe{ID: echoProbeID, Seq: uint32(seq), Sent: time.Now().UnixNano()}
	if err := pr.Marshal(body[:]); err != nil {
		return err
	}
	return b.bind.sendRaw(hdr[:], body[:], to)
}

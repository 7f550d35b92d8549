package des

import (
	"fmt"
	"strings"
	"time"

	"github.com/argonet/argo/linkstate"
	"github.com/argonet/argo/pathcalc"
)

// Why a router recomputes.
const (
	trigUrgent   = iota // an urgent table arrived (or was published here)
	trigRecheck         // Hold after an urgent recompute: let hysteresis conclude
	trigRemoval         // membership declared a PoP dead
	trigPeriodic        // nothing urgent for Recompute
	nTrig
)

var trigNames = [nTrig]string{"urgent", "recheck", "removal", "periodic"}

// trigger is a pending recompute. An urgent one carries the change that
// caused it (nil: already judged relevant).
type trigger struct {
	at   int64
	kind int
	ch   *change
}

// triggers is a min-heap on at.
type triggers []trigger

func (h *triggers) push(t trigger) {
	*h = append(*h, t)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p].at <= s[i].at {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *triggers) min() int64 {
	if len(*h) == 0 {
		return never
	}
	return (*h)[0].at
}

func (h *triggers) pop() trigger {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(s) && s[l].at < s[m].at {
			m = l
		}
		if l+1 < len(s) && s[l+1].at < s[m].at {
			m = l + 1
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

// removal is a membership removal of origin at a router.
type removal struct {
	at     int64
	origin int
}

// router is one PoP's route computation side (phase 2): a linkstate.Store
// fed by the gossip model and a pathcalc.Engine updated as argod does.
// Only its phase-2 worker touches it.
type router struct {
	id         int
	alive      bool
	aliveSince int64
	store      *linkstate.Store
	eng        *pathcalc.Engine
	heap       triggers
	removals   []removal
	lastRun    int64    // last recompute from the own store (tick rate limit)
	used       []uint64 // bit a*n+b: some primary uses the link a->b
	missing    bool     // at the last update, some PoP in the store had no route
	recheckAt  int64    // the pending hysteresis recheck, 0 if none
	nodeIdx    int      // next own node change to handle

	prevKey     []uint64
	had         []bool
	pairChanges []uint32
	winChanges  []uint32 // per sample window
	cost        []pairCost
	acc         []sampleAcc // this epoch's samples
	watches     []watchState

	changes, failovers, better, unreach uint64
	steadyChanges                       uint64
	recomputes                          [nTrig]uint64
	shared                              uint64       // periodic recomputes on the shared view
	recomputeNs                         [nTrig]int64 // wall time per trigger kind
}

// phase2Env is what phase 2 shares (read-only).
type phase2Env struct {
	s        *sim
	urgent   []urgentMsg   // this epoch's urgent broadcasts, by time
	samples  []int64       // this epoch's sample times
	periodic []*sharedView // this epoch's periodic recomputes
	watches  []watch
}

// urgentMsg is an urgent broadcast of one origin.
type urgentMsg struct {
	origin int
	v      version
}

// scratch is one phase-2 worker's reusable memory.
type scratch struct {
	links []pathcalc.Link
}

func newRouter(id, n, windows, nWatches int) *router {
	r := &router{
		id: id, prevKey: make([]uint64, n), had: make([]bool, n), pairChanges: make([]uint32, n),
		used:       make([]uint64, (n*n+63)/64),
		winChanges: make([]uint32, windows), cost: make([]pairCost, n), watches: make([]watchState, nWatches),
	}
	return r
}

// start (re)starts the router at t with an empty store and a new engine.
func (r *router) start(s *sim, t int64) error {
	eng, err := pathcalc.NewEngine(uint16(r.id), s.cfg.Path, nil, nil)
	if err != nil {
		return err
	}
	r.alive, r.aliveSince = true, t
	r.store = linkstate.NewStore(uint16(r.id), s.cfg.TTL)
	r.eng = eng
	r.heap = r.heap[:0]
	r.removals = r.removals[:0]
	r.lastRun, r.recheckAt = t-s.tickNs, 0
	clear(r.prevKey)
	clear(r.used)
	r.missing = true
	switch {
	case s.routeDelayNs > 0:
		r.heap.push(trigger{at: t + s.routeDelayNs, kind: trigUrgent})
	case t > 0:
		r.heap.push(trigger{at: t + s.gossip.joinNs, kind: trigUrgent})
	}
	return nil
}

// routing reports whether the router computes routes at time at.
func (r *router) routing(s *sim, at int64) bool { return at >= r.aliveSince+s.routeDelayNs }

// phase2 runs the router over [t0, t1): deliveries, recomputes, samples and
// watch evaluations in time order.
func (r *router) phase2(env *phase2Env, w *scratch, t0, t1 int64) error {
	s := env.s
	if cap(r.acc) < len(env.samples) {
		r.acc = make([]sampleAcc, len(env.samples))
	}
	r.acc = r.acc[:len(env.samples)]
	clear(r.acc)
	for _, m := range env.urgent {
		switch alive, _ := s.nw.alive(r.id, m.v.at); {
		case m.origin == r.id:
			r.heap.push(trigger{at: m.v.at, kind: trigUrgent, ch: m.v.change})
		case alive:
			r.heap.push(trigger{at: s.gossip.deliver(m.origin, r.id, &m.v), kind: trigUrgent, ch: m.v.change})
		}
	}
	nodes := s.nw.nodes[r.id]
	si, wi, pi := 0, 0, 0
	for wi < len(env.watches) && env.watches[wi].from < t0 {
		wi++
	}
	for {
		tn, tt, tp, ts, tw := int64(never), int64(never), int64(never), int64(never), int64(never)
		if r.nodeIdx < len(nodes) {
			tn = nodes[r.nodeIdx].at
		}
		if r.alive {
			tt = r.heap.min()
		}
		if pi < len(env.periodic) {
			tp = env.periodic[pi].at
		}
		if si < len(env.samples) {
			ts = env.samples[si]
		}
		if wi < len(env.watches) {
			tw = env.watches[wi].from
		}
		var err error
		switch at := min(tn, tt, tp, ts, tw); {
		case at >= t1:
			return nil
		case at == tn:
			err = r.nodeChange(s, nodes[r.nodeIdx])
			r.nodeIdx++
		case at == tt:
			err = r.trigger(env, w, at)
		case at == tp:
			if r.alive && r.routing(s, at) {
				err = r.periodic(env, w, env.periodic[pi])
			}
			pi++
		case at == tw:
			if r.alive {
				wa := &env.watches[wi]
				wa.evaluate(&r.watches[wi], r.id, r.eng.Current(), s.truthAt(at), at)
			}
			wi++
		default:
			if r.alive {
				r.sample(s.truthAt(at), &r.acc[si])
			}
			si++
		}
		if err != nil {
			return err
		}
	}
}

// nodeChange handles this PoP's own crash or restart.
func (r *router) nodeChange(s *sim, c nodeChange) error {
	if c.down {
		r.alive = false
		return nil
	}
	return r.start(s, c.at)
}

// trigger handles the earliest pending trigger, at time at.
func (r *router) trigger(env *phase2Env, w *scratch, at int64) error {
	s := env.s
	kind, relevant := trigPeriodic, false
	for r.heap.min() == at { // coalesce simultaneous triggers
		t := r.heap.pop()
		kind = min(kind, t.kind)
		relevant = relevant || t.kind != trigUrgent || r.relevant(s, t.ch)
	}
	if !r.routing(s, at) {
		return nil // the start schedules the first computation
	}
	if kind == trigUrgent && !relevant {
		return nil
	}
	if kind == trigRecheck {
		if at != r.recheckAt {
			return nil // superseded by a later recheck
		}
		r.recheckAt = 0
		return r.recheck(env, at)
	}
	if at < r.lastRun+s.tickNs { // at most one recompute per tick
		r.heap.push(trigger{at: r.lastRun + s.tickNs, kind: kind})
		return nil
	}
	if err := r.recompute(env, w, at, kind); err != nil {
		return err
	}
	r.lastRun = at
	if s.holdNs > 0 {
		// One pending recheck, Hold after the latest urgent recompute,
		// lets a better path seen since then take over.
		r.recheckAt = at + s.holdNs
		r.heap.push(trigger{at: r.recheckAt, kind: trigRecheck})
	}
	return nil
}

// recheck reruns the engine on its last graph, so that hysteresis holds
// that started at the last urgent recompute can conclude (argod reruns it
// every tick).
func (r *router) recheck(env *phase2Env, at int64) error {
	s := env.s
	start := time.Now()
	tab, err := r.eng.Recompute(s.at(at))
	if err != nil {
		return fmt.Errorf("PoP %d at %v: %w", r.id, time.Duration(at), err)
	}
	r.after(env, tab, at, trigRecheck, start)
	return nil
}

// periodic is the periodic recompute: on the shared view when this router
// holds nothing urgent that the shared view lacks, else on its own store.
func (r *router) periodic(env *phase2Env, w *scratch, sv *sharedView) error {
	s := env.s
	at := sv.at
	r.sync(s, at)
	if !r.ownViewNeeded(s, sv) {
		start := time.Now()
		tab, err := r.eng.UpdateGraph(sv.g, s.at(at))
		if err != nil {
			return fmt.Errorf("PoP %d at %v: %w", r.id, time.Duration(at), err)
		}
		r.shared++
		r.after(env, tab, at, trigPeriodic, start)
		return nil
	}
	return r.recompute(env, w, at, trigPeriodic)
}

// ownViewNeeded reports whether the router's store differs from the shared
// view by more than versions without urgent changes.
func (r *router) ownViewNeeded(s *sim, sv *sharedView) bool {
	if r.store.Len() != sv.count {
		return true
	}
	for o := range s.nw.n {
		t, _, ok := r.store.Get(uint16(o))
		if !ok || sv.version[o] == 0 {
			if ok != (sv.version[o] != 0) {
				return true
			}
			continue
		}
		if t.Version > sv.version[o] && s.pops[o].hist.urgentBetween(sv.version[o], t.Version) {
			return true
		}
	}
	return false
}

// recompute syncs the store, rebuilds the graph from it as argod does and
// updates the engine.
func (r *router) recompute(env *phase2Env, w *scratch, at int64, kind int) error {
	s := env.s
	start := time.Now()
	r.sync(s, at)
	links := w.links[:0]
	for o := range s.nw.n {
		t, _, ok := r.store.Get(uint16(o))
		if !ok {
			continue
		}
		v := s.pops[o].hist.find(t.Version)
		if v == nil {
			return fmt.Errorf("internal: PoP %d holds version %d of PoP %d, no longer kept", r.id, t.Version, o)
		}
		links = append(links, v.edges...)
	}
	w.links = links
	tab, err := r.eng.Update(s.nodes, links, s.at(at))
	if err != nil {
		return fmt.Errorf("PoP %d at %v: %w", r.id, time.Duration(at), err)
	}
	r.after(env, tab, at, kind, start)
	return nil
}

// relevant reports whether an urgent change must be acted on at once
// here: a link that one of the current primaries uses got worse, or a link
// got better while some PoP whose table this router held at its last
// update was unreachable, or the change comes from a PoP it has no route
// to (a PoP it did not know, or one that came back).
// argod recomputes on every change; a recompute for any other change
// would publish the same routes, up to hysteresis timers, which the
// periodic recompute runs.
func (r *router) relevant(s *sim, ch *change) bool {
	if ch == nil {
		return true
	}
	n := s.nw.n
	for _, p := range ch.worse {
		if k := ch.origin*n + int(p); r.used[k/64]&(1<<(k%64)) != 0 {
			return true
		}
	}
	return ch.better && (r.missing || r.eng.Current().Route(uint16(ch.origin)) == nil)
}

// after accounts for a new table: cost, route changes, watches, and the
// links its primaries use.
func (r *router) after(env *phase2Env, tab *pathcalc.Table, at int64, kind int, start time.Time) {
	s := env.s
	r.recomputeNs[kind] += int64(time.Since(start))
	r.recomputes[kind]++
	r.countChanges(s, tab, at)
	clear(r.used)
	n := s.nw.n
	for _, rt := range tab.Routes() {
		ns := rt.Primary.Nodes
		for i := 1; i < len(ns); i++ {
			k := int(ns[i-1])*n + int(ns[i])
			r.used[k/64] |= 1 << (k % 64)
		}
	}
	r.missing = len(tab.Routes()) < r.store.Len()-1
	for i := range env.watches {
		wa := &env.watches[i]
		if wa.from <= at && at < wa.until {
			wa.evaluate(&r.watches[i], r.id, tab, s.truthAt(at), at)
		}
	}
}

// sync applies to the store what gossip delivered by at: membership
// removals in order, the newest visible version of every origin, then
// expiry.
func (r *router) sync(s *sim, at int64) {
	for len(r.removals) > 0 && r.removals[0].at <= at {
		rm := r.removals[0]
		r.removals = r.removals[1:]
		r.applyVisible(s, rm.at)
		if alive, _ := s.nw.alive(rm.origin, rm.at); !alive {
			r.store.Remove(uint16(rm.origin))
		}
	}
	r.applyVisible(s, at)
	r.store.Expire(s.at(at))
}

func (r *router) applyVisible(s *sim, at int64) {
	for o := range s.nw.n {
		if v, recv := r.visible(s, o, at); v != nil {
			// Older or equal versions are ignored by the store.
			_, _ = r.store.Apply(linkstate.Table{Origin: uint16(o), Version: v.v}, s.at(recv))
		}
	}
}

// visible returns the newest version of origin o this router holds at
// time at, and when it arrived: its own newest table since it started;
// for others, the newest sent version delivered since it started, or, for
// versions older than its start, the newest one, once the join's full
// state exchange is done. Payloads live once in the origin's history (the
// store holds only origin and version), since every PoP would hold an
// identical copy.
func (r *router) visible(s *sim, o int, at int64) (*version, int64) {
	vs := s.pops[o].hist.vs
	for k := len(vs) - 1; k >= 0; k-- {
		v := &vs[k]
		switch {
		case o == r.id:
			if v.at <= at && v.at >= r.aliveSince {
				return v, v.at
			}
			if v.at < r.aliveSince {
				return nil, 0
			}
		case !v.sent:
		case v.at >= r.aliveSince:
			if d := s.gossip.deliver(o, r.id, v); d <= at {
				return v, d
			}
		case at >= r.aliveSince+s.gossip.joinNs:
			if alive, _ := s.nw.alive(o, r.aliveSince); !alive {
				return nil, 0 // the PoP that answers the join dropped it
			}
			return v, r.aliveSince + s.gossip.joinNs
		default:
			return nil, 0
		}
	}
	return nil, 0
}

// countChanges counts primary-path changes (first routes excluded).
func (r *router) countChanges(s *sim, tab *pathcalc.Table, at int64) {
	win := int(at / s.sampleNs)
	for d := range s.nw.n {
		if d == r.id {
			continue
		}
		route := tab.Route(uint16(d))
		var key uint64
		if route != nil {
			key = pathKey(route.Primary.Nodes)
		}
		if key == r.prevKey[d] {
			continue
		}
		if r.had[d] {
			r.changes++
			r.pairChanges[d]++
			if win < len(r.winChanges) {
				r.winChanges[win]++
			}
			if at >= s.warmupNs {
				r.steadyChanges++
			}
			switch {
			case route == nil:
				r.unreach++
			case strings.HasPrefix(route.Reason, "primary down"):
				r.failovers++
			case strings.HasPrefix(route.Reason, "better"):
				r.better++
			}
		}
		r.had[d] = r.had[d] || key != 0
		r.prevKey[d] = key
	}
}

package des

import (
	"cmp"
	"context"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// epoch0 is virtual time 0: table versions follow this clock, as
// linkstate's follow the wall clock.
var epoch0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// sim is one run.
type sim struct {
	cfg     Config
	log     *slog.Logger
	met     *simMetrics
	nw      *network
	gossip  *gossipModel
	env     phase1Env
	pops    []*pop
	routers []*router
	nodes   []uint16
	watches []watch
	workers int
	scratch []scratch

	tickNs, periodNs, holdNs, sampleNs, warmupNs, checkNs, endNs int64
	routeDelayNs                                                 int64

	truths    []*truth // in force from their from on; pruned as time passes
	nextTruth int      // index in nw.bounds of the next truth to build
	truthN    int

	samples []Sample
	winN    int
	cost    Cost

	reportedRecomputes [nTrig]uint64
}

func (s *sim) at(ns int64) time.Time { return s.env.at(ns) }

func newSim(c Config) (*sim, error) {
	n := c.Slices[0].Len()
	s := &sim{
		cfg: c, log: c.Log, nw: newNetwork(&c), workers: c.Workers,
		tickNs: int64(c.Tick), periodNs: int64(c.Recompute), holdNs: int64(c.Path.Hysteresis.Hold),
		sampleNs: int64(c.Sample), warmupNs: int64(Warmup), checkNs: int64(c.Check), endNs: int64(c.Duration),
		routeDelayNs: int64(c.RouteDelay),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.workers == 0 {
		s.workers = runtime.GOMAXPROCS(0)
	}
	met, err := newSimMetrics(c.Registerer)
	if err != nil {
		return nil, err
	}
	s.met = met
	s.gossip = newGossipModel(s.nw, &c)
	ps := c.Probe
	ps.RTTWindow = 1 // see the package comment: percentiles are not published
	s.env = phase1Env{
		probeEnv: probeEnv{nw: s.nw, jitter: c.Jitter, unix0: epoch0.UnixNano(), interval: int64(c.Probe.Interval), settings: ps},
		gossip:   s.gossip, tickNs: s.tickNs,
		w: c.Path.Weights, urgent: c.Urgent,
	}
	s.watches = newWatches(c.Events, s.endNs)
	s.winN = int((s.endNs + s.sampleNs - 1) / s.sampleNs)
	s.nodes = make([]uint16, n)
	s.pops = make([]*pop, n)
	for i := range n {
		s.nodes[i] = uint16(i)
		s.pops[i] = newPop(i, n, c.Seed, &c)
	}
	for _, id := range routerIDs(n, c.Routers) {
		r := newRouter(id, n, s.winN, len(s.watches))
		if alive, _ := s.nw.alive(id, 0); alive {
			if err := r.start(s, 0); err != nil {
				return nil, err
			}
		}
		r.nodeIdx = startIndex(s.nw.nodes[id])
		s.routers = append(s.routers, r)
	}
	for _, p := range s.pops {
		if alive, _ := s.nw.alive(p.id, 0); alive {
			p.start(&s.env, 0)
		}
	}
	s.scratch = make([]scratch, s.workers)
	return s, nil
}

// startIndex skips node changes at time 0 (handled by the start).
func startIndex(ch []nodeChange) int {
	k := 0
	for k < len(ch) && ch[k].at == 0 {
		k++
	}
	return k
}

// routerIDs spreads k routers evenly over n PoPs (all when k is 0 or n).
func routerIDs(n, k int) []int {
	if k == 0 || k >= n {
		k = n
	}
	ids := make([]int, k)
	for i := range ids {
		ids[i] = i * n / k
	}
	return ids
}

// Warmup is the start of the run excluded from the steady-state figures:
// trackers need UpAfter probes to come up and their SRTT and jitter
// estimates a few seconds to settle.
const Warmup = time.Minute

// Run simulates the configuration and returns the measurements. It stops
// early with ctx's error.
func Run(ctx context.Context, c Config) (*Result, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	wall, cpu := time.Now(), cpuTime()
	s, err := newSim(c)
	if err != nil {
		return nil, err
	}
	s.log.Info("des: starting", "pops", s.nw.n, "routers", len(s.routers), "duration", c.Duration,
		"slices", len(c.Slices), "events", len(c.Events), "workers", s.workers)
	lastLog := time.Now()
	for t0 := int64(0); t0 < s.endNs; {
		t1 := min(t0+s.checkNs*int64(s.cfg.Batch), s.endNs)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.step(t0, t1); err != nil {
			return nil, err
		}
		s.met.virtual.Set(time.Duration(t1).Seconds())
		if time.Since(lastLog) > 10*time.Second {
			lastLog = time.Now()
			s.log.Info("des: progress", "virtual", time.Duration(t1), "wall", time.Since(wall).Round(time.Second))
		}
		t0 = t1
	}
	s.cost.WallSeconds = time.Since(wall).Seconds()
	s.cost.CPUSeconds = (cpuTime() - cpu).Seconds()
	s.cost.MaxRSSBytes = maxRSS()
	res := s.result()
	s.log.Info("des: done", "wall", time.Since(wall).Round(time.Millisecond), "probes", res.Cost.Probes,
		"recomputes", res.Cost.Recomputes, "on_optimal", res.Summary.OnOptimal, "gain_retained", res.Summary.GainRetained)
	return res, nil
}

// step simulates [t0, t1): phase 1 (probes and publications, by PoP), the
// truth, phase 2 (deliveries and routes, by router), then bookkeeping.
func (s *sim) step(t0, t1 int64) error {
	c := &s.cost
	var checks []int64
	for c := t0 + s.checkNs; ; c += s.checkNs {
		if c >= t1 {
			checks = append(checks, t1)
			break
		}
		checks = append(checks, c)
	}
	err := timed(&c.ProbeSeconds, &c.ProbeCPUSeconds, func() error {
		return s.parallel(len(s.pops), func(i int, _ *scratch) error { return s.pops[i].phase1(&s.env, t0, t1, checks) })
	})
	if err != nil {
		return err
	}
	urgent := s.collectEpoch()
	if err := timed(&c.TruthSeconds, &c.TruthCPUSeconds, func() error { return s.ensureTruth(t1) }); err != nil {
		return err
	}
	s.scheduleRemovals(t0, t1)
	env := &phase2Env{s: s, urgent: urgent, watches: s.watches}
	for k := max((t0+s.sampleNs-1)/s.sampleNs, 1); k*s.sampleNs < t1; k++ {
		env.samples = append(env.samples, k*s.sampleNs)
	}
	err = timed(&c.RouteSeconds, &c.RouteCPUSeconds, func() error {
		for k := max((t0+s.periodNs-1)/s.periodNs, 1); k*s.periodNs < t1; k++ {
			sv, links, err := s.newSharedView(k*s.periodNs, s.scratch[0].links)
			s.scratch[0].links = links
			if err != nil {
				return err
			}
			env.periodic = append(env.periodic, sv)
		}
		return s.parallel(len(s.routers), func(i int, w *scratch) error { return s.routers[i].phase2(env, w, t0, t1) })
	})
	if err != nil {
		return err
	}
	s.countRecomputes()
	s.reduceSamples(env)
	s.pruneTruths(t1)
	for _, p := range s.pops {
		p.hist.collect(t1)
	}
	return nil
}

// timed runs f and adds its wall and CPU time (seconds) to wall and cpu.
func timed(wall, cpu *float64, f func() error) error {
	w, c := time.Now(), cpuTime()
	err := f()
	*wall += time.Since(w).Seconds()
	*cpu += (cpuTime() - c).Seconds()
	return err
}

// collectEpoch gathers the epoch's urgent broadcasts in time order and
// adds the epoch's gossip traffic to the receivers.
func (s *sim) collectEpoch() []urgentMsg {
	var urgent []urgentMsg
	var total float64
	own := make([]float64, len(s.pops))
	for _, p := range s.pops {
		for _, v := range p.urgent {
			urgent = append(urgent, urgentMsg{origin: p.id, v: v})
		}
		for _, r := range p.sent {
			own[p.id] += r.bytes
		}
		total += own[p.id]
	}
	for _, p := range s.pops {
		if len(s.nw.nodes[p.id]) == 0 {
			p.stats.rxBytes += total - own[p.id]
		} else { // only what arrives while it runs
			for _, o := range s.pops {
				for _, r := range o.sent {
					if up, _ := s.nw.alive(p.id, r.at); up && o != p {
						p.stats.rxBytes += r.bytes
					}
				}
			}
		}
		s.met.probes.Add(float64(p.stats.probes - p.reported.probes))
		s.met.broadcasts.WithLabelValues("significant").Add(float64(p.stats.significant - p.reported.significant))
		s.met.broadcasts.WithLabelValues("refresh").Add(float64(p.stats.refresh - p.reported.refresh))
		p.reported = p.stats
	}
	slices.SortStableFunc(urgent, func(a, b urgentMsg) int {
		if c := cmp.Compare(a.v.at, b.v.at); c != 0 {
			return c
		}
		return a.origin - b.origin
	})
	return urgent
}

// countRecomputes adds the routers' new recomputes to the metrics.
func (s *sim) countRecomputes() {
	var now [nTrig]uint64
	for _, r := range s.routers {
		for k, v := range r.recomputes {
			now[k] += v
		}
	}
	for k := range now {
		s.met.recomputes.WithLabelValues(trigNames[k]).Add(float64(now[k] - s.reportedRecomputes[k]))
	}
	s.reportedRecomputes = now
}

// scheduleRemovals lets membership remove every PoP that crashes in
// [t0, t1) from every live router's store, DeadAfter later.
func (s *sim) scheduleRemovals(t0, t1 int64) {
	for _, e := range s.cfg.Events {
		at := int64(e.At)
		if e.Action != NodeDown || at < t0 || at >= t1 {
			continue
		}
		for _, r := range s.routers {
			if alive, _ := s.nw.alive(r.id, at); alive && r.id != e.Node {
				rm := at + s.gossip.deadNs
				r.removals = append(r.removals, removal{at: rm, origin: e.Node})
				r.heap.push(trigger{at: rm, kind: trigRemoval})
			}
		}
	}
}

// ensureTruth builds every truth that starts before t1 and prunes those
// no longer in force.
func (s *sim) ensureTruth(t1 int64) error {
	for s.nextTruth < len(s.nw.bounds) && s.nw.bounds[s.nextTruth] < t1 {
		tr, err := buildTruth(s.nw, s.truthN, s.nw.bounds[s.nextTruth], s.cfg.Path, s.workers)
		if err != nil {
			return err
		}
		s.truthN++
		s.nextTruth++
		s.truths = append(s.truths, tr)
	}
	return nil
}

// pruneTruths drops truths superseded before t.
func (s *sim) pruneTruths(t int64) {
	k := 0
	for k+1 < len(s.truths) && s.truths[k+1].from <= t {
		k++
	}
	s.truths = s.truths[k:]
}

// truthAt returns the truth in force at t.
func (s *sim) truthAt(t int64) *truth {
	for k := len(s.truths) - 1; k > 0; k-- {
		if s.truths[k].from <= t {
			return s.truths[k]
		}
	}
	return s.truths[0]
}

// parallel runs f(0..n-1) on the workers, each with its own scratch.
func (s *sim) parallel(n int, f func(i int, w *scratch) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, s.workers)
	for w := range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i, &s.scratch[w]); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

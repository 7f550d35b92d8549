package des

import (
	"math"
	"slices"
	"time"
)

// Result is what a run measured. Times are in seconds of virtual time
// unless named otherwise.
type Result struct {
	Settings Settings      `json:"settings"`
	Cost     Cost          `json:"cost"`
	Summary  Summary       `json:"summary"`
	Gossip   GossipSummary `json:"gossip"`
	Events   []EventResult `json:"events"`
	Samples  []Sample      `json:"samples"`
	PoPs     []PoPResult   `json:"pops"`
}

// Settings records what was simulated.
type Settings struct {
	PoPs            int     `json:"pops"`
	Routers         int     `json:"routers"`
	DurationS       float64 `json:"duration_s"`
	Slices          int     `json:"slices"`
	SliceS          float64 `json:"slice_s,omitempty"`
	Events          int     `json:"events"`
	Jitter          float64 `json:"jitter"`
	Loss            float64 `json:"loss"`
	ProbeIntervalMs float64 `json:"probe_interval_ms"`
	TickMs          float64 `json:"tick_ms"`
	CheckS          float64 `json:"check_s"`
	RecomputeS      float64 `json:"recompute_s"`
	SampleS         float64 `json:"sample_s"`
	MaxHops         int     `json:"max_hops"`
	Seed            uint64  `json:"seed"`
	Workers         int     `json:"workers"`
}

// Cost is what the run cost in wall time, CPU time and work. The CPU
// times are the process's during each phase, all workers together: on a
// machine shared with other work they say more than the wall times, and
// halved they are the wall time two idle cores need.
type Cost struct {
	WallSeconds     float64 `json:"wall_s"`
	CPUSeconds      float64 `json:"cpu_s"`
	ProbeSeconds    float64 `json:"probe_phase_s"`
	ProbeCPUSeconds float64 `json:"probe_phase_cpu_s"`
	RouteSeconds    float64 `json:"route_phase_s"`
	RouteCPUSeconds float64 `json:"route_phase_cpu_s"`
	TruthSeconds    float64 `json:"truth_s"`
	TruthCPUSeconds float64 `json:"truth_cpu_s"`
	// Probes fed through the trackers, and their rate per wall second.
	Probes       uint64  `json:"probes"`
	ProbesPerSec float64 `json:"probes_per_s"`
	// ProbeCPUNs is the CPU time of the probe phase per probe (it includes
	// the publication checks).
	ProbeCPUNs   float64           `json:"probe_cpu_ns"`
	Broadcasts   uint64            `json:"broadcasts"`
	Recomputes   uint64            `json:"recomputes"`
	RecomputesBy map[string]uint64 `json:"recomputes_by_trigger"`
	// SharedRecomputes are the periodic ones done on the shared view.
	SharedRecomputes uint64  `json:"shared_recomputes"`
	RecomputeMeanMs  float64 `json:"recompute_mean_ms"`
	// RecomputeMsBy is the mean wall time of one recompute per trigger.
	RecomputeMsBy map[string]float64 `json:"recompute_ms_by_trigger"`
	// MaxRSSBytes is the process's peak resident memory so far.
	MaxRSSBytes int64 `json:"max_rss_bytes"`
}

// Summary holds the headline figures; the route-quality ones average the
// samples after Warmup.
type Summary struct {
	WarmupS float64 `json:"warmup_s"`
	// OnOptimal is the share of reachable pairs routed on an optimal path.
	OnOptimal float64 `json:"on_optimal"`
	// MeanStretch is the mean of true path cost over optimal cost.
	MeanStretch float64 `json:"mean_stretch"`
	// GainRetained is the gain over the direct paths achieved, relative to
	// the optimal gain: sum(direct-chosen)/sum(direct-optimal).
	GainRetained float64 `json:"gain_retained"`
	// Broken is the share of reachable pairs with no route or a dead one.
	Broken float64 `json:"broken"`
	// RouteChangesPerPairHour counts primary-path changes (first routes
	// excluded) per ordered pair and hour, over the run and after Warmup.
	RouteChangesPerPairHour       float64 `json:"route_changes_per_pair_hour"`
	SteadyRouteChangesPerPairHour float64 `json:"steady_route_changes_per_pair_hour"`
	// PairChangesP99 and PairChangesMax are per-pair counts over the run.
	PairChangesP50 float64 `json:"pair_changes_p50"`
	PairChangesP99 float64 `json:"pair_changes_p99"`
	PairChangesMax float64 `json:"pair_changes_max"`
	// Failovers, Better and Unreachable split the changes by reason.
	Failovers   uint64 `json:"failovers"`
	Better      uint64 `json:"better"`
	Unreachable uint64 `json:"unreachable"`
}

// Sample is the route quality at one instant, with the route changes of
// the window it ends.
type Sample struct {
	T                  float64 `json:"t"`
	Pairs              int     `json:"pairs"`
	OnOptimal          float64 `json:"on_optimal"`
	MeanStretch        float64 `json:"mean_stretch"`
	GainRetained       float64 `json:"gain_retained"`
	Broken             float64 `json:"broken"`
	ChangesPerPairHour float64 `json:"changes_per_pair_hour"`
}

// EventResult is how long the routers took to route around one failure.
type EventResult struct {
	Event string  `json:"event"`
	At    float64 `json:"at"`
	// WindowS is how long the failure lasted (until the next event on the
	// same element or the end).
	WindowS float64 `json:"window_s"`
	// AllS is the time until every router's primaries avoided the element
	// for good; null when some router still used it at the window's end.
	AllS *float64 `json:"all_s"`
	// P50S, P90S and MaxS are over the routers that got there.
	P50S    float64 `json:"p50_s"`
	P90S    float64 `json:"p90_s"`
	MaxS    float64 `json:"max_s"`
	Routers int     `json:"routers"`
	Stuck   int     `json:"stuck"`
}

// GossipSummary describes the link-state traffic per PoP.
type GossipSummary struct {
	// Mode is "direct" (tables above one UDP packet go to every member
	// over TCP) or "epidemic".
	Mode              string  `json:"mode"`
	TableBytes        float64 `json:"table_bytes"`
	BroadcastsPerMin  float64 `json:"broadcasts_per_min"`
	SignificantShare  float64 `json:"significant_share"`
	TxBytesPerSecMean float64 `json:"tx_bytes_per_s_mean"`
	TxBytesPerSecMax  float64 `json:"tx_bytes_per_s_max"`
	RxBytesPerSecMean float64 `json:"rx_bytes_per_s_mean"`
	RxBytesPerSecMax  float64 `json:"rx_bytes_per_s_max"`
}

// PoPResult is one PoP's gossip traffic and route changes.
type PoPResult struct {
	ID               int     `json:"id"`
	TxBytesPerSec    float64 `json:"tx_bytes_per_s"`
	RxBytesPerSec    float64 `json:"rx_bytes_per_s"`
	BroadcastsPerMin float64 `json:"broadcasts_per_min"`
	RouteChanges     uint64  `json:"route_changes"`
	Router           bool    `json:"router"`
}

// reduceSamples sums the routers' contributions to the epoch's samples in
// router order (deterministic whatever the workers did).
func (s *sim) reduceSamples(env *phase2Env) {
	for k, t := range env.samples {
		var a sampleAcc
		for _, r := range s.routers {
			a.add(&r.acc[k])
		}
		sm := Sample{T: time.Duration(t).Seconds(), Pairs: a.pairs}
		if a.pairs > 0 {
			sm.OnOptimal = float64(a.onOpt) / float64(a.pairs)
			sm.Broken = float64(a.broken) / float64(a.pairs)
		}
		if a.stretchN > 0 {
			sm.MeanStretch = a.stretch / float64(a.stretchN)
		}
		sm.GainRetained = 1
		if a.gainOpt > 0 {
			sm.GainRetained = a.gainGot / a.gainOpt
		}
		s.samples = append(s.samples, sm)
	}
}

// result assembles the Result.
func (s *sim) result() *Result {
	c := s.cfg
	res := &Result{
		Settings: Settings{
			PoPs: s.nw.n, Routers: len(s.routers), DurationS: c.Duration.Seconds(), Slices: len(c.Slices),
			Events: len(c.Events), Jitter: c.Jitter, Loss: c.Loss,
			ProbeIntervalMs: float64(c.Probe.Interval) / 1e6, TickMs: float64(c.Tick) / 1e6,
			CheckS: c.Check.Seconds(), RecomputeS: c.Recompute.Seconds(), SampleS: c.Sample.Seconds(),
			MaxHops: c.Path.MaxHops, Seed: c.Seed, Workers: s.workers,
		},
		Cost:    s.cost,
		Samples: s.samples,
	}
	if len(c.Slices) > 1 {
		res.Settings.SliceS = c.SliceDuration.Seconds()
	}
	s.summarizeRoutes(res)
	s.summarizeGossip(res)
	res.Events = s.eventResults()
	return res
}

func (s *sim) summarizeRoutes(res *Result) {
	hours := time.Duration(s.endNs).Hours()
	steadyHours := time.Duration(max(s.endNs-s.warmupNs, 0)).Hours()
	rc := &res.Cost
	rc.RecomputesBy = map[string]uint64{}
	rc.RecomputeMsBy = map[string]float64{}
	var kindNs [nTrig]int64
	var pairs, changes, steady uint64
	var recNs int64
	var perPair []float64
	win := make([]uint64, s.winN)
	for _, r := range s.routers {
		for k, v := range r.recomputes {
			rc.RecomputesBy[trigNames[k]] += v
			rc.Recomputes += v
		}
		for k, v := range r.recomputeNs {
			recNs += v
			kindNs[k] += v
		}
		rc.SharedRecomputes += r.shared
		changes += r.changes
		steady += r.steadyChanges
		res.Summary.Failovers += r.failovers
		res.Summary.Better += r.better
		res.Summary.Unreachable += r.unreach
		for d, v := range r.pairChanges {
			if d != r.id {
				pairs++
				perPair = append(perPair, float64(v))
			}
		}
		for k, v := range r.winChanges {
			win[k] += uint64(v)
		}
	}
	if rc.Recomputes > 0 {
		rc.RecomputeMeanMs = float64(recNs) / float64(rc.Recomputes) / 1e6
	}
	for k, ns := range kindNs {
		if n := rc.RecomputesBy[trigNames[k]]; n > 0 {
			rc.RecomputeMsBy[trigNames[k]] = float64(ns) / float64(n) / 1e6
		}
	}
	for _, p := range s.pops {
		rc.Probes += p.stats.probes
		rc.Broadcasts += p.stats.sent
	}
	if rc.WallSeconds > 0 {
		rc.ProbesPerSec = float64(rc.Probes) / rc.WallSeconds
	}
	if rc.Probes > 0 {
		rc.ProbeCPUNs = rc.ProbeCPUSeconds * 1e9 / float64(rc.Probes)
	}
	sm := &res.Summary
	sm.WarmupS = time.Duration(s.warmupNs).Seconds()
	if pairs > 0 {
		sm.RouteChangesPerPairHour = float64(changes) / float64(pairs) / hours
		if steadyHours > 0 {
			sm.SteadyRouteChangesPerPairHour = float64(steady) / float64(pairs) / steadyHours
		}
		slices.Sort(perPair)
		sm.PairChangesP50 = quantile(perPair, 0.5)
		sm.PairChangesP99 = quantile(perPair, 0.99)
		sm.PairChangesMax = perPair[len(perPair)-1]
	}
	winHours := time.Duration(s.sampleNs).Hours()
	var n int
	for i := range res.Samples {
		sa := &res.Samples[i]
		k := int(math.Round(sa.T*1e9/float64(s.sampleNs))) - 1
		if pairs > 0 && k >= 0 && k < len(win) {
			sa.ChangesPerPairHour = float64(win[k]) / float64(pairs) / winHours
		}
		if sa.T*1e9 < float64(s.warmupNs) {
			continue
		}
		n++
		sm.OnOptimal += sa.OnOptimal
		sm.MeanStretch += sa.MeanStretch
		sm.GainRetained += sa.GainRetained
		sm.Broken += sa.Broken
	}
	if n > 0 {
		sm.OnOptimal /= float64(n)
		sm.MeanStretch /= float64(n)
		sm.GainRetained /= float64(n)
		sm.Broken /= float64(n)
	}
}

func (s *sim) summarizeGossip(res *Result) {
	secs := time.Duration(s.endNs).Seconds()
	g := &res.Gossip
	var sent, significant, bytes uint64
	isRouter := make([]bool, s.nw.n)
	changes := make([]uint64, s.nw.n)
	for _, r := range s.routers {
		isRouter[r.id] = true
		changes[r.id] = r.changes
	}
	for _, p := range s.pops {
		st := p.stats
		sent += st.sent
		significant += st.significant
		bytes += st.tableBytes
		pr := PoPResult{ID: p.id, TxBytesPerSec: st.txBytes / secs, RxBytesPerSec: st.rxBytes / secs,
			BroadcastsPerMin: float64(st.sent) / secs * 60, RouteChanges: changes[p.id], Router: isRouter[p.id]}
		res.PoPs = append(res.PoPs, pr)
		g.TxBytesPerSecMean += pr.TxBytesPerSec
		g.RxBytesPerSecMean += pr.RxBytesPerSec
		g.TxBytesPerSecMax = max(g.TxBytesPerSecMax, pr.TxBytesPerSec)
		g.RxBytesPerSecMax = max(g.RxBytesPerSecMax, pr.RxBytesPerSec)
		g.BroadcastsPerMin += pr.BroadcastsPerMin
	}
	n := float64(s.nw.n)
	g.TxBytesPerSecMean /= n
	g.RxBytesPerSecMean /= n
	g.BroadcastsPerMin /= n
	if sent > 0 {
		g.TableBytes = float64(bytes) / float64(sent)
		g.SignificantShare = float64(significant) / float64(sent)
	}
	g.Mode = "epidemic"
	if g.TableBytes > maxGossipMessage {
		g.Mode = "direct"
	}
}

// eventResults turns the routers' watch states into per-event figures.
func (s *sim) eventResults() []EventResult {
	out := make([]EventResult, 0, len(s.watches))
	for i, w := range s.watches {
		er := EventResult{Event: w.ev.String(), At: time.Duration(w.from).Seconds(), WindowS: time.Duration(w.until - w.from).Seconds()}
		var times []float64
		for _, r := range s.routers {
			st := r.watches[i]
			if alive, _ := s.nw.alive(r.id, w.until-1); !alive || !st.seen {
				continue
			}
			er.Routers++
			if st.dirty {
				er.Stuck++
				continue
			}
			times = append(times, time.Duration(st.cleanSince-w.from).Seconds())
		}
		slices.Sort(times)
		if len(times) > 0 {
			er.P50S, er.P90S, er.MaxS = quantile(times, 0.5), quantile(times, 0.9), times[len(times)-1]
		}
		if er.Stuck == 0 && er.Routers > 0 {
			all := er.MaxS
			er.AllS = &all
		}
		out = append(out, er)
	}
	return out
}

// quantile is the nearest-rank q-quantile of sorted values.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	k := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}

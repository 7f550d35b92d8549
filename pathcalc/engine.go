package pathcalc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Engine turns successive link-state snapshots into route tables for one PoP,
// applying hysteresis, operator pins and in-band path-down reports, and
// publishes each table atomically. Update, Recompute and the setters are
// serialized by a mutex; Current never locks.
type Engine struct {
	self uint16
	log  *slog.Logger
	m    *metrics

	cur atomic.Pointer[Table]

	mu       sync.Mutex
	settings Settings
	pins     map[uint16][]uint16   // dst -> pinned path self..dst
	down     map[uint16][][]uint16 // dst -> paths reported down
	state    map[uint16]routeState // per destination hysteresis state
	gen      uint64
	last     *Graph
}

// routeState is the hysteresis state of one destination.
type routeState struct {
	primary     []uint16 // nil: unreachable
	since       time.Time
	reason      string
	pinned      bool
	betterSince time.Time // start of the current run of "a better path exists"; zero if none
	settleUntil time.Time // end of the settling period after the destination became reachable
}

// NewEngine returns an engine for PoP self. log may be nil (discard); reg may
// be nil (no metrics exported) and must not already hold another engine's
// collectors.
func NewEngine(self uint16, s Settings, log *slog.Logger, reg prometheus.Registerer) (*Engine, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{
		self: self, log: log, m: m, settings: s,
		pins:  map[uint16][]uint16{},
		down:  map[uint16][][]uint16{},
		state: map[uint16]routeState{},
	}, nil
}

// Current returns the latest published table (nil before the first Update).
// It never locks or allocates.
func (e *Engine) Current() *Table { return e.cur.Load() }

// Settings returns the settings the next Update will use.
func (e *Engine) Settings() Settings {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.settings
}

// SetSettings replaces the settings (after a config reload, say); they take
// effect at the next Update (Recompute keeps the last graph's weights).
func (e *Engine) SetSettings(s Settings) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settings = s
	return nil
}

// Update builds the graph from the PoPs and their links, recomputes every
// route, applies hysteresis, pins and path-down reports as of now, and
// publishes the new table. On error (invalid input, self missing) nothing
// changes and the current table stays published.
func (e *Engine) Update(nodes []uint16, links []Link, now time.Time) (*Table, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, err := NewGraph(nodes, links, e.settings.Weights)
	if err != nil {
		return nil, err
	}
	return e.publish(g, now)
}

// UpdateGraph is Update for a graph built by the caller (the simulator
// shares one graph between many engines). The graph must have been built
// with the engine's current Settings.Weights.
func (e *Engine) UpdateGraph(g *Graph, now time.Time) (*Table, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if g.Weights() != e.settings.Weights {
		return nil, errors.New("graph: built with weights other than Settings.Weights")
	}
	return e.publish(g, now)
}

// Recompute reruns Update on the last graph, e.g. right after Pin, Unpin or
// SetPathDown so that they take effect without waiting for new link state.
func (e *Engine) Recompute(now time.Time) (*Table, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.last == nil {
		return nil, errors.New("no graph yet: call Update first")
	}
	return e.publish(e.last, now)
}

// publish computes, decides and swaps in a table. Called with mu held.
func (e *Engine) publish(g *Graph, now time.Time) (*Table, error) {
	start := time.Now()
	src, ok := g.idx(e.self)
	if !ok {
		return nil, fmt.Errorf("nodes: self %d missing", e.self)
	}
	hops := e.settings.MaxHops
	s := newSolver(g, src, hops)
	forb := e.forbidden(g)
	prev := e.cur.Load()
	prim := make([]label, g.n)
	meta := make([]routeMeta, g.n)
	state := make(map[uint16]routeState, g.n)
	var changes []change
	dc := decider{g: g, s: s, h: e.settings.Hysteresis, hops: hops, now: now}
	for d := range prim {
		prim[d] = noLabel
		if d == src {
			continue
		}
		id := g.ids[d]
		st, known := e.state[id]
		p, ns, ch := dc.decide(d, st, known, e.pins[id], forb[d], prev.Route(id))
		prim[d] = p
		if p.ok() || ns.reason != "" {
			state[id] = ns
		}
		meta[d] = routeMeta{since: ns.since, reason: ns.reason, pinned: ns.pinned}
		if ch != nil {
			ch.dst = id
			changes = append(changes, *ch)
		}
	}
	t := newTable(g, src, hops, prim, s.backups(prim, forb), meta)
	e.gen++
	t.Generation, t.Computed = e.gen, now
	e.cur.Store(t)
	e.state, e.last = state, g
	e.report(t, changes, time.Since(start))
	return t, nil
}

// forbidden converts the path-down reports into labels of g; reports whose
// path is not live in g are dropped (they cannot be chosen anyway).
func (e *Engine) forbidden(g *Graph) [][]label {
	out := make([][]label, g.n)
	for dst, ps := range e.down {
		d, ok := g.idx(dst)
		if !ok {
			continue
		}
		for _, p := range ps {
			if l, ok := g.labelOf(p); ok {
				out[d] = append(out[d], l)
			}
		}
	}
	return out
}

// report logs and counts the changes and refreshes the gauges.
func (e *Engine) report(t *Table, changes []change, took time.Duration) {
	relayed := 0
	for _, r := range t.Routes() {
		if r.Primary.Hops() > 1 {
			relayed++
		}
	}
	for _, c := range changes {
		e.m.changes.WithLabelValues(c.kind).Inc()
		level := slog.LevelInfo
		if c.kind == ReasonInitial {
			level = slog.LevelDebug
		}
		to := "none"
		if r := t.Route(c.dst); r != nil {
			to = r.Primary.String()
		}
		e.log.Log(context.Background(), level, "route changed", "dst", c.dst, "kind", c.kind, "reason", c.text,
			"from", fmtNodes(c.from), "to", to, "generation", t.Generation)
	}
	e.m.routes.Set(float64(len(t.Routes())))
	e.m.unreachable.Set(float64(len(t.Unreachable())))
	e.m.relayed.Set(float64(relayed))
	e.m.generation.Set(float64(t.Generation))
	e.m.seconds.Observe(took.Seconds())
}

// fmtNodes formats a node path as "1>5>9" ("none" when empty).
func fmtNodes(p []uint16) string {
	if len(p) == 0 {
		return "none"
	}
	s := ""
	for i, n := range p {
		if i > 0 {
			s += ">"
		}
		s += fmt.Sprint(n)
	}
	return s
}

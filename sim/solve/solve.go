package solve

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/argonet/argo/pathcalc"
	"github.com/argonet/argo/sim/matrix"
)

// Options configure Solve.
type Options struct {
	// MaxHops is the most links a path may have, 1..4 (argod's default 3).
	MaxHops int
	// RelayCostMs is added per relay PoP (argod's default is 1 ms).
	RelayCostMs float64
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
}

// DefaultOptions returns argod's hop limit (three links) and no relay
// cost, so that path costs are pure RTT sums as in the literature the
// design cites (argod's own default relay cost is 1 ms).
func DefaultOptions() Options {
	return Options{MaxHops: pathcalc.DefaultSettings().MaxHops}
}

// Validate reports an invalid MaxHops or RelayCostMs by name.
func (o Options) Validate() error {
	s := pathcalc.DefaultSettings()
	s.MaxHops, s.Weights = o.MaxHops, o.Weights()
	return s.Validate()
}

// Weights returns pathcalc's default weights with the options' relay cost.
func (o Options) Weights() pathcalc.Weights {
	w := pathcalc.DefaultWeights()
	w.RelayCostMs = o.RelayCostMs
	return w
}

// Pair is the best path from Src to Dst (matrix indices).
type Pair struct {
	Src int `json:"src"`
	Dst int `json:"dst"`
	// DirectMs is the cost of the direct edge, nil when not measured.
	DirectMs *float64 `json:"direct_ms"`
	// BestMs is the cost of the best path (relay costs included).
	BestMs float64 `json:"best_ms"`
	// Path lists the PoPs from Src to Dst.
	Path []int `json:"path"`
}

// Gain returns the relative gain (direct-best)/direct, 0 without a direct
// edge.
func (p *Pair) Gain() float64 {
	if p.DirectMs == nil || *p.DirectMs <= 0 {
		return 0
	}
	return (*p.DirectMs - p.BestMs) / *p.DirectMs
}

// Result is the output of Solve.
type Result struct {
	Summary Summary `json:"summary"`
	Pairs   []Pair  `json:"pairs"` // by Src, then Dst
}

// Links turns a matrix into PoP ids 0..N-1 and one live link per measured
// entry (RTT from the matrix, no jitter, no loss).
func Links(m *matrix.Matrix) ([]uint16, []pathcalc.Link) {
	n := m.Len()
	nodes := make([]uint16, n)
	links := make([]pathcalc.Link, 0, m.Edges())
	for i := range n {
		nodes[i] = uint16(i)
		for j := range n {
			if v, ok := m.At(i, j); ok {
				links = append(links, pathcalc.Link{From: uint16(i), To: uint16(j), RTT: Duration(v), Up: true})
			}
		}
	}
	return nodes, links
}

// Duration converts milliseconds to a time.Duration, rounding to the
// nanosecond.
func Duration(ms float64) time.Duration { return time.Duration(ms*1e6 + 0.5) }

// Solve computes, for every source, pathcalc's best path to every other PoP
// and the summary.
func Solve(m *matrix.Matrix, o Options) (*Result, error) {
	if m.Len() > pathcalc.MaxNodes {
		return nil, fmt.Errorf("matrix: %d nodes exceed pathcalc's maximum %d", m.Len(), pathcalc.MaxNodes)
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	nodes, links := Links(m)
	g, err := pathcalc.NewGraph(nodes, links, o.Weights())
	if err != nil {
		return nil, err
	}
	perSrc, err := computeAll(g, m.Len(), o)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, ps := range perSrc {
		total += len(ps)
	}
	r := &Result{Pairs: make([]Pair, 0, total)}
	for _, ps := range perSrc {
		r.Pairs = append(r.Pairs, ps...)
	}
	r.Summary = summarize(r.Pairs, m.Len(), o)
	return r, nil
}

// computeAll runs pathcalc.Compute for every source on the workers.
func computeAll(g *pathcalc.Graph, n int, o Options) ([][]Pair, error) {
	out := make([][]Pair, n)
	err := ComputeEach(g, n, o.MaxHops, o.Workers, nil, func(src int, t *pathcalc.Table) {
		out[src] = pairsOf(t, src)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ComputeEach runs pathcalc.Compute from every source 0..n-1 of g on
// workers goroutines (<= 0: GOMAXPROCS) and hands each table to fn, which
// may run concurrently for different sources. Sources for which skip
// returns true are left out (skip may be nil). It returns the first error.
func ComputeEach(g *pathcalc.Graph, n, maxHops, workers int, skip func(src int) bool, fn func(src int, t *pathcalc.Table)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				src := int(next.Add(1) - 1)
				if src >= n {
					return
				}
				if skip != nil && skip(src) {
					continue
				}
				t, err := pathcalc.Compute(g, uint16(src), maxHops)
				if err != nil {
					errs[w] = err
					return
				}
				fn(src, t)
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

// pairsOf converts one source's table, carving paths out of one arena.
func pairsOf(t *pathcalc.Table, src int) []Pair {
	routes := t.Routes()
	ps := make([]Pair, len(routes))
	hops := 0
	for _, r := range routes {
		hops += len(r.Primary.Nodes)
	}
	arena := make([]int, 0, hops)
	direct := make([]float64, len(routes))
	for i, r := range routes {
		start := len(arena)
		for _, id := range r.Primary.Nodes {
			arena = append(arena, int(id))
		}
		ps[i] = Pair{Src: src, Dst: int(r.Dst), BestMs: r.Primary.Cost, Path: arena[start:len(arena):len(arena)]}
		if r.DirectUp {
			direct[i] = r.DirectCost
			ps[i].DirectMs = &direct[i]
		}
	}
	return ps
}

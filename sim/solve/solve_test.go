package solve

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argonet/argo/pathcalc"
	"github.com/argonet/argo/sim/matrix"
)

const planetlabPath = "../../../shared/data/planetlab_9.tsv"

// randomMatrix returns an asymmetric n x n matrix with small integer RTTs
// (so that ties are common) and some missing entries.
func randomMatrix(t testing.TB, r *rand.Rand, n int) *matrix.Matrix {
	t.Helper()
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, n)
		for j := range rows[i] {
			switch {
			case i == j:
			case r.IntN(6) == 0:
				rows[i][j] = math.NaN()
			default:
				rows[i][j] = float64(1 + r.IntN(40))
				if r.IntN(3) == 0 {
					rows[i][j] += r.Float64()
				}
			}
		}
	}
	m, err := matrix.New(rows)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// brute returns, by exhaustive enumeration of every simple path of at most
// hops links, the best path from src to every node under pathcalc's order
// (cost, then fewer links, then the lexicographically lowest node
// sequence), accumulating costs with pathcalc's formula.
func brute(g *pathcalc.Graph, n, src, hops int, relay float64) []pathcalc.Path {
	best := make([]pathcalc.Path, n)
	for i := range best {
		best[i].Cost = math.Inf(1)
	}
	better := func(c float64, p []uint16, b pathcalc.Path) bool {
		switch {
		case c != b.Cost:
			return c < b.Cost
		case len(p) != len(b.Nodes):
			return len(p) < len(b.Nodes)
		}
		return slices.Compare(p, b.Nodes) < 0
	}
	var walk func(p []uint16, c float64)
	walk = func(p []uint16, c float64) {
		if len(p) > 1 {
			d := p[len(p)-1]
			if better(c, p, best[d]) {
				best[d] = pathcalc.Path{Nodes: slices.Clone(p), Cost: c}
			}
		}
		if len(p)-1 == hops {
			return
		}
		u := p[len(p)-1]
		for v := range n {
			if slices.Contains(p, uint16(v)) {
				continue
			}
			w, ok := g.Cost(u, uint16(v))
			if !ok {
				continue
			}
			nc := w
			if len(p) > 1 {
				nc = c + (w + relay)
			}
			walk(append(p, uint16(v)), nc)
		}
	}
	walk([]uint16{uint16(src)}, 0)
	return best
}

// TestSolveEqualsBruteForce checks every pair of many random matrices
// against exhaustive enumeration, for every hop limit and several relay
// costs.
func TestSolveEqualsBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	checked := 0
	for trial := range 60 {
		n := 2 + trial%8
		m := randomMatrix(t, r, n)
		for hops := 1; hops <= pathcalc.MaxPathHops; hops++ {
			for _, relay := range []float64{0, 1, 2.5} {
				o := Options{MaxHops: hops, RelayCostMs: relay, Workers: 1 + trial%3}
				res, err := Solve(m, o)
				if err != nil {
					t.Fatal(err)
				}
				nodes, links := Links(m)
				g, err := pathcalc.NewGraph(nodes, links, o.Weights())
				if err != nil {
					t.Fatal(err)
				}
				got := map[[2]int]Pair{}
				for _, p := range res.Pairs {
					got[[2]int{p.Src, p.Dst}] = p
				}
				for src := range n {
					want := brute(g, n, src, hops, relay)
					for dst := range n {
						p, ok := got[[2]int{src, dst}]
						w := want[dst]
						if dst == src || math.IsInf(w.Cost, 1) {
							if ok {
								t.Fatalf("trial %d hops %d: %d->%d reported %v, brute force finds no path", trial, hops, src, dst, p)
							}
							continue
						}
						if !ok || p.BestMs != w.Cost || !slices.Equal(p.Path, ints(w.Nodes)) {
							t.Fatalf("trial %d hops %d relay %g: %d->%d got %+v, brute force %v", trial, hops, relay, src, dst, p, w)
						}
						checked++
					}
				}
			}
		}
	}
	t.Logf("%d pairs equal to brute force", checked)
}

func ints(p []uint16) []int {
	out := make([]int, len(p))
	for i, v := range p {
		out[i] = int(v)
	}
	return out
}

func TestSummaryAndJSON(t *testing.T) {
	nan := math.NaN()
	// 0->2 direct 100, via 1: 10 + 10 + relay 1 = 21; 2->0 missing: only via 1.
	m, err := matrix.New([][]float64{{0, 10, 100}, {10, 0, 10}, {nan, 10, 0}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Solve(m, Options{MaxHops: 3, RelayCostMs: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if s.Nodes != 3 || s.Pairs != 6 || s.DirectPairs != 5 || s.OverlayOnly != 1 {
		t.Fatalf("summary %+v", s)
	}
	if math.Abs(s.Improved10-0.2) > 1e-12 || math.Abs(s.MeanDirectMs-28) > 1e-9 || math.Abs(s.MeanBestMs-12.2) > 1e-9 {
		t.Fatalf("summary %+v", s)
	}
	if s.GainP50 != 0 || math.Abs(s.GainP99-0.79) > 1e-9 {
		t.Fatalf("gains %+v", s)
	}
	var b bytes.Buffer
	if err := res.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Summary map[string]any `json:"summary"`
		Pairs   []map[string]any
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"nodes", "pairs", "improved_10pct", "mean_direct_ms", "mean_best_ms", "gain_p50", "gain_p90", "gain_p99"} {
		if _, ok := doc.Summary[k]; !ok {
			t.Errorf("summary lacks %q", k)
		}
	}
	var overlayOnly map[string]any
	for _, p := range doc.Pairs {
		if p["src"] == 2.0 && p["dst"] == 0.0 {
			overlayOnly = p
		}
	}
	if overlayOnly == nil || overlayOnly["direct_ms"] != nil {
		t.Fatalf("pair 2->0: %v, want direct_ms null", overlayOnly)
	}
	if path := overlayOnly["path"].([]any); len(path) != 3 || path[1] != 1.0 {
		t.Fatalf("pair 2->0 path %v", path)
	}
	b.Reset()
	if err := res.WriteTable(&b, 20); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "improved >10%    20.0 %") || !strings.Contains(out, "0>1>2") {
		t.Fatalf("table:\n%s", out)
	}
	if top := res.Top(1); len(top) != 1 || top[0].Src != 0 || top[0].Dst != 2 {
		t.Fatalf("top %v", top)
	}
}

func TestSolveRejectsBadOptions(t *testing.T) {
	m, _ := matrix.New([][]float64{{0, 1}, {1, 0}})
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{MaxHops: 0}, "MaxHops"},
		{Options{MaxHops: 5}, "MaxHops"},
		{Options{MaxHops: 3, RelayCostMs: -1}, "RelayCostMs"},
		{Options{MaxHops: 3, RelayCostMs: math.NaN()}, "RelayCostMs"},
	} {
		if _, err := Solve(m, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want an error naming %s", c.o, err, c.want)
		}
	}
}

func TestDurationRounds(t *testing.T) {
	if d := Duration(12.3456789); d != 12345679*time.Nanosecond {
		t.Fatalf("got %v", d)
	}
}

func loadPlanetlab(t testing.TB) *matrix.Matrix {
	t.Helper()
	m, err := matrix.ReadFile(planetlabPath, matrix.Milliseconds)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("real RTT matrix not found at %s (CI clones shared/ beside the repo)", planetlabPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPlanetlab checks the headline figure on the real matrix: with at most
// three links, about 48 % of the pairs improve by more than 10 % (pure RTT,
// as the literature measures it; argod's default 1 ms relay cost is printed
// too).
func TestPlanetlab(t *testing.T) {
	m := loadPlanetlab(t)
	relays := []float64{0, 1}
	if raceEnabled {
		relays = relays[:1] // the figure under test; the race run is slow
	}
	for _, relay := range relays {
		res, err := Solve(m, Options{MaxHops: 3, RelayCostMs: relay})
		if err != nil {
			t.Fatal(err)
		}
		s := res.Summary
		t.Logf("planetlab, 3 links, relay cost %g ms: %.2f %% of %d pairs improved >10 %%, mean %.1f -> %.1f ms, gain p50/p90/p99 %.3f/%.3f/%.3f",
			relay, 100*s.Improved10, s.Pairs, s.MeanDirectMs, s.MeanBestMs, s.GainP50, s.GainP90, s.GainP99)
		if s.Pairs != 490*489 || s.DirectPairs != s.Pairs {
			t.Fatalf("pairs %d / %d", s.Pairs, s.DirectPairs)
		}
		if relay == 0 && (s.Improved10 < 0.45 || s.Improved10 > 0.51) {
			t.Fatalf("improved_10pct %.4f outside [0.45, 0.51]", s.Improved10)
		}
		if s.MeanBestMs > s.MeanDirectMs {
			t.Fatalf("best %.2f worse than direct %.2f", s.MeanBestMs, s.MeanDirectMs)
		}
	}
}

// TestPlanetlabSpeed solves all 490 sources of the real matrix with
// three links on both cores in under 2 s. Other work shares this machine
// (and go test runs packages in parallel), so it takes the best of three
// runs and also accepts a CPU time under 2 s per core: the wall time two
// idle cores would need.
func TestPlanetlabSpeed(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("timing test: skipped under -race and -short")
	}
	m := loadPlanetlab(t)
	o := DefaultOptions()
	o.Workers = 2
	best, bestCPU := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for range 3 {
		start, cpu := time.Now(), cpuTime()
		if _, err := Solve(m, o); err != nil {
			t.Fatal(err)
		}
		best, bestCPU = min(best, time.Since(start)), min(bestCPU, cpuTime()-cpu)
	}
	t.Logf("490 sources, 3 links, 2 workers: best of 3 runs %v wall, %v CPU", best, bestCPU)
	if best > 2*time.Second && bestCPU/2 > 2*time.Second {
		t.Fatalf("490 sources took %v (%v CPU on 2 workers), want < 2 s", best, bestCPU)
	}
}

// cpuTime returns the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSolvePlanetlab is all 490 sources of the real matrix, three
// links, on all cores; ns/op is the wall time of one full solve.
func BenchmarkSolvePlanetlab(b *testing.B) {
	m := loadPlanetlab(b)
	o := DefaultOptions()
	for _, w := range []int{1, 0} {
		o.Workers = w
		name := "workers=all"
		if w == 1 {
			name = "workers=1"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Solve(m, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package pathcalc

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// randomGraph builds a random graph with n PoPs (random sparse ids), missing,
// down and lossy links, asymmetric costs, negative biases and, when ints is
// set, small integer costs so that ties are frequent.
func randomGraph(t testing.TB, r *rand.Rand, n int, ints bool) *Graph {
	t.Helper()
	ids := r.Perm(40)[:n]
	nodes := make([]uint16, n)
	for i, id := range ids {
		nodes[i] = uint16(id)
	}
	w := DefaultWeights()
	w.RelayCostMs = []float64{0, 1, 2.5}[r.IntN(3)]
	pMissing, pDown := r.Float64()*0.5, r.Float64()*0.2
	var links []Link
	for _, a := range nodes {
		for _, b := range nodes {
			if a == b || r.Float64() < pMissing {
				continue
			}
			l := Link{From: a, To: b, Up: r.Float64() >= pDown}
			if ints {
				l.RTT = time.Duration(1+r.IntN(6)) * time.Millisecond
			} else {
				l.RTT = time.Duration(r.Float64() * 100 * float64(time.Millisecond))
				l.Jitter = time.Duration(r.Float64() * 5 * float64(time.Millisecond))
				if r.IntN(4) == 0 {
					l.Loss = r.Float64() * 0.7
				}
				if r.IntN(5) == 0 {
					l.BiasMs = (r.Float64() - 0.7) * 50
				}
			}
			links = append(links, l)
		}
	}
	g, err := NewGraph(nodes, links, w)
	if err != nil {
		t.Fatalf("NewGraph: %v", err)
	}
	return g
}

// labelPath converts a label of the solver to ids for comparison.
func labelPath(g *Graph, src int, l label) []uint16 {
	p, _ := g.path(src, l, nil)
	return p.Nodes
}

// checkSame compares a solver result with the reference.
func checkSame(t *testing.T, g *Graph, src int, what string, got label, want brutePath, ok bool) {
	t.Helper()
	if got.ok() != ok {
		t.Fatalf("%s: found=%v, reference found=%v (%v)", what, got.ok(), ok, want.nodes)
	}
	if !ok {
		return
	}
	gp := labelPath(g, src, got)
	if got.cost != want.cost || !slices.Equal(gp, want.nodes) {
		t.Fatalf("%s: got %v cost %v, reference %v cost %v", what, gp, got.cost, want.nodes, want.cost)
	}
}

// randomForbidden marks some of each destination's best paths as down.
func randomForbidden(r *rand.Rand, all map[uint16][]brutePath) map[uint16][][]uint16 {
	forb := map[uint16][][]uint16{}
	for d, ps := range all {
		if r.IntN(3) != 0 {
			continue
		}
		ps = slices.Clone(ps)
		slices.SortFunc(ps, func(a, b brutePath) int {
			if bruteLess(a, b) {
				return -1
			}
			return 1
		})
		for i := 0; i < len(ps) && i < 4; i++ {
			if r.IntN(2) == 0 {
				forb[d] = append(forb[d], ps[i].nodes)
			}
		}
	}
	return forb
}

// toLabels converts id paths to labels for the solver.
func toLabels(t *testing.T, g *Graph, forb map[uint16][][]uint16) [][]label {
	out := make([][]label, g.n)
	for d, ps := range forb {
		di, _ := g.idx(d)
		for _, p := range ps {
			l, ok := g.labelOf(p)
			if !ok {
				t.Fatalf("labelOf(%v) failed", p)
			}
			out[di] = append(out[di], l)
		}
	}
	return out
}

// TestPropertyAgainstBruteForce checks primaries and backups A, B and C,
// with and without forbidden paths, against exhaustive enumeration.
func TestPropertyAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	iters := 1500
	if testing.Short() {
		iters = 200
	}
	for it := range iters {
		n := 2 + r.IntN(8)
		hops := 1 + r.IntN(MaxPathHops)
		ints := r.IntN(2) == 0
		g := randomGraph(t, r, n, ints)
		src := r.IntN(n)
		self := g.ids[src]
		all := allPaths(g, self, hops)
		var forb map[uint16][][]uint16
		if r.IntN(3) == 0 {
			forb = randomForbidden(r, all)
		}
		ref := bruteCompute(g, self, hops, forb)
		s := newSolver(g, src, hops)
		fl := toLabels(t, g, forb)
		prim := make([]label, n)
		for d := range prim {
			prim[d] = s.primary(d, fl[d])
		}
		alt := s.backups(prim, fl)
		for d := range prim {
			if d == src {
				continue
			}
			want := ref[g.ids[d]]
			name := fmt.Sprintf("iter %d n=%d hops=%d src=%d dst=%d forb=%v", it, n, hops, self, g.ids[d], forb[g.ids[d]])
			checkSame(t, g, src, name+" primary", prim[d], want.primary, want.okP)
			if !want.okP {
				continue
			}
			checkSame(t, g, src, name+" A", alt[d].a, want.a, want.okA)
			checkSame(t, g, src, name+" B", alt[d].b, want.b, want.okB)
			checkSame(t, g, src, name+" C", alt[d].c, want.c, want.okC)
		}
	}
}

// TestPropertyBackupsOfAnyPrimary checks backups relative to an arbitrary
// live primary (as kept by hysteresis or pinned, up to MaxPathHops links even
// when the search limit is lower).
func TestPropertyBackupsOfAnyPrimary(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	iters := 1000
	if testing.Short() {
		iters = 150
	}
	for it := range iters {
		n := 2 + r.IntN(8)
		hops := 1 + r.IntN(MaxPathHops)
		g := randomGraph(t, r, n, r.IntN(2) == 0)
		src := r.IntN(n)
		self := g.ids[src]
		limited := allPaths(g, self, hops)
		anyLen := allPaths(g, self, MaxPathHops)
		var forb map[uint16][][]uint16
		if r.IntN(3) == 0 {
			forb = randomForbidden(r, limited)
		}
		fl := toLabels(t, g, forb)
		s := newSolver(g, src, hops)
		prim := make([]label, n)
		chosen := make([][]uint16, n)
		for d := range prim {
			prim[d] = noLabel
			ps := anyLen[g.ids[d]]
			if d == src || len(ps) == 0 {
				continue
			}
			p := ps[r.IntN(len(ps))]
			chosen[d] = p.nodes
			prim[d], _ = g.labelOf(p.nodes)
		}
		alt := s.backups(prim, fl)
		for d := range prim {
			if chosen[d] == nil {
				continue
			}
			allowed := func(p brutePath) bool {
				for _, f := range forb[g.ids[d]] {
					if slices.Equal(f, p.nodes) {
						return false
					}
				}
				return true
			}
			a, b, c, okA, okB, okC := bruteBackups(limited[g.ids[d]], chosen[d], allowed)
			name := fmt.Sprintf("iter %d n=%d hops=%d src=%d primary=%v", it, n, hops, self, chosen[d])
			checkSame(t, g, src, name+" A", alt[d].a, a, okA)
			checkSame(t, g, src, name+" B", alt[d].b, b, okB)
			checkSame(t, g, src, name+" C", alt[d].c, c, okC)
		}
	}
}

package pathcalc

import (
	"errors"
	"io/fs"
	"os"
	"testing"
)

// loadPlanetlab returns the real matrix as a graph, or skips.
func loadPlanetlab(t *testing.T, w Weights) *Graph {
	t.Helper()
	m, err := loadMatrix(planetlabPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("real RTT matrix not found at %s (CI clones shared/ beside the repo)", planetlabPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	nodes, links, missing := matrixLinks(m)
	t.Logf("planetlab: %d hosts, %d links, %d off-diagonal entries nonpositive or missing (no link)", len(nodes), len(links), missing)
	g, err := NewGraph(nodes, links, w)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestPlanetlabDetourFraction measures, on the real matrix, how often the
// best path through relays beats the direct path by more than 10 %.
func TestPlanetlabDetourFraction(t *testing.T) {
	w := DefaultWeights()
	w.RelayCostMs = 0 // compare pure RTT, as the literature does
	g := loadPlanetlab(t, w)
	step := 1
	if raceEnabled {
		step = 7 // a sample of sources keeps the race run short
	}
	for _, hops := range []int{2, 3} {
		pairs, better, relayed := 0, 0, 0
		for i := 0; i < len(g.ids); i += step {
			self := g.ids[i]
			tb, err := Compute(g, self, hops)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tb.Routes() {
				if !r.DirectUp {
					continue
				}
				pairs++
				if r.Primary.Hops() > 1 {
					relayed++
					if r.Primary.Cost < 0.9*r.DirectCost {
						better++
					}
				}
				if r.Primary.Cost > r.DirectCost {
					t.Fatalf("%d->%d: primary %v worse than direct %v", self, r.Dst, r.Primary, r.DirectCost)
				}
			}
		}
		frac := float64(better) / float64(pairs)
		t.Logf("MaxHops %d: relay beats direct by >10%% for %d of %d pairs (%.1f %%); relay path best for %.1f %%",
			hops, better, pairs, 100*frac, 100*float64(relayed)/float64(pairs))
		if frac < 0.15 || frac > 0.85 {
			t.Fatalf("fraction %.3f outside sanity bounds [0.15, 0.85]", frac)
		}
	}
}

// TestPlanetlabBruteForce spot-checks primaries and backups on the real
// matrix against exhaustive enumeration for a sample of sources.
func TestPlanetlabBruteForce(t *testing.T) {
	g := loadPlanetlab(t, DefaultWeights())
	type sample struct{ src, hops int }
	samples := []sample{{0, 2}, {123, 2}, {489, 2}, {301, 3}}
	if raceEnabled || testing.Short() {
		samples = []sample{{0, 2}, {301, 2}}
	}
	for _, sm := range samples {
		self := g.ids[sm.src]
		tb, err := Compute(g, self, sm.hops)
		if err != nil {
			t.Fatal(err)
		}
		ref := bruteIndexed(g, sm.src, sm.hops)
		checked := 0
		for d, want := range ref {
			if d == sm.src {
				continue
			}
			r := tb.Route(g.ids[d])
			if r == nil {
				t.Fatalf("src %d dst %d: no route", self, g.ids[d])
			}
			if r.Primary.Cost != want.primary.cost || !samePathIdx(g, r.Primary.Nodes, sm.src, want.primary) {
				t.Fatalf("src %d dst %d: primary %v, reference %v", self, g.ids[d], r.Primary, want.primary)
			}
			if len(r.Backups) == 0 || r.Backups[0].Cost != want.a.cost || !samePathIdx(g, r.Backups[0].Nodes, sm.src, want.a) {
				t.Fatalf("src %d dst %d: A %v, reference %+v", self, g.ids[d], r.Backups, want.a)
			}
			if b := r.Backups[r.Disjoint]; b.Cost != want.b.cost || !samePathIdx(g, b.Nodes, sm.src, want.b) {
				t.Fatalf("src %d dst %d: B %v, reference %+v", self, g.ids[d], b, want.b)
			}
			checked++
		}
		t.Logf("src %d MaxHops %d: %d destinations match brute force", self, sm.hops, checked)
	}
}

func samePathIdx(g *Graph, ids []uint16, src int, l label) bool {
	return g.samePath(src, Path{Nodes: ids}, l)
}

// bruteIndexed enumerates every path of at most hops (2 or 3) links from
// src, without allocation, and returns per destination the best primary,
// backup A (other first hop) and backup B (no primary relay).
func bruteIndexed(g *Graph, src, hops int) []struct{ primary, a, b label } {
	n := g.n
	out := make([]struct{ primary, a, b label }, n)
	for i := range out {
		out[i].primary, out[i].a, out[i].b = noLabel, noLabel, noLabel
	}
	// visit calls f for every simple path from src with <= hops links.
	visit := func(f func(l label)) {
		for a := 0; a < n; a++ {
			if a == src || g.out[src*n+a] == inf {
				continue
			}
			la := label{}.with(a, g.extend(0, 0, src, a))
			f(la)
			for b := 0; b < n; b++ {
				if b == src || b == a || g.out[a*n+b] == inf {
					continue
				}
				lb := la.with(b, g.extend(la.cost, 1, a, b))
				f(lb)
				if hops < 3 {
					continue
				}
				for c := 0; c < n; c++ {
					if c == src || c == a || c == b || g.out[b*n+c] == inf {
						continue
					}
					f(lb.with(c, g.extend(lb.cost, 2, b, c)))
				}
			}
		}
	}
	visit(func(l label) {
		if d := l.last(); less(l, out[d].primary) {
			out[d].primary = l
		}
	})
	visit(func(l label) {
		d := l.last()
		p := &out[d]
		if l.first() != p.primary.first() && less(l, p.a) {
			p.a = l
		}
		if l.same(p.primary) {
			return
		}
		for i := 0; i+1 < int(p.primary.hops); i++ {
			if l.contains(p.primary.node(i)) {
				return
			}
		}
		if less(l, p.b) {
			p.b = l
		}
	})
	return out
}

func TestLoadMatrix(t *testing.T) {
	p := t.TempDir() + "/m.tsv"
	data := "0\t5\t\n3\t0\t-1\nnan\t7\n"
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := loadMatrix(p)
	if err != nil {
		t.Fatal(err)
	}
	nodes, links, missing := matrixLinks(m)
	// 0->1 (5), 1->0 (3), 2->1 (7); missing: 0->2 empty, 1->2 negative, 2->0 nan.
	if len(nodes) != 3 || len(links) != 3 || missing != 3 {
		t.Fatalf("nodes %v links %v missing %d", nodes, links, missing)
	}
}

package pathcalc

import (
	"fmt"
	"testing"
	"time"

	"gonum.org/v1/gonum/graph/path"
	"gonum.org/v1/gonum/graph/simple"
)

var benchSizes = []int{50, 330, 1000}

// BenchmarkRecompute is a full recompute (primary and backups to every
// destination, MaxHops 3) on a complete graph.
func BenchmarkRecompute(b *testing.B) {
	for _, n := range benchSizes {
		g := syntheticGraph(b, n)
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compute(g, 1, 3); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRecomputeMaxHops4 is BenchmarkRecompute with four hops, whose
// relay-disjoint backup needs one search per distinct relay set.
func BenchmarkRecomputeMaxHops4(b *testing.B) {
	for _, n := range benchSizes[:2] {
		g := syntheticGraph(b, n)
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compute(g, 1, 4); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGonumDijkstra is a plain single-source gonum Dijkstra (primary
// only, no hop limit, no backups) on the same graphs, for the ratio.
func BenchmarkGonumDijkstra(b *testing.B) {
	for _, n := range benchSizes {
		g := syntheticGraph(b, n)
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sp := path.DijkstraFrom(Node(1), g)
				if _, w := sp.To(int64(n)); w <= 0 {
					b.Fatal("no path")
				}
			}
		})
	}
}

// BenchmarkNewGraph builds the dense graph from a complete link list.
func BenchmarkNewGraph(b *testing.B) {
	for _, n := range benchSizes {
		nodes, links := syntheticLinks(n, uint64(n))
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := NewGraph(nodes, links, DefaultWeights()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGonumSimpleBuild builds gonum's map-based simple graph from the
// same links, for comparison with BenchmarkNewGraph.
func BenchmarkGonumSimpleBuild(b *testing.B) {
	for _, n := range benchSizes[:2] {
		nodes, links := syntheticLinks(n, uint64(n))
		w := DefaultWeights()
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g := simple.NewWeightedDirectedGraph(0, 0)
				for _, id := range nodes {
					g.AddNode(simple.Node(id))
				}
				for _, l := range links {
					if c, ok := w.EdgeCost(l); ok {
						g.SetWeightedEdge(g.NewWeightedEdge(simple.Node(l.From), simple.Node(l.To), c))
					}
				}
			}
		})
	}
}

// BenchmarkEngineUpdate is what argod pays per update: graph build from
// links, search, backups, hysteresis and publication.
func BenchmarkEngineUpdate(b *testing.B) {
	for _, n := range benchSizes {
		nodes, links := syntheticLinks(n, uint64(n))
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			e, err := NewEngine(1, DefaultSettings(), nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			now := time.Unix(0, 0)
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(time.Second)
				if _, err := e.Update(nodes, links, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTableRoute is the data-plane lookup: no lock, no allocation.
func BenchmarkTableRoute(b *testing.B) {
	g := syntheticGraph(b, 330)
	tb, err := Compute(g, 1, 3)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	dst := uint16(2)
	for b.Loop() {
		if tb.Route(dst) == nil {
			b.Fatal("no route")
		}
		dst = dst%330 + 1
		if dst == 1 {
			dst = 2
		}
	}
}

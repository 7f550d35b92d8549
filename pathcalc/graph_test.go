package pathcalc

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/path"
	"gonum.org/v1/gonum/graph/simple"
)

func TestNewGraphErrors(t *testing.T) {
	ok := Link{From: 1, To: 2, RTT: time.Millisecond, Up: true}
	with := func(f func(*Link)) []Link { l := ok; f(&l); return []Link{ok, l} }
	for _, tc := range []struct {
		name  string
		nodes []uint16
		links []Link
		w     Weights
		want  string
	}{
		{"bad weights", []uint16{1, 2}, nil, Weights{}, "weights: MaxLoss"},
		{"duplicate node", []uint16{1, 2, 1}, nil, DefaultWeights(), "nodes: duplicate node 1"},
		{"unknown from", []uint16{1, 2}, with(func(l *Link) { l.From = 7 }), DefaultWeights(), "links[1]: From: node 7 not in node list"},
		{"unknown to", []uint16{1, 2}, with(func(l *Link) { l.To = 7 }), DefaultWeights(), "links[1]: To: node 7 not in node list"},
		{"self link", []uint16{1, 2}, with(func(l *Link) { l.To = 1 }), DefaultWeights(), "links[1]: To: self-link 1->1"},
		{"duplicate link", []uint16{1, 2}, with(func(*Link) {}), DefaultWeights(), "links[1]: duplicate link 1->2"},
		{"negative rtt", []uint16{1, 2}, with(func(l *Link) { l.RTT = -1 }), DefaultWeights(), "links[1]: RTT: negative"},
		{"negative jitter", []uint16{1, 2}, with(func(l *Link) { l.Jitter = -1 }), DefaultWeights(), "links[1]: Jitter: negative"},
		{"loss NaN", []uint16{1, 2}, with(func(l *Link) { l.Loss = math.NaN() }), DefaultWeights(), "links[1]: Loss:"},
		{"loss > 1", []uint16{1, 2}, with(func(l *Link) { l.Loss = 1.5 }), DefaultWeights(), "links[1]: Loss:"},
		{"bias inf", []uint16{1, 2}, with(func(l *Link) { l.BiasMs = math.Inf(-1) }), DefaultWeights(), "links[1]: BiasMs:"},
		{"too many nodes", make([]uint16, MaxNodes+1), nil, DefaultWeights(), "nodes: 2049 nodes exceed"},
	} {
		_, err := NewGraph(tc.nodes, tc.links, tc.w)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want prefix %q", tc.name, err, tc.want)
		}
	}
}

func TestGraphAccessors(t *testing.T) {
	g, err := NewGraph([]uint16{9, 3, 5}, []Link{
		{From: 3, To: 5, RTT: 10 * time.Millisecond, Up: true},
		{From: 5, To: 9, RTT: 20 * time.Millisecond, Up: true},
		{From: 9, To: 3, RTT: 20 * time.Millisecond},
		{From: 3, To: 9, RTT: 20 * time.Millisecond, Loss: 0.9, Up: true},
	}, DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.PoPs(), []uint16{3, 5, 9}) || g.Len() != 3 || !g.Has(9) || g.Has(4) {
		t.Fatalf("PoPs %v", g.PoPs())
	}
	if c, ok := g.Cost(3, 5); !ok || c != 10 {
		t.Fatalf("Cost(3,5) = %v %v", c, ok)
	}
	if _, ok := g.Cost(5, 3); ok {
		t.Fatal("reverse direction must not exist")
	}
	if c, err := g.PathCost([]uint16{3, 5, 9}); err != nil || c != 31 {
		t.Fatalf("PathCost = %v %v, want 31 (10 + 20 + relay 1)", c, err)
	}
	for _, tc := range []struct {
		p    []uint16
		want string
	}{
		{[]uint16{3}, "nodes: path needs at least 2 nodes, got 1"},
		{[]uint16{3, 4}, "nodes[1]: node 4 unknown"},
		{[]uint16{3, 5, 3}, "nodes[2]: node 3 repeated"},
		{[]uint16{9, 3}, "nodes[1]: link 9->3 down"},
		{[]uint16{3, 9}, "nodes[1]: link 3->9 loss 0.9 >= MaxLoss 0.5"},
		{[]uint16{5, 3}, "nodes[1]: link 5->3 missing"},
	} {
		if _, err := g.PathCost(tc.p); err == nil || err.Error() != tc.want {
			t.Errorf("PathCost(%v) = %v, want %q", tc.p, err, tc.want)
		}
	}
}

// TestGonumInterfaces runs gonum's Dijkstra on the dense graph and on gonum's
// own simple graph built from the same links, and checks the iterators.
func TestGonumInterfaces(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 50 {
		g := randomGraph(t, r, 2+r.IntN(12), false)
		sg := simple.NewWeightedDirectedGraph(0, inf)
		for _, id := range g.ids {
			sg.AddNode(simple.Node(id))
		}
		for _, u := range g.ids {
			for _, v := range g.ids {
				if c, ok := g.Cost(u, v); ok {
					sg.SetWeightedEdge(sg.NewWeightedEdge(simple.Node(u), simple.Node(v), c))
				}
			}
		}
		src := g.ids[r.IntN(len(g.ids))]
		a, b := path.DijkstraFrom(Node(src), g), path.DijkstraFrom(simple.Node(src), sg)
		for _, v := range g.ids {
			if wa, wb := a.WeightTo(int64(v)), b.WeightTo(int64(v)); math.Abs(wa-wb) > 1e-9 && !(math.IsInf(wa, 1) && math.IsInf(wb, 1)) {
				t.Fatalf("WeightTo(%d) = %v, gonum simple %v", v, wa, wb)
			}
			if !sameIDs(g.From(int64(v)), sg.From(int64(v))) || !sameIDs(g.To(int64(v)), sg.To(int64(v))) {
				t.Fatalf("From/To(%d) differ", v)
			}
		}
		if !sameIDs(g.Nodes(), sg.Nodes()) {
			t.Fatal("Nodes differ")
		}
	}
}

// sameIDs compares two node iterators as sets and checks Len and Reset.
func sameIDs(a, b graph.Nodes) bool {
	ids := func(it graph.Nodes) []int64 {
		n := it.Len()
		var out []int64
		for it.Next() {
			out = append(out, it.Node().ID())
		}
		if n != len(out) || it.Len() != 0 {
			return nil
		}
		slices.Sort(out)
		return out
	}
	x := ids(a)
	a.Reset()
	return slices.Equal(x, ids(b)) && slices.Equal(x, ids(a))
}

func TestGonumEdges(t *testing.T) {
	g, _ := NewGraph([]uint16{1, 2}, []Link{{From: 1, To: 2, RTT: 7 * time.Millisecond, Up: true}}, DefaultWeights())
	if w, ok := g.Weight(1, 2); !ok || w != 7 {
		t.Fatalf("Weight(1,2) = %v %v", w, ok)
	}
	if w, ok := g.Weight(1, 1); !ok || w != 0 {
		t.Fatalf("Weight(1,1) = %v %v", w, ok)
	}
	if _, ok := g.Weight(2, 1); ok {
		t.Fatal("Weight(2,1) exists")
	}
	if g.Edge(2, 1) != nil || g.Node(3) != nil || g.Node(-1) != nil || g.Node(1) == nil {
		t.Fatal("missing edge/node not nil")
	}
	e := g.WeightedEdge(1, 2)
	if e.From().ID() != 1 || e.To().ID() != 2 || e.Weight() != 7 || e.ReversedEdge() != e {
		t.Fatalf("edge %+v", e)
	}
	if !g.HasEdgeBetween(2, 1) || !g.HasEdgeFromTo(1, 2) || g.HasEdgeFromTo(2, 1) {
		t.Fatal("HasEdge*")
	}
	if g.From(2) != graph.Empty || g.To(1) != graph.Empty || g.From(77) != graph.Empty {
		t.Fatal("empty iterators")
	}
}

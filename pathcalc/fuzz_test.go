package pathcalc

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// reader hands out fuzz bytes, then zeros.
type reader struct{ b []byte }

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) u64() uint64 {
	var x [8]byte
	for i := range x {
		x[i] = r.byte()
	}
	return binary.LittleEndian.Uint64(x[:])
}

// smallGraph decodes a graph of 2..9 PoPs whose links are all valid: each
// ordered pair takes one byte (0 missing, 1 down, 2 lossy, else RTT in ms)
// and ties are common.
func smallGraph(t *testing.T, r *reader) *Graph {
	n := 2 + int(r.byte())%8
	nodes := make([]uint16, n)
	for i := range nodes {
		nodes[i] = uint16(i*3 + int(r.byte()%3))
	}
	w := DefaultWeights()
	w.RelayCostMs = float64(r.byte() % 4)
	var links []Link
	for _, a := range nodes {
		for _, b := range nodes {
			if a == b {
				continue
			}
			c := r.byte()
			switch c {
			case 0:
				continue
			case 1:
				links = append(links, Link{From: a, To: b, RTT: time.Millisecond})
			case 2:
				links = append(links, Link{From: a, To: b, RTT: time.Millisecond, Loss: 0.7, Up: true})
			default:
				links = append(links, Link{From: a, To: b, RTT: time.Duration(c%16) * time.Millisecond, Up: true, BiasMs: float64(int(c/16) - 4)})
			}
		}
	}
	g, err := NewGraph(nodes, links, w)
	if err != nil {
		t.Fatalf("valid input rejected: %v", err)
	}
	return g
}

// FuzzCompute checks Compute against brute force on small graphs.
func FuzzCompute(f *testing.F) {
	f.Add([]byte{3, 2, 1, 10, 20, 30, 40, 50, 60})
	f.Add([]byte{7, 3, 0, 5, 0, 1, 2, 200, 17, 17, 17, 33, 33, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add([]byte{0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &reader{data}
		g := smallGraph(t, r)
		hops := 1 + int(r.byte())%MaxPathHops
		src := int(r.byte()) % g.n
		tb, err := Compute(g, g.ids[src], hops)
		if err != nil {
			t.Fatal(err)
		}
		ref := bruteCompute(g, g.ids[src], hops, nil)
		for _, d := range g.ids {
			if d == g.ids[src] {
				continue
			}
			want, route := ref[d], tb.Route(d)
			if !want.okP {
				if route != nil || !slices.Contains(tb.Unreachable(), d) {
					t.Fatalf("dst %d: route %v, reference unreachable", d, route)
				}
				continue
			}
			if route == nil || route.Primary.Cost != want.primary.cost || !slices.Equal(route.Primary.Nodes, want.primary.nodes) {
				t.Fatalf("dst %d: primary %v, reference %v", d, route, want.primary)
			}
			var a, b *Path
			if len(route.Backups) > 0 {
				a = &route.Backups[0]
			}
			if route.Disjoint >= 0 {
				b = &route.Backups[route.Disjoint]
			}
			for _, c := range []struct {
				name string
				got  *Path
				want brutePath
				ok   bool
			}{{"A", a, want.a, want.okA}, {"B", b, want.b, want.okB}} {
				if (c.got != nil) != c.ok || c.ok && (c.got.Cost != c.want.cost || !slices.Equal(c.got.Nodes, c.want.nodes)) {
					t.Fatalf("dst %d: %s = %v, reference %v (found %v)", d, c.name, c.got, c.want, c.ok)
				}
			}
		}
	})
}

// FuzzNewGraph feeds arbitrary (also invalid) link fields: NewGraph must
// reject or accept without panicking, and an accepted graph must compute.
func FuzzNewGraph(f *testing.F) {
	f.Add([]byte{2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add([]byte{3, 5, 5, 255, 255, 255, 255, 255, 255, 255, 255, 1, 2, 3, 4, 5, 6, 7, 248, 127})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &reader{data}
		n := int(r.byte()) % 6
		nodes := make([]uint16, n)
		for i := range nodes {
			nodes[i] = uint16(r.byte() % 8)
		}
		w := DefaultWeights()
		if r.byte()%8 == 0 {
			w.RelayCostMs = math.Float64frombits(r.u64())
		}
		var links []Link
		for len(r.b) > 0 && len(links) < 40 {
			links = append(links, Link{
				From: uint16(r.byte() % 9), To: uint16(r.byte() % 9),
				RTT:    time.Duration(int64(r.u64())),
				Jitter: time.Duration(int64(r.byte()) - 8),
				Loss:   math.Float64frombits(r.u64()),
				Up:     r.byte()%2 == 0,
				BiasMs: float64(int8(r.byte())),
			})
		}
		g, err := NewGraph(nodes, links, w)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		for _, self := range g.ids {
			tb, err := Compute(g, self, MaxPathHops)
			if err != nil {
				t.Fatal(err)
			}
			for _, rt := range tb.Routes() {
				c, err := g.PathCost(rt.Primary.Nodes)
				if err != nil || c != rt.Primary.Cost || math.IsNaN(c) || c <= 0 {
					t.Fatalf("route %v: PathCost %v %v", rt.Primary, c, err)
				}
			}
		}
	})
}

// FuzzEngineOps runs a random sequence of updates, pins and path reports and
// checks the published table's invariants after every step.
func FuzzEngineOps(f *testing.F) {
	f.Add([]byte{5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 0, 1, 2, 3, 4, 5, 6})
	f.Add([]byte{8, 3, 9, 9, 9, 9, 9, 200, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &reader{data}
		g0 := smallGraph(t, r)
		self := g0.ids[0]
		s := DefaultSettings()
		s.MaxHops = 1 + int(r.byte())%MaxPathHops
		e, err := NewEngine(self, s, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		nodes := g0.PoPs()
		now := time.Unix(0, 0)
		for step := 0; step < 12 && len(r.b) > 0; step++ {
			op := r.byte() % 4
			dst := nodes[int(r.byte())%len(nodes)]
			p := []uint16{self}
			for range int(r.byte() % 3) {
				p = append(p, nodes[int(r.byte())%len(nodes)])
			}
			p = append(p, dst)
			switch op {
			case 0:
				_ = e.Pin(dst, p[1:len(p)-1])
			case 1:
				e.Unpin(dst)
			case 2, 3:
				_ = e.SetPathDown(dst, p, op == 2)
			}
			g := smallGraphLike(t, r, g0)
			now = now.Add(time.Duration(r.byte()) * 20 * time.Millisecond)
			tb, err := e.Update(nodes, g, now)
			if err != nil {
				t.Fatal(err)
			}
			checkTable(t, e, tb, nodes, g)
		}
	})
}

// smallGraphLike returns new links for g0's nodes with fuzzed costs.
func smallGraphLike(t *testing.T, r *reader, g0 *Graph) []Link {
	var links []Link
	for _, a := range g0.ids {
		for _, b := range g0.ids {
			if a == b {
				continue
			}
			if c := r.byte(); c != 0 {
				links = append(links, Link{From: a, To: b, RTT: time.Duration(c%32) * time.Millisecond, Up: c%7 != 1})
			}
		}
	}
	return links
}

// checkTable verifies the invariants of a published table.
func checkTable(t *testing.T, e *Engine, tb *Table, nodes []uint16, links []Link) {
	t.Helper()
	g, err := NewGraph(nodes, links, e.Settings().Weights)
	if err != nil {
		t.Fatal(err)
	}
	down := e.DownPaths()
	pins := e.Pins()
	isDown := func(p Path) bool {
		return slices.ContainsFunc(down[p.Nodes[len(p.Nodes)-1]], func(q []uint16) bool { return slices.Equal(q, p.Nodes) })
	}
	all := allPaths(g, tb.Self, tb.MaxHops)
	for _, d := range g.ids {
		usable := slices.ContainsFunc(all[d], func(p brutePath) bool { return !isDown(Path{Nodes: p.nodes}) })
		if d != tb.Self && usable != (tb.Route(d) != nil) && !(tb.Route(d) != nil && tb.Route(d).Pinned) {
			t.Fatalf("dst %d: usable path exists %v, route %v", d, usable, tb.Route(d))
		}
	}
	for _, rt := range tb.Routes() {
		for i, p := range append([]Path{rt.Primary}, rt.Backups...) {
			c, err := g.PathCost(p.Nodes)
			what := fmt.Sprintf("dst %d path %d %v", rt.Dst, i, p)
			switch {
			case err != nil:
				t.Fatalf("%s: not live: %v", what, err)
			case c != p.Cost:
				t.Fatalf("%s: cost %v, PathCost %v", what, p.Cost, c)
			case p.Nodes[0] != tb.Self || p.Nodes[len(p.Nodes)-1] != rt.Dst:
				t.Fatalf("%s: wrong endpoints", what)
			case isDown(p):
				t.Fatalf("%s: reported down but used", what)
			case i > 0 && p.Equal(rt.Primary):
				t.Fatalf("%s: backup equals primary", what)
			case i > 0 && p.Hops() > tb.MaxHops:
				t.Fatalf("%s: backup exceeds MaxHops", what)
			case i == 0 && !rt.Pinned && p.Hops() > tb.MaxHops:
				t.Fatalf("%s: unpinned primary exceeds MaxHops", what)
			}
		}
		if rt.Pinned && !slices.Equal(pins[rt.Dst], rt.Primary.Nodes) {
			t.Fatalf("dst %d: pinned %v, pin %v", rt.Dst, rt.Primary.Nodes, pins[rt.Dst])
		}
		if pin, ok := pins[rt.Dst]; ok && !rt.Pinned {
			if _, err := g.PathCost(pin); err == nil && !isDown(Path{Nodes: pin}) {
				t.Fatalf("dst %d: live pin %v not used", rt.Dst, pin)
			}
		}
	}
}

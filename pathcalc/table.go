package pathcalc

import "time"

// Table is an immutable route table from one PoP to every other PoP. Once
// published it is never modified, so any number of readers may use it without
// locking.
type Table struct {
	// Self is the source PoP.
	Self uint16
	// Generation increases with every table an Engine publishes.
	Generation uint64
	// Computed is the time passed to the Update that built the table.
	Computed time.Time
	// MaxHops is the hop limit the table was computed with.
	MaxHops int

	routes      []Route
	ptrs        []*Route // sorted by Dst
	index       []int32  // Dst -> position in routes, -1 when absent
	unreachable []uint16
}

// Route returns the route to dst, or nil when dst is unknown or unreachable.
// It neither locks nor allocates; the result must not be modified.
func (t *Table) Route(dst uint16) *Route {
	if t == nil || int(dst) >= len(t.index) {
		return nil
	}
	i := t.index[dst]
	if i < 0 {
		return nil
	}
	return &t.routes[i]
}

// Routes returns every route sorted by Dst. The slice is shared: do not modify.
func (t *Table) Routes() []*Route {
	if t == nil {
		return nil
	}
	return t.ptrs
}

// Unreachable returns the known PoPs (other than Self) with no live path, in
// ascending order. The slice is shared: do not modify.
func (t *Table) Unreachable() []uint16 {
	if t == nil {
		return nil
	}
	return t.unreachable
}

// routeMeta is the hysteresis bookkeeping copied into a Route.
type routeMeta struct {
	since  time.Time
	reason string
	pinned bool
}

// newTable builds a table from per-destination labels (indexed by dense
// index; noLabel = unreachable). meta may be nil.
func newTable(g *Graph, src, hops int, prim []label, alt []alts, meta []routeMeta) *Table {
	t := &Table{Self: g.ids[src], MaxHops: hops}
	reach := 0
	for d, p := range prim {
		if p.ok() {
			reach++
		} else if d != src {
			t.unreachable = append(t.unreachable, g.ids[d])
		}
	}
	t.routes = make([]Route, 0, reach)
	t.ptrs = make([]*Route, 0, reach)
	arena := make([]uint16, 0, reach*4*(MaxPathHops+1))
	backups := make([]Path, 3*reach) // three backup slots per route
	if len(g.ids) > 0 {
		t.index = make([]int32, int(g.ids[len(g.ids)-1])+1)
	}
	for i := range t.index {
		t.index[i] = -1
	}
	for d, p := range prim {
		if !p.ok() {
			continue
		}
		k := 3 * len(t.routes)
		r := Route{Dst: g.ids[d], Disjoint: -1, Backups: backups[k : k : k+3]}
		r.Primary, arena = g.path(src, p, arena)
		a := alt[d]
		for i, b := range []label{a.a, a.b, a.c} {
			if !b.ok() {
				continue
			}
			dup := -1
			for j := range r.Backups {
				if r.Backups[j].Cost == b.cost && g.samePath(src, r.Backups[j], b) {
					dup = j
				}
			}
			if dup < 0 {
				dup = len(r.Backups)
				var bp Path
				bp, arena = g.path(src, b, arena)
				r.Backups = append(r.Backups, bp)
			}
			if i == 1 {
				r.Disjoint = dup
			}
		}
		if c := g.out[src*g.n+d]; c != inf {
			r.DirectCost, r.DirectUp = c, true
		}
		if meta != nil {
			r.Since, r.Reason, r.Pinned = meta[d].since, meta[d].reason, meta[d].pinned
		}
		t.index[r.Dst] = int32(len(t.routes))
		t.routes = append(t.routes, r)
	}
	for i := range t.routes {
		t.ptrs = append(t.ptrs, &t.routes[i])
	}
	return t
}

// path converts a label into a Path, carving its nodes out of arena.
func (g *Graph) path(src int, l label, arena []uint16) (Path, []uint16) {
	start := len(arena)
	arena = append(arena, g.ids[src])
	for i := 0; i < int(l.hops); i++ {
		arena = append(arena, g.ids[l.node(i)])
	}
	return Path{Nodes: arena[start:len(arena):len(arena)], Cost: l.cost}, arena
}

// samePath reports whether p (ids) is the path of label l.
func (g *Graph) samePath(src int, p Path, l label) bool {
	if len(p.Nodes) != int(l.hops)+1 || p.Nodes[0] != g.ids[src] {
		return false
	}
	for i := 0; i < int(l.hops); i++ {
		if p.Nodes[i+1] != g.ids[l.node(i)] {
			return false
		}
	}
	return true
}

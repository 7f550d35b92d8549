package pathcalc

// topL is how many labels with distinct first hops the search keeps per node
// and hop budget. Two give backup A exactly; three give backup B exactly for
// up to three hops (a relay set has at most two members there).
const topL = 3

// top holds up to topL labels with pairwise distinct first hops, sorted by
// less: it is the best path to a node for each of its topL best first hops.
type top struct {
	l [topL]label
	n uint8
}

// insert offers a candidate, keeping the invariant.
func (t *top) insert(c label) {
	f := c.first()
	i := 0
	for i < int(t.n) && t.l[i].first() != f {
		i++
	}
	switch {
	case i < int(t.n): // same first hop: keep the better one
		if !less(c, t.l[i]) {
			return
		}
		copy(t.l[i:t.n-1], t.l[i+1:t.n])
		t.n--
	case t.n == topL:
		if !less(c, t.l[topL-1]) {
			return
		}
		t.n--
	}
	j := int(t.n)
	for j > 0 && less(c, t.l[j-1]) {
		t.l[j] = t.l[j-1]
		j--
	}
	t.l[j] = c
	t.n++
}

// threshold is the cost above which a candidate cannot enter.
func (t *top) threshold() float64 {
	if t.n < topL {
		return inf
	}
	return t.l[topL-1].cost
}

// solver runs the exact hop-limited search from one source over a Graph.
//
// levels[k][v] (k = 1..hops) holds, among the simple paths from src to v with
// at most k links, the best path for each of the topL best first hops. Level k
// is computed from level k-1 Bellman-Ford style (never relaxing into src);
// only labels with exactly k-1 links are extended in round k, since shorter
// ones were extended in earlier rounds and could not enter then. This is exact
// for positive edge costs: the best path to v with first hop f either enters
// through some u whose level k-1 keeps first hop f (and that label cannot pass
// through v, or its prefix would beat the path), or u keeps topL other first
// hops each better, and so does v.
type solver struct {
	g      *Graph
	src    int
	hops   int
	n      int
	relay  float64
	levels [][]top

	// scratch for constrained searches
	cur, nxt []label
	banned   []bool // nodes excluded from the current constrained search
}

// newSolver runs the search from src with at most hops links (1..MaxPathHops).
func newSolver(g *Graph, src, hops int) *solver {
	n := g.n
	s := &solver{g: g, src: src, hops: hops, n: n, relay: g.w.RelayCostMs, banned: make([]bool, n)}
	s.levels = make([][]top, hops+1)
	all := make([]top, (hops)*n)
	for k := 1; k <= hops; k++ {
		s.levels[k] = all[(k-1)*n : k*n]
	}
	s.round1()
	for k := 2; k <= hops; k++ {
		s.round(k)
	}
	return s
}

func (s *solver) round1() {
	lv := s.levels[1]
	for v := 0; v < s.n; v++ {
		if w := s.g.out[s.src*s.n+v]; w != inf {
			lv[v].insert(label{}.with(v, w))
		}
	}
}

// round computes level k from level k-1.
func (s *solver) round(k int) {
	n, prev, cur := s.n, s.levels[k-1], s.levels[k]
	copy(cur, prev)
	fresh := uint8(k - 1)
	for v := 0; v < n; v++ {
		if v == s.src {
			continue
		}
		in := s.g.in[v*n : v*n+n]
		t := &cur[v]
		for u, w := range in {
			if w == inf {
				continue
			}
			pu := &prev[u]
			wr := w + s.relay
			for i := 0; i < int(pu.n); i++ {
				l := &pu.l[i]
				c := l.cost + wr
				if c > t.threshold() {
					break // labels are sorted by cost: the rest cannot enter either
				}
				if l.hops != fresh || l.contains(v) {
					continue
				}
				t.insert(l.with(v, c))
			}
		}
	}
}

// best returns the best path to dst whose first hop is not in excl.
func (s *solver) best(dst int, excl ...int) label {
	t := &s.levels[s.hops][dst]
	for i := 0; i < int(t.n); i++ {
		if !hasInt(excl, t.l[i].first()) {
			return t.l[i]
		}
	}
	return noLabel
}

func hasInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

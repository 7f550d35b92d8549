package pathcalc

// constraint restricts the paths a constrained search may return.
type constraint struct {
	banned    []int // nodes that must not appear on the path (never src or dst)
	firstBan  []int // first hops that must not be used
	forbidden []label
}

// isForbidden reports whether l is one of the forbidden paths.
func isForbidden(l label, forb []label) bool {
	for _, f := range forb {
		if f.same(l) {
			return true
		}
	}
	return false
}

// search returns the best path from src to dst with at most s.hops links that
// satisfies c and is not forbidden. Without forbidden paths it is one
// hop-limited search; otherwise it enumerates paths in order with Yen's
// algorithm (hop-limited spur searches) until one is allowed.
func (s *solver) search(dst int, c constraint) label {
	for _, b := range c.banned {
		s.mark(b, true)
	}
	defer func() {
		for _, b := range c.banned {
			s.mark(b, false)
		}
	}()
	first := s.spur(label{}, s.src, s.hops, c.firstBan, dst)
	if !first.ok() || !isForbidden(first, c.forbidden) {
		return first
	}
	found := []label{first}
	var cands []label
	for range len(c.forbidden) {
		last := found[len(found)-1]
		for i := 0; i < int(last.hops); i++ {
			cands = s.yenSpurs(dst, c, found, cands, last, i)
		}
		if len(cands) == 0 {
			return noLabel
		}
		bi := 0
		for i := range cands {
			if less(cands[i], cands[bi]) {
				bi = i
			}
		}
		next := cands[bi]
		cands = append(cands[:bi], cands[bi+1:]...)
		if !isForbidden(next, c.forbidden) {
			return next
		}
		found = append(found, next)
	}
	return noLabel
}

// yenSpurs adds the candidate that deviates from last at its i-th node.
func (s *solver) yenSpurs(dst int, c constraint, found, cands []label, last label, i int) []label {
	root := s.rootOf(last, i)
	spurNode := s.src
	if i > 0 {
		spurNode = last.node(i - 1)
	}
	var next []int
	if i == 0 {
		next = append(next, c.firstBan...)
	}
	for _, p := range found {
		if int(p.hops) > i && p.prefix(i).key == root.key {
			next = append(next, p.node(i))
		}
	}
	// The root's own nodes are excluded by the simple-path check.
	cand := s.spur(root, spurNode, s.hops-i, next, dst)
	if !cand.ok() {
		return cands
	}
	for _, p := range found {
		if p.same(cand) {
			return cands
		}
	}
	for _, p := range cands {
		if p.same(cand) {
			return cands
		}
	}
	return append(cands, cand)
}

// rootOf returns the first i links of l with their canonical cost.
func (s *solver) rootOf(l label, i int) label {
	r := l.prefix(i)
	c, u := 0.0, s.src
	for j := 0; j < i; j++ {
		v := l.node(j)
		c = s.g.extend(c, j, u, v)
		u = v
	}
	r.cost = c
	return r
}

func (s *solver) mark(v int, b bool) { s.banned[v] = b }

// spur returns the best path to dst that starts with root (ending at node at),
// adds at most budget links, avoids banned nodes, and does not leave at through
// a node in next. It is a hop-limited Bellman-Ford keeping one label per node,
// exact for positive costs: a best label at u that passes through v is never
// needed at v, because its own prefix to v is better.
func (s *solver) spur(root label, at, budget int, next []int, dst int) label {
	s.multiSpur(root, at, budget, next, []int{dst})
	return s.cur[dst]
}

// multiSpur is spur for several destinations; on return s.cur[t] holds the
// result for every target t (and partial results elsewhere).
func (s *solver) multiSpur(root label, at, budget int, next []int, targets []int) {
	n := s.n
	if s.cur == nil {
		s.cur, s.nxt = make([]label, n), make([]label, n)
	}
	cur := s.cur
	for i := range cur {
		cur[i] = noLabel
	}
	for v := 0; v < n; v++ {
		w := s.g.out[at*n+v]
		if w == inf || v == s.src || s.banned[v] || hasInt(next, v) || root.contains(v) {
			continue
		}
		cur[v] = root.with(v, s.g.extend(root.cost, int(root.hops), at, v))
	}
	for r := 2; r <= budget; r++ {
		nxt := s.nxt
		copy(nxt, cur)
		fresh := root.hops + uint8(r-1)
		relax := func(v int) {
			if v == s.src || s.banned[v] {
				return
			}
			in := s.g.in[v*n : v*n+n]
			best := nxt[v]
			for u, w := range in {
				l := &cur[u]
				if w == inf || l.hops != fresh {
					continue
				}
				c := l.cost + (w + s.relay)
				if c > best.cost || l.contains(v) {
					continue
				}
				if cand := l.with(v, c); less(cand, best) {
					best = cand
				}
			}
			nxt[v] = best
		}
		if r < budget {
			for v := 0; v < n; v++ {
				relax(v)
			}
		} else {
			for _, t := range targets {
				relax(t)
			}
		}
		s.cur, s.nxt = nxt, cur
		cur = s.cur
	}
}

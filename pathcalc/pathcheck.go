package pathcalc

import "fmt"

// check converts a path of PoP ids (first = source) into a label with its
// canonical cost. When the path cannot be used it returns a reason naming the
// first unknown node or dead link.
func (g *Graph) check(p []uint16) (label, string) {
	if len(p) < 2 || len(p)-1 > MaxPathHops {
		return noLabel, fmt.Sprintf("path has %d links, want 1..%d", len(p)-1, MaxPathHops)
	}
	u, ok := g.idx(p[0])
	if !ok {
		return noLabel, fmt.Sprintf("node %d unknown", p[0])
	}
	src := u
	l := label{}
	for i := 1; i < len(p); i++ {
		v, ok := g.idx(p[i])
		if !ok {
			return noLabel, fmt.Sprintf("node %d unknown", p[i])
		}
		if v == src || l.contains(v) {
			return noLabel, fmt.Sprintf("node %d repeated", p[i])
		}
		if why := g.edgeProblem(u, v); why != "" {
			return noLabel, why
		}
		l = l.with(v, g.extend(l.cost, int(l.hops), u, v))
		u = v
	}
	return l, ""
}

// labelOf is check without the reason.
func (g *Graph) labelOf(p []uint16) (label, bool) {
	l, why := g.check(p)
	return l, why == ""
}

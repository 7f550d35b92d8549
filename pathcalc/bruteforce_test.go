package pathcalc

import (
	"slices"
)

// brutePath is a reference path found by exhaustive enumeration.
type brutePath struct {
	nodes []uint16
	cost  float64
}

// bruteLess is the documented order: cost, hops, node ids.
func bruteLess(a, b brutePath) bool {
	if a.cost != b.cost {
		return a.cost < b.cost
	}
	if len(a.nodes) != len(b.nodes) {
		return len(a.nodes) < len(b.nodes)
	}
	return slices.Compare(a.nodes, b.nodes) < 0
}

// allPaths enumerates every simple path from src with 1..hops live links,
// costed with Graph.PathCost, grouped by destination.
func allPaths(g *Graph, src uint16, hops int) map[uint16][]brutePath {
	out := map[uint16][]brutePath{}
	var walk func(p []uint16)
	walk = func(p []uint16) {
		if len(p) > 1 {
			c, err := g.PathCost(p)
			if err != nil {
				return
			}
			d := p[len(p)-1]
			out[d] = append(out[d], brutePath{nodes: slices.Clone(p), cost: c})
		}
		if len(p)-1 == hops {
			return
		}
		for _, v := range g.ids {
			if slices.Contains(p, v) {
				continue
			}
			if _, ok := g.Cost(p[len(p)-1], v); ok {
				walk(append(p, v))
			}
		}
	}
	walk([]uint16{src})
	return out
}

// bruteBest returns the best path satisfying ok.
func bruteBest(ps []brutePath, ok func(brutePath) bool) (brutePath, bool) {
	var best brutePath
	found := false
	for _, p := range ps {
		if ok(p) && (!found || bruteLess(p, best)) {
			best, found = p, true
		}
	}
	return best, found
}

// bruteRoute is the reference for one destination.
type bruteRoute struct {
	primary, a, b, c   brutePath
	okP, okA, okB, okC bool
}

// bruteCompute computes the reference primary and backups A, B, C for every
// destination, skipping forbidden paths (id sequences).
func bruteCompute(g *Graph, src uint16, hops int, forb map[uint16][][]uint16) map[uint16]bruteRoute {
	all := allPaths(g, src, hops)
	out := map[uint16]bruteRoute{}
	for d, ps := range all {
		allowed := func(p brutePath) bool {
			for _, f := range forb[d] {
				if slices.Equal(f, p.nodes) {
					return false
				}
			}
			return true
		}
		var r bruteRoute
		r.primary, r.okP = bruteBest(ps, allowed)
		if !r.okP {
			out[d] = r
			continue
		}
		r.a, r.b, r.c, r.okA, r.okB, r.okC = bruteBackups(ps, r.primary.nodes, allowed)
		out[d] = r
	}
	return out
}

// bruteBackups returns A, B and C relative to primary (node ids).
func bruteBackups(ps []brutePath, primary []uint16, allowed func(brutePath) bool) (a, b, c brutePath, okA, okB, okC bool) {
	first := primary[1]
	relays := primary[1 : len(primary)-1]
	a, okA = bruteBest(ps, func(p brutePath) bool { return allowed(p) && p.nodes[1] != first })
	if okA {
		c, okC = bruteBest(ps, func(p brutePath) bool {
			return allowed(p) && p.nodes[1] != first && p.nodes[1] != a.nodes[1]
		})
	}
	b, okB = bruteBest(ps, func(p brutePath) bool {
		if !allowed(p) || slices.Equal(p.nodes, primary) {
			return false
		}
		for _, r := range relays {
			if slices.Contains(p.nodes, r) {
				return false
			}
		}
		return true
	})
	return
}

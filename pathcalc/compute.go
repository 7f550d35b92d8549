package pathcalc

import "fmt"

// Compute returns, without hysteresis, the best path with at most maxHops
// links and its backups from self to every other PoP of g (Reason, Since and
// Pinned are left empty). It is what an Engine computes before applying
// hysteresis; the simulator can call it once per PoP.
func Compute(g *Graph, self uint16, maxHops int) (*Table, error) {
	if err := checkHops(maxHops); err != nil {
		return nil, err
	}
	src, ok := g.idx(self)
	if !ok {
		return nil, fmt.Errorf("self: node %d not in graph", self)
	}
	s := newSolver(g, src, maxHops)
	prim := make([]label, g.n)
	for d := range prim {
		prim[d] = s.primary(d, nil)
	}
	return newTable(g, src, maxHops, prim, s.backups(prim, nil), nil), nil
}

// checkHops validates a MaxHops value.
func checkHops(h int) error {
	if h < 1 || h > MaxPathHops {
		return fmt.Errorf("MaxHops: %d not in [1, %d]", h, MaxPathHops)
	}
	return nil
}

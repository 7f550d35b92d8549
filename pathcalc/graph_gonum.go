package pathcalc

import (
	"gonum.org/v1/gonum/graph"
)

// The dense Graph satisfies gonum's weighted directed graph interfaces, so
// gonum algorithms (path.DijkstraFrom, topo, ...) run on it directly.
var _ graph.WeightedDirected = (*Graph)(nil)

// Node is a PoP as a gonum graph node; its ID is the PoP id.
type Node uint16

// ID implements graph.Node.
func (n Node) ID() int64 { return int64(n) }

// Edge is a live directed link as a gonum weighted edge.
type Edge struct {
	F, T Node
	W    float64 // cost in milliseconds
}

// From implements graph.Edge.
func (e Edge) From() graph.Node { return e.F }

// To implements graph.Edge.
func (e Edge) To() graph.Node { return e.T }

// ReversedEdge implements graph.Edge. Costs are direction specific, so a
// reversal is not valid for this type and the receiver is returned unaltered.
func (e Edge) ReversedEdge() graph.Edge { return e }

// Weight implements graph.WeightedEdge.
func (e Edge) Weight() float64 { return e.W }

// gidx maps a gonum node id to a dense index.
func (g *Graph) gidx(id int64) (int, bool) {
	if id < 0 || id > 0xffff {
		return 0, false
	}
	return g.idx(uint16(id))
}

// Node implements graph.Graph.
func (g *Graph) Node(id int64) graph.Node {
	if _, ok := g.gidx(id); !ok {
		return nil
	}
	return Node(id)
}

// Nodes implements graph.Graph; nodes come in ascending id order.
func (g *Graph) Nodes() graph.Nodes {
	if g.n == 0 {
		return graph.Empty
	}
	return &nodeIter{g: g, mode: iterAll, pos: -1, left: g.n}
}

// From implements graph.Graph: the PoPs reachable over one live link.
func (g *Graph) From(id int64) graph.Nodes {
	u, ok := g.gidx(id)
	if !ok || g.deg[u] == 0 {
		return graph.Empty
	}
	return &nodeIter{g: g, mode: iterFrom, at: u, pos: -1, left: int(g.deg[u])}
}

// To implements graph.Directed: the PoPs with a live link to id.
func (g *Graph) To(id int64) graph.Nodes {
	v, ok := g.gidx(id)
	if !ok || g.indeg[v] == 0 {
		return graph.Empty
	}
	return &nodeIter{g: g, mode: iterTo, at: v, pos: -1, left: int(g.indeg[v])}
}

// live reports whether there is a live edge between gonum ids.
func (g *Graph) live(uid, vid int64) (u, v int, ok bool) {
	u, ok1 := g.gidx(uid)
	v, ok2 := g.gidx(vid)
	if !ok1 || !ok2 || u == v {
		return 0, 0, false
	}
	return u, v, g.state[u*g.n+v] == linkLive
}

// HasEdgeBetween implements graph.Graph.
func (g *Graph) HasEdgeBetween(xid, yid int64) bool {
	return g.HasEdgeFromTo(xid, yid) || g.HasEdgeFromTo(yid, xid)
}

// HasEdgeFromTo implements graph.Directed.
func (g *Graph) HasEdgeFromTo(uid, vid int64) bool {
	_, _, ok := g.live(uid, vid)
	return ok
}

// Edge implements graph.Graph.
func (g *Graph) Edge(uid, vid int64) graph.Edge {
	if e := g.WeightedEdge(uid, vid); e != nil {
		return e
	}
	return nil
}

// WeightedEdge implements graph.Weighted.
func (g *Graph) WeightedEdge(uid, vid int64) graph.WeightedEdge {
	u, v, ok := g.live(uid, vid)
	if !ok {
		return nil
	}
	return Edge{F: Node(uid), T: Node(vid), W: g.out[u*g.n+v]}
}

// Weight implements graph.Weighted: the edge cost, 0 for x == y, and false
// when there is no live edge.
func (g *Graph) Weight(xid, yid int64) (float64, bool) {
	if xid == yid {
		_, ok := g.gidx(xid)
		return 0, ok
	}
	u, v, ok := g.live(xid, yid)
	if !ok {
		return inf, false
	}
	return g.out[u*g.n+v], true
}

type iterMode uint8

const (
	iterAll iterMode = iota
	iterFrom
	iterTo
)

// nodeIter walks the dense matrix lazily; it implements graph.Nodes.
type nodeIter struct {
	g    *Graph
	mode iterMode
	at   int // the fixed endpoint for iterFrom / iterTo
	pos  int // current index, -1 before the first Next
	left int // nodes not yet returned
	size int // remembered total for Reset; 0 means use left
}

// Len implements graph.Iterator: the nodes not yet returned.
func (it *nodeIter) Len() int { return it.left }

// Next implements graph.Iterator.
func (it *nodeIter) Next() bool {
	if it.size == 0 {
		it.size = it.left
	}
	g := it.g
	for it.pos+1 < g.n {
		it.pos++
		switch it.mode {
		case iterAll:
		case iterFrom:
			if g.state[it.at*g.n+it.pos] != linkLive {
				continue
			}
		case iterTo:
			if g.state[it.pos*g.n+it.at] != linkLive {
				continue
			}
		}
		it.left--
		return true
	}
	it.pos = g.n
	return false
}

// Node implements graph.Nodes; nil before the first or after the last Next.
func (it *nodeIter) Node() graph.Node {
	if it.pos < 0 || it.pos >= it.g.n {
		return nil
	}
	return Node(it.g.ids[it.pos])
}

// Reset implements graph.Iterator.
func (it *nodeIter) Reset() {
	if it.size != 0 {
		it.left = it.size
	}
	it.pos = -1
}

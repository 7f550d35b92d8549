package pathcalc

import (
	"fmt"
	"math"
	"slices"
)

// MaxNodes is the largest number of PoPs a Graph holds (its dense matrices
// take about 9 bytes per ordered pair).
const MaxNodes = 2048

// linkState says why an ordered pair has, or lacks, a usable edge.
type linkState uint8

const (
	linkMissing  linkState = iota // no link reported
	linkLive                      // Up and Loss < MaxLoss
	linkDown                      // reported with Up == false
	linkLossy                     // Up but Loss >= MaxLoss
	linkDraining                  // From is draining: no transit
)

var inf = math.Inf(1)

// Graph is an immutable, dense, directed graph of PoPs whose edge weights are
// the link costs in milliseconds (see Weights). Only live links are edges.
// Node IDs in the gonum interfaces are the PoP ids. Build it with NewGraph.
type Graph struct {
	ids   []uint16    // dense index -> PoP id, ascending
	index []int32     // PoP id -> dense index, -1 when absent
	n     int         // len(ids)
	out   []float64   // out[u*n+v]: cost of the edge u->v, +Inf when not live
	in    []float64   // in[v*n+u]: the transpose of out, for pull-style relaxation
	state []linkState // state[u*n+v]
	loss  []float64   // loss[u*n+v] for lossy links, for explanations
	deg   []int32     // live out-degree per index
	indeg []int32     // live in-degree per index
	w     Weights
}

// NewGraph builds the graph of the given PoPs and directed links, turning
// measurements into costs with w. It rejects invalid weights, duplicate or
// unknown nodes, invalid or duplicate links, naming the field at fault.
func NewGraph(nodes []uint16, links []Link, w Weights) (*Graph, error) {
	if err := w.Validate(); err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	if len(nodes) > MaxNodes {
		return nil, fmt.Errorf("nodes: %d nodes exceed the maximum of %d", len(nodes), MaxNodes)
	}
	ids := slices.Clone(nodes)
	slices.Sort(ids)
	maxID := -1
	if len(ids) > 0 {
		maxID = int(ids[len(ids)-1])
	}
	index := make([]int32, maxID+1)
	for i := range index {
		index[i] = -1
	}
	for i, id := range ids {
		if i > 0 && ids[i-1] == id {
			return nil, fmt.Errorf("nodes: duplicate node %d", id)
		}
		index[id] = int32(i)
	}
	n := len(ids)
	g := &Graph{
		ids: ids, index: index, n: n, w: w,
		out:   make([]float64, n*n),
		state: make([]linkState, n*n),
		deg:   make([]int32, n),
		indeg: make([]int32, n),
	}
	for i := range g.out {
		g.out[i] = inf
	}
	for i, l := range links {
		if err := g.addLink(l); err != nil {
			return nil, fmt.Errorf("links[%d]: %w", i, err)
		}
	}
	g.in = transpose(g.out, n)
	return g, nil
}

// transpose returns the transpose of an n x n row-major matrix, working in
// cache-sized blocks.
func transpose(m []float64, n int) []float64 {
	const b = 32
	t := make([]float64, len(m))
	for i0 := 0; i0 < n; i0 += b {
		for j0 := 0; j0 < n; j0 += b {
			for i := i0; i < min(i0+b, n); i++ {
				for j := j0; j < min(j0+b, n); j++ {
					t[j*n+i] = m[i*n+j]
				}
			}
		}
	}
	return t
}

func (g *Graph) addLink(l Link) error {
	if err := l.Validate(); err != nil {
		return err
	}
	u, ok := g.idx(l.From)
	if !ok {
		return fmt.Errorf("From: node %d not in node list", l.From)
	}
	v, ok := g.idx(l.To)
	if !ok {
		return fmt.Errorf("To: node %d not in node list", l.To)
	}
	k := u*g.n + v
	if g.state[k] != linkMissing {
		return fmt.Errorf("duplicate link %d->%d", l.From, l.To)
	}
	c, live := g.w.EdgeCost(l)
	switch {
	case l.Draining:
		g.state[k] = linkDraining
	case live:
		g.state[k], g.out[k] = linkLive, c
		g.deg[u]++
		g.indeg[v]++
	case !l.Up:
		g.state[k] = linkDown
	default:
		g.state[k] = linkLossy
		if g.loss == nil {
			g.loss = make([]float64, g.n*g.n)
		}
		g.loss[k] = l.Loss
	}
	return nil
}

// idx maps a PoP id to its dense index.
func (g *Graph) idx(id uint16) (int, bool) {
	if int(id) >= len(g.index) || g.index[id] < 0 {
		return 0, false
	}
	return int(g.index[id]), true
}

// Len returns the number of PoPs.
func (g *Graph) Len() int { return g.n }

// PoPs returns the PoP ids in ascending order.
func (g *Graph) PoPs() []uint16 { return slices.Clone(g.ids) }

// Has reports whether the PoP is in the graph.
func (g *Graph) Has(id uint16) bool { _, ok := g.idx(id); return ok }

// Weights returns the weights the graph was built with.
func (g *Graph) Weights() Weights { return g.w }

// Cost returns the cost of the live link from->to in milliseconds, and false
// when there is no live link.
func (g *Graph) Cost(from, to uint16) (float64, bool) {
	u, ok1 := g.idx(from)
	v, ok2 := g.idx(to)
	if !ok1 || !ok2 || u == v {
		return 0, false
	}
	c := g.out[u*g.n+v]
	return c, c != inf
}

// PathCost returns the cost of the path (PoP ids, first = source): the sum of
// its edge costs plus RelayCostMs per relay, accumulated from the source in
// path order. It fails, naming the hop, when a node is unknown or repeated or
// a link is not live.
func (g *Graph) PathCost(nodes []uint16) (float64, error) {
	if len(nodes) < 2 {
		return 0, fmt.Errorf("nodes: path needs at least 2 nodes, got %d", len(nodes))
	}
	idx := make([]int, len(nodes))
	for i, id := range nodes {
		x, ok := g.idx(id)
		if !ok {
			return 0, fmt.Errorf("nodes[%d]: node %d unknown", i, id)
		}
		if slices.Contains(idx[:i], x) {
			return 0, fmt.Errorf("nodes[%d]: node %d repeated", i, id)
		}
		idx[i] = x
	}
	c := 0.0
	for i := 1; i < len(idx); i++ {
		if why := g.edgeProblem(idx[i-1], idx[i]); why != "" {
			return 0, fmt.Errorf("nodes[%d]: %s", i, why)
		}
		c = g.extend(c, i-1, idx[i-1], idx[i])
	}
	return c, nil
}

// extend adds the edge u->v to a path of the given number of hops and cost.
// Every cost in the package is accumulated through this one formula, so equal
// paths always get bit-identical costs.
func (g *Graph) extend(c float64, hops, u, v int) float64 {
	w := g.out[u*g.n+v]
	if hops == 0 {
		return w
	}
	return c + (w + g.w.RelayCostMs)
}

// edgeProblem explains why u->v is not a live edge, or returns "".
func (g *Graph) edgeProblem(u, v int) string {
	k := u*g.n + v
	switch g.state[k] {
	case linkLive:
		return ""
	case linkDown:
		return fmt.Sprintf("link %d->%d down", g.ids[u], g.ids[v])
	case linkLossy:
		return fmt.Sprintf("link %d->%d loss %.3g >= MaxLoss %.3g", g.ids[u], g.ids[v], g.loss[k], g.w.MaxLoss)
	case linkDraining:
		return fmt.Sprintf("PoP %d is draining (no transit)", g.ids[u])
	default:
		return fmt.Sprintf("link %d->%d missing", g.ids[u], g.ids[v])
	}
}

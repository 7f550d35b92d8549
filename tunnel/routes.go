package tunnel

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/argonet/argo/overlay"
)

// Route lists the paths to one destination PoP, as the lead builds them from
// pathcalc's table: the primary first, then the backups. Each path is a
// pathcalc Path's Nodes: Nodes[0] is this PoP, the last node is Dst, and
// between them at most overlay.MaxHops-1 relays.
type Route struct {
	Dst   uint16
	Paths [][]uint16
}

// compiledPath is one path, ready for the data path: the header to prepend
// (index 0, type data) and the first hop to send to. Immutable.
type compiledPath struct {
	dst   uint16
	nodes []uint16 // including self
	key   string   // nodes joined by "-", identifies the path across tables
	hdr   [overlay.HeaderLen]byte
	first *pop
}

// destRoute is the compiled route to one destination.
type destRoute struct {
	paths  []*compiledPath // primary first
	active int             // index of the path the data path uses
}

// table is the immutable routing table the Bind loads atomically on every
// send. Replacing it is a pointer swap (make-before-break: datagrams already
// sent on the old path still arrive, since relays route by the header).
type table struct {
	bySlot []*compiledPath // active path per known PoP slot; nil = no path
	dests  map[uint16]*destRoute
}

// pathKey returns the key of a node list ("1-2-3").
func pathKey(nodes []uint16) string {
	var sb strings.Builder
	for i, n := range nodes {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(strconv.Itoa(int(n)))
	}
	return sb.String()
}

// compilePath validates nodes (a path from self) and builds its header.
func compilePath(self uint16, pops *popSet, nodes []uint16) (*compiledPath, error) {
	if len(nodes) < 2 || len(nodes) > overlay.MaxHops+1 {
		return nil, fmt.Errorf("%d nodes, want 2..%d (self, up to %d relays, destination)",
			len(nodes), overlay.MaxHops+1, overlay.MaxHops-1)
	}
	if nodes[0] != self {
		return nil, fmt.Errorf("node 0 is %d, want this pop %d", nodes[0], self)
	}
	for i, n := range nodes[1:] {
		if n == self {
			return nil, fmt.Errorf("node %d is this pop %d again", i+1, n)
		}
		if pops.byID[n] == nil {
			return nil, fmt.Errorf("node %d: pop %d is not a configured peer", i+1, n)
		}
		if slices.Index(nodes[1:], n) != i {
			return nil, fmt.Errorf("node %d: pop %d repeats", i+1, n)
		}
	}
	h, err := overlay.Path(overlay.TypeData, self, 0, nodes[1:]...)
	if err != nil {
		return nil, err
	}
	p := &compiledPath{dst: nodes[len(nodes)-1], nodes: slices.Clone(nodes), key: pathKey(nodes), first: pops.byID[nodes[1]]}
	if err := h.Marshal(p.hdr[:]); err != nil {
		return nil, err
	}
	return p, nil
}

// compileRoutes validates every route and builds the destination map. It
// fails on the first bad route, naming it, and changes nothing.
func compileRoutes(self uint16, pops *popSet, routes []Route) (map[uint16]*destRoute, error) {
	dests := make(map[uint16]*destRoute, len(routes))
	for i, r := range routes {
		if pops.byID[r.Dst] == nil {
			return nil, fmt.Errorf("tunnel: routes[%d]: dst %d is not a configured peer", i, r.Dst)
		}
		if dests[r.Dst] != nil {
			return nil, fmt.Errorf("tunnel: routes[%d]: second route to dst %d", i, r.Dst)
		}
		if len(r.Paths) == 0 {
			return nil, fmt.Errorf("tunnel: routes[%d] (dst %d): no paths", i, r.Dst)
		}
		d := &destRoute{}
		for j, nodes := range r.Paths {
			p, err := compilePath(self, pops, nodes)
			if err != nil {
				return nil, fmt.Errorf("tunnel: routes[%d] (dst %d): paths[%d] %v: %w", i, r.Dst, j, nodes, err)
			}
			if p.dst != r.Dst {
				return nil, fmt.Errorf("tunnel: routes[%d] (dst %d): paths[%d] %v ends at %d", i, r.Dst, j, nodes, p.dst)
			}
			d.paths = append(d.paths, p)
		}
		dests[r.Dst] = d
	}
	return dests, nil
}

// directRoutes returns the default route set: the direct path to every
// peer. Destinations the lead gives no route keep their direct path.
func directRoutes(self uint16, pops *popSet) map[uint16]*destRoute {
	dests := make(map[uint16]*destRoute, len(pops.list))
	for _, p := range pops.list {
		cp, err := compilePath(self, pops, []uint16{self, p.id})
		if err != nil {
			panic("tunnel: direct path invalid: " + err.Error()) // Config.Validate rules this out
		}
		dests[p.id] = &destRoute{paths: []*compiledPath{cp}}
	}
	return dests
}

// buildTable chooses the active path per destination: the first path up
// reports as up (primary first); when all are down, the primary.
func buildTable(pops *popSet, dests map[uint16]*destRoute, up func(key string) bool) *table {
	t := &table{bySlot: make([]*compiledPath, len(pops.list)), dests: make(map[uint16]*destRoute, len(dests))}
	for dst, d := range dests {
		nd := &destRoute{paths: d.paths}
		for i, p := range d.paths {
			if up(p.key) {
				nd.active = i
				break
			}
		}
		t.dests[dst] = nd
		t.bySlot[pops.byID[dst].slot] = nd.paths[nd.active]
	}
	return t
}

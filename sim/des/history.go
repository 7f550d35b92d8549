package des

import (
	"math"
	"slices"

	"github.com/argonet/argo/linkstate"
	"github.com/argonet/argo/pathcalc"
)

// version is one table a PoP published: kept locally (its own view) or,
// when sent, broadcast to every other PoP through the gossip model.
type version struct {
	v      uint64
	at     int64            // virtual ns
	links  []linkstate.Link // shared and never modified once appended
	edges  []pathcalc.Link  // the same links as pathcalc input, for graphs
	sent   bool
	change *change // sent with a change that may need action at once; nil if none
	maxDel int64   // sent: no receiver gets it later than this
}

// history holds one origin's recent versions in increasing order. The
// origin's phase-1 worker appends; phase-2 workers only read; garbage
// collection runs between the phases.
type history struct {
	vs   []version
	free []payload // payloads of collected versions, for reuse
}

// payload is the memory of one version's links.
type payload struct {
	links []linkstate.Link
	edges []pathcalc.Link
}

// payload returns link slices of length n to fill, reusing a collected
// version's when possible.
func (h *history) payload(n int) payload {
	if k := len(h.free); k > 0 {
		p := h.free[k-1]
		h.free = h.free[:k-1]
		if cap(p.links) >= n {
			return payload{p.links[:n], p.edges[:n]}
		}
	}
	return payload{make([]linkstate.Link, n), make([]pathcalc.Link, n)}
}

// find returns the version numbered v, or nil.
func (h *history) find(v uint64) *version {
	k, ok := slices.BinarySearchFunc(h.vs, v, func(x version, v uint64) int {
		switch {
		case x.v < v:
			return -1
		case x.v > v:
			return 1
		}
		return 0
	})
	if !ok {
		return nil
	}
	return &h.vs[k]
}

// collect drops the versions nobody can need from time t on: those older
// than both the newest version published by t (the origin's own view) and
// the newest sent version every receiver has by t (see lookups in view.go).
func (h *history) collect(t int64) {
	own, remote := -1, -1
	for k := range h.vs {
		if h.vs[k].at <= t {
			own = k
		}
		if h.vs[k].sent && h.vs[k].maxDel <= t {
			remote = k
		}
	}
	keep := min(own, remote)
	if keep <= 0 {
		return
	}
	for k := range keep {
		h.free = append(h.free, payload{h.vs[k].links, h.vs[k].edges})
	}
	n := copy(h.vs, h.vs[keep:])
	clear(h.vs[n:])
	h.vs = h.vs[:n]
}

// never is a time that never comes.
const never = math.MaxInt64

// urgentBetween reports whether a version in (from, to] was urgent.
func (h *history) urgentBetween(from, to uint64) bool {
	for k := len(h.vs) - 1; k >= 0; k-- {
		v := &h.vs[k]
		if v.v <= from {
			return false
		}
		if v.v <= to && v.change != nil {
			return true
		}
	}
	return false
}

// change is what an urgent version changed for pathcalc since the
// origin's previous broadcast: links that died or got much worse (a route
// using them must move at once), and whether a link came up or got much
// better (a PoP that cannot reach everybody must look at once).
type change struct {
	origin int
	worse  []uint16 // peers
	better bool
}

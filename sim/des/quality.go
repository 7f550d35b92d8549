package des

import (
	"math"

	"github.com/argonet/argo/pathcalc"
)

// sampleAcc is one router's contribution to one quality sample.
type sampleAcc struct {
	pairs, onOpt, broken int
	stretch              float64
	stretchN             int
	gainOpt, gainGot     float64
}

func (a *sampleAcc) add(b *sampleAcc) {
	a.pairs += b.pairs
	a.onOpt += b.onOpt
	a.broken += b.broken
	a.stretch += b.stretch
	a.stretchN += b.stretchN
	a.gainOpt += b.gainOpt
	a.gainGot += b.gainGot
}

// pairCost caches the true cost of a router's primary to one destination
// under one truth.
type pairCost struct {
	key   uint64
	truth int // truth id + 1; 0 = empty
	cost  float64
}

// sample adds the router's current routes, judged against tr, to acc:
// pairs reachable in the truth, on an optimal path, broken (no route or a
// dead one), stretch (true cost over optimal) and gain over the direct
// link.
func (r *router) sample(tr *truth, acc *sampleAcc) {
	tab := r.eng.Current()
	n := tr.n
	for d := range n {
		k := r.id*n + d
		opt := tr.opt[k]
		if d == r.id || !tr.alive[d] || math.IsInf(opt, 1) {
			continue
		}
		acc.pairs++
		route := tab.Route(uint16(d))
		if route == nil {
			acc.broken++
			continue
		}
		key := pathKey(route.Primary.Nodes)
		c := &r.cost[d]
		if c.key != key || c.truth != tr.id+1 {
			cost, err := tr.g.PathCost(route.Primary.Nodes)
			if err != nil {
				cost = math.Inf(1)
			}
			*c = pairCost{key: key, truth: tr.id + 1, cost: cost}
		}
		if math.IsInf(c.cost, 1) {
			acc.broken++
			continue
		}
		if key == tr.optKey[k] || c.cost <= opt*(1+1e-9) {
			acc.onOpt++
		}
		acc.stretch += c.cost / opt
		acc.stretchN++
		if dir := tr.direct[k]; !math.IsNaN(dir) {
			acc.gainOpt += dir - opt
			acc.gainGot += dir - c.cost
		}
	}
}

// watch follows one failure (a link down, a PoP down, loss on a link) from
// its event until the next event on the same element: how long until no
// router's primary path uses the element (for loss: where the optimum
// avoids it).
type watch struct {
	ev          Event
	from, until int64
}

// watchState is one router's view of one watch.
type watchState struct {
	seen       bool // evaluated at least once
	dirty      bool
	cleanSince int64
}

// newWatches builds the watches of the events.
func newWatches(evs []Event, end int64) []watch {
	var ws []watch
	for i, e := range evs {
		if !(e.Action == LinkDown || e.Action == NodeDown || (e.Action == LinkLoss && e.Loss > 0)) {
			continue
		}
		w := watch{ev: e, from: int64(e.At), until: end}
		for _, f := range evs[i+1:] {
			if sameElement(e, f) {
				w.until = int64(f.At)
				break
			}
		}
		ws = append(ws, w)
	}
	return ws
}

func sameElement(e, f Event) bool {
	if e.isLink() != f.isLink() {
		return false
	}
	if !e.isLink() {
		return e.Node == f.Node
	}
	return (e.A == f.A && e.B == f.B) || (e.A == f.B && e.B == f.A)
}

// dirty reports whether some route of tab (from src) still uses the
// watched element.
func (w *watch) dirty(src int, tab *pathcalc.Table, tr *truth) bool {
	e := w.ev
	if e.Action == NodeDown && src == e.Node {
		return false
	}
	for _, r := range tab.Routes() {
		key := pathKey(r.Primary.Nodes)
		switch e.Action {
		case NodeDown:
			if int(r.Dst) != e.Node && keyRelays(key, e.Node) {
				return true
			}
		case LinkDown:
			if keyUses(src, key, e.A, e.B) || (!e.OneWay && keyUses(src, key, e.B, e.A)) {
				return true
			}
		case LinkLoss:
			uses := func(k uint64) bool {
				return keyUses(src, k, e.A, e.B) || (!e.OneWay && keyUses(src, k, e.B, e.A))
			}
			if uses(key) && !uses(tr.optKey[src*tr.n+int(r.Dst)]) {
				return true
			}
		}
	}
	return false
}

// evaluate updates st with the router's table at time at.
func (w *watch) evaluate(st *watchState, src int, tab *pathcalc.Table, tr *truth, at int64) {
	d := w.dirty(src, tab, tr)
	switch {
	case !st.seen:
		st.seen, st.dirty, st.cleanSince = true, d, at
	case st.dirty && !d:
		st.dirty, st.cleanSince = false, at
	case !st.dirty && d:
		st.dirty = true
	}
}

package pathcalc

import (
	"fmt"
	"slices"
	"time"
)

// change is one primary-path change, for logs and metrics.
type change struct {
	dst  uint16
	kind string // one of the Reason* constants
	text string
	from []uint16
}

// decider applies pins and hysteresis to one destination at a time.
type decider struct {
	g    *Graph
	s    *solver
	h    Hysteresis
	hops int
	now  time.Time
}

// pathDown is the reason given for a path reported down by SetPathDown.
const pathDown = "path reported down"

// usable checks a path of ids in the current graph; forbidden paths are down.
func (dc *decider) usable(p []uint16, forb []label) (label, string) {
	l, why := dc.g.check(p)
	if why == "" && isForbidden(l, forb) {
		return noLabel, pathDown
	}
	return l, why
}

// decide returns the primary for dense destination d, its new state, and the
// change made (nil if none). st is the previous state (known false: none),
// pin the operator pin (nil: none), prev the previously published route.
func (dc *decider) decide(d int, st routeState, known bool, pin []uint16, forb []label, prev *Route) (label, routeState, *change) {
	fresh := dc.s.primary(d, forb)
	pinWhy := ""
	if pin != nil {
		pl, why := dc.usable(pin, forb)
		if why == "" {
			if slices.Equal(st.primary, pin) { // already the primary: no path change
				return pl, routeState{primary: pin, since: st.since, reason: "pinned", pinned: true}, nil
			}
			ns := routeState{primary: pin, since: dc.now, reason: "pinned", pinned: true}
			return pl, ns, &change{kind: ReasonPinned, text: "pinned", from: st.primary}
		}
		pinWhy = "pinned path down: " + why
	}
	if st.primary == nil {
		if !fresh.ok() {
			return noLabel, st, nil
		}
		text := "initial"
		if known {
			text = "reachable again"
		}
		return fresh, dc.switchTo(fresh, text, dc.now.Add(dc.h.Settle)), &change{kind: ReasonInitial, text: text}
	}
	cur, why := dc.usable(st.primary, forb)
	if why == "" && int(cur.hops) > dc.hops {
		why = fmt.Sprintf("%d links exceed MaxHops %d", cur.hops, dc.hops)
	}
	if why != "" {
		if st.pinned && pinWhy != "" {
			why = pinWhy
		}
		return dc.failover(fresh, st, why, prev, forb)
	}
	st.pinned = false // a live primary that is no longer (or not) the usable pin
	if fresh.same(cur) {
		st.betterSince = time.Time{}
		return cur, st, nil
	}
	ok, gain := dc.h.better(fresh.cost, cur.cost)
	if dc.now.Before(st.settleUntil) {
		// Settling: the first choice was made on the partial link state
		// of a (re)start; only the absolute margin applies.
		ok = gain > dc.h.AbsMarginMs
	}
	if !ok {
		st.betterSince = time.Time{}
		return cur, st, nil
	}
	if st.betterSince.IsZero() {
		st.betterSince = dc.now
	}
	held := dc.now.Sub(st.betterSince)
	if held < dc.h.Hold {
		return cur, st, nil
	}
	text := fmt.Sprintf("better by %.1f ms (%.0f%%) for %v", gain, 100*gain/cur.cost, held.Round(time.Millisecond))
	return fresh, dc.switchTo(fresh, text, st.settleUntil), &change{kind: ReasonBetter, text: text, from: st.primary}
}

// failover replaces a dead primary at once. It prefers the first previously
// published backup that is still usable (the data plane may already be using
// it) unless the fresh best path beats it by the hysteresis margins.
func (dc *decider) failover(fresh label, st routeState, why string, prev *Route, forb []label) (label, routeState, *change) {
	if !fresh.ok() {
		text := "unreachable: " + why
		return noLabel, routeState{since: dc.now, reason: text},
			&change{kind: ReasonUnreachable, text: text, from: st.primary}
	}
	text := "primary down: " + why
	choice := fresh
	if prev != nil {
		for _, b := range prev.Backups {
			bl, bwhy := dc.usable(b.Nodes, forb)
			if bwhy != "" || int(bl.hops) > dc.hops {
				continue
			}
			if better, _ := dc.h.better(fresh.cost, bl.cost); !better {
				choice = bl
			}
			break
		}
	}
	return choice, dc.switchTo(choice, text, st.settleUntil), &change{kind: ReasonDown, text: text, from: st.primary}
}

// switchTo is the state right after the primary changed to l. The settling
// period that began when the destination became reachable carries over: a
// change of primary (better or failover) does not end it.
func (dc *decider) switchTo(l label, reason string, settleUntil time.Time) routeState {
	p, _ := dc.g.path(dc.s.src, l, nil)
	return routeState{primary: p.Nodes, since: dc.now, reason: reason, settleUntil: settleUntil}
}

package report

import (
	"slices"
	"strings"
	"time"

	"github.com/argonet/argo/sim/scenario"
)

// span is a path in use from at (relative to the timeline) on.
type span struct {
	at     time.Duration
	path   []string
	reason string
}

// hist is one route's history, in time order.
type hist []span

// histories indexes route histories by (pop, dst), times relative to start.
type histories map[[2]string]hist

func newHistories(rs []RouteHistory, start time.Time) histories {
	hs := histories{}
	for _, r := range rs {
		h := make(hist, 0, len(r.Changes))
		for _, c := range r.Changes {
			h = append(h, span{at: c.At.Sub(start), path: c.Path, reason: c.Reason})
		}
		slices.SortStableFunc(h, func(a, b span) int { return int(a.at - b.at) })
		hs[[2]string{r.Pop, r.Dst}] = h
	}
	return hs
}

// at returns the span in use at t (ok false if none started yet).
func (h hist) at(t time.Duration) (span, bool) {
	i, _ := slices.BinarySearchFunc(h, t, func(s span, t time.Duration) int {
		if s.at <= t {
			return -1
		}
		return 1
	})
	if i == 0 {
		return span{}, false
	}
	return h[i-1], true
}

// within returns the spans that started in (from, to].
func (h hist) within(from, to time.Duration) hist {
	var out hist
	for _, s := range h {
		if s.at > from && s.at <= to {
			out = append(out, s)
		}
	}
	return out
}

// element is what an event changes: directed links, or a PoP.
type element struct {
	links map[[2]string]bool
	pop   string
}

func elementOf(e scenario.Event) element {
	if e.Pop != "" {
		return element{pop: e.Pop}
	}
	el := element{links: map[[2]string]bool{{e.From, e.To}: true}}
	if e.Symmetric {
		el.links[[2]string{e.To, e.From}] = true
	}
	return el
}

// hits reports whether path uses the element: one of its links, or the PoP
// anywhere on it.
func (el element) hits(path []string) bool {
	for i, p := range path {
		if p == el.pop {
			return true
		}
		if i > 0 && el.links[[2]string{path[i-1], p}] {
			return true
		}
	}
	return false
}

// overlaps reports whether two elements share a PoP or a directed link.
func (el element) overlaps(o element) bool {
	if el.pop != "" || o.pop != "" {
		return el.pop == o.pop
	}
	for l := range el.links {
		if o.links[l] {
			return true
		}
	}
	return false
}

// endpoint reports whether the element is the first or last PoP of path.
func (el element) endpoint(path []string) bool {
	return el.pop != "" && len(path) > 0 && (path[0] == el.pop || path[len(path)-1] == el.pop)
}

// arrow renders a path as "a → b → c" ("unreachable" when empty).
func arrow(path []string) string {
	if len(path) == 0 {
		return "unreachable"
	}
	return strings.Join(path, " → ")
}

package runner

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/argonet/argo/api"
	"github.com/argonet/argo/sim/report"
)

// probeReason marks a path the data plane chose on its own (in-band path
// probes failed on pathcalc's primary).
const probeReason = "data plane: path probes moved traffic to a backup path"

// book records, for every polled PoP and destination, each change of the
// path in use, plus the latest routes of each PoP (for the live table).
type book struct {
	mu      sync.Mutex
	hist    map[[2]string]*report.RouteHistory
	latest  map[string][]api.Route
	changed time.Time // last change seen anywhere
}

func newBook() *book {
	return &book{hist: map[[2]string]*report.RouteHistory{}, latest: map[string][]api.Route{}}
}

// observe takes one poll of PoP pop made at time at: its routes and, when
// known, the data plane's active path per destination.
func (b *book) observe(pop string, at time.Time, routes []api.Route, active map[string][]string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.latest[pop] = routes
	for _, r := range routes {
		key := [2]string{pop, r.Dst}
		h := b.hist[key]
		if h == nil {
			h = &report.RouteHistory{Pop: pop, Dst: r.Dst}
			b.hist[key] = h
		}
		var primary []string
		if r.Reachable {
			primary = r.Path
		}
		inUse, reason := primary, r.Reason
		if a, ok := active[r.Dst]; ok && len(a) > 0 && r.Reachable && !slices.Equal(a, primary) {
			inUse, reason = a, probeReason
		}
		var last *report.RouteChange
		if n := len(h.Changes); n > 0 {
			last = &h.Changes[n-1]
		}
		if last != nil && slices.Equal(last.Path, inUse) {
			continue
		}
		c := report.RouteChange{At: at, Path: inUse, Primary: primary, Reason: reason, CostMs: r.CostMs, Polled: true}
		// argod's own timestamp of a pathcalc change is exact; use it when
		// it is newer than what we recorded before.
		if slices.Equal(inUse, primary) && !r.Since.IsZero() && !r.Since.After(at) &&
			(last == nil || r.Since.After(last.At)) {
			c.At, c.Polled = r.Since, false
		}
		h.Changes = append(h.Changes, c)
		if c.At.After(b.changed) {
			b.changed = c.At
		}
	}
}

// settled reports whether every PoP in pops has a path to every other and
// when the last change happened.
func (b *book) settled(pops []string) (reachable bool, lastChange time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range pops {
		for _, q := range pops {
			if p == q {
				continue
			}
			h := b.hist[[2]string{p, q}]
			if h == nil || len(h.Changes) == 0 || h.Changes[len(h.Changes)-1].Path == nil {
				return false, b.changed
			}
		}
	}
	return true, b.changed
}

// route returns the latest route of pop to dst.
func (b *book) route(pop, dst string) (api.Route, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.latest[pop] {
		if r.Dst == dst {
			return r, true
		}
	}
	return api.Route{}, false
}

// histories returns a copy of every history, sorted by PoP and destination.
func (b *book) histories() []report.RouteHistory {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]report.RouteHistory, 0, len(b.hist))
	for _, h := range b.hist {
		out = append(out, report.RouteHistory{Pop: h.Pop, Dst: h.Dst, Changes: slices.Clone(h.Changes)})
	}
	slices.SortFunc(out, func(a, b report.RouteHistory) int {
		if a.Pop != b.Pop {
			return strings.Compare(a.Pop, b.Pop)
		}
		return strings.Compare(a.Dst, b.Dst)
	})
	return out
}

// poll asks PoP pop's argod for its routes every period (and for the data
// plane's active paths when peers is set) until ctx ends. Errors (argod
// killed, busy) skip the round.
func poll(ctx context.Context, c *api.Client, pop string, period time.Duration, peers bool, b *book) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		cctx, cancel := context.WithTimeout(ctx, period+time.Second)
		var routes []api.Route
		err := c.Get(cctx, api.PathPaths, &routes)
		var active map[string][]string
		if err == nil && peers {
			var ps []api.Peer
			if c.Get(cctx, api.PathPeers, &ps) == nil {
				active = make(map[string][]string, len(ps))
				for _, p := range ps {
					active[p.Name] = p.Path
				}
			}
		}
		cancel()
		if err == nil {
			b.observe(pop, time.Now(), routes, active)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

package runner

import (
	"testing"
	"time"

	"github.com/argonet/argo/api"
)

// TestBookObserve: a change is recorded at argod's own timestamp when the
// primary changed, at the poll time when only the data plane's active path
// did, and not at all when nothing changed.
func TestBookObserve(t *testing.T) {
	b := newBook()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	route := func(since time.Time, reason string, path ...string) []api.Route {
		return []api.Route{{Dst: "b", Reachable: len(path) > 0, Path: path, Since: since, Reason: reason}}
	}
	b.observe("a", ms(100), route(ms(40), "initial", "a", "b"), nil)
	b.observe("a", ms(200), route(ms(40), "initial", "a", "b"), nil)
	b.observe("a", ms(300), route(ms(250), "better", "a", "c", "b"), nil)
	// The data plane moved to a backup on its own: seen at poll time.
	b.observe("a", ms(400), route(ms(250), "better", "a", "c", "b"), map[string][]string{"b": {"a", "d", "b"}})
	// pathcalc follows: its timestamp is older than what we recorded, and
	// the path in use did not change, so nothing is recorded.
	b.observe("a", ms(500), route(ms(380), "primary down", "a", "d", "b"), map[string][]string{"b": {"a", "d", "b"}})
	// Unreachable.
	b.observe("a", ms(600), route(ms(550), "unreachable"), nil)
	hs := b.histories()
	if len(hs) != 1 {
		t.Fatalf("%d histories", len(hs))
	}
	want := []struct {
		at     time.Time
		path   string
		reason string
		polled bool
	}{
		{ms(40), "a>b", "initial", false},
		{ms(250), "a>c>b", "better", false},
		{ms(400), "a>d>b", probeReason, true},
		{ms(550), "", "unreachable", false},
	}
	got := hs[0].Changes
	if len(got) != len(want) {
		t.Fatalf("changes %+v", got)
	}
	for i, w := range want {
		g := got[i]
		p := ""
		for j, h := range g.Path {
			if j > 0 {
				p += ">"
			}
			p += h
		}
		if !g.At.Equal(w.at) || p != w.path || g.Reason != w.reason || g.Polled != w.polled {
			t.Errorf("change %d = %v %q %q polled %v; want %v %q %q %v", i, g.At.Sub(t0), p, g.Reason, g.Polled, w.at.Sub(t0), w.path, w.reason, w.polled)
		}
	}
	if r, ok := b.route("a", "b"); !ok || r.Reason != "unreachable" {
		t.Errorf("latest route %+v", r)
	}
}

func TestBookSettled(t *testing.T) {
	b := newBook()
	now := time.Now()
	ok := []api.Route{{Dst: "b", Reachable: true, Path: []string{"a", "b"}, Since: now}}
	back := []api.Route{{Dst: "a", Reachable: true, Path: []string{"b", "a"}, Since: now}}
	b.observe("a", now, ok, nil)
	if reach, _ := b.settled([]string{"a", "b"}); reach {
		t.Fatal("settled without b's routes")
	}
	b.observe("b", now, back, nil)
	if reach, last := b.settled([]string{"a", "b"}); !reach || !last.Equal(now) {
		t.Fatalf("settled %v %v", reach, last)
	}
}

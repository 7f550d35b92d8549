package bgp

import (
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	pol := policy{holdDown: 5 * time.Second, grace: 30 * time.Second, prepend: 3}
	healthy := func(since time.Duration) healthState {
		return healthState{reported: true, healthy: true, reason: "ok", since: t0.Add(since)}
	}
	sick := healthState{reported: true, healthy: false, reason: "no live path to fra", since: t0}
	draining := func(since time.Duration) drainRecord { return drainRecord{Drained: true, Since: t0.Add(since)} }

	tests := []struct {
		name      string
		h         healthState
		d         drainRecord
		wantState PrefixState
		wantDrain DrainMode
		wantWhy   string
		wantNext  time.Duration // from t0; -1: none
	}{
		{name: "no report", h: healthState{}, wantState: StateWithdrawn, wantDrain: DrainNone, wantWhy: "unhealthy: no health report yet", wantNext: -1},
		{name: "unhealthy", h: sick, wantState: StateWithdrawn, wantDrain: DrainNone, wantWhy: "unhealthy: no live path to fra", wantNext: -1},
		{name: "holding down", h: healthy(-2 * time.Second), wantState: StateWithdrawn, wantDrain: DrainNone,
			wantWhy: "holding down: healthy for 2s of 5s", wantNext: 3 * time.Second},
		{name: "hold-down just over", h: healthy(-5 * time.Second), wantState: StateAnnounced, wantDrain: DrainNone, wantWhy: "healthy for 5s", wantNext: -1},
		{name: "healthy", h: healthy(-time.Hour), wantState: StateAnnounced, wantDrain: DrainNone, wantWhy: "healthy for 1h0m0s", wantNext: -1},
		{name: "draining", h: healthy(-time.Hour), d: draining(-18 * time.Second), wantState: StatePrepended, wantDrain: DrainDraining,
			wantWhy: "draining: prepended x3, withdraw in 12s", wantNext: 12 * time.Second},
		{name: "drained", h: healthy(-time.Hour), d: draining(-30 * time.Second), wantState: StateWithdrawn, wantDrain: DrainDrained, wantWhy: "drained", wantNext: -1},
		{name: "drained long ago", h: healthy(-time.Hour), d: draining(-48 * time.Hour), wantState: StateWithdrawn, wantDrain: DrainDrained, wantWhy: "drained", wantNext: -1},
		{name: "unhealthy while draining", h: sick, d: draining(-10 * time.Second), wantState: StateWithdrawn, wantDrain: DrainDraining,
			wantWhy: "unhealthy: no live path to fra", wantNext: 20 * time.Second},
		{name: "unhealthy and drained", h: sick, d: draining(-time.Hour), wantState: StateWithdrawn, wantDrain: DrainDrained,
			wantWhy: "unhealthy: no live path to fra", wantNext: -1},
		{name: "holding down while draining", h: healthy(-time.Second), d: draining(-28 * time.Second), wantState: StateWithdrawn, wantDrain: DrainDraining,
			wantWhy: "holding down: healthy for 1s of 5s", wantNext: 2 * time.Second},
		{name: "drained while holding down", h: healthy(-time.Second), d: draining(-time.Hour), wantState: StateWithdrawn, wantDrain: DrainDrained,
			wantWhy: "drained", wantNext: -1},
		{name: "drain in the future (clock stepped back)", h: healthy(-time.Hour), d: draining(time.Hour), wantState: StatePrepended, wantDrain: DrainDraining,
			wantWhy: "draining: prepended x3, withdraw in 30s", wantNext: 30 * time.Second},
		{name: "sub-second hold-down", h: healthy(-250 * time.Millisecond), wantState: StateWithdrawn, wantDrain: DrainNone,
			wantWhy: "holding down: healthy for 250ms of 5s", wantNext: 4750 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decide(tt.h, tt.d, pol, t0)
			if got.state != tt.wantState || got.drain != tt.wantDrain || got.reason() != tt.wantWhy {
				t.Errorf("decide = {%s %s %q}, want {%s %s %q}", got.state, got.drain, got.reason(), tt.wantState, tt.wantDrain, tt.wantWhy)
			}
			wantPrepend := 0
			if tt.wantState == StatePrepended {
				wantPrepend = 3
			}
			if got.prepend != wantPrepend {
				t.Errorf("prepend = %d, want %d", got.prepend, wantPrepend)
			}
			switch {
			case tt.wantNext < 0 && !got.next.IsZero():
				t.Errorf("next = %v, want none", got.next.Sub(t0))
			case tt.wantNext >= 0 && !got.next.Equal(t0.Add(tt.wantNext)):
				t.Errorf("next = %v, want %v", got.next.Sub(t0), tt.wantNext)
			}
		})
	}
}

// TestDecideNextIsInTheFuture checks the property the timer loop relies on:
// a scheduled change always lies after now, so the loop cannot spin.
func TestDecideNextIsInTheFuture(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	pol := policy{holdDown: 5 * time.Second, grace: 3 * time.Second, prepend: 1}
	for hs := -10 * time.Second; hs <= 0; hs += 250 * time.Millisecond {
		for ds := -10 * time.Second; ds <= time.Second; ds += 250 * time.Millisecond {
			for _, healthy := range []bool{true, false} {
				h := healthState{reported: true, healthy: healthy, since: t0.Add(hs)}
				got := decide(h, drainRecord{Drained: true, Since: t0.Add(ds)}, pol, t0)
				if !got.next.IsZero() && !got.next.After(t0) {
					t.Fatalf("health since %v, drain since %v: next %v is not after now", hs, ds, got.next.Sub(t0))
				}
			}
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	t0 := time.Now()
	pol := policy{holdDown: 5 * time.Second, grace: 30 * time.Second, prepend: 3}
	h := healthState{reported: true, healthy: true, reason: "ok", since: t0.Add(-time.Hour)}
	b.ReportAllocs()
	for b.Loop() {
		decide(h, drainRecord{}, pol, t0)
	}
}

package bgp

import (
	"context"
	"testing"
	"time"
)

// startedSpeaker starts a loopback speaker (no peer) for benchmarks.
func startedSpeaker(b *testing.B, holdDown time.Duration) *Speaker {
	b.Helper()
	cfg := loopbackConfig(b)
	cfg.StateFile = ""
	cfg.HoldDown = holdDown
	s, err := New(cfg, discardLogger(), nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Shutdown(context.Background()) })
	return s
}

// BenchmarkSetHealthSteady is argod repeating an unchanged health report:
// the decision is re-evaluated and nothing reaches GoBGP.
func BenchmarkSetHealthSteady(b *testing.B) {
	s := startedSpeaker(b, time.Nanosecond)
	s.SetHealth(true, "ok")
	b.ReportAllocs()
	for b.Loop() {
		s.SetHealth(true, "ok")
	}
}

// BenchmarkHealthFlap is a withdrawal and a re-announcement of one prefix
// handed to GoBGP (no hold-down): the cost of a health flap.
func BenchmarkHealthFlap(b *testing.B) {
	s := startedSpeaker(b, time.Nanosecond)
	b.ReportAllocs()
	for b.Loop() {
		s.SetHealth(false, "down")
		s.SetHealth(true, "up")
		time.Sleep(time.Nanosecond) // let the hold-down of 1ns pass
		s.mu.Lock()
		s.reconcileLocked(time.Now())
		s.mu.Unlock()
	}
	if st := s.Status(); st.Prefixes[0].State != StateAnnounced {
		b.Fatalf("prefix %+v after the flaps", st.Prefixes[0])
	}
}

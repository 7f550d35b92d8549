package prober

import (
	"testing"
	"time"
)

// BenchmarkTrackerSentReceived measures the per-probe event path.
func BenchmarkTrackerSentReceived(b *testing.B) {
	tr := NewTracker(DefaultSettings())
	now := epoch
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		seq := uint16(i)
		tr.Sent(seq, now)
		tr.Received(seq, now.Add(time.Millisecond+time.Duration(i%7)*time.Microsecond))
		now = now.Add(200 * time.Millisecond)
	}
}

// BenchmarkTrackerExpire measures a lost probe: Sent, then Expire past its
// deadline.
func BenchmarkTrackerExpire(b *testing.B) {
	tr := NewTracker(DefaultSettings())
	now := epoch
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		tr.Sent(uint16(i), now)
		now = now.Add(2 * time.Second)
		tr.Expire(now)
	}
}

// BenchmarkTrackerStats measures a Stats snapshot over a full 100-sample
// window (a sort of the samples).
func BenchmarkTrackerStats(b *testing.B) {
	tr := NewTracker(DefaultSettings())
	now := epoch
	for i := range 200 {
		tr.Sent(uint16(i), now)
		tr.Received(uint16(i), now.Add(time.Duration(i*37%100)*time.Millisecond))
		now = now.Add(200 * time.Millisecond)
	}
	b.ReportAllocs()
	var sink Stats
	for b.Loop() {
		sink = tr.Stats()
	}
	_ = sink
}

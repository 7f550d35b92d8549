package prober

import (
	"testing"
	"time"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// at returns the virtual time ms milliseconds after epoch.
func at(ms float64) time.Time { return epoch.Add(time.Duration(ms * float64(time.Millisecond))) }

func msDur(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// ev is one scripted Tracker event.
type ev struct {
	kind byte // 's' Sent, 'r' Received, 'f' SendFailed, 'e' Expire
	seq  uint16
	ms   float64
}

func play(t *Tracker, evs []ev) {
	for _, e := range evs {
		switch e.kind {
		case 's':
			t.Sent(e.seq, at(e.ms))
		case 'r':
			t.Received(e.seq, at(e.ms))
		case 'f':
			t.SendFailed(e.seq, at(e.ms))
		case 'e':
			t.Expire(at(e.ms))
		default:
			panic("bad event kind " + string(e.kind))
		}
	}
}

// pingPong returns events for probes seq0.. sent every interval ms, each
// answered after the given RTT (ms); a negative RTT means no reply.
func pingPong(seq0 uint16, start, interval float64, rtts ...float64) []ev {
	var evs []ev
	for i, rtt := range rtts {
		sent := start + float64(i)*interval
		seq := seq0 + uint16(i)
		evs = append(evs, ev{'e', 0, sent}, ev{'s', seq, sent})
		if rtt >= 0 {
			evs = append(evs, ev{'r', seq, sent + rtt})
		}
	}
	return evs
}

func TestTrackerScenarios(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		// 1..100 ms in a scrambled order: 37 is coprime with 100.
		hundred[i] = float64((i*37)%100 + 1)
	}
	tests := []struct {
		name  string
		s     Settings
		evs   []ev
		check func(t *testing.T, st Stats)
	}{
		{
			name: "srtt ewma alpha 1/8",
			evs:  pingPong(0, 0, 200, 10, 20),
			check: func(t *testing.T, st Stats) {
				expectDur(t, "SRTT", st.SRTT, msDur(11.25))
				expectDur(t, "LastRTT", st.LastRTT, msDur(20))
				expectDur(t, "MinRTT", st.MinRTT, msDur(10))
			},
		},
		{
			name: "percentiles nearest rank over 1..100ms",
			evs:  pingPong(0, 0, 200, hundred...),
			check: func(t *testing.T, st Stats) {
				expectDur(t, "MinRTT", st.MinRTT, msDur(1))
				expectDur(t, "P50", st.P50, msDur(50))
				expectDur(t, "P95", st.P95, msDur(95))
				expectDur(t, "P99", st.P99, msDur(99))
				expectInt(t, "Samples", st.Samples, 100)
			},
		},
		{
			name: "percentile window slides",
			s:    Settings{RTTWindow: 4},
			evs:  pingPong(0, 0, 200, 100, 1, 2, 3, 4),
			check: func(t *testing.T, st Stats) {
				expectDur(t, "MinRTT", st.MinRTT, msDur(1))
				expectDur(t, "P50", st.P50, msDur(2))
				expectDur(t, "P99", st.P99, msDur(4))
				expectInt(t, "Samples", st.Samples, 4)
			},
		},
		{
			name: "jitter RFC 3550 hand computed",
			// D = 2, -1, 4 ms: J = 0.125, 0.1796875, 0.418457031 ms.
			evs: pingPong(0, 0, 200, 10, 12, 11, 15),
			check: func(t *testing.T, st Stats) {
				expectDur(t, "Jitter", st.Jitter, 418457*time.Nanosecond)
			},
		},
		{
			name: "loss with timeouts",
			evs: append(pingPong(0, 0, 200, 1, -1, 1, -1, 1, 1, -1, 1, 1, 1),
				ev{'e', 0, 5000}),
			check: func(t *testing.T, st Stats) {
				expectFloat(t, "Loss", st.Loss, 0.3)
				expectU(t, "Sent", st.Sent, 10)
				expectU(t, "Received", st.Received, 7)
				expectU(t, "Lost", st.Lost, 3)
				expectInt(t, "Resolved", st.Resolved, 10)
				expectInt(t, "Pending", st.Pending, 0)
			},
		},
		{
			name: "loss window slides",
			s:    Settings{LossWindow: 4},
			evs:  append(pingPong(0, 0, 2000, -1, -1, 1, 1, 1, -1), ev{'e', 0, 20000}),
			check: func(t *testing.T, st Stats) {
				expectFloat(t, "Loss", st.Loss, 0.25)
				expectU(t, "Lost", st.Lost, 3)
			},
		},
		{
			name: "unresolved probes do not count as lost",
			evs:  []ev{{'s', 0, 0}, {'r', 0, 1}, {'s', 1, 200}, {'e', 0, 250}},
			check: func(t *testing.T, st Stats) {
				expectFloat(t, "Loss", st.Loss, 0)
				expectInt(t, "Pending", st.Pending, 1)
			},
		},
		{
			name: "late reply after expiry counts once",
			// Down at start: timeout is MaxTimeout (1 s).
			evs: []ev{{'s', 7, 0}, {'e', 0, 1000}, {'r', 7, 1200}, {'r', 7, 1300}},
			check: func(t *testing.T, st Stats) {
				expectU(t, "Lost", st.Lost, 1)
				expectU(t, "Late", st.Late, 2)
				expectU(t, "Received", st.Received, 0)
				expectFloat(t, "Loss", st.Loss, 1)
				expectInt(t, "Samples", st.Samples, 0)
			},
		},
		{
			name: "late reply before expiry is lost and late",
			evs:  []ev{{'s', 7, 0}, {'r', 7, 1000}, {'e', 0, 2000}},
			check: func(t *testing.T, st Stats) {
				expectU(t, "Lost", st.Lost, 1)
				expectU(t, "Late", st.Late, 1)
				expectU(t, "Received", st.Received, 0)
				expectFloat(t, "Loss", st.Loss, 1)
			},
		},
		{
			name: "duplicates do not count twice",
			evs:  []ev{{'s', 1, 0}, {'r', 1, 10}, {'r', 1, 11}, {'r', 1, 12}, {'e', 0, 5000}},
			check: func(t *testing.T, st Stats) {
				expectU(t, "Received", st.Received, 1)
				expectU(t, "Duplicates", st.Duplicates, 2)
				expectFloat(t, "Loss", st.Loss, 0)
				expectInt(t, "Samples", st.Samples, 1)
				expectDur(t, "LastRTT", st.LastRTT, msDur(10))
			},
		},
		{
			name: "stray replies",
			evs:  []ev{{'r', 0, 0}, {'s', 1, 0}, {'r', 2, 5}, {'r', 1 + 16, 6}, {'r', 1, 7}},
			check: func(t *testing.T, st Stats) {
				expectU(t, "Stray", st.Stray, 3)
				expectU(t, "Received", st.Received, 1)
			},
		},
		{
			name: "sequence wrap-around",
			evs: append(pingPong(65533, 0, 200, 5, 6, -1, 8, 9),
				ev{'r', 65534, 900}, ev{'e', 0, 5000}, ev{'r', 65535, 5001}),
			check: func(t *testing.T, st Stats) {
				// 65533, 65534, 0, 1 answered; 65535 lost.
				expectU(t, "Sent", st.Sent, 5)
				expectU(t, "Received", st.Received, 4)
				expectU(t, "Lost", st.Lost, 1)
				expectU(t, "Duplicates", st.Duplicates, 1)
				expectU(t, "Late", st.Late, 1)
				expectFloat(t, "Loss", st.Loss, 0.2)
				expectDur(t, "LastRTT", st.LastRTT, msDur(9))
			},
		},
		{
			name: "failed send counts as sent and lost",
			evs:  []ev{{'f', 3, 0}, {'s', 3, 200}, {'r', 3, 201}, {'s', 4, 400}, {'f', 4, 400}},
			check: func(t *testing.T, st Stats) {
				expectU(t, "Sent", st.Sent, 3)
				expectU(t, "Lost", st.Lost, 2)
				expectU(t, "Received", st.Received, 1)
				expectInt(t, "Pending", st.Pending, 0)
			},
		},
		{
			name: "ring overflow resolves the overwritten probe",
			// 17 probes in flight in a 16-slot ring (1 s / 200 ms -> 16).
			evs: func() []ev {
				var evs []ev
				for i := range 17 {
					evs = append(evs, ev{'s', uint16(i), float64(i)})
				}
				return append(evs, ev{'r', 0, 20}, ev{'r', 16, 20})
			}(),
			check: func(t *testing.T, st Stats) {
				expectU(t, "Lost", st.Lost, 1)
				expectU(t, "Stray", st.Stray, 1) // seq 0 is forgotten
				expectU(t, "Received", st.Received, 1)
				expectInt(t, "Pending", st.Pending, 15)
			},
		},
		{
			name: "negative rtt counts as zero",
			evs:  []ev{{'s', 1, 10}, {'r', 1, 5}},
			check: func(t *testing.T, st Stats) {
				expectU(t, "Received", st.Received, 1)
				expectDur(t, "LastRTT", st.LastRTT, 0)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(tc.s)
			play(tr, tc.evs)
			st := tr.Stats()
			tc.check(t, st)
			checkInvariants(t, tr)
		})
	}
}

func TestTrackerHysteresis(t *testing.T) {
	// Probes every 200 ms; R = answered after 1 ms, L = lost.
	tests := []struct {
		name    string
		pattern string
		want    string // state after each probe is resolved: u or d
		changes int    // up/down transitions
	}{
		{"starts down, up after 3 replies", "RRRR", "dduu", 1},
		{"isolated losses keep it up", "RRRLRLLRLLR", "dduuuuuuuuu", 1},
		{"down after 3 losses", "RRRLLLL", "dduuudd", 2},
		{"up again after 3 replies", "RRRLLLRRRR", "dduuuddduu", 3},
		{"replies interrupted by a loss restart the count", "RRLRRLRRR", "ddddddddu", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(DefaultSettings())
			var got []byte
			var changes int
			var prev bool
			for i, c := range tc.pattern {
				sent := float64(i) * 2000 // far apart: each probe resolves alone
				tr.Sent(uint16(i), at(sent))
				if c == 'R' {
					tr.Received(uint16(i), at(sent+1))
				} else {
					tr.Expire(at(sent + 1000))
				}
				st := tr.Stats()
				if st.Up != prev {
					changes++
					prev = st.Up
					wantAt := at(sent + 1)
					if c == 'L' {
						wantAt = at(sent + 1000)
					}
					if !st.LastChange.Equal(wantAt) {
						t.Errorf("probe %d: LastChange = %v, want %v", i, st.LastChange, wantAt)
					}
				}
				if st.Up {
					got = append(got, 'u')
				} else {
					got = append(got, 'd')
				}
			}
			if string(got) != tc.want {
				t.Errorf("states = %s, want %s", got, tc.want)
			}
			if changes != tc.changes {
				t.Errorf("changes = %d, want %d", changes, tc.changes)
			}
		})
	}
}

func TestTrackerAdaptiveTimeout(t *testing.T) {
	tr := NewTracker(DefaultSettings())
	expectDur(t, "timeout before any reply", tr.Timeout(), time.Second)
	play(tr, pingPong(0, 0, 200, 1, 1, 1))
	expectDur(t, "timeout on a 1 ms link", tr.Timeout(), 200*time.Millisecond)

	tr = NewTracker(DefaultSettings())
	play(tr, pingPong(0, 0, 200, 300, 300, 300))
	expectDur(t, "timeout on a 300 ms link", tr.Timeout(), 600*time.Millisecond)

	tr = NewTracker(DefaultSettings())
	play(tr, pingPong(0, 0, 200, 700, 700, 700))
	expectDur(t, "timeout capped at MaxTimeout", tr.Timeout(), time.Second)
}

// checkInvariants verifies relations that hold after any event sequence.
func checkInvariants(t *testing.T, tr *Tracker) {
	t.Helper()
	st := tr.Stats()
	if st.Sent != st.Received+st.Lost+uint64(st.Pending) {
		t.Errorf("Sent %d != Received %d + Lost %d + Pending %d", st.Sent, st.Received, st.Lost, st.Pending)
	}
	if st.Loss < 0 || st.Loss > 1 {
		t.Errorf("Loss %v outside 0..1", st.Loss)
	}
	if !(st.MinRTT <= st.P50 && st.P50 <= st.P95 && st.P95 <= st.P99) {
		t.Errorf("percentiles out of order: min %v p50 %v p95 %v p99 %v", st.MinRTT, st.P50, st.P95, st.P99)
	}
	if st.Timeout < tr.s.MinTimeout || st.Timeout > tr.s.MaxTimeout {
		t.Errorf("Timeout %v outside %v..%v", st.Timeout, tr.s.MinTimeout, tr.s.MaxTimeout)
	}
	pending := 0
	for _, p := range tr.ring {
		if p.state == slotPending {
			pending++
		}
	}
	if pending != st.Pending {
		t.Errorf("ring holds %d pending probes, counter says %d", pending, st.Pending)
	}
	if next, ok := tr.NextExpiry(); ok {
		for _, p := range tr.ring {
			if p.state == slotPending && p.deadline.Before(next) {
				t.Errorf("NextExpiry %v is after pending deadline %v", next, p.deadline)
			}
		}
	}
}

func expectDur(t *testing.T, name string, got, want time.Duration) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

func expectU(t *testing.T, name string, got, want uint64) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", name, got, want)
	}
}

func expectInt(t *testing.T, name string, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", name, got, want)
	}
}

func expectFloat(t *testing.T, name string, got, want float64) {
	t.Helper()
	if d := got - want; d > 1e-9 || d < -1e-9 {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

package prober

import (
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Settings)
		wants []string // substrings of the error; none: valid
	}{
		{"defaults", func(*Settings) {}, nil},
		{"interval too small", func(s *Settings) { s.Interval = 5 * time.Millisecond },
			[]string{"probe.interval: 5ms is below the minimum 20ms"}},
		{"interval too large", func(s *Settings) { s.Interval = time.Minute },
			[]string{"probe.interval: 1m0s is above the maximum 10s"}},
		{"min above max", func(s *Settings) { s.MinTimeout = 2 * time.Second },
			[]string{"probe.min_timeout: 2s is above probe.max_timeout 1s"}},
		{"too many in flight", func(s *Settings) { s.Interval = 20 * time.Millisecond; s.MaxTimeout = 10 * time.Second },
			[]string{"probe.max_timeout: 10s is more than 256 intervals of 20ms"}},
		{"zero hysteresis", func(s *Settings) { s.DownAfter = 0; s.UpAfter = -1 },
			[]string{"probe.down_after: 0 is below the minimum 1", "probe.up_after: -1 is below the minimum 1"}},
		{"windows", func(s *Settings) { s.RTTWindow = 0; s.LossWindow = 5000 },
			[]string{"probe.rtt_window: 0 is below the minimum 1", "probe.loss_window: 5000 is above the maximum 1024"}},
		{"notify NaN", func(s *Settings) { s.NotifyRTT = math.NaN(); s.NotifyLoss = 2 },
			[]string{"probe.notify_rtt: NaN", "probe.notify_loss: 2 is outside 0..1"}},
		{"negative durations", func(s *Settings) { s.MaxTimeout = -1; s.NotifyRTTMin = -1 },
			[]string{"probe.max_timeout: -1ns is below the minimum 1ms", "probe.notify_rtt_min: -1ns"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettings()
			tc.edit(&s)
			err := s.Validate()
			if len(tc.wants) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors %q", tc.wants)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestNewTrackerNormalizesSettings(t *testing.T) {
	tr := NewTracker(Settings{Interval: time.Millisecond, MinTimeout: time.Hour, RTTWindow: 1 << 20})
	if err := tr.s.Validate(); err != nil {
		t.Fatalf("normalized settings are invalid: %v", err)
	}
	if tr.s.DownAfter != 3 || tr.s.MaxTimeout != time.Second || tr.s.RTTWindow != MaxWindow {
		t.Errorf("normalized = %+v", tr.s)
	}
	// 1 s / 20 ms: 51 probes in flight at most; ring >= 2*51+3, a power of 2.
	if len(tr.ring) != 128 {
		t.Errorf("ring size %d, want 128", len(tr.ring))
	}
}

func TestValidateTargets(t *testing.T) {
	a := netip.MustParseAddr("198.19.250.2")
	tests := []struct {
		name string
		ts   []Target
		want string // error substring; empty: valid
	}{
		{"ok v4 and v6", []Target{{1, "ams", a}, {2, "fra-1", netip.MustParseAddr("::1")}}, ""},
		{"empty list", nil, ""},
		{"empty name", []Target{{1, "", a}}, "targets[0].name: empty name"},
		{"bad byte", []Target{{1, "ok", a}, {2, "a b", a}}, "targets[1].name: \"a b\" has byte 0x20 at offset 1"},
		{"long name", []Target{{1, strings.Repeat("x", 65), a}}, "targets[0].name: 65 bytes is longer than 64"},
		{"self", []Target{{1, "self", a}}, "targets[0].name: \"self\" is this PoP itself"},
		{"no addr", []Target{{1, "ams", netip.Addr{}}}, "targets[0].addr: missing address"},
		{"unspecified", []Target{{1, "ams", netip.IPv4Unspecified()}}, "targets[0].addr: 0.0.0.0 is not a unicast address"},
		{"multicast", []Target{{1, "ams", netip.MustParseAddr("ff02::1")}}, "targets[0].addr: ff02::1 is not a unicast address"},
		{"dup id", []Target{{1, "ams", a}, {1, "fra", a}}, "targets[1].id: 1 is already used by targets[0]"},
		{"dup name", []Target{{1, "ams", a}, {2, "ams", a}}, "targets[1].name: \"ams\" is already used by targets[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := validateTargets("self", tc.ts)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("error %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzSettings checks that Validate never panics, and that settings it
// accepts reach a Tracker unchanged (normalization only touches invalid
// or zero fields).
func FuzzSettings(f *testing.F) {
	d := DefaultSettings()
	f.Add(int64(d.Interval), int64(d.MinTimeout), int64(d.MaxTimeout), d.DownAfter, d.UpAfter, d.RTTWindow, d.LossWindow, d.NotifyRTT, int64(d.NotifyRTTMin), d.NotifyLoss)
	f.Add(int64(0), int64(0), int64(0), 0, 0, 0, 0, 0.0, int64(0), 0.0)
	f.Add(int64(20e6), int64(1e6), int64(5120e6), 100, 1, 1024, 1, 10.0, int64(-1), 1.0)
	f.Fuzz(func(t *testing.T, interval, minTO, maxTO int64, down, up, rttW, lossW int, nRTT float64, nRTTMin int64, nLoss float64) {
		s := Settings{
			Interval: time.Duration(interval), MinTimeout: time.Duration(minTO), MaxTimeout: time.Duration(maxTO),
			DownAfter: down, UpAfter: up, RTTWindow: rttW, LossWindow: lossW,
			NotifyRTT: nRTT, NotifyRTTMin: time.Duration(nRTTMin), NotifyLoss: nLoss,
		}
		err := s.Validate()
		tr := NewTracker(s)
		if nerr := tr.s.Validate(); nerr != nil {
			t.Fatalf("normalized settings invalid: %v (from %+v)", nerr, s)
		}
		if err == nil && tr.s != s {
			t.Fatalf("valid settings altered: %+v -> %+v", s, tr.s)
		}
	})
}

package linkstate

import (
	"net/netip"
	"testing"
	"time"
)

func TestSignificant(t *testing.T) {
	base := Table{Origin: 1, Version: 1, Links: []Link{
		{Peer: 2, RTT: 100 * time.Millisecond, Jitter: 2 * time.Millisecond, Loss: 0.01, Up: true},
		{Peer: 3, RTT: 2 * time.Millisecond, Jitter: 100 * time.Microsecond, Up: true},
	}, Prefixes: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}
	th := Threshold{Relative: 0.10, Absolute: 2 * time.Millisecond, Loss: 0.01}
	mod := func(f func(*Table)) Table {
		n := base.Clone()
		f(&n)
		return n
	}
	tests := []struct {
		name string
		next Table
		th   Threshold
		want bool
	}{
		{"identical", base.Clone(), th, false},
		{"version only", mod(func(t *Table) { t.Version = 99 }), th, false},
		{"rtt +5% on 100ms", mod(func(t *Table) { t.Links[0].RTT = 105 * time.Millisecond }), th, false},
		{"rtt +15% on 100ms", mod(func(t *Table) { t.Links[0].RTT = 115 * time.Millisecond }), th, true},
		{"rtt -15% on 100ms", mod(func(t *Table) { t.Links[0].RTT = 85 * time.Millisecond }), th, true},
		{"rtt +50% but 1ms", mod(func(t *Table) { t.Links[1].RTT = 3 * time.Millisecond }), th, false},
		{"rtt +150% and 3ms", mod(func(t *Table) { t.Links[1].RTT = 5 * time.Millisecond }), th, true},
		{"jitter +1ms", mod(func(t *Table) { t.Links[0].Jitter = 3 * time.Millisecond }), th, false},
		{"jitter +5ms on a 100ms link", mod(func(t *Table) { t.Links[0].Jitter = 7 * time.Millisecond }), th, false},
		{"jitter +15ms on a 100ms link", mod(func(t *Table) { t.Links[0].Jitter = 17 * time.Millisecond }), th, true},
		{"jitter +3ms on a 2ms link", mod(func(t *Table) { t.Links[1].Jitter = 3100 * time.Microsecond }), th, true},
		{"loss +0.005", mod(func(t *Table) { t.Links[0].Loss = 0.015 }), th, false},
		{"loss +0.02", mod(func(t *Table) { t.Links[0].Loss = 0.03 }), th, true},
		{"loss -0.01 exactly", mod(func(t *Table) { t.Links[0].Loss = 0 }), th, false},
		{"link down", mod(func(t *Table) { t.Links[1].Up = false }), th, true},
		{"link removed", mod(func(t *Table) { t.Links = t.Links[:1] }), th, true},
		{"link added", mod(func(t *Table) { t.Links = append(t.Links, Link{Peer: 4, Up: true}) }), th, true},
		{"peer replaced", mod(func(t *Table) { t.Links[1].Peer = 5 }), th, true},
		{"prefix added", mod(func(t *Table) {
			t.Prefixes = append(t.Prefixes, netip.MustParsePrefix("198.51.100.0/24"))
		}), th, true},
		{"prefix changed", mod(func(t *Table) { t.Prefixes[0] = netip.MustParsePrefix("192.0.2.0/25") }), th, true},
		{"draining", mod(func(t *Table) { t.Draining = true }), th, true},
		{"origin", mod(func(t *Table) { t.Origin = 9 }), th, true},
		{"zero threshold: tiny change", mod(func(t *Table) { t.Links[0].RTT++ }), Threshold{}, true},
		{"zero threshold: identical", base.Clone(), Threshold{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Significant(base, tc.next, tc.th); got != tc.want {
				t.Fatalf("Significant = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestThresholdValidate(t *testing.T) {
	for _, th := range []Threshold{{Relative: -1}, {Absolute: -1}, {Loss: 2}, {Loss: -0.1}} {
		if th.Validate() == nil {
			t.Errorf("%+v: want error", th)
		}
	}
	if err := DefaultThreshold.Validate(); err != nil {
		t.Fatal(err)
	}
}

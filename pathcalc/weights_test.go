package pathcalc

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestWeightsValidate(t *testing.T) {
	mod := func(f func(*Weights)) Weights { w := DefaultWeights(); f(&w); return w }
	for _, tc := range []struct {
		w    Weights
		want string // "" = valid
	}{
		{DefaultWeights(), ""},
		{mod(func(w *Weights) { w.JitterFactor = -1 }), "JitterFactor"},
		{mod(func(w *Weights) { w.JitterFactor = math.NaN() }), "JitterFactor"},
		{mod(func(w *Weights) { w.LossPenaltyMs = math.Inf(1) }), "LossPenaltyMs"},
		{mod(func(w *Weights) { w.RelayCostMs = -0.5 }), "RelayCostMs"},
		{mod(func(w *Weights) { w.MaxLoss = 0 }), "MaxLoss"},
		{mod(func(w *Weights) { w.MaxLoss = 1.01 }), "MaxLoss"},
		{mod(func(w *Weights) { w.MaxLoss = 1 }), ""},
		{mod(func(w *Weights) { w.RelayCostMs = 0; w.JitterFactor = 0; w.LossPenaltyMs = 0 }), ""},
	} {
		err := tc.w.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want+":")) {
			t.Errorf("%+v: err = %v, want field %q", tc.w, err, tc.want)
		}
	}
}

func TestEdgeCost(t *testing.T) {
	ms := time.Millisecond
	w := DefaultWeights()
	for _, tc := range []struct {
		name string
		l    Link
		want float64
		live bool
	}{
		{"rtt only", Link{RTT: 40 * ms, Up: true}, 40, true},
		{"jitter", Link{RTT: 40 * ms, Jitter: 3 * ms, Up: true}, 46, true},
		// 0.2/0.8 * (40 + 200) = 60
		{"loss", Link{RTT: 40 * ms, Loss: 0.2, Up: true}, 100, true},
		{"bias", Link{RTT: 40 * ms, BiasMs: -15, Up: true}, 25, true},
		{"bias clamped", Link{RTT: 40 * ms, BiasMs: -100, Up: true}, MinEdgeCostMs, true},
		{"zero rtt clamped", Link{Up: true}, MinEdgeCostMs, true},
		{"down", Link{RTT: 40 * ms}, 0, false},
		{"loss at MaxLoss", Link{RTT: 40 * ms, Loss: 0.5, Up: true}, 0, false},
	} {
		got, live := w.EdgeCost(tc.l)
		if live != tc.live || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: EdgeCost = %v, %v; want %v, %v", tc.name, got, live, tc.want, tc.live)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	mod := func(f func(*Settings)) Settings { s := DefaultSettings(); f(&s); return s }
	for _, tc := range []struct {
		s    Settings
		want string
	}{
		{DefaultSettings(), ""},
		{mod(func(s *Settings) { s.MaxHops = 0 }), "MaxHops: 0 not in [1, 4]"},
		{mod(func(s *Settings) { s.MaxHops = 5 }), "MaxHops: 5 not in [1, 4]"},
		{mod(func(s *Settings) { s.Weights.MaxLoss = 2 }), "Weights.MaxLoss:"},
		{mod(func(s *Settings) { s.Hysteresis.RelMargin = 1 }), "Hysteresis.RelMargin:"},
		{mod(func(s *Settings) { s.Hysteresis.AbsMarginMs = -1 }), "Hysteresis.AbsMarginMs:"},
		{mod(func(s *Settings) { s.Hysteresis.Hold = -time.Second }), "Hysteresis.Hold:"},
		{mod(func(s *Settings) { s.Hysteresis.Settle = -time.Second }), "Hysteresis.Settle:"},
		{mod(func(s *Settings) { s.Hysteresis = Hysteresis{} }), ""},
	} {
		err := tc.s.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)) {
			t.Errorf("%+v: err = %v, want %q", tc.s, err, tc.want)
		}
	}
}

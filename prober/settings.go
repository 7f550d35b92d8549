package prober

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Bounds enforced by Settings.Validate.
const (
	MinInterval     = 20 * time.Millisecond // fastest allowed probe interval
	MaxInterval     = 10 * time.Second      // slowest allowed probe interval
	MinTimeoutFloor = time.Millisecond      // smallest allowed MinTimeout
	MaxTimeoutCeil  = 30 * time.Second      // largest allowed MaxTimeout
	MaxInFlight     = 256                   // largest allowed MaxTimeout/Interval
	MaxHysteresis   = 100                   // largest allowed DownAfter/UpAfter
	MaxWindow       = 1024                  // largest allowed RTTWindow/LossWindow
)

// Settings configures a Tracker and a Prober. The yaml names are the ones
// used in error messages, below the "probe." prefix.
type Settings struct {
	// Interval between two probes of one kind to one peer (default 200ms,
	// allowed 20ms..10s).
	Interval time.Duration `yaml:"interval" json:"interval"`
	// MinTimeout is the lower bound of the adaptive probe timeout
	// (default 200ms, one default interval).
	MinTimeout time.Duration `yaml:"min_timeout" json:"min_timeout"`
	// MaxTimeout is the upper bound of the adaptive probe timeout and the
	// timeout used while a peer is down (default 1s).
	MaxTimeout time.Duration `yaml:"max_timeout" json:"max_timeout"`
	// DownAfter consecutive lost probes mark an up peer down (default 3).
	DownAfter int `yaml:"down_after" json:"down_after"`
	// UpAfter consecutive answered probes mark a down peer up (default 3).
	UpAfter int `yaml:"up_after" json:"up_after"`
	// RTTWindow is the number of recent RTT samples behind MinRTT and the
	// percentiles (default 100).
	RTTWindow int `yaml:"rtt_window" json:"rtt_window"`
	// LossWindow is the number of recently resolved probes behind the loss
	// ratio (default 100).
	LossWindow int `yaml:"loss_window" json:"loss_window"`
	// NotifyRTT is the relative SRTT change (0.1 = 10 %) that triggers a
	// Changes notification, provided the change is also at least
	// NotifyRTTMin (defaults 0.1 and 1ms).
	NotifyRTT    float64       `yaml:"notify_rtt" json:"notify_rtt"`
	NotifyRTTMin time.Duration `yaml:"notify_rtt_min" json:"notify_rtt_min"`
	// NotifyLoss is the absolute loss-ratio change (0.02 = 2 points) that
	// triggers a Changes notification (default 0.02).
	NotifyLoss float64 `yaml:"notify_loss" json:"notify_loss"`
}

// DefaultSettings returns the documented defaults. With them a peer that
// stops answering is marked down at most 3 intervals plus one MinTimeout
// (800 ms) after it dies when its RTT is small, and a 300 ms RTT link keeps
// a timeout of at least 600 ms so that it does not flap.
func DefaultSettings() Settings {
	return Settings{
		Interval:     200 * time.Millisecond,
		MinTimeout:   200 * time.Millisecond,
		MaxTimeout:   time.Second,
		DownAfter:    3,
		UpAfter:      3,
		RTTWindow:    100,
		LossWindow:   100,
		NotifyRTT:    0.1,
		NotifyRTTMin: time.Millisecond,
		NotifyLoss:   0.02,
	}
}

// Validate reports every field that is out of range; each error names the
// field, for example "probe.interval: 5ms is below the minimum 20ms".
func (s Settings) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	durRange := func(name string, v, lo, hi time.Duration) bool {
		switch {
		case v < lo:
			bad("probe.%s: %v is below the minimum %v", name, v, lo)
		case v > hi:
			bad("probe.%s: %v is above the maximum %v", name, v, hi)
		default:
			return true
		}
		return false
	}
	intRange := func(name string, v, lo, hi int) {
		switch {
		case v < lo:
			bad("probe.%s: %d is below the minimum %d", name, v, lo)
		case v > hi:
			bad("probe.%s: %d is above the maximum %d", name, v, hi)
		}
	}
	intervalOK := durRange("interval", s.Interval, MinInterval, MaxInterval)
	minOK := durRange("min_timeout", s.MinTimeout, MinTimeoutFloor, MaxTimeoutCeil)
	maxOK := durRange("max_timeout", s.MaxTimeout, MinTimeoutFloor, MaxTimeoutCeil)
	if minOK && maxOK && s.MinTimeout > s.MaxTimeout {
		bad("probe.min_timeout: %v is above probe.max_timeout %v", s.MinTimeout, s.MaxTimeout)
	}
	if intervalOK && maxOK && s.MaxTimeout > MaxInFlight*s.Interval {
		bad("probe.max_timeout: %v is more than %d intervals of %v (too many probes in flight)",
			s.MaxTimeout, MaxInFlight, s.Interval)
	}
	intRange("down_after", s.DownAfter, 1, MaxHysteresis)
	intRange("up_after", s.UpAfter, 1, MaxHysteresis)
	intRange("rtt_window", s.RTTWindow, 1, MaxWindow)
	intRange("loss_window", s.LossWindow, 1, MaxWindow)
	if math.IsNaN(s.NotifyRTT) || s.NotifyRTT < 0 || s.NotifyRTT > 10 {
		bad("probe.notify_rtt: %v is outside 0..10", s.NotifyRTT)
	}
	if s.NotifyRTTMin < 0 || s.NotifyRTTMin > MaxTimeoutCeil {
		bad("probe.notify_rtt_min: %v is outside 0s..%v", s.NotifyRTTMin, MaxTimeoutCeil)
	}
	if math.IsNaN(s.NotifyLoss) || s.NotifyLoss < 0 || s.NotifyLoss > 1 {
		bad("probe.notify_loss: %v is outside 0..1", s.NotifyLoss)
	}
	return errors.Join(errs...)
}

// normalized returns s with zero fields replaced by their defaults and
// out-of-range values clamped into range, so that NewTracker never fails.
// Callers that want errors instead call Validate first.
func (s Settings) normalized() Settings {
	d := DefaultSettings()
	s.Interval = clampDur(orDur(s.Interval, d.Interval), MinInterval, MaxInterval)
	s.MaxTimeout = clampDur(orDur(s.MaxTimeout, d.MaxTimeout), MinTimeoutFloor, min(MaxTimeoutCeil, MaxInFlight*s.Interval))
	s.MinTimeout = clampDur(orDur(s.MinTimeout, d.MinTimeout), MinTimeoutFloor, s.MaxTimeout)
	s.DownAfter = clampInt(orInt(s.DownAfter, d.DownAfter), 1, MaxHysteresis)
	s.UpAfter = clampInt(orInt(s.UpAfter, d.UpAfter), 1, MaxHysteresis)
	s.RTTWindow = clampInt(orInt(s.RTTWindow, d.RTTWindow), 1, MaxWindow)
	s.LossWindow = clampInt(orInt(s.LossWindow, d.LossWindow), 1, MaxWindow)
	if math.IsNaN(s.NotifyRTT) || s.NotifyRTT < 0 {
		s.NotifyRTT = d.NotifyRTT
	}
	s.NotifyRTT = min(s.NotifyRTT, 10)
	s.NotifyRTTMin = clampDur(s.NotifyRTTMin, 0, MaxTimeoutCeil)
	if math.IsNaN(s.NotifyLoss) || s.NotifyLoss < 0 {
		s.NotifyLoss = d.NotifyLoss
	}
	s.NotifyLoss = min(s.NotifyLoss, 1)
	return s
}

func orDur(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func clampDur(v, lo, hi time.Duration) time.Duration { return min(max(v, lo), hi) }

func clampInt(v, lo, hi int) int { return min(max(v, lo), hi) }

package pathcalc

import (
	"fmt"
	"time"
)

// maxHold bounds Hysteresis.Hold.
const maxHold = time.Hour

// Hysteresis keeps routes stable: a route moves to a better path only when
// the best path beats the current primary's current cost by more than both
// margins at every Update for at least Hold (which path is best may change
// meanwhile; the best one at the end is taken). A primary that goes down is
// replaced at once.
type Hysteresis struct {
	// RelMargin is the relative improvement required, in [0, 1) (default
	// 0.08: on the PlanetLab matrix it retains 95 % of the optimal gain at
	// 0.1 route changes per pair per hour; 0.10 retains 94.5 %).
	RelMargin float64
	// AbsMarginMs is the absolute improvement required in ms (default 2).
	AbsMarginMs float64
	// Hold is how long the improvement must persist (default 2s).
	Hold time.Duration
	// Settle is how long after a destination became reachable only the
	// absolute margin applies (default 30s): a route first chosen on the
	// partial link state of a cold start would otherwise keep a path up to
	// RelMargin worse than the best one for good.
	Settle time.Duration
}

// DefaultHysteresis returns the documented defaults.
func DefaultHysteresis() Hysteresis {
	return Hysteresis{RelMargin: 0.08, AbsMarginMs: 2, Hold: 2 * time.Second, Settle: 30 * time.Second}
}

// Validate reports the first invalid field by name.
func (h Hysteresis) Validate() error {
	switch {
	case !(h.RelMargin >= 0 && h.RelMargin < 1):
		return fmt.Errorf("RelMargin: %v not in [0, 1)", h.RelMargin)
	case !inRange(h.AbsMarginMs, 0, maxWeight):
		return fmt.Errorf("AbsMarginMs: %v not in [0, %g]", h.AbsMarginMs, float64(maxWeight))
	case h.Hold < 0 || h.Hold > maxHold:
		return fmt.Errorf("Hold: %v not in [0, %v]", h.Hold, maxHold)
	case h.Settle < 0 || h.Settle > maxHold:
		return fmt.Errorf("Settle: %v not in [0, %v]", h.Settle, maxHold)
	}
	return nil
}

// better reports whether cost beats cur by more than both margins, and the
// improvement in ms.
func (h Hysteresis) better(cost, cur float64) (bool, float64) {
	d := cur - cost
	return d > h.AbsMarginMs && d > h.RelMargin*cur, d
}

// Settings configure an Engine.
type Settings struct {
	// Weights turn measurements into costs.
	Weights Weights
	// MaxHops is the most links a computed path may have, 1..4 (default 3).
	MaxHops int
	// Hysteresis keeps routes stable.
	Hysteresis Hysteresis
}

// DefaultSettings returns the documented defaults.
func DefaultSettings() Settings {
	return Settings{Weights: DefaultWeights(), MaxHops: 3, Hysteresis: DefaultHysteresis()}
}

// Validate reports the first invalid field by its path, e.g.
// "Weights.MaxLoss: ...".
func (s Settings) Validate() error {
	if err := s.Weights.Validate(); err != nil {
		return fmt.Errorf("Weights.%w", err)
	}
	if err := checkHops(s.MaxHops); err != nil {
		return err
	}
	if err := s.Hysteresis.Validate(); err != nil {
		return fmt.Errorf("Hysteresis.%w", err)
	}
	return nil
}

package pathcalc

import (
	"fmt"
	"time"
)

// Link is one directed measured link between two PoPs. The two directions of
// a pair are separate links and may differ.
type Link struct {
	From, To uint16
	// RTT is the smoothed round-trip time measured from From to To.
	RTT time.Duration
	// Jitter is the measured RTT variation.
	Jitter time.Duration
	// Loss is the measured loss probability in [0, 1].
	Loss float64
	// Up is false when the prober or gossip declared the link down.
	Up bool
	// BiasMs is an operator bias added to the edge cost; it may be negative,
	// but the resulting cost is clamped to MinEdgeCostMs.
	BiasMs float64
	// Draining says From is draining and carries no transit: the link is
	// left out of every path, and a path over it is reported down with
	// that reason. (A draining PoP's own routes use links without it.)
	Draining bool
}

// Validate reports the first invalid field by name.
func (l Link) Validate() error {
	switch {
	case l.From == l.To:
		return fmt.Errorf("To: self-link %d->%d", l.From, l.To)
	case l.RTT < 0:
		return fmt.Errorf("RTT: negative (%v)", l.RTT)
	case l.Jitter < 0:
		return fmt.Errorf("Jitter: negative (%v)", l.Jitter)
	case !inRange(l.Loss, 0, 1):
		return fmt.Errorf("Loss: %v not in [0, 1]", l.Loss)
	case !inRange(l.BiasMs, -maxWeight, maxWeight):
		return fmt.Errorf("BiasMs: %v not in [%g, %g]", l.BiasMs, -float64(maxWeight), float64(maxWeight))
	}
	return nil
}

package pathcalc

import (
	"fmt"
	"math"
	"time"
)

// MinEdgeCostMs is the smallest cost an edge can have, in milliseconds. Edge
// costs (which may be lowered by a negative operator bias) are clamped to it so
// that every path cost is strictly positive, which the exact search relies on.
const MinEdgeCostMs = 0.01

// Bounds on the weights and biases; they keep every path cost finite.
const (
	maxFactor = 1000 // JitterFactor
	maxWeight = 1e6  // ms: LossPenaltyMs, RelayCostMs, |BiasMs|
)

// Weights turns link measurements into edge costs (milliseconds):
//
//	cost = RTT + JitterFactor*Jitter + Loss/(1-Loss)*(RTT+LossPenaltyMs) + BiasMs
//
// clamped below at MinEdgeCostMs. The loss term is the expected extra delay of
// retransmissions: with independent loss probability p per attempt the
// expected number of retransmissions is p/(1-p), and each one costs about one
// retransmission timeout, approximated as the RTT plus LossPenaltyMs (Linux
// TCP's minimum RTO is 200 ms). A link is live when it is Up and its Loss is
// below MaxLoss. A path's cost is the sum of its edge costs plus RelayCostMs
// for every relay (intermediate PoP) on it.
type Weights struct {
	// JitterFactor multiplies the jitter (default 2).
	JitterFactor float64
	// LossPenaltyMs is the timeout added to the RTT per expected retransmission
	// in the loss term (default 200).
	LossPenaltyMs float64
	// RelayCostMs is added once per relay node on a path (default 1).
	RelayCostMs float64
	// MaxLoss is the loss at or above which a link counts as down (default 0.5).
	MaxLoss float64
}

// DefaultWeights returns the documented defaults.
func DefaultWeights() Weights {
	return Weights{JitterFactor: 2, LossPenaltyMs: 200, RelayCostMs: 1, MaxLoss: 0.5}
}

// Validate reports the first invalid field by name.
func (w Weights) Validate() error {
	switch {
	case !inRange(w.JitterFactor, 0, maxFactor):
		return fmt.Errorf("JitterFactor: %v not in [0, %d]", w.JitterFactor, maxFactor)
	case !inRange(w.LossPenaltyMs, 0, maxWeight):
		return fmt.Errorf("LossPenaltyMs: %v not in [0, %g]", w.LossPenaltyMs, float64(maxWeight))
	case !inRange(w.RelayCostMs, 0, maxWeight):
		return fmt.Errorf("RelayCostMs: %v not in [0, %g]", w.RelayCostMs, float64(maxWeight))
	case !(w.MaxLoss > 0 && w.MaxLoss <= 1):
		return fmt.Errorf("MaxLoss: %v not in (0, 1]", w.MaxLoss)
	}
	return nil
}

// EdgeCost returns the cost of a link in milliseconds and whether the link is
// live (Up and Loss < MaxLoss). The link must have passed Link.Validate.
func (w Weights) EdgeCost(l Link) (ms float64, live bool) {
	if !l.Up || l.Loss >= w.MaxLoss {
		return 0, false
	}
	rtt := durMs(l.RTT)
	c := rtt + w.JitterFactor*durMs(l.Jitter) + l.BiasMs
	if l.Loss > 0 {
		c += l.Loss / (1 - l.Loss) * (rtt + w.LossPenaltyMs)
	}
	if c < MinEdgeCostMs {
		c = MinEdgeCostMs
	}
	return c, true
}

func durMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// inRange reports lo <= v <= hi; false for NaN.
func inRange(v, lo, hi float64) bool { return v >= lo && v <= hi && !math.IsNaN(v) }

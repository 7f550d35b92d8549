package linkstate

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Threshold says how large a change of a link's measurements must be to count
// as significant (worth an immediate broadcast rather than waiting for the
// periodic refresh). An RTT or jitter change is significant only when it
// exceeds both the absolute bound and the relative bound of the link's RTT,
// so that 1 ms of noise on a 2 ms link and 5 ms of noise on a 300 ms link are
// both ignored. Jitter is judged against the RTT, not against itself: it
// enters a path's cost next to the RTT, and small jitter values swing by
// more than 10 % all the time. The zero Threshold makes every change
// significant.
type Threshold struct {
	Relative float64       // fraction of the previous value, e.g. 0.1 = 10 %
	Absolute time.Duration // e.g. 2 ms
	Loss     float64       // absolute change of the loss ratio, e.g. 0.01
}

// DefaultThreshold is used when Config.Threshold is the zero value.
var DefaultThreshold = Threshold{Relative: 0.10, Absolute: 2 * time.Millisecond, Loss: 0.01}

// Validate reports a negative or NaN bound.
func (th Threshold) Validate() error {
	if err := th.check(); err != nil {
		return fmt.Errorf("linkstate: threshold %w", err)
	}
	return nil
}

func (th Threshold) check() error {
	switch {
	case math.IsNaN(th.Relative) || th.Relative < 0:
		return fmt.Errorf("relative %g must be >= 0", th.Relative)
	case th.Absolute < 0:
		return fmt.Errorf("absolute %v must be >= 0", th.Absolute)
	case math.IsNaN(th.Loss) || th.Loss < 0 || th.Loss > 1:
		return fmt.Errorf("loss %g must be in [0,1]", th.Loss)
	}
	return nil
}

// Significant reports whether next differs from prev in a way other PoPs must
// learn at once: a different origin, a link added, removed, gone up or down,
// changed prefixes or draining flag, or a link whose RTT, jitter or loss moved
// beyond th. Versions are ignored. Both tables must have links sorted by peer.
func Significant(prev, next Table, th Threshold) bool {
	if prev.Origin != next.Origin || prev.Draining != next.Draining ||
		len(prev.Links) != len(next.Links) || !slices.Equal(prev.Prefixes, next.Prefixes) {
		return true
	}
	for i, a := range prev.Links {
		b := next.Links[i]
		if a.Peer != b.Peer || a.Up != b.Up ||
			durationMoved(a.RTT, b.RTT, a.RTT, th) || durationMoved(a.Jitter, b.Jitter, a.RTT, th) ||
			math.Abs(a.Loss-b.Loss) > th.Loss {
			return true
		}
	}
	return false
}

// durationMoved reports whether a change from a to b exceeds both the
// absolute bound and the relative bound taken of scale.
func durationMoved(a, b, scale time.Duration, th Threshold) bool {
	d := b - a
	if d < 0 {
		d = -d
	}
	if d == 0 || d <= th.Absolute {
		return false
	}
	return float64(d) > th.Relative*float64(scale)
}

package fabric

import (
	"math/rand/v2"
	"sync/atomic"
)

// verdict is the fate of one packet entering a link.
type verdict uint8

const (
	pass      verdict = iota // scheduled for delivery
	dropLoss                 // lost by the loss model
	dropDown                 // link cut
	dropQueue                // rate limiter queue full
)

// link is one directed pair in the forwarder process. params is written by
// the control goroutine; the state fields are owned by the data path; the
// counters are written by the data path and read by the control goroutine.
type link struct {
	from, to string
	params   atomic.Pointer[compiled]

	busyUntil int64 // ns: when the rate limiter is free again
	lastDue   int64 // ns: due time of the previous packet (no-reorder clamp)
	geBad     bool  // Gilbert-Elliott state

	forwarded  atomic.Uint64
	bytes      atomic.Uint64
	lost       atomic.Uint64
	cut        atomic.Uint64
	queueDrops atomic.Uint64
	overflow   atomic.Uint64
}

// uniform returns a float64 in [0, 1).
func uniform(rng *rand.PCG) float64 {
	return float64(rng.Uint64()>>11) * (1.0 / (1 << 53))
}

// admit decides what happens to a frame of n bytes that entered the link at
// time now (ns) and, for pass, when it is due at the destination.
func (l *link) admit(c *compiled, now int64, n int, rng *rand.PCG) (due int64, v verdict) {
	if c.down {
		return 0, dropDown
	}
	if c.ge {
		if l.geBad {
			if uniform(rng) < c.geR {
				l.geBad = false
			}
		} else if uniform(rng) < c.geP {
			l.geBad = true
		}
		p := c.geGood
		if l.geBad {
			p = c.geBad
		}
		if p > 0 && uniform(rng) < p {
			return 0, dropLoss
		}
	} else if c.loss > 0 && uniform(rng) < c.loss {
		return 0, dropLoss
	}
	depart := now
	if c.rate > 0 {
		start := max(now, l.busyUntil)
		if start-now > c.queueLimit {
			return 0, dropQueue
		}
		l.busyUntil = start + int64(uint64(n)*8_000_000_000/c.rate)
		depart = l.busyUntil
	}
	due = depart + c.delay
	if c.jitter > 0 {
		due += int64(rng.Uint64()%uint64(2*c.jitter+1)) - c.jitter
		due = max(due, depart)
	}
	if !c.reorder {
		due = max(due, l.lastDue)
		l.lastDue = due
	}
	return due, pass
}

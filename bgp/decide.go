package bgp

import (
	"fmt"
	"time"
)

// PrefixState is what the speaker currently does with an anycast prefix.
type PrefixState string

// Prefix states reported by Status.
const (
	// StateWithdrawn: the prefix is not announced.
	StateWithdrawn PrefixState = "withdrawn"
	// StateAnnounced: the prefix is announced normally.
	StateAnnounced PrefixState = "announced"
	// StatePrepended: the prefix is announced with the AS path prepended
	// (the PoP is draining).
	StatePrepended PrefixState = "prepended"
)

// DrainMode is the operator's drain state of the speaker.
type DrainMode string

// Drain modes reported by Status.
const (
	DrainNone     DrainMode = "none"
	DrainDraining DrainMode = "draining"
	DrainDrained  DrainMode = "drained"
)

// healthState is the latest health report from argod.
type healthState struct {
	reported bool
	healthy  bool
	reason   string
	since    time.Time // start of the current healthy or unhealthy period
}

// policy holds the timing parameters of the decision.
type policy struct {
	holdDown time.Duration
	grace    time.Duration
	prepend  int
}

// decision is what every anycast prefix should look like now.
type decision struct {
	state   PrefixState
	prepend int // AS path prepends (StatePrepended only)
	drain   DrainMode
	// next is when the decision changes by itself (end of the hold-down or
	// of the drain grace); zero when it does not.
	next time.Time

	// The inputs of the human-readable reason, formatted only on demand
	// so that an unchanged decision costs no allocation.
	why       reasonKind
	unhealthy string        // the health report's reason
	elapsed   time.Duration // healthy for / in hold-down for
	remaining time.Duration // until the drain withdraws
	holdDown  time.Duration
}

// reasonKind selects the wording of decision.reason.
type reasonKind uint8

const (
	whyNoReport reasonKind = iota
	whyUnhealthy
	whyDrained
	whyHoldDown
	whyDraining
	whyHealthy
	whyShutDown
)

// drainMode says whether a drain started at since is still in its grace
// period at now, and when the grace period ends.
func drainMode(d drainRecord, p policy, now time.Time) (DrainMode, time.Time) {
	if !d.Drained {
		return DrainNone, time.Time{}
	}
	since := d.Since
	if since.After(now) { // clock stepped back: do not extend the grace
		since = now
	}
	end := since.Add(p.grace)
	if now.Before(end) {
		return DrainDraining, end
	}
	return DrainDrained, time.Time{}
}

// decide computes the desired state of the anycast prefixes from the health
// report, the drain state and the clock. Precedence: unhealthy, drained,
// hold-down, draining, announced.
func decide(h healthState, d drainRecord, p policy, now time.Time) decision {
	mode, drainEnd := drainMode(d, p, now)
	out := decision{state: StateWithdrawn, drain: mode, holdDown: p.holdDown}
	switch {
	case !h.reported:
		out.why = whyNoReport
		out.next = drainEnd
	case !h.healthy:
		out.why, out.unhealthy = whyUnhealthy, h.reason
		out.next = drainEnd
	case mode == DrainDrained:
		out.why = whyDrained
	case now.Sub(h.since) < p.holdDown:
		holdEnd := h.since.Add(p.holdDown)
		out.why, out.elapsed = whyHoldDown, now.Sub(h.since)
		out.next = holdEnd
		if mode == DrainDraining && drainEnd.Before(holdEnd) {
			out.next = drainEnd
		}
	case mode == DrainDraining:
		out.state, out.prepend = StatePrepended, p.prepend
		out.why, out.remaining = whyDraining, drainEnd.Sub(now)
		out.next = drainEnd
	default:
		out.state = StateAnnounced
		out.why, out.elapsed = whyHealthy, now.Sub(h.since)
	}
	return out
}

// reason explains the decision for Status and the log.
func (d decision) reason() string {
	switch d.why {
	case whyNoReport:
		return "unhealthy: no health report yet"
	case whyUnhealthy:
		return "unhealthy: " + d.unhealthy
	case whyDrained:
		return "drained"
	case whyHoldDown:
		return fmt.Sprintf("holding down: healthy for %s of %s", roundDuration(d.elapsed), roundDuration(d.holdDown))
	case whyDraining:
		return fmt.Sprintf("draining: prepended x%d, withdraw in %s", d.prepend, roundDuration(d.remaining))
	case whyHealthy:
		return "healthy for " + roundDuration(d.elapsed)
	default:
		return "shut down"
	}
}

// roundDuration renders d for humans: whole seconds from 1s on, else
// milliseconds.
func roundDuration(d time.Duration) string {
	if d >= time.Second {
		return d.Round(time.Second).String()
	}
	return d.Round(time.Millisecond).String()
}

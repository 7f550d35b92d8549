package prober

import (
	"math/bits"
	"time"
)

// probeState is the life cycle of one probe slot.
type probeState uint8

const (
	slotEmpty    probeState = iota // never used
	slotPending                    // sent, not yet answered nor expired
	slotAnswered                   // answered before its deadline
	slotLost                       // expired, or overwritten while pending
)

// probe is one slot of the in-flight ring.
type probe struct {
	sent     time.Time
	deadline time.Time
	seq      uint16
	state    probeState
}

// Tracker turns probe events into statistics for one peer and one probe
// kind. It never reads the clock: every event carries its time, so a
// simulator can drive it in virtual time. Times passed to one Tracker
// should be non-decreasing; an RTT that would be negative counts as 0.
//
// Semantics:
//   - The peer starts down and goes up after UpAfter consecutive answered
//     probes; it goes down after DownAfter consecutive lost probes.
//     "Consecutive" is in the order in which probes are resolved.
//   - Every sequence number counts exactly once in the loss window: either
//     answered before its deadline, or lost when Expire (or a late reply)
//     finds it past its deadline. A reply at or after the deadline is Late;
//     a second reply to an answered probe is a Duplicate; a reply to a
//     sequence number the Tracker does not remember (never sent, sent too
//     long ago, or whose send failed) is Stray. None of them changes the
//     RTT or loss figures.
//   - Each probe's deadline is fixed when it is sent: Sent time plus the
//     adaptive timeout clamp(2*SRTT + 4*Jitter, MinTimeout, MaxTimeout).
//     While the peer is down (including before its first reply) the timeout
//     is MaxTimeout, so that a link whose RTT grew beyond the old adaptive
//     timeout is learnt again instead of staying down for ever.
//   - Sequence numbers are 16 bits and wrap from 65535 to 0. The Tracker
//     remembers the last ring-size probes (a power of two of at least
//     2*MaxTimeout/Interval+4, minimum 16); sending a probe into a slot
//     whose probe is still pending resolves that older probe as lost.
//
// A Tracker is not safe for concurrent use; the Prober serialises access.
type Tracker struct {
	s     Settings
	ring  []probe
	mask  uint16
	rtts  rttWindow
	loss  lossWindow
	stats counters

	pending    int       // slots in state slotPending
	nextExpiry time.Time // no later than the earliest pending deadline

	up         bool
	lastChange time.Time
	consecOK   int
	consecLost int

	haveRTT bool
	lastRTT time.Duration
	srtt    time.Duration
	jitter  float64 // RFC 3550 interarrival jitter, nanoseconds
}

// counters are the monotonic event counts published in Stats.
type counters struct {
	sent, received, lost, late, duplicates, stray uint64
}

// NewTracker returns a Tracker in the down state. Zero fields of s take
// their defaults and out-of-range fields are clamped into range (call
// Settings.Validate first to get errors instead).
func NewTracker(s Settings) *Tracker {
	s = s.normalized()
	inFlight := int(s.MaxTimeout/s.Interval) + 1
	size := max(16, 1<<bits.Len(uint(2*inFlight+3)))
	return &Tracker{
		s:    s,
		ring: make([]probe, size),
		mask: uint16(size - 1),
		rtts: newRTTWindow(s.RTTWindow),
		loss: newLossWindow(s.LossWindow),
	}
}

// Sent records that probe seq left at time at.
func (t *Tracker) Sent(seq uint16, at time.Time) {
	p := &t.ring[seq&t.mask]
	if p.state == slotPending {
		t.pending--
		t.resolveLost(p, at)
	}
	deadline := at.Add(t.Timeout())
	*p = probe{sent: at, deadline: deadline, seq: seq, state: slotPending}
	t.stats.sent++
	if t.pending == 0 || deadline.Before(t.nextExpiry) {
		t.nextExpiry = deadline
	}
	t.pending++
}

// SendFailed records that probe seq could not be sent at time at (for
// example the route is gone): it counts as sent and immediately lost. If
// seq was already recorded by Sent and is still pending, that probe is the
// one resolved as lost.
func (t *Tracker) SendFailed(seq uint16, at time.Time) {
	p := &t.ring[seq&t.mask]
	if p.state == slotPending && p.seq == seq {
		t.pending--
		t.resolveLost(p, at)
		return
	}
	t.stats.sent++
	t.markLost(at)
}

// Received records a reply to probe seq arriving at time at.
func (t *Tracker) Received(seq uint16, at time.Time) {
	p := &t.ring[seq&t.mask]
	if p.seq != seq || p.state == slotEmpty {
		t.stats.stray++
		return
	}
	switch p.state {
	case slotAnswered:
		t.stats.duplicates++
	case slotLost:
		t.stats.late++
	case slotPending:
		t.pending--
		if !at.Before(p.deadline) {
			t.resolveLost(p, at)
			t.stats.late++
			return
		}
		p.state = slotAnswered
		t.stats.received++
		t.addRTT(max(at.Sub(p.sent), 0))
		t.markAnswered(at)
	}
}

// Expire resolves as lost every pending probe whose deadline is at or
// before now.
func (t *Tracker) Expire(now time.Time) {
	if t.pending == 0 || now.Before(t.nextExpiry) {
		return
	}
	var next time.Time
	for i := range t.ring {
		p := &t.ring[i]
		if p.state != slotPending {
			continue
		}
		if !now.Before(p.deadline) {
			t.pending--
			t.resolveLost(p, now)
			continue
		}
		if next.IsZero() || p.deadline.Before(next) {
			next = p.deadline
		}
	}
	t.nextExpiry = next
}

// NextExpiry returns a time at or before the earliest deadline of a
// pending probe, and false when no probe is pending. A caller that calls
// Expire at that time never resolves a loss late.
func (t *Tracker) NextExpiry() (time.Time, bool) {
	return t.nextExpiry, t.pending > 0
}

// Timeout is the timeout the next probe gets (see Tracker).
func (t *Tracker) Timeout() time.Duration {
	if !t.up || !t.haveRTT {
		return t.s.MaxTimeout
	}
	adaptive := 2*t.srtt + 4*time.Duration(t.jitter)
	return clampDur(adaptive, t.s.MinTimeout, t.s.MaxTimeout)
}

// Up reports the current up/down state.
func (t *Tracker) Up() bool { return t.up }

func (t *Tracker) resolveLost(p *probe, at time.Time) {
	p.state = slotLost
	t.markLost(at)
}

func (t *Tracker) markLost(at time.Time) {
	t.stats.lost++
	t.loss.add(true)
	t.consecOK = 0
	t.consecLost++
	if t.up && t.consecLost >= t.s.DownAfter {
		t.up = false
		t.lastChange = at
	}
}

func (t *Tracker) markAnswered(at time.Time) {
	t.loss.add(false)
	t.consecLost = 0
	t.consecOK++
	if !t.up && t.consecOK >= t.s.UpAfter {
		t.up = true
		t.lastChange = at
	}
}

// addRTT updates SRTT (EWMA, alpha 1/8), the RFC 3550 jitter
// (J += (|D| - J)/16, D the difference of consecutive RTTs) and the window.
func (t *Tracker) addRTT(rtt time.Duration) {
	if t.haveRTT {
		t.srtt += (rtt - t.srtt) / 8
		d := float64(rtt - t.lastRTT)
		if d < 0 {
			d = -d
		}
		t.jitter += (d - t.jitter) / 16
	} else {
		t.srtt = rtt
		t.haveRTT = true
	}
	t.lastRTT = rtt
	t.rtts.add(rtt)
}

package prober

import "time"

// Stats is a snapshot of one Tracker. Durations are zero until the first
// RTT sample; MinRTT and the percentiles cover the last RTTWindow samples,
// Loss the last LossWindow resolved probes (0 when none is resolved yet).
type Stats struct {
	Up         bool      `json:"up"`
	LastChange time.Time `json:"last_change"` // time of the last up/down transition; zero if never

	LastRTT time.Duration `json:"last_rtt"`
	SRTT    time.Duration `json:"srtt"` // EWMA of the RTT, alpha 1/8
	MinRTT  time.Duration `json:"min_rtt"`
	P50     time.Duration `json:"p50"`
	P95     time.Duration `json:"p95"`
	P99     time.Duration `json:"p99"`
	Jitter  time.Duration `json:"jitter"`  // RFC 3550 interarrival jitter of the RTT
	Timeout time.Duration `json:"timeout"` // timeout the next probe gets

	Loss     float64 `json:"loss"`     // lost / resolved in the loss window
	Samples  int     `json:"samples"`  // RTT samples in the RTT window
	Resolved int     `json:"resolved"` // probes in the loss window
	Pending  int     `json:"pending"`  // probes sent and not yet resolved

	Sent       uint64 `json:"sent"`       // probes sent, including failed sends
	Received   uint64 `json:"received"`   // replies before the deadline
	Lost       uint64 `json:"lost"`       // probes resolved as lost
	Late       uint64 `json:"late"`       // replies after the deadline
	Duplicates uint64 `json:"duplicates"` // further replies to an answered probe
	Stray      uint64 `json:"stray"`      // replies to unknown sequence numbers
}

// Stats returns the current statistics. It does not allocate.
func (t *Tracker) Stats() Stats {
	lo, p50, p95, p99 := t.rtts.percentiles()
	return Stats{
		Up:         t.up,
		LastChange: t.lastChange,
		LastRTT:    t.lastRTT,
		SRTT:       t.srtt,
		MinRTT:     lo,
		P50:        p50,
		P95:        p95,
		P99:        p99,
		Jitter:     time.Duration(t.jitter),
		Timeout:    t.Timeout(),
		Loss:       t.loss.ratio(),
		Samples:    t.rtts.n,
		Resolved:   t.loss.n,
		Pending:    t.pending,
		Sent:       t.stats.sent,
		Received:   t.stats.received,
		Lost:       t.stats.lost,
		Late:       t.stats.late,
		Duplicates: t.stats.duplicates,
		Stray:      t.stats.stray,
	}
}

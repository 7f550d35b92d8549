package report

import (
	"math"
	"slices"
	"time"

	"github.com/argonet/argo/sim/flow"
)

// statsOf summarises the probes of s sent in [from, to) (relative times).
func statsOf(s flow.Series, from, to time.Duration) Stats {
	var st Stats
	var rtts []float64
	sum := 0.0
	for i, sent := range s.Sent {
		if sent < from || sent >= to {
			continue
		}
		st.Sent++
		if s.RTT[i] < 0 {
			st.Lost++
			continue
		}
		v := ms(s.RTT[i])
		rtts = append(rtts, v)
		sum += v
	}
	st.Received = len(rtts)
	if st.Sent > 0 {
		st.LossPct = round2(100 * float64(st.Lost) / float64(st.Sent))
	}
	if len(rtts) == 0 {
		return st
	}
	slices.Sort(rtts)
	st.MinMs = round3(rtts[0])
	st.MaxMs = round3(rtts[len(rtts)-1])
	st.MeanMs = round3(sum / float64(len(rtts)))
	st.P50Ms = round3(percentile(rtts, 50))
	st.P90Ms = round3(percentile(rtts, 90))
	st.P99Ms = round3(percentile(rtts, 99))
	return st
}

// percentile is the nearest-rank p-th percentile of sorted v (not empty).
func percentile(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// gainPct is how much lower overlay is than direct, in percent of direct.
func gainPct(overlay, direct float64) float64 {
	if direct <= 0 || overlay <= 0 {
		return 0
	}
	return round2(100 * (direct - overlay) / direct)
}

// allSeries concatenates series (for the overall statistics).
func allSeries(ss []flow.Series) flow.Series {
	var out flow.Series
	for _, s := range ss {
		out.Sent = append(out.Sent, s.Sent...)
		out.RTT = append(out.RTT, s.RTT...)
	}
	return out
}

// lostIn counts the probes of s sent in [from, to) that were lost.
func lostIn(s flow.Series, from, to time.Duration) int {
	n := 0
	for i, sent := range s.Sent {
		if sent >= from && sent < to && s.RTT[i] < 0 {
			n++
		}
	}
	return n
}

// lostNear counts the probes of s sent within w of one of the times at
// that were lost (each probe once).
func lostNear(s flow.Series, at []time.Duration, w time.Duration) int {
	n := 0
	for i, sent := range s.Sent {
		if s.RTT[i] >= 0 {
			continue
		}
		for _, t := range at {
			if sent >= t-w && sent < t+w {
				n++
				break
			}
		}
	}
	return n
}

// firstDelivered returns the send time of the first probe of s sent in
// [from, to) that was echoed.
func firstDelivered(s flow.Series, from, to time.Duration) (time.Duration, bool) {
	for i, sent := range s.Sent {
		if sent >= from && sent < to && s.RTT[i] >= 0 {
			return sent, true
		}
	}
	return 0, false
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func sec(d time.Duration) float64 { return round3(d.Seconds()) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func ptr(v float64) *float64 { return &v }

package solve

import (
	"math"
	"slices"
)

// Summary aggregates a Result.
type Summary struct {
	// Nodes is the matrix size.
	Nodes int `json:"nodes"`
	// MaxHops and RelayCostMs are the options used.
	MaxHops     int     `json:"max_hops"`
	RelayCostMs float64 `json:"relay_cost_ms"`
	// Pairs counts ordered pairs with a finite direct or overlay cost.
	Pairs int `json:"pairs"`
	// DirectPairs counts the pairs that have a direct edge; the fields
	// below that compare with the direct edge are over these pairs.
	DirectPairs int `json:"direct_pairs"`
	// OverlayOnly counts pairs reachable only through relays.
	OverlayOnly int `json:"overlay_only"`
	// Relayed is the fraction of direct pairs whose best path has a relay.
	Relayed float64 `json:"relayed"`
	// Improved10 is the fraction of direct pairs whose best path costs
	// less than 90 % of the direct edge.
	Improved10 float64 `json:"improved_10pct"`
	// MeanDirectMs and MeanBestMs are means over the direct pairs.
	MeanDirectMs float64 `json:"mean_direct_ms"`
	MeanBestMs   float64 `json:"mean_best_ms"`
	// GainP50, GainP90 and GainP99 are nearest-rank quantiles of the
	// relative gain (direct-best)/direct over the direct pairs.
	GainP50 float64 `json:"gain_p50"`
	GainP90 float64 `json:"gain_p90"`
	GainP99 float64 `json:"gain_p99"`
}

func summarize(pairs []Pair, n int, o Options) Summary {
	s := Summary{Nodes: n, MaxHops: o.MaxHops, RelayCostMs: o.RelayCostMs, Pairs: len(pairs)}
	gains := make([]float64, 0, len(pairs))
	var sumDirect, sumBest float64
	improved, relayed := 0, 0
	for i := range pairs {
		p := &pairs[i]
		if p.DirectMs == nil {
			s.OverlayOnly++
			continue
		}
		sumDirect += *p.DirectMs
		sumBest += p.BestMs
		if p.BestMs < 0.9**p.DirectMs {
			improved++
		}
		if len(p.Path) > 2 {
			relayed++
		}
		gains = append(gains, p.Gain())
	}
	s.DirectPairs = len(gains)
	if s.DirectPairs == 0 {
		return s
	}
	d := float64(s.DirectPairs)
	s.Improved10 = float64(improved) / d
	s.Relayed = float64(relayed) / d
	s.MeanDirectMs, s.MeanBestMs = sumDirect/d, sumBest/d
	slices.Sort(gains)
	s.GainP50, s.GainP90, s.GainP99 = Quantile(gains, 0.50), Quantile(gains, 0.90), Quantile(gains, 0.99)
	return s
}

// Quantile returns the nearest-rank q-quantile (0 < q <= 1) of sorted
// values: the smallest value such that at least q of the values are less
// than or equal to it. It returns NaN for no values.
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	k := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}

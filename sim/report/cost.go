package report

import (
	"math"
	"time"

	"github.com/argonet/argo/sim/scenario"
)

// costModel describes Model in words (for the report).
const costModel = "emulated cost of a link = configured RTT (both one-way delays) + jitter_factor × expected RFC 3550 jitter of the RTT samples + p/(1-p) × (RTT + retransmit_penalty) for the round-trip loss p; path cost = sum + relay_cost per relay. " +
	"A route is within the margin when its cost exceeds the optimum by less than max(hysteresis_absolute, hysteresis_relative × cost) + 0.3 ms per link of measurement overhead: argod keeps such a path by design."

// perLinkSlack allows for what the emulator does not configure but a
// prober measures anyway (veth, fabric scheduling): a few hundred µs.
const perLinkSlack = 0.3

// costs holds the emulated cost of every directed link (Inf if down).
type costs struct {
	m    scenario.Matrix
	c    [][]float64
	s    Settings
	hops int
}

func newCosts(m scenario.Matrix, s Settings) *costs {
	n := len(m.Pops)
	c := &costs{m: m, s: s, hops: max(s.MaxHops, 1), c: make([][]float64, n)}
	for i := range n {
		c.c[i] = make([]float64, n)
		for j := range n {
			c.c[i][j] = c.link(i, j)
		}
	}
	return c
}

// link is the emulated cost of i -> j (as argod measures it from i: a
// round trip over i -> j and j -> i).
func (c *costs) link(i, j int) float64 {
	if i == j || c.m.Down[i][j] || c.m.Down[j][i] {
		return math.Inf(1)
	}
	ij, ji := c.m.Link[i][j], c.m.Link[j][i]
	rtt := ms(ij.Delay + ji.Delay)
	a, b := ms(ij.Jitter), ms(ji.Jitter)
	// The RTT is delay + U(-a,a) + U(-b,b); the RFC 3550 jitter estimates
	// E|ΔRTT| ≈ sqrt(2(a²+b²)/3) · sqrt(2/π).
	jitter := math.Sqrt(2*(a*a+b*b)/3) * math.Sqrt(2/math.Pi)
	p := 1 - (1-ij.MeanLoss())*(1-ji.MeanLoss())
	if p >= c.s.MaxLoss || p >= 1 {
		return math.Inf(1)
	}
	return rtt + c.s.JitterFactor*jitter + p/(1-p)*(rtt+c.s.RetransmitMs)
}

// pathCost is the emulated cost of a path of PoP names (Inf if down or
// unknown).
func (c *costs) pathCost(path []string) float64 {
	if len(path) < 2 {
		return math.Inf(1)
	}
	total := c.s.RelayCostMs * float64(len(path)-2)
	for k := 1; k < len(path); k++ {
		i, ok1 := c.m.Index(path[k-1])
		j, ok2 := c.m.Index(path[k])
		if !ok1 || !ok2 {
			return math.Inf(1)
		}
		total += c.c[i][j]
	}
	return total
}

// best finds the cheapest loop-free path from -> to with at most hops links.
func (c *costs) best(from, to int) ([]int, float64) {
	n := len(c.m.Pops)
	var best []int
	bestCost := math.Inf(1)
	used := make([]bool, n)
	cur := []int{from}
	used[from] = true
	var walk func(at int, cost float64)
	walk = func(at int, cost float64) {
		if at == to {
			if cost < bestCost-1e-9 || (math.Abs(cost-bestCost) < 1e-9 && len(cur) < len(best)) {
				best, bestCost = append([]int(nil), cur...), cost
			}
			return
		}
		if len(cur)-1 >= c.hops || cost >= bestCost {
			return
		}
		for next := range n {
			if used[next] || math.IsInf(c.c[at][next], 1) {
				continue
			}
			relay := 0.0
			if next != to {
				relay = c.s.RelayCostMs
			}
			used[next] = true
			cur = append(cur, next)
			walk(next, cost+c.c[at][next]+relay)
			cur = cur[:len(cur)-1]
			used[next] = false
		}
	}
	walk(from, 0)
	return best, bestCost
}

// acceptable reports whether a path of cost cost (links links) is within
// the hysteresis margin of the optimum best.
func (c *costs) acceptable(cost, best float64, links int) bool {
	margin := math.Max(c.s.HysteresisAbsMs, c.s.HysteresisRelative*cost)
	return cost-best <= margin+perLinkSlack*float64(links)+1e-9
}

// convergence judges the routes before the timeline against the emulated
// optimum of the initial matrix.
func convergence(in *Input, hs histories, c *costs) Convergence {
	conv := Convergence{Model: costModel}
	argod := in.ArgodStart.Sub(in.Start) // negative
	reachAll, optAll := argod, argod
	reachOK, optOK := true, true
	for i, a := range c.m.Pops {
		for j, b := range c.m.Pops {
			if i == j {
				continue
			}
			conv.Pairs++
			bestIdx, bestCost := c.best(i, j)
			bestPath := make([]string, len(bestIdx))
			for k, x := range bestIdx {
				bestPath[k] = c.m.Pops[x]
			}
			h := hs[[2]string{a, b}]
			reach, okR := firstReachable(h)
			if !okR {
				reachOK = false
			}
			reachAll = max(reachAll, reach)
			since, okO := acceptableSince(h, c, bestCost)
			if !okO {
				optOK = false
			}
			optAll = max(optAll, since)
			cur, _ := h.at(0)
			cost := c.pathCost(cur.path)
			if len(cur.path) > 2 {
				conv.RelayPairs++
			}
			switch {
			case len(cur.path) > 0 && cost <= bestCost+0.05:
				conv.Optimal++
			case len(cur.path) > 0 && c.acceptable(cost, bestCost, len(cur.path)-1):
				conv.WithinMargin++
			default:
				conv.Worse = append(conv.Worse, PairRoute{From: a, To: b, Path: cur.path, CostMs: round2(finite(cost)),
					Best: bestPath, BestCostMs: round2(bestCost)})
			}
		}
	}
	if reachOK {
		conv.ReachableSec = ptr(sec(reachAll - argod))
	}
	if optOK {
		conv.OptimalSec = ptr(sec(optAll - argod))
	}
	return conv
}

// firstReachable returns when h first had a path (before the timeline).
func firstReachable(h hist) (time.Duration, bool) {
	for _, s := range h {
		if s.at > 0 {
			break
		}
		if len(s.path) > 0 {
			return s.at, true
		}
	}
	return 0, false
}

// acceptableSince returns the time from which every path of h up to the
// start of the timeline was acceptable (ok false if the one at the start is
// not).
func acceptableSince(h hist, c *costs, best float64) (time.Duration, bool) {
	since, ok := time.Duration(0), false
	for _, s := range h {
		if s.at > 0 {
			break
		}
		cost := c.pathCost(s.path)
		if len(s.path) > 0 && c.acceptable(cost, best, len(s.path)-1) {
			if !ok {
				since, ok = s.at, true
			}
		} else {
			ok = false
		}
	}
	return since, ok
}

func finite(v float64) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return -1
	}
	return v
}

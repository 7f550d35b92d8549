package des

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/argonet/argo/sim/matrix"
)

// TestDES330Hour is the headline run: the first 330 PoPs of the real
// PlanetLab matrix, one hour of virtual time, 200 ms probes, 5 % jitter,
// stationary RTTs, all defaults. It is a benchmark (minutes of wall time),
// run only with ARGO_BENCH=1; it prints the figures and the cost, and
// checks the route stability, the gain retained and the time budget.
// ARGO_DES_DURATION shortens it (e.g. 10m).
func TestDES330Hour(t *testing.T) {
	if os.Getenv("ARGO_BENCH") != "1" {
		t.Skip("benchmark: set ARGO_BENCH=1 (takes minutes)")
	}
	c := DefaultConfig()
	c.Slices = []*matrix.Matrix{planetlab(t, 330)}
	c.Duration = benchDuration(t, time.Hour)
	res, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	logResult(t, res)
	if res.Summary.SteadyRouteChangesPerPairHour >= 1 {
		t.Errorf("%.3f route changes per pair per hour, want < 1", res.Summary.SteadyRouteChangesPerPairHour)
	}
	if c.Duration == time.Hour && res.Summary.GainRetained < 0.95 {
		t.Errorf("%.1f %% of the optimal gain retained, want at least 95 %%", 100*res.Summary.GainRetained)
	}
	// The target is 3 minutes of wall time on this 2-core machine. Other
	// work shares it, so the check is on the CPU time: halved, it is the
	// wall time of two idle cores.
	if c.Duration == time.Hour && res.Cost.CPUSeconds/2 > 180 {
		t.Errorf("%.0f s of CPU time: more than 3 minutes on 2 cores (wall %.0f s)", res.Cost.CPUSeconds, res.Cost.WallSeconds)
	}
}

// logResult prints a run's headline figures and cost.
func logResult(t *testing.T, res *Result) {
	t.Helper()
	s, c, g := res.Summary, res.Cost, res.Gossip
	t.Logf("%d PoPs, %v virtual: wall %.1f s, CPU %.1f s (probes %.1f s = %.0f ns per probe, routes %.1f s, optimum %.1f s), %d probes, %d recomputes (%v, %d shared, %.2f ms each), peak RSS %.0f MiB",
		res.Settings.PoPs, time.Duration(res.Settings.DurationS*1e9), c.WallSeconds, c.CPUSeconds, c.ProbeCPUSeconds, c.ProbeCPUNs,
		c.RouteCPUSeconds, c.TruthCPUSeconds, c.Probes, c.Recomputes, c.RecomputesBy, c.SharedRecomputes, c.RecomputeMeanMs,
		float64(c.MaxRSSBytes)/(1<<20))
	t.Logf("routes after warm-up: %.1f %% on an optimal path, stretch %.4f, %.1f %% of the optimal gain retained, %.2f %% broken; %.3f changes per pair per hour (%.3f over the whole run; failover %d, better %d, unreachable %d)",
		100*s.OnOptimal, s.MeanStretch, 100*s.GainRetained, 100*s.Broken, s.SteadyRouteChangesPerPairHour, s.RouteChangesPerPairHour, s.Failovers, s.Better, s.Unreachable)
	t.Logf("gossip: %s, %.0f-byte tables, %.1f broadcasts per PoP per minute (%.0f %% significant), per PoP sent %.0f B/s (max %.0f), received %.0f B/s",
		g.Mode, g.TableBytes, g.BroadcastsPerMin, 100*g.SignificantShare, g.TxBytesPerSecMean, g.TxBytesPerSecMax, g.RxBytesPerSecMean)
	for _, e := range res.Events {
		all := "not within the window"
		if e.AllS != nil {
			all = time.Duration(*e.AllS * 1e9).String()
		}
		t.Logf("event %s: all routers around it after %s (p50 %.2f s, p90 %.2f s, %d routers, %d stuck)", e.Event, all, e.P50S, e.P90S, e.Routers, e.Stuck)
	}
}

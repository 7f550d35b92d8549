package des

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteMarkdown writes a report; plots, when not empty, are file names
// (relative to the report) of images to link.
func (r *Result) WriteMarkdown(w io.Writer, plots []string) error {
	b := bufio.NewWriter(w)
	st, c, sm, g := r.Settings, r.Cost, r.Summary, r.Gossip
	fmt.Fprintf(b, "# argosim des: %d PoPs, %v of virtual time\n\n", st.PoPs, time.Duration(st.DurationS*1e9))
	fmt.Fprintf(b, "%d slice(s)", st.Slices)
	if st.Slices > 1 {
		fmt.Fprintf(b, " of %v", time.Duration(st.SliceS*1e9))
	}
	fmt.Fprintf(b, ", %d event(s), jitter %.3g, loss %.3g, probes every %g ms, max %d links per path, %d routers, seed %d.\n\n",
		st.Events, st.Jitter, st.Loss, st.ProbeIntervalMs, st.MaxHops, st.Routers, st.Seed)

	fmt.Fprintf(b, "## Routes (after the first %v)\n\n", time.Duration(sm.WarmupS*1e9))
	fmt.Fprintf(b, "| figure | value |\n|---|---|\n")
	fmt.Fprintf(b, "| pairs on an optimal path | %.1f %% |\n", 100*sm.OnOptimal)
	fmt.Fprintf(b, "| mean stretch (true cost / optimal) | %.4f |\n", sm.MeanStretch)
	fmt.Fprintf(b, "| optimal gain over direct retained | %.1f %% |\n", 100*sm.GainRetained)
	fmt.Fprintf(b, "| pairs without a live route | %.2f %% |\n", 100*sm.Broken)
	fmt.Fprintf(b, "| route changes per pair per hour | %.3f (whole run %.3f) |\n", sm.SteadyRouteChangesPerPairHour, sm.RouteChangesPerPairHour)
	fmt.Fprintf(b, "| route changes per pair, p50 / p99 / max | %g / %g / %g |\n", sm.PairChangesP50, sm.PairChangesP99, sm.PairChangesMax)
	fmt.Fprintf(b, "| changes by reason: failover / better / unreachable | %d / %d / %d |\n\n", sm.Failovers, sm.Better, sm.Unreachable)

	if len(r.Events) > 0 {
		fmt.Fprintf(b, "## Events: time until every router routes around the failure\n\n")
		fmt.Fprintf(b, "| event | window | all routers | p50 | p90 | max | routers | stuck |\n|---|---|---|---|---|---|---|---|\n")
		for _, e := range r.Events {
			all := "not within the window"
			if e.AllS != nil {
				all = fmt.Sprintf("%.2f s", *e.AllS)
			}
			fmt.Fprintf(b, "| %s | %.0f s | %s | %.2f s | %.2f s | %.2f s | %d | %d |\n",
				e.Event, e.WindowS, all, e.P50S, e.P90S, e.MaxS, e.Routers, e.Stuck)
		}
		fmt.Fprintln(b)
	}

	fmt.Fprintf(b, "## Gossip traffic per PoP\n\n")
	fmt.Fprintf(b, "Tables of %.0f bytes travel by %s gossip; each PoP broadcasts %.1f per minute (%.0f %% because of a significant change, the rest periodic refreshes).\n\n",
		g.TableBytes, g.Mode, g.BroadcastsPerMin, 100*g.SignificantShare)
	fmt.Fprintf(b, "| | mean | max |\n|---|---|---|\n")
	fmt.Fprintf(b, "| sent | %s/s | %s/s |\n", bytesIEC(g.TxBytesPerSecMean), bytesIEC(g.TxBytesPerSecMax))
	fmt.Fprintf(b, "| received | %s/s | %s/s |\n\n", bytesIEC(g.RxBytesPerSecMean), bytesIEC(g.RxBytesPerSecMax))

	fmt.Fprintf(b, "## Cost of the simulation\n\n")
	fmt.Fprintf(b, "| | |\n|---|---|\n")
	fmt.Fprintf(b, "| wall time | %.1f s (probes %.1f s, routes %.1f s, optimum %.1f s) |\n", c.WallSeconds, c.ProbeSeconds, c.RouteSeconds, c.TruthSeconds)
	fmt.Fprintf(b, "| CPU time, %d workers | %.1f s (probes %.1f s, i.e. %.0f ns per probe; routes %.1f s; optimum %.1f s) |\n",
		st.Workers, c.CPUSeconds, c.ProbeCPUSeconds, c.ProbeCPUNs, c.RouteCPUSeconds, c.TruthCPUSeconds)
	fmt.Fprintf(b, "| probes through the trackers | %d (%.3g per wall second) |\n", c.Probes, c.ProbesPerSec)
	fmt.Fprintf(b, "| route recomputes | %d (urgent %d, recheck %d, removal %d, periodic %d of which %d on the shared view), %.2f ms each |\n",
		c.Recomputes, c.RecomputesBy["urgent"], c.RecomputesBy["recheck"], c.RecomputesBy["removal"], c.RecomputesBy["periodic"], c.SharedRecomputes, c.RecomputeMeanMs)
	fmt.Fprintf(b, "| tables broadcast | %d |\n", c.Broadcasts)
	fmt.Fprintf(b, "| peak memory of the process | %s |\n\n", bytesIEC(float64(c.MaxRSSBytes)))

	if len(plots) > 0 {
		fmt.Fprintf(b, "## Plots\n\n")
		for _, p := range plots {
			fmt.Fprintf(b, "![%s](%s)\n\n", p, p)
		}
	}
	return b.Flush()
}

// bytesIEC formats a byte count.
func bytesIEC(v float64) string {
	switch {
	case v >= 1<<30:
		return fmt.Sprintf("%.2f GiB", v/(1<<30))
	case v >= 1<<20:
		return fmt.Sprintf("%.2f MiB", v/(1<<20))
	case v >= 1<<10:
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}

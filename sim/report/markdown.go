package report

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown renders r as Markdown; plots (if any) are linked by name.
func WriteMarkdown(w io.Writer, r *Report, plots []string) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "# argosim report: %s\n\n", r.Scenario)
	if r.Description != "" {
		fmt.Fprintf(b, "%s\n\n", r.Description)
	}
	fmt.Fprintf(b, "Started %s, timeline %.1f s, %d PoPs.\n\n", r.Started.Format("2006-01-02 15:04:05 MST"), r.DurationSec, len(r.Pops))
	b.WriteString("## Summary\n\n")
	for _, l := range r.Summary {
		if strings.HasPrefix(l, "  ") {
			fmt.Fprintf(b, "  - %s\n", strings.TrimSpace(l))
		} else {
			fmt.Fprintf(b, "- %s\n", l)
		}
	}
	b.WriteString("\n## Flows\n\n")
	b.WriteString("| flow | ingress → egress | overlay p50 / p99 | direct p50 / p99 | gain | overlay loss | direct loss | route changes | flaps |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, f := range r.Flows {
		fmt.Fprintf(b, "| %s | %s → %s | %.1f / %.1f ms | %.1f / %.1f ms | %.0f %% | %.2f %% (%d of %d) | %.2f %% | %d | %d |\n",
			f.Name, f.Ingress, f.Egress, f.Overlay.P50Ms, f.Overlay.P99Ms, f.Direct.P50Ms, f.Direct.P99Ms, f.GainPct,
			f.Overlay.LossPct, f.Overlay.Lost, f.Overlay.Sent, f.Direct.LossPct, f.RouteChanges, f.Flaps)
	}
	b.WriteString("\nOverlay: UDP echo probes from the client through its PoP, the argo backbone (WireGuard, relayed where argod chose to) and the origin's PoP to the origin. " +
		"Direct: the same probes between the two PoPs' underlay addresses over the emulated Internet, without the overlay (the direct link, as BGP would route it); " +
		"the client and origin veth hops that the direct probes skip add less than 0.1 ms.\n")
	b.WriteString("\n### Paths over time\n\n")
	for _, f := range r.Flows {
		fmt.Fprintf(b, "**%s** forward (%s → %s):\n\n", f.Name, f.Ingress, f.Egress)
		writeSpans(b, f.Forward)
		fmt.Fprintf(b, "**%s** reverse (%s → %s):\n\n", f.Name, f.Egress, f.Ingress)
		writeSpans(b, f.Reverse)
	}
	b.WriteString("## Events\n\n")
	b.WriteString("| at | event | kind | flow | affected | old path | new path | detection | switch | failover | lost | direct lost | note |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, e := range r.Events {
		name := strings.TrimSpace(e.Action + " " + e.Target + " " + e.Detail)
		if e.Status != Applied || len(e.Flows) == 0 {
			fmt.Fprintf(b, "| %.1f s | %s | %s | | | | | | | | | | %s %s |\n", e.AtSec, name, e.Kind, e.Status, e.Note)
			continue
		}
		for _, f := range e.Flows {
			fmt.Fprintf(b, "| %.1f s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d | %d | %s |\n",
				e.AppliedSec, name, e.Kind, f.Flow, yesNo(f.Affected, f.Directions), arrow(f.OldPath), optPath(f.NewPath),
				msOpt(f.DetectionMs), msOpt(f.SwitchMs), msOpt(f.FailoverMs), f.Lost, f.DirectLost, f.Note)
		}
	}
	c := r.Convergence
	b.WriteString("\n## Routes at the start\n\n")
	b.WriteString(convergenceLine(c) + "\n\n")
	fmt.Fprintf(b, "Cost model: %s\n\n", c.Model)
	if len(c.Worse) > 0 {
		b.WriteString("| from | to | path | cost | best | best cost |\n|---|---|---|---|---|---|\n")
		for _, w := range c.Worse {
			fmt.Fprintf(b, "| %s | %s | %s | %.1f ms | %s | %.1f ms |\n", w.From, w.To, arrow(w.Path), w.CostMs, arrow(w.Best), w.BestCostMs)
		}
		b.WriteString("\n")
	}
	b.WriteString("## argod settings\n\n")
	s := r.Settings
	fmt.Fprintf(b, "probe interval %.0f ms, path probes every %.0f ms, max hops %d, jitter factor %g, retransmit penalty %.0f ms, relay cost %.1f ms, max loss %g, hysteresis %.0f %% and %.1f ms for %.1f s.\n\n",
		s.ProbeIntervalMs, s.PathProbeMs, s.MaxHops, s.JitterFactor, s.RetransmitMs, s.RelayCostMs, s.MaxLoss,
		100*s.HysteresisRelative, s.HysteresisAbsMs, s.HysteresisHoldSec)
	if f := r.Fabric; f != nil {
		fmt.Fprintf(b, "## WAN emulator\n\n%d frames forwarded, %d lost by the loss models, %d dropped on cut links, %d queue drops, %d pool overflows, %d ring drops; %d frames sent more than 250 µs late (worst %.2f ms).\n\n",
			f.Forwarded, f.Lost, f.Cut, f.QueueDrops, f.Overflow, f.RingDrops, f.Late, f.MaxLatenessMs)
	}
	if len(plots) > 0 {
		b.WriteString("## Plots\n\n")
		for _, p := range plots {
			fmt.Fprintf(b, "![%s](%s)\n\n", p, p)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeSpans(b *strings.Builder, spans []PathSpan) {
	if len(spans) == 0 {
		b.WriteString("- no route known\n\n")
		return
	}
	for _, s := range spans {
		fmt.Fprintf(b, "- %.2f s: %s — %s\n", s.AtSec, arrow(s.Path), s.Reason)
	}
	b.WriteString("\n")
}

func yesNo(v bool, detail string) string {
	if !v {
		return "no"
	}
	if detail == "" {
		return "yes"
	}
	return "yes (" + detail + ")"
}

func optPath(p []string) string {
	if p == nil {
		return "-"
	}
	return arrow(p)
}

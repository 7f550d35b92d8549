package report

import (
	"fmt"
	"strings"
)

// summary writes the few lines a newcomer reads first.
func summary(r *Report) []string {
	var out []string
	st := r.Settings
	out = append(out, fmt.Sprintf("Scenario %s: %d PoPs, %d flows, %.0f s; argod probing every %.0f ms, switching to a better path only when it is %.0f %% and %.0f ms better for %.1f s.",
		r.Scenario, len(r.Pops), len(r.Flows), r.DurationSec, st.ProbeIntervalMs, 100*st.HysteresisRelative, st.HysteresisAbsMs, st.HysteresisHoldSec))
	if r.Interrupted != "" {
		out = append(out, "Interrupted: "+r.Interrupted+".")
	}
	out = append(out, convergenceLine(r.Convergence))
	o := r.Overall
	if o.Overlay.Received > 0 && o.Direct.Received > 0 {
		out = append(out, fmt.Sprintf("Overlay median RTT %s vs direct %s (%s); loss %.2f %% vs %.2f %%.",
			msText(o.Overlay.P50Ms), msText(o.Direct.P50Ms), signedPct(-o.GainPct), o.Overlay.LossPct, o.Direct.LossPct))
	}
	for _, f := range r.Flows {
		out = append(out, fmt.Sprintf("  %s (%s at %s → %s at %s): median %s vs %s direct (%s), loss %.2f %% vs %.2f %%; %s; %d route changes, %d flaps.",
			f.Name, f.Client, f.Ingress, f.Origin, f.Egress, msText(f.Overlay.P50Ms), msText(f.Direct.P50Ms),
			signedPct(-f.GainPct), f.Overlay.LossPct, f.Direct.LossPct, startPath(f), f.RouteChanges, f.Flaps))
	}
	for _, e := range r.Events {
		out = append(out, eventLines(e)...)
	}
	out = append(out, fmt.Sprintf("Route changes across the network during the timeline: %d, flaps: %d.", r.RouteChanges, r.Flaps))
	for _, c := range r.Crashes {
		out = append(out, "argod crashed: "+c)
	}
	return out
}

func convergenceLine(c Convergence) string {
	var parts []string
	if c.ReachableSec != nil {
		parts = append(parts, fmt.Sprintf("every PoP reached every other %.1f s after argod started", *c.ReachableSec))
	} else {
		parts = append(parts, "some PoPs never reached each other before the timeline started")
	}
	if c.OptimalSec != nil {
		parts = append(parts, fmt.Sprintf("all %d routes were within the hysteresis margin of the emulated optimum after %.1f s", c.Pairs, *c.OptimalSec))
	}
	parts = append(parts, fmt.Sprintf("at the start %d of %d routes were optimal, %d within the margin, %d worse; %d relay through another PoP",
		c.Optimal, c.Pairs, c.WithinMargin, len(c.Worse), c.RelayPairs))
	return "Routes: " + strings.Join(parts, "; ") + "."
}

func startPath(f Flow) string {
	if len(f.Forward) == 0 {
		return "no route known"
	}
	return "started on " + arrow(f.Forward[0].Path)
}

// eventLines describes one event's effect on each flow it touched.
func eventLines(e Event) []string {
	head := fmt.Sprintf("%.1f s: %s %s", e.AtSec, strings.ReplaceAll(e.Action, "_", " "), e.Target)
	if e.Detail != "" {
		head += " (" + e.Detail + ")"
	}
	if e.Status != Applied {
		return []string{fmt.Sprintf("%s: %s — %s.", head, e.Status, e.Note)}
	}
	var lines []string
	for _, f := range e.Flows {
		if !f.Affected {
			continue
		}
		lines = append(lines, head+": "+flowEffect(e, f))
	}
	if len(lines) == 0 {
		what := "no flow used it"
		if e.Kind == KindRecovery {
			what = "no flow moved onto it"
		}
		lines = append(lines, head+": "+what+".")
	}
	return lines
}

func flowEffect(e Event, f EventFlow) string {
	dirs := ""
	if f.Directions == "reverse" {
		dirs = " (the way back)"
	} else if f.Directions == "both" {
		dirs = " (both ways)"
	}
	if e.Kind == KindRecovery {
		return fmt.Sprintf("%s moved onto it%s after %s (%s), %d probes lost.",
			f.Flow, dirs, msOpt(f.SwitchMs), f.Note, f.Lost)
	}
	if f.FailoverMs == nil {
		return fmt.Sprintf("%s%s lost %d probes; %s.", f.Flow, dirs, f.Lost, f.Note)
	}
	off := ""
	if f.DetectionMs != nil && f.SwitchMs != nil && *f.SwitchMs > *f.DetectionMs+50 {
		off = fmt.Sprintf("; first route change after %s, off it both ways after %s", msOpt(f.DetectionMs), msOpt(f.SwitchMs))
	} else if f.DetectionMs != nil {
		off = fmt.Sprintf("; route changed after %s", msOpt(f.DetectionMs))
	}
	return fmt.Sprintf("%s left %s%s%s; first probe on %s after %s, %d probes lost (direct path: %d).",
		f.Flow, arrow(f.OldPath), dirs, off, arrow(f.NewPath), msOpt(f.FailoverMs), f.Lost, f.DirectLost)
}

func msText(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

func msOpt(v *float64) string {
	if v == nil {
		return "-"
	}
	if *v >= 1000 {
		return fmt.Sprintf("%.2f s", *v/1000)
	}
	return fmt.Sprintf("%.0f ms", *v)
}

func signedPct(v float64) string {
	if v > 0 {
		return fmt.Sprintf("+%.0f %%", v)
	}
	return fmt.Sprintf("%.0f %%", v)
}

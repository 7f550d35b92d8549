package runner

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/argonet/argo/api"
	"github.com/argonet/argo/sim/flow"
)

// liveLag: probes younger than this are not yet counted as lost.
const liveLag = time.Second

// printLive writes the live table: for every flow, the ingress PoP's
// route to the egress (as `argoctl paths` shows it) and the flow's probes
// of the last period.
func (r *run) printLive(w io.Writer, t0 time.Time, period time.Duration) {
	now := time.Since(t0)
	from, to := max(now-period-liveLag, 0), max(now-liveLag, 0)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "── t=%.1fs ── %s\n", now.Seconds(), r.lab.Scenario.Name)
	fmt.Fprintln(tw, "FLOW\tPATH\tCOST\tRTT\tLOSS\tDIRECT\tHELD\tREASON\tSENT\tLOST\tp50\tDIRECT p50")
	for _, f := range r.meas.flows {
		path, cost, rtt, loss, direct, held, reason := "unknown", "-", "-", "-", "-", "-", ""
		if rt, ok := r.book.route(f.ingress, f.egress); ok {
			reason = rt.Reason
			held = (time.Duration(rt.HeldSec * float64(time.Second))).Round(time.Second).String()
			if rt.Reachable {
				path = strings.Join(rt.Path, " → ")
				cost, rtt, loss = api.FormatMs(rt.CostMs), api.FormatMs(rt.RTTMs), fmt.Sprintf("%.1f%%", 100*rt.LossRatio)
				if rt.DirectUp {
					direct = api.FormatMs(rt.DirectCostMs)
				} else {
					direct = "down"
				}
			} else {
				path = "unreachable"
			}
		}
		ov := windowStats(f.overlay.Series(t0), from, to)
		dp := "-"
		if f.direct != nil {
			dp = windowStats(f.direct.Series(t0), from, to).p50
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", f.spec.Name, path, cost, rtt, loss,
			direct, held, reason, ov.sent, ov.lost, ov.p50, dp)
	}
	_ = tw.Flush()
}

type window struct {
	sent, lost int
	p50        string
}

// windowStats counts the probes sent in [from, to) and their median RTT.
func windowStats(s flow.Series, from, to time.Duration) window {
	var w window
	var rtts []time.Duration
	for i, t := range s.Sent {
		if t < from || t >= to {
			continue
		}
		w.sent++
		if s.RTT[i] < 0 {
			w.lost++
		} else {
			rtts = append(rtts, s.RTT[i])
		}
	}
	w.p50 = "-"
	if len(rtts) > 0 {
		slices.Sort(rtts)
		w.p50 = api.FormatMs(float64(rtts[len(rtts)/2]) / 1e6)
	}
	return w
}

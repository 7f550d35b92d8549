package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/argonet/argo/api"
)

func pathsCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "paths [DST]",
		Short: "Show the path chosen to each destination PoP and why",
		Long: `Show, for each destination PoP (or only DST), the chosen path, its cost
(effective latency: RTT + jitter and loss penalties + relay cost), the measured
RTT, loss and jitter along it, the direct link's cost, the gain over the direct
link, how long the route has held, the reason of the last change and the
precomputed backups.`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := c.ctx()
			defer cancel()
			var routes []api.Route
			if err := c.client().Get(ctx, api.PathPaths, &routes); err != nil {
				return err
			}
			if len(args) == 1 {
				var sel []api.Route
				for _, r := range routes {
					if r.Dst == args[0] {
						sel = append(sel, r)
					}
				}
				if len(sel) == 0 {
					return fmt.Errorf("no destination PoP named %q", args[0])
				}
				routes = sel
			}
			if c.output == "json" {
				return writeJSON(cmd.OutOrStdout(), routes)
			}
			return printPaths(cmd.OutOrStdout(), routes)
		},
	}
}

func printPaths(w io.Writer, routes []api.Route) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "DST\tPATH\tCOST\tRTT\tLOSS\tJITTER\tDIRECT\tGAIN\tHELD\tREASON")
	for _, r := range routes {
		if !r.Reachable {
			fmt.Fprintf(tw, "%s\tunreachable\t-\t-\t-\t-\t-\t-\t%s\t%s\n", r.Dst, age(r.HeldSec), r.Reason)
			continue
		}
		direct := "down"
		if r.DirectUp {
			direct = api.FormatMs(r.DirectCostMs)
		}
		gain := "-"
		if r.DirectUp && r.GainMs > 0.005 {
			gain = fmt.Sprintf("%s (%.0f%%)", api.FormatMs(r.GainMs), r.GainPct)
		}
		path := arrow(r.Path)
		if r.Pinned {
			path += " [pinned]"
		}
		rtt := api.FormatMs(r.RTTMs)
		if r.ProbeRTTMs != nil {
			rtt += fmt.Sprintf(" (probe %s)", api.FormatMs(*r.ProbeRTTMs))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Dst, path, api.FormatMs(r.CostMs), rtt,
			pct(r.LossRatio), api.FormatMs(r.JitterMs), direct, gain, age(r.HeldSec), r.Reason)
		for _, b := range r.Backups {
			fmt.Fprintf(tw, "\t  backup %s\t%s\t\t\t\t\t\t\t\n", arrow(b.Path), api.FormatMs(b.CostMs))
		}
	}
	return tw.Flush()
}

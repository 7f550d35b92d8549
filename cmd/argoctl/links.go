package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/argonet/argo/api"
)

func linksCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "links",
		Short: "Show every link of the graph with its measurements and the age of the data",
		Args:  rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := c.ctx()
			defer cancel()
			var links []api.Link
			if err := c.client().Get(ctx, api.PathLinks, &links); err != nil {
				return err
			}
			if c.output == "json" {
				return writeJSON(cmd.OutOrStdout(), links)
			}
			tw := newTable(cmd.OutOrStdout())
			fmt.Fprintln(tw, "FROM\tTO\tSTATE\tRTT\tJITTER\tLOSS\tCOST\tAGE\tSOURCE")
			for _, l := range links {
				cost := api.FormatMs(l.CostMs)
				if l.BiasMs != 0 {
					cost += fmt.Sprintf(" (bias %+.1fms)", l.BiasMs)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.From, l.To, upDown(l.Up), api.FormatMs(l.RTTMs),
					api.FormatMs(l.JitterMs), pct(l.Loss), cost, age(l.AgeSec), l.Source)
			}
			return tw.Flush()
		},
	}
}

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/argonet/argo/api"
)

func statusCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the daemon's state: PoP, peers, gossip members, health",
		Args:  rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := c.ctx()
			defer cancel()
			var s api.Status
			if err := c.client().Get(ctx, api.PathStatus, &s); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if c.output == "json" {
				return writeJSON(out, s)
			}
			health := "healthy"
			if !s.Healthy {
				health = "UNHEALTHY"
			}
			fmt.Fprintf(out, "PoP %s (id %d), argod %s, up %s, config %s\n", s.PoP, s.ID, s.Version, age(s.UptimeSec), s.ConfigFile)
			fmt.Fprintf(out, "health: %s (%s)\n", health, s.Health)
			fmt.Fprintf(out, "peers: %d of %d up; graph: %d links; routes: %d of %d destinations reachable (generation %d)\n",
				s.PeersUp, s.Peers, s.Links, s.Reachable, s.Peers, s.Generation)
			if s.Reloads > 0 {
				fmt.Fprintf(out, "config reloads: %d, last: %s\n", s.Reloads, s.LastReload)
			}
			tw := newTable(out)
			fmt.Fprintln(tw, "MEMBER\tID\tADDRESS\tSTATE")
			for _, m := range s.Members {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", m.Name, m.ID, m.Address, m.State)
			}
			return tw.Flush()
		},
	}
}

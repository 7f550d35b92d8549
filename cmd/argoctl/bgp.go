package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/argonet/argo/api"
)

func printBGP(w io.Writer, b api.BGP) error {
	if !b.Enabled {
		_, err := fmt.Fprintf(w, "BGP is not configured on this PoP; drain: %s\n", b.Drain)
		return err
	}
	health := "healthy"
	if !b.Healthy {
		health = "unhealthy"
	}
	fmt.Fprintf(w, "AS%d router-id %s, %s (%s), drain: %s", b.ASN, b.RouterID, health, b.HealthReason, b.Drain)
	if b.WithdrawAt != nil {
		fmt.Fprintf(w, ", withdraw in %s", time.Until(*b.WithdrawAt).Round(time.Second))
	}
	fmt.Fprintln(w)
	tw := newTable(w)
	fmt.Fprintln(tw, "NEIGHBOR\tAS\tSTATE\tUPTIME\tSENT\tRECEIVED")
	for _, n := range b.Neighbors {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\n", n.Address, n.ASN, n.State, age(n.UptimeSec), n.PrefixesSent, n.PrefixesReceived)
	}
	fmt.Fprintln(tw, "\t\t\t\t\t")
	fmt.Fprintln(tw, "ANYCAST PREFIX\tSTATE\tREASON\t\t\t")
	for _, p := range b.Prefixes {
		st := p.State
		if p.Prepend > 0 {
			st += fmt.Sprintf(" (x%d)", p.Prepend)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\t\t\n", p.Prefix, st, p.Reason)
	}
	for _, l := range b.Learned {
		fmt.Fprintf(tw, "learned origin %s\t\t\t\t\t\n", l)
	}
	return tw.Flush()
}

func bgpCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "bgp",
		Short: "Show BGP neighbours and the state of each anycast prefix, with the reason",
		Args:  rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := c.ctx()
			defer cancel()
			var b api.BGP
			if err := c.client().Get(ctx, api.PathBGP, &b); err != nil {
				return err
			}
			if c.output == "json" {
				return writeJSON(cmd.OutOrStdout(), b)
			}
			return printBGP(cmd.OutOrStdout(), b)
		},
	}
}

func drainCmd(c *cli, undrain bool) *cobra.Command {
	use, short, path := "drain", "Drain this PoP: other PoPs stop relaying through it; with BGP, prepend the AS path, withdraw after the grace period (survives restarts)", api.PathDrain
	if undrain {
		use, short, path = "undrain", "Undo a drain: announce normally again", api.PathUndrain
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := c.ctx()
			defer cancel()
			var b api.BGP
			if err := c.client().Post(ctx, path, struct{}{}, &b); err != nil {
				return err
			}
			if c.output == "json" {
				return writeJSON(cmd.OutOrStdout(), b)
			}
			return printBGP(cmd.OutOrStdout(), b)
		},
	}
}

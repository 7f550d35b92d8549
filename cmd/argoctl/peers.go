package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/argonet/argo/api"
)

func peersCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "peers",
		Short: "Show the backbone's WireGuard peers: handshake age, bytes, current path",
		Args:  rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := c.ctx()
			defer cancel()
			var peers []api.Peer
			if err := c.client().Get(ctx, api.PathPeers, &peers); err != nil {
				return err
			}
			if c.output == "json" {
				return writeJSON(cmd.OutOrStdout(), peers)
			}
			tw := newTable(cmd.OutOrStdout())
			fmt.Fprintln(tw, "PEER\tID\tHANDSHAKE\tRX\tTX\tPATH\tALLOWED IPS")
			for _, p := range peers {
				hs := "never"
				if p.HandshakeAgeSec >= 0 {
					hs = age(p.HandshakeAgeSec) + " ago"
				}
				path := "-"
				if len(p.Path) > 0 {
					path = arrow(p.Path)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%v\n", p.Name, p.ID, hs, bytesIEC(p.RxBytes), bytesIEC(p.TxBytes), path, p.AllowedIPs)
			}
			return tw.Flush()
		},
	}
}

func bytesIEC(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

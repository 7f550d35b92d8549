package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/argonet/argo/api"
)

func xdpCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "xdp",
		Short: "Show the XDP fast path: mode, counters, and the userspace relay's counters",
		Args:  rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := c.ctx()
			defer cancel()
			var x api.XDP
			if err := c.client().Get(ctx, api.PathXDP, &x); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if c.output == "json" {
				return writeJSON(out, x)
			}
			fmt.Fprintf(out, "mode: %s", x.Mode)
			if x.Interface != "" {
				fmt.Fprintf(out, " on %s", x.Interface)
			}
			if x.Reason != "" {
				fmt.Fprintf(out, " (%s)", x.Reason)
			}
			fmt.Fprintln(out)
			tw := newTable(out)
			fmt.Fprintln(tw, "PATH\tACTION\tREASON\tPACKETS\tBYTES")
			for _, ct := range x.Counters {
				if ct.Packets > 0 {
					fmt.Fprintf(tw, "xdp\t%s\t%s\t%d\t%d\n", ct.Action, ct.Reason, ct.Packets, ct.Bytes)
				}
			}
			u := x.Userspace
			fmt.Fprintf(tw, "userspace\treceived\t\t%d\t\n", u.Received)
			fmt.Fprintf(tw, "userspace\tdelivered\t\t%d\t\n", u.Delivered)
			fmt.Fprintf(tw, "userspace\trelayed\t\t%d\t\n", u.Relayed)
			for r, n := range u.Drops {
				if n > 0 {
					fmt.Fprintf(tw, "userspace\tdrop\t%s\t%d\t\n", r, n)
				}
			}
			return tw.Flush()
		},
	}
}

func filterCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "filter",
		Short: "Manage the XDP source blocklist (longest-prefix match, dropped in the driver)",
	}
	list := func(cmd *cobra.Command, fs []api.Filter) error {
		if c.output == "json" {
			return writeJSON(cmd.OutOrStdout(), fs)
		}
		tw := newTable(cmd.OutOrStdout())
		fmt.Fprintln(tw, "PREFIX\tHITS")
		for _, f := range fs {
			fmt.Fprintf(tw, "%s\t%d\n", f.Prefix, f.Hits)
		}
		return tw.Flush()
	}
	cmd.AddCommand(&cobra.Command{
		Use: "list", Short: "List the blocklist with hit counts", Args: rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := c.ctx()
			defer cancel()
			var fs []api.Filter
			if err := c.client().Get(ctx, api.PathFilters, &fs); err != nil {
				return err
			}
			return list(cmd, fs)
		},
	}, &cobra.Command{
		Use: "add PREFIX", Short: "Drop packets from PREFIX", Args: rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := c.ctx()
			defer cancel()
			var fs []api.Filter
			if err := c.client().Post(ctx, api.PathFilters, api.FilterRequest{Prefix: args[0]}, &fs); err != nil {
				return err
			}
			return list(cmd, fs)
		},
	}, &cobra.Command{
		Use: "del PREFIX", Short: "Remove PREFIX from the blocklist", Args: rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := c.ctx()
			defer cancel()
			var fs []api.Filter
			if err := c.client().Delete(ctx, api.PathFilters, api.FilterRequest{Prefix: args[0]}, &fs); err != nil {
				return err
			}
			return list(cmd, fs)
		},
	})
	return cmd
}

func rateLimitCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ratelimit",
		Short: "Manage per-source rate limits for UDP destination ports (token buckets in XDP)",
	}
	show := func(cmd *cobra.Command, rs []api.RateLimit) error {
		if c.output == "json" {
			return writeJSON(cmd.OutOrStdout(), rs)
		}
		tw := newTable(cmd.OutOrStdout())
		fmt.Fprintln(tw, "PORT\tPPS\tBURST\tDROPS")
		for _, r := range rs {
			fmt.Fprintf(tw, "%d\t%d\t%d\t%d\n", r.Port, r.PPS, r.Burst, r.Drops)
		}
		return tw.Flush()
	}
	set := func(cmd *cobra.Command, req api.RateLimit) error {
		ctx, cancel := c.ctx()
		defer cancel()
		var rs []api.RateLimit
		if err := c.client().Post(ctx, api.PathRate, req, &rs); err != nil {
			return err
		}
		return show(cmd, rs)
	}
	num := func(name, s string, bits int) (uint64, error) {
		n, err := strconv.ParseUint(s, 10, bits)
		if err != nil || n == 0 {
			return 0, &usageError{fmt.Errorf("%s %q: must be a positive integer below 2^%d", name, s, bits)}
		}
		return n, nil
	}
	cmd.AddCommand(&cobra.Command{
		Use: "list", Short: "List rate limits and their drops", Args: rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := c.ctx()
			defer cancel()
			var rs []api.RateLimit
			if err := c.client().Get(ctx, api.PathRate, &rs); err != nil {
				return err
			}
			return show(cmd, rs)
		},
	}, &cobra.Command{
		Use: "set PORT PPS BURST", Short: "Limit each source to PPS packets/s (burst BURST) to UDP port PORT",
		Args: rangeArgs(3, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			port, err := num("PORT", args[0], 16)
			if err != nil {
				return err
			}
			pps, err := num("PPS", args[1], 32)
			if err != nil {
				return err
			}
			burst, err := num("BURST", args[2], 32)
			if err != nil {
				return err
			}
			return set(cmd, api.RateLimit{Port: uint16(port), PPS: uint32(pps), Burst: uint32(burst)})
		},
	}, &cobra.Command{
		Use: "del PORT", Short: "Remove the rate limit of UDP port PORT", Args: rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			port, err := num("PORT", args[0], 16)
			if err != nil {
				return err
			}
			return set(cmd, api.RateLimit{Port: uint16(port)})
		},
	})
	return cmd
}

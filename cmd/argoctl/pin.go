package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/argonet/argo/api"
)

func pinCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "pin DST via HOP[,HOP]",
		Short: "Pin the route to DST through the given relay PoPs (kept while the path is up)",
		Example: `  argoctl pin sin via fra        # ams → fra → sin
  argoctl pin sin via fra,lon    # ams → fra → lon → sin
  argoctl pin sin via direct     # the direct link`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 3 || args[1] != "via" {
				return &usageError{fmt.Errorf("usage: argoctl pin DST via HOP[,HOP] (or: via direct)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			req := api.PinRequest{Dst: args[0]}
			if args[2] != "direct" {
				for i, h := range strings.Split(args[2], ",") {
					if h == "" {
						return &usageError{fmt.Errorf("hop %d of %q is empty", i+1, args[2])}
					}
					req.Via = append(req.Via, h)
				}
			}
			ctx, cancel := c.ctx()
			defer cancel()
			var r api.Route
			if err := c.client().Post(ctx, api.PathPin, req, &r); err != nil {
				return err
			}
			if c.output == "json" {
				return writeJSON(cmd.OutOrStdout(), r)
			}
			return printPaths(cmd.OutOrStdout(), []api.Route{r})
		},
	}
}

func unpinCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "unpin DST",
		Short: "Remove the pin of DST; pathcalc chooses again",
		Args:  rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := c.ctx()
			defer cancel()
			var r api.Route
			if err := c.client().Post(ctx, api.PathUnpin, api.UnpinRequest{Dst: args[0]}, &r); err != nil {
				return err
			}
			if c.output == "json" {
				return writeJSON(cmd.OutOrStdout(), r)
			}
			return printPaths(cmd.OutOrStdout(), []api.Route{r})
		},
	}
}

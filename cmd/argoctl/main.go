// Command argoctl inspects and steers a running argod through its local API
// (HTTP/JSON over a unix socket).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/argonet/argo/api"
)

var version = "dev"

// cli holds the global flags.
type cli struct {
	socket  string
	output  string
	timeout time.Duration
}

func (c *cli) client() *api.Client { return api.NewClient(c.socket) }

func (c *cli) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), c.timeout)
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	root := newRoot()
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "argoctl:", err)
		var usage *usageError
		if errors.As(err, &usage) {
			return 2
		}
		return 1
	}
	return 0
}

// usageError marks errors in the command line itself (exit status 2).
type usageError struct{ error }

func newRoot() *cobra.Command {
	c := &cli{}
	def := os.Getenv("ARGO_SOCKET")
	if def == "" {
		def = api.DefaultSocket
	}
	root := &cobra.Command{
		Use:           "argoctl",
		Short:         "Inspect and steer a running argod",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVarP(&c.socket, "socket", "s", def, "argod API socket (env ARGO_SOCKET)")
	root.PersistentFlags().StringVarP(&c.output, "output", "o", "table", "output format: table or json")
	root.PersistentFlags().DurationVar(&c.timeout, "timeout", 10*time.Second, "API request timeout")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if c.output != "table" && c.output != "json" {
			return &usageError{fmt.Errorf("--output %q: must be table or json", c.output)}
		}
		return nil
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(statusCmd(c), pathsCmd(c), linksCmd(c), peersCmd(c), pinCmd(c), unpinCmd(c),
		xdpCmd(c), filterCmd(c), rateLimitCmd(c), bgpCmd(c), drainCmd(c, false), drainCmd(c, true))
	return root
}

// exactArgs is cobra.RangeArgs with a usage error.
func rangeArgs(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.RangeArgs(min, max)(cmd, args); err != nil {
			return &usageError{err}
		}
		return nil
	}
}

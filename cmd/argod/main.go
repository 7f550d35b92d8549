// Command argod is the argo daemon: one per PoP. It probes every other PoP,
// gossips link state, computes the best paths and serves them to argoctl.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/argonet/argo/config"
)

var version = "dev"

// Exit statuses.
const (
	exitOK     = 0
	exitFail   = 1
	exitConfig = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var (
		cfgPath   string
		checkPath string
		status    = exitOK
	)
	cmd := &cobra.Command{
		Use:           "argod --config FILE",
		Short:         "argo PoP daemon: probes, gossips link state, routes over the fastest path",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if checkPath != "" {
				c, err := config.Load(checkPath)
				if err != nil {
					status = exitConfig
					return err
				}
				fmt.Fprintf(stdout, "%s: ok (PoP %s id %d, %d peers)\n", checkPath, c.PoP.Name, c.PoP.ID, len(c.Peers))
				return nil
			}
			if cfgPath == "" {
				status = exitConfig
				return errors.New("--config FILE is required")
			}
			c, err := config.Load(cfgPath)
			if err != nil {
				status = exitConfig
				return err
			}
			log := newLogger(stderr, c)
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			d, err := newDaemon(c, log)
			if err != nil {
				status = exitFail
				return err
			}
			if err := d.run(ctx); err != nil {
				status = exitFail
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&cfgPath, "config", "c", "/etc/argo/argod.yaml", "configuration file")
	cmd.Flags().StringVar(&checkPath, "check-config", "", "validate FILE and exit (status 2 if invalid)")
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { status = exitConfig; return err })
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(stderr, "argod:", err)
		if status == exitOK {
			status = exitConfig // argument errors from cobra
		}
		return status
	}
	return status
}

// newLogger builds the daemon's structured logger from the log settings.
func newLogger(w io.Writer, c *config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.Resolved.LogLevel}
	var h slog.Handler
	if c.Log.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(h).With("pop", c.PoP.Name)
}

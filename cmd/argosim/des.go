package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/argonet/argo/sim/des"
	"github.com/argonet/argo/sim/matrix"
)

func init() { commands = append(commands, desCmd()) }

// desFlags are the options of `argosim des`.
type desFlags struct {
	matrix, unit, events, out, output string
	pops, maxHops, routers, workers   int
	slice, duration, probe, check     time.Duration
	recompute, sample, routeDelay     time.Duration
	jitter, loss, relayCost           float64
	seed                              uint64
	quiet                             bool
}

func desCmd() *cobra.Command {
	def := des.DefaultConfig()
	f := desFlags{}
	c := &cobra.Command{
		Use:   "des --matrix FILE|DIR [--events FILE] [--duration 1h] [--out DIR]",
		Short: "Simulate hundreds of argod control planes in virtual time",
		Long: `des runs a discrete-event simulation of one argod control plane per PoP of an
RTT matrix (or of a directory of matrices taken as consecutive time slices):
every probe goes through argod's prober statistics, link tables spread with
linkstate's publish rule and a modelled gossip delay, and every PoP recomputes
its routes with pathcalc. Events (link down, node down, loss on a link) come
from a small YAML file:

  events:
    - {at: 10m, action: link_down, a: 3, b: 17}
    - {at: 20m, action: link_up, a: 3, b: 17}
    - {at: 30m, action: link_loss, a: 5, b: 9, loss: 20%}
    - {at: 40m, action: node_down, node: 42}
    - {at: 45m, action: node_up, node: 42}

It reports the share of pairs on their optimal path, the stretch and the gain
retained over time, route changes per pair per hour, the time until every PoP
routes around each failure and the gossip traffic per PoP: Markdown or JSON on
standard output, and with --out a directory with des.json, des.md and plots.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			return runDES(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.matrix, "matrix", "", "RTT matrix file, or directory of matrix files taken as time slices (required)")
	fl.StringVar(&f.unit, "unit", "ms", "unit of the matrix values: ms or s")
	fl.IntVar(&f.pops, "pops", 0, "simulate only the first N PoPs of the matrix (0: all)")
	fl.DurationVar(&f.slice, "slice", 0, "virtual time per matrix when --matrix is a directory")
	fl.StringVar(&f.events, "events", "", "events file (YAML)")
	fl.DurationVar(&f.duration, "duration", time.Hour, "virtual time to simulate")
	fl.Float64Var(&f.jitter, "jitter", def.Jitter, "relative RTT jitter of each probe (exponential, mean = this times the RTT)")
	fl.Float64Var(&f.loss, "loss", def.Loss, "probe loss probability on every link")
	fl.Uint64Var(&f.seed, "seed", def.Seed, "random seed")
	fl.DurationVar(&f.probe, "probe-interval", def.Probe.Interval, "argod's probe interval")
	fl.IntVar(&f.maxHops, "max-hops", def.Path.MaxHops, "most links per path, 1..4")
	fl.Float64Var(&f.relayCost, "relay-cost", def.Path.Weights.RelayCostMs, "cost per relay PoP in ms")
	fl.DurationVar(&f.check, "check", def.Check, "how often each PoP reads its trackers and runs the publish rule")
	fl.DurationVar(&f.recompute, "recompute", def.Recompute, "period of the route recomputation without urgent changes")
	fl.DurationVar(&f.routeDelay, "route-delay", 0, "a PoP computes no routes for this long after it starts (argod: 0)")
	fl.DurationVar(&f.sample, "sample", def.Sample, "period of the route-quality samples")
	fl.IntVar(&f.routers, "routers", 0, "number of PoPs that compute routes (0: all)")
	fl.IntVar(&f.workers, "workers", 0, "goroutines (0: one per CPU)")
	fl.StringVar(&f.out, "out", "", "directory for des.json, des.md and the plots (SVG and PNG)")
	fl.StringVarP(&f.output, "output", "o", "markdown", "standard output format: markdown or json")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress messages on standard error")
	_ = c.MarkFlagRequired("matrix")
	return c
}

// desConfig turns the flags into a validated configuration.
func desConfig(f desFlags) (des.Config, error) {
	c := des.DefaultConfig()
	if f.output != "markdown" && f.output != "json" {
		return c, fmt.Errorf("--output %q: want markdown or json", f.output)
	}
	u, err := matrix.ParseUnit(f.unit)
	if err != nil {
		return c, fmt.Errorf("--unit: %w", err)
	}
	if f.pops < 0 {
		return c, fmt.Errorf("--pops %d: must not be negative", f.pops)
	}
	slices, _, err := matrix.Load(f.matrix, u)
	if err != nil {
		return c, err
	}
	for i, m := range slices {
		if f.pops > 0 {
			if f.pops > m.Len() {
				return c, fmt.Errorf("--pops %d: the matrix has only %d PoPs", f.pops, m.Len())
			}
			slices[i] = m.Head(f.pops)
		}
	}
	c.Slices, c.SliceDuration, c.Duration = slices, f.slice, f.duration
	c.Jitter, c.Loss, c.Seed = f.jitter, f.loss, f.seed
	c.Probe.Interval = f.probe
	c.Path.MaxHops, c.Path.Weights.RelayCostMs = f.maxHops, f.relayCost
	c.Check, c.Recompute, c.Sample, c.RouteDelay = f.check, f.recompute, f.sample, f.routeDelay
	c.Routers, c.Workers = f.routers, f.workers
	if f.events != "" {
		data, err := os.ReadFile(f.events)
		if err != nil {
			return c, err
		}
		if c.Events, err = des.ParseEvents(f.events, data, slices[0].Len(), c.Duration); err != nil {
			return c, err
		}
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

func runDES(ctx context.Context, out, errOut io.Writer, f desFlags) error {
	c, err := desConfig(f)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if f.quiet {
		level = slog.LevelWarn
	}
	c.Log = slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: level}))
	res, err := des.Run(ctx, c)
	if err != nil {
		return err
	}
	var plots []string
	if f.out != "" {
		if plots, err = writeDESReport(res, f.out); err != nil {
			return err
		}
	}
	if f.output == "json" {
		return res.WriteJSON(out)
	}
	return res.WriteMarkdown(out, plots)
}

// writeDESReport writes des.json, des.md and the plots into dir.
func writeDESReport(res *des.Result, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	plots, err := res.WritePlots(dir)
	if err != nil {
		return nil, err
	}
	for _, w := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"des.json", res.WriteJSON},
		{"des.md", func(w io.Writer) error { return res.WriteMarkdown(w, plots) }},
	} {
		fh, err := os.Create(filepath.Join(dir, w.name))
		if err != nil {
			return nil, err
		}
		err = w.write(fh)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	}
	return plots, nil
}

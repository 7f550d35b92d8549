package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/argonet/argo/sim/runner"
	"github.com/argonet/argo/sim/scenario"
	"github.com/argonet/argo/sim/scenarios"
)

func init() { commands = append(commands, runCmd()) }

// runFlags are the options of `argosim run`.
type runFlags struct {
	out       string
	argod     string
	live      time.Duration
	warmup    time.Duration
	seed      uint64
	logLevel  string
	noLive    bool
	scenarios bool
	metrics   string
}

func runCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [SCENARIO|FILE]",
		Short: "Run a scenario: PoPs in network namespaces over an emulated WAN, real argods, a report",
		Long: `Run builds one network namespace per PoP joined by the WAN emulator, clients
and origins behind their PoPs, starts one argod per PoP with generated keys and
configurations, waits until the routes settle, then plays the scenario's
timeline while measuring every flow (UDP echo through the overlay, and directly
over the emulated Internet for comparison). It tears everything down and
writes report.json, report.md and plots into --out.

SCENARIO is the name of an embedded scenario (default: "default"; see
--list) or a scenario file. Needs root. Ctrl-C stops the run, tears down
and writes a partial report; after a crash, "argosim clean" removes what
is left (the next run does that for runs whose process is gone).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.scenarios {
				fmt.Fprintln(cmd.OutOrStdout(), strings.Join(scenarios.Names(), "\n"))
				return nil
			}
			name := "default"
			if len(args) == 1 {
				name = args[0]
			}
			return runScenario(cmd, name, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "argosim-report", "report directory")
	fl.StringVar(&f.argod, "argod", "", "argod binary (default: argod next to argosim, else in $PATH)")
	fl.DurationVar(&f.live, "live-every", runner.DefaultLiveEvery, "period of the live table")
	fl.BoolVar(&f.noLive, "quiet", false, "do not print the live table")
	fl.DurationVar(&f.warmup, "warmup", runner.DefaultWarmupMax, "longest wait for the routes to settle before the timeline")
	fl.Uint64Var(&f.seed, "seed", 0, "seed of the emulator's loss and jitter (0: random)")
	fl.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fl.BoolVar(&f.scenarios, "list", false, "list the embedded scenarios and exit")
	fl.StringVar(&f.metrics, "metrics-listen", "", "serve the run's Prometheus metrics on host:port (default off)")
	return cmd
}

// loadScenario reads an embedded scenario by name, or a file.
func loadScenario(name string) (*scenario.Scenario, []byte, error) {
	if raw, err := scenarios.Raw(name); err == nil && !strings.ContainsAny(name, "/.") {
		s, err := scenario.Parse(name+".yaml", raw)
		return s, raw, err
	}
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, nil, fmt.Errorf("scenario %q: neither an embedded scenario (%s) nor a readable file: %w",
			name, strings.Join(scenarios.Names(), ", "), err)
	}
	s, err := scenario.Parse(name, raw)
	return s, raw, err
}

// findArgod returns the argod binary: the flag, else next to this binary,
// else in $PATH.
func findArgod(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "argod")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath("argod"); err == nil {
		return p, nil
	}
	return "", errors.New("argod not found next to argosim nor in $PATH: run `make build` or pass --argod")
}

func runScenario(cmd *cobra.Command, name string, f runFlags) error {
	s, raw, err := loadScenario(name)
	if err != nil {
		return err
	}
	argod, err := findArgod(f.argod)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills at once; `argosim clean` removes what is left
	}()
	reg := prometheus.NewRegistry()
	if f.metrics != "" {
		l, err := net.Listen("tcp", f.metrics)
		if err != nil {
			return fmt.Errorf("--metrics-listen: %w", err)
		}
		srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(l)
		defer srv.Close()
	}
	o := runner.Options{
		Scenario: s, Argod: argod, Out: f.out, Log: log, Registerer: reg,
		LiveEvery: f.live, WarmupMax: f.warmup, Seed: f.seed, Source: raw,
	}
	if !f.noLive {
		o.Live = cmd.OutOrStdout()
	}
	started := time.Now()
	rep, err := runner.Run(ctx, o)
	if rep != nil {
		w := cmd.OutOrStdout()
		fmt.Fprintf(w, "\nargosim: %s finished in %s; report in %s\n\n", s.Name, time.Since(started).Round(time.Second), f.out)
		for _, l := range rep.Summary {
			fmt.Fprintln(w, l)
		}
	}
	if errors.Is(err, context.Canceled) {
		if rep == nil {
			return errors.New("interrupted before the timeline started; the lab was torn down")
		}
		return errors.New("interrupted; the lab was torn down and a partial report written")
	}
	return err
}

package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argonet/argo/sim/lab"
	"github.com/argonet/argo/sim/report"
	"github.com/argonet/argo/sim/scenario"
)

// Defaults of Options.
const (
	DefaultLiveEvery = 5 * time.Second
	DefaultWarmupMax = 30 * time.Second
	primeTimeout     = 10 * time.Second
	// replyGrace is how long after the last probe replies are awaited.
	replyGrace = 1500 * time.Millisecond
	// Poll periods of the flows' end PoPs and of every other PoP.
	fastPoll = 100 * time.Millisecond
	slowPoll = 500 * time.Millisecond
)

// Options configure Run.
type Options struct {
	Scenario *scenario.Scenario
	// Argod is the argod binary.
	Argod string
	// Out is the report directory ("" writes no files).
	Out string
	// Log gets progress messages (nil: discarded).
	Log *slog.Logger
	// Registerer, if set, gets the run's and the fabric's metrics.
	Registerer prometheus.Registerer
	// Live, if set, gets the live table every LiveEvery.
	Live      io.Writer
	LiveEvery time.Duration
	// WarmupMax bounds the wait for the routes to settle before the
	// timeline starts.
	WarmupMax time.Duration
	// Seed makes the emulator's loss and jitter reproducible (0: random).
	Seed uint64
	// Source, if set, is copied into Out as scenario.yaml.
	Source []byte
}

// run is one Run in progress.
type run struct {
	o       Options
	log     *slog.Logger
	lab     *lab.Lab
	book    *book
	metrics *metrics

	mu   sync.Mutex
	meas *measurement
}

func (r *run) measurement() *measurement {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.meas
}

// Run carries out scenario o.Scenario and returns its report (also written
// to o.Out). When ctx ends early the run stops, tears down and reports what
// it measured so far, and Run returns the report and ctx's error.
func Run(ctx context.Context, o Options) (*report.Report, error) {
	if o.Scenario == nil {
		return nil, errors.New("runner: no scenario")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.LiveEvery <= 0 {
		o.LiveEvery = DefaultLiveEvery
	}
	if o.WarmupMax <= 0 {
		o.WarmupMax = DefaultWarmupMax
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("argosim run needs root: it creates network namespaces (run it with sudo)")
	}
	if gone, err := lab.CleanStale(); err != nil {
		o.Log.Warn("cleaning the leftovers of crashed runs", "err", err)
	} else if len(gone) > 0 {
		o.Log.Info("removed the leftovers of crashed runs", "removed", len(gone))
	}
	r := &run{o: o, log: o.Log, book: newBook()}
	m, err := newMetrics(o.Registerer, r)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	r.metrics = m
	defer m.unregister()
	return r.execute(ctx)
}

// execute builds the world, measures and tears down.
func (r *run) execute(ctx context.Context) (*report.Report, error) {
	s := r.o.Scenario
	r.log.Info("building the lab", "scenario", s.Name, "pops", len(s.Pops), "flows", len(s.Flows))
	l, err := lab.Up(ctx, s, lab.Options{Argod: r.o.Argod, Log: r.log, Registerer: r.o.Registerer, Seed: r.o.Seed})
	if err != nil {
		return nil, err
	}
	r.lab = l
	torn := false
	teardown := func() {
		if !torn {
			torn = true
			if err := l.Close(); err != nil {
				r.log.Warn("teardown", "err", err)
			}
		}
	}
	defer teardown()
	meas, err := newMeasurement(l)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.meas = meas
	r.mu.Unlock()
	defer meas.close()

	in := &report.Input{Scenario: s, Settings: settingsOf(l)}
	in.ArgodStart = time.Now()
	if err := l.StartAll(ctx); err != nil {
		return nil, err
	}
	pollCtx, stopPolls := context.WithCancel(context.WithoutCancel(ctx))
	var polls sync.WaitGroup
	r.startPolls(pollCtx, &polls)
	stopPolling := func() { stopPolls(); polls.Wait() }
	defer stopPolling()

	if err := r.warmup(ctx, meas); err != nil {
		return nil, err
	}
	t0 := time.Now().Add(100 * time.Millisecond)
	in.Start = t0
	r.log.Info("timeline started", "duration", s.Duration)
	runCtx, stopRun := context.WithTimeout(ctx, time.Until(t0.Add(s.Duration)))
	defer stopRun()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); meas.run(runCtx, t0) }()
	go func() { defer wg.Done(); in.Events = r.playTimeline(runCtx, t0) }()
	if r.o.Live != nil {
		wg.Add(1)
		go func() { defer wg.Done(); r.live(runCtx, t0) }()
	}
	<-runCtx.Done()
	wg.Wait()
	in.End = time.Now()
	if ctx.Err() != nil {
		in.Interrupted = fmt.Sprintf("stopped %.1f s into the timeline: %v", in.End.Sub(t0).Seconds(), context.Cause(ctx))
	} else {
		in.End = t0.Add(s.Duration)
		time.Sleep(replyGrace) // replies of the last probes
	}
	stopPolling()
	meas.close()
	in.Flows = meas.inputs(t0)
	in.Routes = r.book.histories()
	in.Crashes = r.crashes(in.Events)
	if st, err := l.Fabric.Stats(); err == nil {
		in.Fabric = &st
	}
	if r.o.Out != "" {
		if err := l.CopyLogs(filepath.Join(r.o.Out, "logs")); err != nil {
			r.log.Warn("copying argod logs", "err", err)
		}
	}
	teardown()
	rep := report.Build(in)
	if r.o.Out != "" {
		if err := r.write(rep); err != nil {
			return rep, err
		}
	}
	return rep, ctx.Err()
}

// write stores the report and the scenario source in Out.
func (r *run) write(rep *report.Report) error {
	files, err := report.Write(r.o.Out, rep)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if len(r.o.Source) > 0 {
		if err := os.WriteFile(filepath.Join(r.o.Out, "scenario.yaml"), r.o.Source, 0o644); err != nil {
			return err
		}
	}
	r.log.Info("report written", "dir", r.o.Out, "files", len(files))
	return nil
}

// startPolls polls the flows' end PoPs fast (with the data plane's active
// paths) and every other PoP slowly.
func (r *run) startPolls(ctx context.Context, wg *sync.WaitGroup) {
	fast := map[string]bool{}
	for _, f := range r.meas.flows {
		fast[f.ingress], fast[f.egress] = true, true
	}
	for _, p := range r.lab.Plan.Pops {
		c, _ := r.lab.Client(p.Name)
		period := slowPoll
		if fast[p.Name] {
			period = fastPoll
		}
		wg.Add(1)
		go func() { defer wg.Done(); poll(ctx, c, p.Name, period, fast[p.Name], r.book) }()
	}
}

// warmup waits until every PoP has a route to every other and no route
// changed for the hysteresis hold plus a second (at most WarmupMax), and
// primes the flows.
func (r *run) warmup(ctx context.Context, meas *measurement) error {
	start := time.Now()
	stable := time.Duration(r.lab.Configs[0].Path.HysteresisHold) + time.Second
	var names []string
	for _, p := range r.lab.Plan.Pops {
		names = append(names, p.Name)
	}
	primed := make(chan error, 1)
	primeStarted := false
	for {
		reachable, last := r.book.settled(names)
		if reachable && !primeStarted {
			primeStarted = true
			r.log.Info("every PoP reaches every other", "after", time.Since(start).Round(time.Millisecond))
			go func() { primed <- meas.prime(ctx, primeTimeout) }()
		}
		if reachable && time.Since(last) >= stable {
			break
		}
		if time.Since(start) > r.o.WarmupMax {
			r.log.Warn("routes did not settle before the timeline", "waited", r.o.WarmupMax, "all_reachable", reachable)
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	if !primeStarted {
		go func() { primed <- meas.prime(ctx, primeTimeout) }()
	}
	if err := <-primed; err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.log.Error("some flows get no echo before the timeline; they will show as lost", "err", err)
	}
	r.log.Info("warm-up done", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// live prints the live table every LiveEvery until ctx ends.
func (r *run) live(ctx context.Context, t0 time.Time) {
	t := time.NewTicker(r.o.LiveEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.printLive(r.o.Live, t0, r.o.LiveEvery)
		}
	}
}

// crashes lists argods that are not running although no event killed them.
func (r *run) crashes(events []report.AppliedEvent) []string {
	killed := map[string]bool{}
	for _, e := range events {
		switch e.Event.Action {
		case scenario.KillPop:
			killed[e.Event.Pop] = true
		case scenario.RestartPop:
			killed[e.Event.Pop] = false
		}
	}
	var out []string
	for _, p := range r.lab.Plan.Pops {
		if killed[p.Name] {
			continue
		}
		if running, err := r.lab.Running(p.Name); !running {
			out = append(out, fmt.Sprintf("%s (%v; see logs/%s.log)", p.Name, err, p.Name))
		}
	}
	return out
}

// settingsOf extracts the analysis settings from the first PoP's config.
func settingsOf(l *lab.Lab) report.Settings {
	c := l.Configs[0]
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return report.Settings{
		MaxHops: c.Path.MaxHops, ProbeIntervalMs: ms(c.Probe.Interval), PathProbeMs: ms(c.Overlay.ProbeInterval),
		JitterFactor: c.Path.JitterFactor, RetransmitMs: ms(c.Path.RetransmitPenalty), RelayCostMs: ms(c.Path.RelayCost),
		MaxLoss: c.Path.MaxLoss, HysteresisRelative: c.Path.HysteresisRelative,
		HysteresisAbsMs: ms(c.Path.HysteresisAbsolute), HysteresisHoldSec: c.Path.HysteresisHold.Seconds(),
	}
}

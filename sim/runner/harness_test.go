package runner

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argonet/argo/sim/fabric"
	"github.com/argonet/argo/sim/report"
	"github.com/argonet/argo/sim/scenario"
)

// This file holds the harness of the acceptance tests: they build argod,
// run generated scenarios with real argods in network namespaces (root
// only) and judge the reports independently of package report's own
// analysis where the issue asks for it.

var built struct {
	sync.Once
	dir, argod string
	err        error
}

func TestMain(m *testing.M) {
	fabric.MaybeForwarder() // the WAN emulator re-executes this test binary
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// argodBinary builds argod once per test binary.
func argodBinary(t *testing.T) string {
	t.Helper()
	built.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "argosim-test-bin-")
		if built.err != nil {
			return
		}
		built.argod = filepath.Join(built.dir, "argod")
		out, err := exec.Command("go", "build", "-o", built.argod, "github.com/argonet/argo/cmd/argod").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build argod: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.argod
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: runs argod in network namespaces, needs root")
	}
}

// logWriter sends the runner's log lines to t.Log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// runYAML runs a scenario given as YAML and returns it with its report. On
// failure the report's summary is logged and the report directory kept.
func runYAML(t *testing.T, y string) (*scenario.Scenario, *report.Report) {
	t.Helper()
	needRoot(t)
	s, err := scenario.Parse(t.Name()+".yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.MkdirTemp("", "argosim-"+strings.ReplaceAll(t.Name(), "/", "-")+"-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.Duration+2*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rep, err := Run(ctx, Options{Scenario: s, Argod: argodBinary(t), Out: out, Log: log, Source: []byte(y)})
	if err != nil {
		t.Fatalf("run: %v (report in %s)", err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("report kept in %s; summary:\n%s", out, strings.Join(rep.Summary, "\n"))
			return
		}
		os.RemoveAll(out)
	})
	return s, rep
}

// pathAt returns the path PoP pop used to dst at time at (seconds on the
// report's timeline), from the report's route histories.
func pathAt(rep *report.Report, pop, dst string, at float64) []string {
	for _, r := range rep.Routes {
		if r.Pop != pop || r.Dst != dst {
			continue
		}
		var p []string
		for _, c := range r.Changes {
			if c.AtSec > at {
				break
			}
			p = c.Path
		}
		return p
	}
	return nil
}

// emulatedCost is the cost argod should see for a path in matrix m,
// computed here independently of argod and of package report: the sum of
// each link's configured round-trip delay (the scenarios judged this way
// have neither jitter nor loss) plus the relay cost of 1 ms per relay.
// Inf if a link is down.
func emulatedCost(m scenario.Matrix, path []string) float64 {
	if len(path) < 2 {
		return math.Inf(1)
	}
	c := float64(len(path) - 2) // relay cost, ms
	for k := 1; k < len(path); k++ {
		i, _ := m.Index(path[k-1])
		j, _ := m.Index(path[k])
		if m.Down[i][j] || m.Down[j][i] {
			return math.Inf(1)
		}
		c += float64(m.Delay[i][j]+m.Delay[j][i]) / float64(time.Millisecond)
	}
	return c
}

// bestCost finds by brute force the cheapest loop-free path of at most
// maxHops links from -> to.
func bestCost(m scenario.Matrix, from, to string, maxHops int) ([]string, float64) {
	var best []string
	bestC := math.Inf(1)
	var walk func(path []string)
	walk = func(path []string) {
		last := path[len(path)-1]
		if last == to {
			if c := emulatedCost(m, path); c < bestC {
				best, bestC = append([]string(nil), path...), c
			}
			return
		}
		if len(path)-1 >= maxHops {
			return
		}
		for _, next := range m.Pops {
			if !slices.Contains(path, next) {
				walk(append(path, next))
			}
		}
	}
	walk([]string{from})
	return best, bestC
}

// checkConverged asserts that within 10 s of the argods' start (or at the
// start of the timeline, if that came first) every PoP's route to every
// other PoP is optimal for the emulated matrix. "Optimal" accepts any path
// whose cost is within argod's hysteresis margin of the optimum,
// max(2 ms, 10 % of the path's cost), plus 0.5 ms per link for what the
// emulator does not configure but a prober measures (veth hops, the
// forwarder's and argod's scheduling): argod keeps such a path by design,
// because it only switches to a path better by both margins.
func checkConverged(t *testing.T, s *scenario.Scenario, rep *report.Report) {
	t.Helper()
	at := math.Min(rep.ArgodStartSec+10, 0)
	m := s.Matrix()
	rel, abs := rep.Settings.HysteresisRelative, rep.Settings.HysteresisAbsMs
	bad := 0
	for _, a := range m.Pops {
		for _, b := range m.Pops {
			if a == b {
				continue
			}
			path := pathAt(rep, a, b, at)
			best, bc := bestCost(m, a, b, rep.Settings.MaxHops)
			c := emulatedCost(m, path)
			margin := math.Max(abs, rel*c) + 0.5*float64(len(path)-1)
			if math.IsInf(c, 1) || c-bc > margin {
				bad++
				t.Errorf("%.1f s after argod started, %s→%s uses %v (cost %.1f ms); optimum %v (%.1f ms), margin %.1f ms",
					at-rep.ArgodStartSec, a, b, path, c, best, bc, margin)
			}
		}
	}
	if bad == 0 {
		t.Logf("every route within the hysteresis margin of the optimum %.1f s after argod started", at-rep.ArgodStartSec)
	}
}

// flowEffects returns the per-flow effects of the report's event at index i.
func flowEffects(t *testing.T, rep *report.Report, i int) (report.Event, []report.EventFlow) {
	t.Helper()
	for _, e := range rep.Events {
		if e.Index == i {
			if e.Status != report.Applied {
				t.Fatalf("event %d %s %s: %s (%s)", i, e.Action, e.Target, e.Status, e.Note)
			}
			return e, e.Flows
		}
	}
	t.Fatalf("event %d missing from the report", i)
	return report.Event{}, nil
}

// p99 is the nearest-rank 99th percentile (the maximum below 100 samples).
func p99(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[int(math.Ceil(0.99*float64(len(s))))-1]
}

package des

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/argonet/argo/sim/matrix"
)

// TestDESScaling measures how the cost grows from 50 to 330 to 1000 PoPs
// (ARGO_BENCH=1; minutes of wall time) and extrapolates one hour of
// virtual time from the measured unit costs: CPU per probe (all probes of
// the run, publication checks included), wall time per periodic recompute
// (one per router per Recompute), and the route work of the cold start
// (everything else the route phase did, paid once). 50 and 330 PoPs come
// from the PlanetLab matrix, 1000 from a synthetic one (the real matrix has
// 490 hosts); at 1000 PoPs only 100 routers compute routes, since every
// engine keeps its last graph (17 MB at 1000 PoPs) and 1000 of those would
// not fit in memory during the cold start; the route part is scaled by 10.
func TestDESScaling(t *testing.T) {
	if os.Getenv("ARGO_BENCH") != "1" {
		t.Skip("benchmark: set ARGO_BENCH=1 (takes minutes)")
	}
	sizes := []struct {
		n, routers int
		t          time.Duration
	}{{50, 0, 10 * time.Minute}, {330, 0, 5 * time.Minute}, {1000, 100, 3 * time.Minute}}
	for _, sz := range sizes {
		var m *matrix.Matrix
		if sz.n <= 490 {
			m = planetlab(t, sz.n)
		} else {
			m = synthMatrix(t, sz.n, 1)
		}
		c := DefaultConfig()
		c.Slices = []*matrix.Matrix{m}
		c.Duration = sz.t
		c.Routers = sz.routers
		res, err := Run(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		logResult(t, res)
		cs := res.Cost
		routers := res.Settings.Routers
		scale := float64(sz.n) / float64(routers)
		probesHour := float64(sz.n*(sz.n-1)) * (time.Hour.Seconds() / c.Probe.Interval.Seconds())
		periodicMs := cs.RecomputeMsBy["periodic"]
		startRoute := cs.RouteCPUSeconds + cs.TruthCPUSeconds - float64(cs.RecomputesBy["periodic"])*periodicMs/1e3
		probeHour := probesHour * cs.ProbeCPUNs / 1e9
		routeHour := scale * (float64(routers)*(time.Hour.Seconds()/c.Recompute.Seconds())*periodicMs/1e3 + max(startRoute, 0))
		t.Logf("SCALING %4d PoPs: %.0f ns CPU per probe, %.2f ms per periodic recompute, cold-start route work %.1f CPU s (x%.0f); one hour: probes %.0f CPU s + routes %.0f CPU s = %.0f CPU s, about %.0f s of wall time on 2 idle cores; peak memory %.1f GiB",
			sz.n, cs.ProbeCPUNs, periodicMs, startRoute, scale, probeHour, routeHour, probeHour+routeHour, (probeHour+routeHour)/2,
			float64(cs.MaxRSSBytes)/(1<<30))
	}
}

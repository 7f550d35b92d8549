package des

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/argonet/argo/sim/matrix"
)

// TestDESScaling measures how the cost grows from 50 to 330 to 1000 PoPs
// (ARGO_BENCH=1; minutes of wall time). Each size runs twice, for T and
// 2T of virtual time; the difference is the steady cost of T (the first
// run also pays the cold start), from which one hour is extrapolated:
// cost(T) + cost of the remaining 3600 s at the steady rate. 50 and 330
// PoPs come from the PlanetLab matrix, 1000 from a synthetic one (the real
// matrix has 490 hosts); at 1000 PoPs only 100 routers compute routes
// (every engine keeps its last 17 MB graph: 1000 of them would not fit in
// memory), so the route part is scaled by 10 in the extrapolation.
func TestDESScaling(t *testing.T) {
	if os.Getenv("ARGO_BENCH") != "1" {
		t.Skip("benchmark: set ARGO_BENCH=1 (takes minutes)")
	}
	sizes := []struct {
		n, routers int
		t          time.Duration
	}{{50, 0, 5 * time.Minute}, {330, 0, 3 * time.Minute}, {1000, 100, 2 * time.Minute}}
	for _, sz := range sizes {
		var m *matrix.Matrix
		if sz.n <= 490 {
			m = planetlab(t, sz.n)
		} else {
			m = synthMatrix(t, sz.n, 1)
		}
		var p1, p2 [2]float64
		var probes [2]uint64
		for k, d := range []time.Duration{sz.t, 2 * sz.t} {
			c := DefaultConfig()
			c.Slices = []*matrix.Matrix{m}
			c.Duration = d
			c.Routers = sz.routers
			res, err := Run(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			logResult(t, res)
			cs := res.Cost
			probes[k] = cs.Probes
			p1[k] = cs.ProbeCPUSeconds
			p2[k] = cs.RouteCPUSeconds + cs.TruthCPUSeconds
		}
		rest := (time.Hour - sz.t).Seconds() / sz.t.Seconds()
		route := p2[0] + (p2[1]-p2[0])*rest
		if sz.routers > 0 {
			route *= float64(sz.n) / float64(sz.routers)
		}
		hour := p1[0] + (p1[1]-p1[0])*rest + route
		scale := 1
		if sz.routers > 0 {
			scale = sz.n / sz.routers
		}
		t.Logf("SCALING %4d PoPs: steady CPU per virtual minute: probes and publication %.2f s (%.0f ns per probe), routes %.2f s (x%d for all routers); one hour extrapolated: %.0f CPU s, %.0f s of wall time on 2 idle cores",
			sz.n, (p1[1]-p1[0])/sz.t.Minutes(), (p1[1]-p1[0])*1e9/float64(probes[1]-probes[0]),
			(p2[1]-p2[0])/sz.t.Minutes(), scale, hour, hour/2)
	}
}

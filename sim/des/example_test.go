package des_test

import (
	"context"
	"fmt"
	"time"

	"github.com/argonet/argo/sim/des"
	"github.com/argonet/argo/sim/matrix"
)

func ExampleRun() {
	// Four PoPs; the direct 0<->2 path (90 ms) loses to 0>1>2 (20 + 20 ms).
	m, err := matrix.New([][]float64{
		{0, 20, 90, 60},
		{20, 0, 20, 60},
		{90, 20, 0, 60},
		{60, 60, 60, 0},
	})
	if err != nil {
		panic(err)
	}
	c := des.DefaultConfig()
	c.Slices = []*matrix.Matrix{m}
	c.Duration = 3 * time.Minute
	c.Jitter = 0                    // noiseless probes
	c.RouteDelay = 10 * time.Second // first routes on settled link state: exactly optimal
	c.Events = []des.Event{{At: 2 * time.Minute, Action: des.NodeDown, Node: 1}}
	res, err := des.Run(context.Background(), c)
	if err != nil {
		panic(err)
	}
	e := res.Events[0]
	fmt.Printf("on an optimal path: %.0f%%\n", 100*res.Samples[10].OnOptimal)
	fmt.Printf("%s: every router around it within a second: %v\n", e.Event, *e.AllS < 1)
	// Output:
	// on an optimal path: 100%
	// 2m0s node_down 1: every router around it within a second: true
}

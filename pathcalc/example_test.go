package pathcalc_test

import (
	"fmt"
	"time"

	"github.com/argonet/argo/pathcalc"
	"github.com/prometheus/client_golang/prometheus"
)

func ExampleEngine() {
	ms := time.Millisecond
	nodes := []uint16{1, 2, 3}
	links := []pathcalc.Link{
		{From: 1, To: 2, RTT: 80 * ms, Up: true},
		{From: 1, To: 3, RTT: 20 * ms, Up: true},
		{From: 3, To: 2, RTT: 25 * ms, Up: true},
	}
	e, err := pathcalc.NewEngine(1, pathcalc.DefaultSettings(), nil, prometheus.NewRegistry())
	if err != nil {
		panic(err)
	}
	now := time.Unix(0, 0)
	if _, err := e.Update(nodes, links, now); err != nil {
		panic(err)
	}
	// The data plane reads the current table lock-free.
	r := e.Current().Route(2)
	fmt.Println(r.Primary, r.Reason)
	fmt.Println("backup:", r.Backups[0])

	// The relay's link fails: the route switches at once.
	links[2].Up = false
	t, _ := e.Update(nodes, links, now.Add(time.Second))
	fmt.Println(t.Route(2).Primary, t.Route(2).Reason)

	// An operator pin takes effect at the next Update or Recompute.
	links[2].Up = true
	if err := e.Pin(2, []uint16{3}); err != nil {
		panic(err)
	}
	t, _ = e.Update(nodes, links, now.Add(2*time.Second))
	fmt.Println(t.Route(2).Primary, t.Route(2).Reason, t.Route(2).Pinned)
	// Output:
	// 1>3>2 (46.00 ms) initial
	// backup: 1>2 (80.00 ms)
	// 1>2 (80.00 ms) primary down: link 3->2 down
	// 1>3>2 (46.00 ms) pinned true
}

package main

import (
	"fmt"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/argonet/argo/api"
)

// TestDrainTransit drains the relay of a route on a PoP without BGP: the
// other PoPs stop relaying through it at once and still reach it; after
// undrain, the route returns to the relay only after the hysteresis hold.
func TestDrainTransit(t *testing.T) {
	// The direct a<->c links cost 50 ms more, so a and c relay through b.
	c := newCluster(t, []string{"a", "b", "c"}, `path:
  bias:
    - {from: a, to: c, cost: 50ms}
    - {from: c, to: a, cost: 50ms}
`)
	for _, p := range c.pops {
		c.start(p)
	}
	a, b := c.pops[0], c.pops[1]
	viaB, direct := []string{"a", "b", "c"}, []string{"a", "c"}
	waitRoute := func(within time.Duration, want []string) {
		t.Helper()
		waitFor(t, within, fmt.Sprintf("a's route to c via %v", want), func() error {
			routes, err := c.paths(a)
			if err != nil {
				return err
			}
			if r := find(routes, "c"); !slices.Equal(r.Path, want) || !r.Reachable {
				return fmt.Errorf("route to c: %+v", r)
			}
			return nil
		})
	}
	waitRoute(10*time.Second, viaB)

	var st api.BGP
	if err := c.ctl(b, &st, "drain", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	drained := time.Now()
	waitRoute(2*time.Second, direct)
	t.Logf("a left the drained relay b after %v", time.Since(drained).Round(time.Millisecond))
	if err := c.ctl(b, &st, "bgp", "-o", "json"); err != nil || st.Drain != "drained" {
		t.Fatalf("argoctl bgp on b: %+v, %v", st, err)
	}
	routes, err := c.paths(a)
	if err != nil {
		t.Fatal(err)
	}
	if r := find(routes, "c"); r.Reason != "primary down: PoP 2 is draining (no transit)" {
		t.Fatalf("reason of the route to c: %q", r.Reason)
	}
	if r := find(routes, "b"); !slices.Equal(r.Path, []string{"a", "b"}) {
		t.Fatalf("the drained PoP is no longer reached directly: %+v", r)
	}
	table, _ := exec.Command(c.argctl, "--socket", a.sock, "paths").CombinedOutput()
	t.Logf("$ argoctl paths   # on a, b drained\n%s", table)

	// A restart keeps b drained: a never goes back through it.
	c.kill(b, syscall.SIGTERM)
	c.start(b)
	waitFor(t, 5*time.Second, "b up again and drained", func() error {
		if err := c.ctl(b, &st, "bgp", "-o", "json"); err != nil {
			return err
		}
		if st.Drain != "drained" {
			return fmt.Errorf("b after the restart: drain %q", st.Drain)
		}
		return nil
	})
	time.Sleep(3 * time.Second) // longer than the hysteresis hold
	waitRoute(time.Second, direct)

	if err := c.ctl(b, nil, "undrain"); err != nil {
		t.Fatal(err)
	}
	undrained := time.Now()
	waitRoute(10*time.Second, viaB)
	back := time.Since(undrained)
	t.Logf("back via b %v after undrain", back.Round(time.Millisecond))
	if back < 2*time.Second {
		t.Fatalf("back via b after %v: sooner than the 2 s hysteresis hold", back)
	}
}

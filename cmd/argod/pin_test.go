package main

import (
	"fmt"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/argonet/argo/api"
)

// TestPinPeersOverlay pins a route through a relay with argoctl, sends real
// traffic over the WireGuard backbone along it, and checks argoctl peers and
// unpin.
func TestPinPeersOverlay(t *testing.T) {
	c := newCluster(t, []string{"a", "b", "c"}, "")
	for _, p := range c.pops {
		c.start(p)
	}
	a := c.pops[0]
	waitFor(t, 10*time.Second, "full view", func() error {
		for _, p := range c.pops {
			if err := c.fullView(p); err != nil {
				return err
			}
		}
		return nil
	})

	var r api.Route
	if err := c.ctl(a, &r, "pin", "c", "via", "b", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	if !r.Pinned || !slices.Equal(r.Path, []string{"a", "b", "c"}) {
		t.Fatalf("after pin: %+v", r)
	}
	if err := c.ctl(a, nil, "pin", "c", "via", "nowhere"); err == nil {
		t.Fatal("pin via an unknown PoP was accepted")
	}
	if err := c.ctl(a, nil, "pin", "c", "through", "b"); err == nil {
		t.Fatal("malformed pin command was accepted")
	}

	// Real traffic over the backbone to c's overlay address, relayed by b.
	out, err := exec.Command("ip", "netns", "exec", a.ns, "ping", "-c", "5", "-i", "0.2", "-W", "2", "100.64.0.3").CombinedOutput()
	if err != nil {
		t.Fatalf("ping over the backbone: %v\n%s", err, out)
	}
	var peers []api.Peer
	waitFor(t, 3*time.Second, "peers show the pinned path and a handshake with c", func() error {
		if err := c.ctl(a, &peers, "peers", "-o", "json"); err != nil {
			return err
		}
		for _, p := range peers {
			if p.Name == "c" {
				if !slices.Equal(p.Path, []string{"a", "b", "c"}) || p.HandshakeAgeSec < 0 || p.RxBytes == 0 {
					return fmt.Errorf("peer c: %+v", p)
				}
				return nil
			}
		}
		return fmt.Errorf("no peer c in %+v", peers)
	})
	// argoctl paths shows the in-band probes' measured RTT beside the
	// computed cost of the pinned path.
	waitFor(t, 3*time.Second, "probe-measured RTT of the pinned path", func() error {
		routes, err := c.paths(a)
		if err != nil {
			return err
		}
		if r := find(routes, "c"); r.ProbeRTTMs == nil || *r.ProbeRTTMs <= 0 || r.ProbeLoss == nil {
			return fmt.Errorf("route to c without probe figures: %+v", r)
		}
		return nil
	})
	table, _ := exec.Command(c.argctl, "--socket", a.sock, "peers").CombinedOutput()
	t.Logf("$ argoctl peers\n%s", table)

	if err := c.ctl(a, &r, "unpin", "c", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	if r.Pinned {
		t.Fatalf("after unpin: %+v", r)
	}
}

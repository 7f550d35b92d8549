package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argonet/argo/api"
)

// xdpYAML returns an xdp config section with a pin root unique to the test.
// `ip netns exec` remounts /sys in a private mount namespace, so maps pinned
// under /sys/fs/bpf there would die with the process: the pin root is a
// bpffs of its own mounted outside /sys, which every argod of the test sees.
func xdpYAML(t *testing.T, mode string) string {
	needRoot(t)
	root := fmt.Sprintf("/run/argo-test-bpf-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if err := os.MkdirAll(root, 0o700); err != nil {
		t.Fatal(err)
	}
	sh(t, "mount", "-t", "bpf", "bpf", root)
	t.Cleanup(func() {
		exec.Command("umount", "-l", root).Run()
		os.Remove(root)
	})
	return fmt.Sprintf("xdp: {mode: %s, interface: eth0, zero_udp_checksum: true, keep_on_exit: true, pin_root: %s}\n", mode, root)
}

func (c *cluster) xdp(p *pop) (api.XDP, error) {
	var x api.XDP
	err := c.ctl(p, &x, "xdp", "-o", "json")
	return x, err
}

func xdpRelayed(x api.XDP) uint64 {
	var n uint64
	for _, ct := range x.Counters {
		if ct.Reason == "relay" {
			n += ct.Packets
		}
	}
	return n
}

// TestXDPRelay sends real WireGuard traffic from a to c pinned through b:
// with XDP, b's XDP program relays every packet and the userspace relay
// none; with XDP off the userspace relay carries the same traffic.
func TestXDPRelay(t *testing.T) {
	for _, mode := range []string{"generic", "off"} {
		t.Run(mode, func(t *testing.T) {
			c := newCluster(t, []string{"a", "b", "c"}, xdpYAML(t, mode))
			for _, p := range c.pops {
				c.start(p)
			}
			a, b, cc := c.pops[0], c.pops[1], c.pops[2]
			waitFor(t, 10*time.Second, "full view", func() error {
				for _, p := range c.pops {
					if err := c.fullView(p); err != nil {
						return err
					}
				}
				return nil
			})
			if err := c.ctl(a, nil, "pin", "c", "via", "b"); err != nil {
				t.Fatal(err)
			}
			if err := c.ctl(cc, nil, "pin", "a", "via", "b"); err != nil {
				t.Fatal(err)
			}
			before, err := c.xdp(b)
			if err != nil {
				t.Fatal(err)
			}
			if mode != "off" && before.Mode != mode {
				t.Fatalf("b runs XDP in mode %q (%s), want %s", before.Mode, before.Reason, mode)
			}
			out, err := exec.Command("ip", "netns", "exec", a.ns, "ping", "-c", "100", "-i", "0.01", "-W", "2", "-q", "100.64.0.3").CombinedOutput()
			if err != nil || !strings.Contains(string(out), " 0% packet loss") {
				t.Fatalf("ping a → c over the backbone via b: %v\n%s", err, out)
			}
			after, err := c.xdp(b)
			if err != nil {
				t.Fatal(err)
			}
			xdpN := xdpRelayed(after) - xdpRelayed(before)
			userN := after.Userspace.Relayed - before.Userspace.Relayed
			t.Logf("mode %s: 100 pings a → b → c: XDP relayed %d, userspace relayed %d", after.Mode, xdpN, userN)
			if mode == "off" {
				if after.Mode != "off" || userN < 200 || xdpN != 0 {
					t.Errorf("XDP off: want the userspace relay to carry >= 200 packets, got xdp %d user %d", xdpN, userN)
				}
				return
			}
			if xdpN < 200 || userN != 0 {
				t.Errorf("XDP %s: want >= 200 packets relayed by XDP and 0 by userspace, got xdp %d user %d", mode, xdpN, userN)
			}
		})
	}
}

// TestXDPBlocklistRestart blocks a's underlay address at b with argoctl and
// restarts b's argod while a keeps sending: no packet may get through at
// any moment of the restart.
func TestXDPBlocklistRestart(t *testing.T) {
	c := newCluster(t, []string{"a", "b"}, xdpYAML(t, "generic"))
	for _, p := range c.pops {
		c.start(p)
	}
	a, b := c.pops[0], c.pops[1]
	waitFor(t, 10*time.Second, "full view", func() error { return c.fullView(a) })
	if err := c.ctl(b, nil, "filter", "add", "198.18.100.1/32"); err != nil {
		t.Fatal(err)
	}
	if err := c.ctl(b, nil, "filter", "add", "198.18.100.1/33"); err == nil {
		t.Fatal("a bad prefix was accepted")
	}
	// ping runs 4 s at 50/s across a restart of b's argod.
	ping := exec.Command("ip", "netns", "exec", a.ns, "ping", "-c", "200", "-i", "0.02", "-W", "1", "198.18.100.2")
	var out strings.Builder
	ping.Stdout, ping.Stderr = &out, &out
	if err := ping.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	c.kill(b, syscall.SIGTERM)
	time.Sleep(500 * time.Millisecond)
	c.start(b)
	ping.Wait()
	if !strings.Contains(out.String(), " 0 received") {
		t.Fatalf("blocked pings got through during the restart:\n%s", out.String())
	}
	var fs []api.Filter
	waitFor(t, 5*time.Second, "blocklist after restart", func() error {
		if err := c.ctl(b, &fs, "filter", "list", "-o", "json"); err != nil {
			return err
		}
		if len(fs) != 1 || fs[0].Prefix != "198.18.100.1/32" || fs[0].Hits == 0 {
			return fmt.Errorf("filters %+v", fs)
		}
		return nil
	})
	t.Logf("blocklist kept across the restart: %+v", fs)
	if err := c.ctl(b, nil, "filter", "del", "198.18.100.1/32"); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ip", "netns", "exec", a.ns, "ping", "-c", "3", "-i", "0.2", "-W", "1", "198.18.100.2").CombinedOutput(); err != nil {
		t.Fatalf("after filter del: %v\n%s", err, out)
	}
}

package xdp

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// The netns helpers below are written so that later integration tests (for
// example real WireGuard through argod) can build on them: each namespace
// is named (ip netns exec works), every name carries the pid and a random
// suffix, and everything is removed by t.Cleanup even when the test fails.

// needRoot skips t unless it runs as root.
func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces and loads BPF programs")
	}
}

// uniq returns a short unique suffix for names of shared kernel objects.
func uniq() string {
	b := make([]byte, 3)
	rand.Read(b)
	return fmt.Sprintf("%d%s", os.Getpid()%100000, hex.EncodeToString(b))
}

// testNS is a named network namespace owned by one test.
type testNS struct {
	name string
	h    netns.NsHandle
	nl   *netlink.Handle
}

// newNS creates a namespace with lo up; t.Cleanup deletes it.
func newNS(t testing.TB, tag string) *testNS {
	t.Helper()
	name := "axdp-" + tag + "-" + uniq()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatalf("get netns: %v", err)
	}
	defer orig.Close()
	h, err := netns.NewNamed(name) // switches this thread into it
	if serr := netns.Set(orig); serr != nil {
		panic(fmt.Sprintf("cannot return to the original netns: %v", serr))
	}
	if err != nil {
		t.Fatalf("create netns %s: %v", name, err)
	}
	n := &testNS{name: name, h: h}
	t.Cleanup(func() {
		if n.nl != nil {
			n.nl.Close()
		}
		h.Close()
		netns.DeleteNamed(name)
	})
	if n.nl, err = netlink.NewHandleAt(h); err != nil {
		t.Fatalf("netlink handle in %s: %v", name, err)
	}
	lo, err := n.nl.LinkByName("lo")
	if err == nil {
		err = n.nl.LinkSetUp(lo)
	}
	if err != nil {
		t.Fatalf("%s: lo up: %v", name, err)
	}
	return n
}

// do runs fn on an OS thread inside the namespace.
func (n *testNS) do(fn func() error) error {
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	if err := netns.Set(n.h); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("enter %s: %w", n.name, err)
	}
	defer func() {
		if err := netns.Set(orig); err != nil {
			return // keep the thread locked: it dies with the goroutine
		}
		runtime.UnlockOSThread()
	}()
	return fn()
}

// must runs fn in the namespace and fails t on error.
func (n *testNS) must(t testing.TB, fn func() error) {
	t.Helper()
	if err := n.do(fn); err != nil {
		t.Fatalf("in %s: %v", n.name, err)
	}
}

// sysctl writes a sysctl (dotted name) inside the namespace.
func (n *testNS) sysctl(t testing.TB, key, val string) {
	t.Helper()
	path := filepath.Join("/proc/sys", filepath.FromSlash(replaceDots(key)))
	n.must(t, func() error { return os.WriteFile(path, []byte(val), 0o644) })
}

func replaceDots(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '.' {
			b[i] = '/'
		}
	}
	return string(b)
}

// cmd returns a command that runs inside the namespace (ip netns exec).
func (n *testNS) cmd(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.name, name}, args...)...)
}

// link returns the named interface of the namespace.
func (n *testNS) link(t testing.TB, name string) netlink.Link {
	t.Helper()
	l, err := n.nl.LinkByName(name)
	if err != nil {
		t.Fatalf("%s: link %s: %v", n.name, name, err)
	}
	return l
}

// veth connects a (interface an) and b (interface bn), brings both ends up
// and assigns the given addresses (invalid prefix: none). It returns the
// two ends.
func veth(t testing.TB, a *testNS, an string, aAddr netip.Prefix, b *testNS, bn string, bAddr netip.Prefix) (netlink.Link, netlink.Link) {
	t.Helper()
	v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: an}, PeerName: bn, PeerNamespace: netlink.NsFd(b.h)}
	if err := a.nl.LinkAdd(v); err != nil {
		t.Fatalf("veth %s/%s - %s/%s: %v", a.name, an, b.name, bn, err)
	}
	la, lb := a.link(t, an), b.link(t, bn)
	for _, e := range []struct {
		ns   *testNS
		l    netlink.Link
		addr netip.Prefix
	}{{a, la, aAddr}, {b, lb, bAddr}} {
		if e.addr.IsValid() {
			nla := &netlink.Addr{IPNet: &net.IPNet{IP: e.addr.Addr().AsSlice(), Mask: net.CIDRMask(e.addr.Bits(), e.addr.Addr().BitLen())}}
			if err := e.ns.nl.AddrAdd(e.l, nla); err != nil {
				t.Fatalf("%s: addr %s on %s: %v", e.ns.name, e.addr, e.l.Attrs().Name, err)
			}
		}
		if err := e.ns.nl.LinkSetUp(e.l); err != nil {
			t.Fatalf("%s: up %s: %v", e.ns.name, e.l.Attrs().Name, err)
		}
	}
	return a.link(t, an), b.link(t, bn)
}

// neigh adds a permanent neighbour entry for ip on l.
func (n *testNS) neigh(t testing.TB, l netlink.Link, ip netip.Addr, mac net.HardwareAddr) {
	t.Helper()
	err := n.nl.NeighSet(&netlink.Neigh{LinkIndex: l.Attrs().Index, State: netlink.NUD_PERMANENT,
		IP: ip.AsSlice(), HardwareAddr: mac, Family: netlink.FAMILY_V4})
	if err != nil {
		t.Fatalf("%s: neighbour %s on %s: %v", n.name, ip, l.Attrs().Name, err)
	}
}

// route adds a route to dst via gw.
func (n *testNS) route(t testing.TB, dst netip.Prefix, gw netip.Addr) {
	t.Helper()
	r := &netlink.Route{Dst: &net.IPNet{IP: dst.Addr().AsSlice(), Mask: net.CIDRMask(dst.Bits(), 32)}, Gw: gw.AsSlice()}
	if err := n.nl.RouteAdd(r); err != nil {
		t.Fatalf("%s: route %s via %s: %v", n.name, dst, gw, err)
	}
}

// tempPinRoot returns a pin root on bpffs that t.Cleanup removes.
func tempPinRoot(t testing.TB) string {
	t.Helper()
	root := filepath.Join(bpffsMount, "argo-test-"+uniq())
	if err := ensurePinDir(root, discardLog()); err != nil {
		t.Fatalf("pin root: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	return root
}

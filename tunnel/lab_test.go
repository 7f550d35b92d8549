package tunnel

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/curve25519"
)

// lab builds network namespaces for one test. Names carry the pid and a
// random suffix so that parallel test processes never collide; everything
// is removed by t.Cleanup, also when the test fails.
type lab struct {
	t   *testing.T
	id  string
	dir string
}

func newLab(t *testing.T) *lab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to create network namespaces")
	}
	for _, bin := range []string{"ip"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("skipping: %s not installed", bin)
		}
	}
	return &lab{t: t, id: fmt.Sprintf("%d%03x", os.Getpid()%100000, mrand.IntN(0xfff)), dir: t.TempDir()}
}

// sh runs a command and fails the test with its output on error.
func (l *lab) sh(args ...string) string {
	l.t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		l.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// in runs a command inside namespace ns.
func (l *lab) in(ns string, args ...string) string {
	l.t.Helper()
	return l.sh(append([]string{"ip", "netns", "exec", ns}, args...)...)
}

// ns creates a namespace with lo up and returns its name.
func (l *lab) ns(short string) string {
	l.t.Helper()
	name := "tun" + short + l.id
	l.sh("ip", "netns", "add", name)
	l.t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	l.sh("ip", "-n", name, "link", "set", "lo", "up")
	return name
}

// nsPath is the file of a named namespace.
func nsPath(ns string) string { return "/var/run/netns/" + ns }

// veth connects ifA in nsA (address addrA, may be "") to ifB in nsB.
func (l *lab) veth(nsA, ifA, addrA, nsB, ifB, addrB string) {
	l.t.Helper()
	l.sh("ip", "-n", nsA, "link", "add", ifA, "type", "veth", "peer", "name", ifB, "netns", nsB)
	for _, x := range [][3]string{{nsA, ifA, addrA}, {nsB, ifB, addrB}} {
		if x[2] != "" {
			l.sh("ip", "-n", x[0], "addr", "add", x[2], "dev", x[1])
		}
		l.sh("ip", "-n", x[0], "link", "set", x[1], "up")
	}
}

// bridge creates a bridge in ns and returns a function attaching a new
// namespace to it: port iface in the joining namespace gets addr.
func (l *lab) bridge(ns string) func(port, joinNS, iface, addr string) {
	l.sh("ip", "-n", ns, "link", "add", "br0", "type", "bridge")
	l.sh("ip", "-n", ns, "link", "set", "br0", "up")
	return func(port, joinNS, iface, addr string) {
		l.veth(ns, port, "", joinNS, iface, addr)
		l.sh("ip", "-n", ns, "link", "set", port, "master", "br0")
	}
}

// start runs a long-lived command in ns, killed at cleanup.
func (l *lab) start(ns string, env []string, args ...string) *exec.Cmd {
	l.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		l.t.Fatalf("start %v: %v", args, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	l.t.Cleanup(func() {
		cancel()
		<-done
		if l.t.Failed() && out.Len() > 0 {
			l.t.Logf("output of %v:\n%s", args, out)
		}
	})
	return cmd
}

// key creates a WireGuard key pair and returns the private key file (mode
// 0600) and the base64 public key.
func (l *lab) key(name string) (file, pub string) {
	l.t.Helper()
	var priv [32]byte
	if _, err := rand.Read(priv[:]); err != nil {
		l.t.Fatal(err)
	}
	priv[0] &= 248
	priv[31] = (priv[31] & 127) | 64
	p, err := curve25519.X25519(priv[:], curve25519.Basepoint)
	if err != nil {
		l.t.Fatal(err)
	}
	file = filepath.Join(l.dir, name+".key")
	if err := os.WriteFile(file, []byte(base64.StdEncoding.EncodeToString(priv[:])+"\n"), 0o600); err != nil {
		l.t.Fatal(err)
	}
	return file, base64.StdEncoding.EncodeToString(p)
}

// listenUDP opens a UDP socket inside namespace ns.
func (l *lab) listenUDP(ns, addr string) *net.UDPConn {
	l.t.Helper()
	h, err := openNS(nsPath(ns))
	if err != nil {
		l.t.Fatal(err)
	}
	defer h.close()
	var c *net.UDPConn
	err = h.do(func() error {
		var err error
		c, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
		return err
	})
	if err != nil {
		l.t.Fatalf("listen %s in %s: %v", addr, ns, err)
	}
	l.t.Cleanup(func() { c.Close() })
	return c
}

// eventually polls cond until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

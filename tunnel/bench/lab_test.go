package bench

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/curve25519"

	"github.com/argonet/argo/tunnel"
)

// lab creates uniquely named namespaces and removes them at cleanup.
type lab struct {
	t   *testing.T
	id  string
	dir string
}

func newLab(t *testing.T) *lab {
	if os.Getenv("ARGO_BENCH") != "1" {
		t.Skip("skipping: set ARGO_BENCH=1 to run the performance measurements")
	}
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to create network namespaces")
	}
	for _, bin := range []string{"ip", "iperf3", "wireguard-go", "wg"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("skipping: %s not installed", bin)
		}
	}
	return &lab{t: t, id: fmt.Sprintf("%d%03x", os.Getpid()%100000, mrand.IntN(0xfff)), dir: t.TempDir()}
}

func (l *lab) sh(args ...string) string {
	l.t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		l.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (l *lab) in(ns string, args ...string) string {
	l.t.Helper()
	return l.sh(append([]string{"ip", "netns", "exec", ns}, args...)...)
}

func (l *lab) ns(short string) string {
	name := "tbn" + short + l.id
	l.sh("ip", "netns", "add", name)
	l.t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	l.sh("ip", "-n", name, "link", "set", "lo", "up")
	return name
}

func (l *lab) veth(nsA, ifA, addrA, nsB, ifB, addrB string) {
	l.sh("ip", "-n", nsA, "link", "add", ifA, "type", "veth", "peer", "name", ifB, "netns", nsB)
	for _, x := range [][3]string{{nsA, ifA, addrA}, {nsB, ifB, addrB}} {
		l.sh("ip", "-n", x[0], "addr", "add", x[2], "dev", x[1])
		l.sh("ip", "-n", x[0], "link", "set", x[1], "up")
	}
}

func (l *lab) start(ns string, env []string, args ...string) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		cancel()
		l.t.Fatalf("start %v: %v", args, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	l.t.Cleanup(func() { cancel(); <-done })
}

func (l *lab) key(name string) (file, pub string) {
	var priv [32]byte
	rand.Read(priv[:])
	priv[0] &= 248
	priv[31] = (priv[31] & 127) | 64
	p, err := curve25519.X25519(priv[:], curve25519.Basepoint)
	if err != nil {
		l.t.Fatal(err)
	}
	file = filepath.Join(l.dir, name+".key")
	if err := os.WriteFile(file, []byte(base64.StdEncoding.EncodeToString(priv[:])), 0o600); err != nil {
		l.t.Fatal(err)
	}
	return file, base64.StdEncoding.EncodeToString(p)
}

// pop describes one backbone PoP for newBackbones.
type pop struct {
	id       uint16
	ns       string
	underlay string // address on the underlay, no prefix
}

// newBackbones starts a Backbone in every PoP's namespace, all peers of
// each other, overlay address 100.64.9.<id>/10, probes off.
func (l *lab) newBackbones(pops []pop) map[uint16]*tunnel.Backbone {
	keys := map[uint16][2]string{}
	for _, p := range pops {
		f, pub := l.key(fmt.Sprintf("bb%d", p.id))
		keys[p.id] = [2]string{f, pub}
	}
	out := map[uint16]*tunnel.Backbone{}
	for _, p := range pops {
		var peers []tunnel.Peer
		for _, q := range pops {
			if q.id != p.id {
				peers = append(peers, tunnel.Peer{ID: q.id, PublicKey: keys[q.id][1],
					Underlay: netip.AddrPortFrom(netip.MustParseAddr(q.underlay), tunnel.DefaultPort),
					Address:  netip.MustParseAddr(fmt.Sprintf("100.64.9.%d", q.id))})
			}
		}
		b, err := tunnel.New(tunnel.Config{ID: p.id, Interface: fmt.Sprintf("bb%d", p.id), PrivateKeyFile: keys[p.id][0],
			Address: netip.MustParsePrefix(fmt.Sprintf("100.64.9.%d/10", p.id)), Peers: peers,
			NetNS: "/var/run/netns/" + p.ns, Probe: tunnel.ProbeConfig{Interval: -1}},
			slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
		if err != nil {
			l.t.Fatal(err)
		}
		l.t.Cleanup(func() { b.Close() })
		out[p.id] = b
	}
	return out
}

// waitPing pings dst from ns until it answers.
func (l *lab) waitPing(ns, dst string) {
	deadline := time.Now().Add(15 * time.Second)
	for exec.Command("ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "1", dst).Run() != nil {
		if time.Now().After(deadline) {
			l.t.Fatalf("no ping reply from %s in %s", dst, ns)
		}
	}
}

// iperf runs an iperf3 TCP test from ns to dst (server already running)
// and returns the received bit rate.
func (l *lab) iperf(ns, dst string, port int, secs int) float64 {
	out := l.in(ns, "iperf3", "-c", dst, "-p", fmt.Sprint(port), "-t", fmt.Sprint(secs), "-J")
	var res struct {
		End struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		l.t.Fatalf("iperf3 output: %v\n%s", err, out)
	}
	return res.End.SumReceived.BitsPerSecond
}

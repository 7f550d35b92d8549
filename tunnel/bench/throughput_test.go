package bench

import (
	"fmt"
	"os"
	"testing"
)

// TestThroughputVsStockWireGuard compares iperf3 TCP throughput between two
// namespaces on one veth pair: over the argo backbone (direct path) and
// over Debian's wireguard-go, alternating three times.
func TestThroughputVsStockWireGuard(t *testing.T) {
	l := newLab(t)
	x, y := l.ns("X"), l.ns("Y")
	l.veth(x, "v0", "198.19.80.1/24", y, "v0", "198.19.80.2/24")
	l.newBackbones([]pop{{1, x, "198.19.80.1"}, {2, y, "198.19.80.2"}})

	// Stock wireguard-go on the same veth pair.
	kx, px := l.key("wgx")
	ky, py := l.key("wgy")
	names := map[string]string{x: "wsx" + l.id, y: "wsy" + l.id}
	for ns, name := range names {
		if len(name) > 15 {
			names[ns] = name[:15]
		}
	}
	for _, s := range []struct{ ns, key, peer, peerAddr, addr string }{
		{x, kx, py, "198.19.80.2", "100.127.0.1/24"}, {y, ky, px, "198.19.80.1", "100.127.0.2/24"},
	} {
		name := names[s.ns]
		l.start(s.ns, []string{"WG_PROCESS_FOREGROUND=1"}, "wireguard-go", "-f", name)
		sock := "/var/run/wireguard/" + name + ".sock"
		t.Cleanup(func() { os.Remove(sock) })
		for i := 0; i < 100; i++ {
			if _, err := os.Stat(sock); err == nil {
				break
			}
			l.sh("sleep", "0.05")
		}
		l.in(s.ns, "wg", "set", name, "private-key", s.key, "listen-port", "51830",
			"peer", s.peer, "endpoint", s.peerAddr+":51830", "allowed-ips", "100.127.0.0/24")
		l.sh("ip", "-n", s.ns, "addr", "add", s.addr, "dev", name)
		l.sh("ip", "-n", s.ns, "link", "set", name, "mtu", "1420", "up")
	}
	l.start(y, nil, "iperf3", "-s", "-p", "5301")
	l.waitPing(x, "100.64.9.2")
	l.waitPing(x, "100.127.0.2")

	var argo, stock float64
	const rounds, secs = 3, 4
	for i := 0; i < rounds; i++ {
		a := l.iperf(x, "100.64.9.2", 5301, secs)
		s := l.iperf(x, "100.127.0.2", 5301, secs)
		t.Logf("round %d: argo backbone %.0f Mbit/s, stock wireguard-go %.0f Mbit/s", i+1, a/1e6, s/1e6)
		argo += a / rounds
		stock += s / rounds
	}
	fmt.Printf("THROUGHPUT argo backbone %.0f Mbit/s, stock wireguard-go %.0f Mbit/s, ratio %.2fx\n", argo/1e6, stock/1e6, argo/stock)
}

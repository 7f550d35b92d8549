// Package bench holds the tunnel package's end-to-end performance
// measurements, run in network namespaces as root and only when
// ARGO_BENCH=1 (they take about a minute and want an idle machine):
//
//	ARGO_BENCH=1 go test -v -count=1 ./tunnel/bench/
//
// TestThroughputVsStockWireGuard runs iperf3 TCP between two namespaces over
// the argo backbone and over Debian's stock wireguard-go on the same veth
// pair, alternating, and prints the ratio. TestRelay measures the userspace
// relay's packet rate at one relay and the latency it adds (p50/p99 of UDP
// round trips over the backbone, relayed against direct).
//
// The package has no code besides its tests; it must not be imported.
package bench

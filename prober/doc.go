// Package prober measures round-trip time, loss, jitter and up/down state
// to every peer PoP.
//
// It has two layers:
//
//   - Tracker is a deterministic, clock-free statistics engine. It is fed
//     explicit events (Sent, Received, SendFailed, Expire) carrying their
//     own timestamps and never reads the clock, so it behaves identically in
//     unit tests, in the live prober and in a discrete-event simulator
//     running in virtual time.
//   - Prober runs the live measurement: per peer, a continuous privileged
//     ICMP echo (github.com/prometheus-community/pro-bing) measuring the
//     underlay, and optionally a daemon liveness echo sent through an
//     EchoTransport (the overlay path probe answered by the peer's argod).
//     Each feeds its own Tracker.
//
// A peer is up when its ICMP tracker is up and, when an echo transport is
// set, its echo tracker is up too: a peer whose kernel still answers ICMP
// while its argod is dead (kill -9) is down. The published measurements
// (RTT, jitter, loss) come from ICMP only, because ICMP is answered by the
// peer's kernel and measures the underlay link itself, whereas the echo
// reply waits for the peer's userspace daemon and would add its scheduling
// delay to every link metric.
//
// Timing with DefaultSettings (interval 200 ms, DownAfter 3, UpAfter 3,
// timeout clamp(2*SRTT + 4*jitter, 200 ms, 1 s)): a low-RTT peer that dies
// loses the probes sent in the next 3 intervals, and the last of them
// expires one MinTimeout after it was sent, so the peer is marked down at
// most 800 ms after its death (TestDetectionWithinOneSecond sweeps the
// phase of the death). A 300 ms RTT link keeps a timeout of at least
// 600 ms, so its replies are never late and it does not flap
// (TestNoFlapOn300msLink). While a peer is down its probes wait the full
// MaxTimeout, so a link whose RTT jumped comes back up.
//
// The package must not decide routes, weigh links or gossip: it only
// measures and reports (Snapshot, Changes, Prometheus metrics). It never
// uses the global Prometheus registry or the global slog logger, and its
// Tracker never calls time.Now.
package prober

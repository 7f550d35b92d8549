// Package des is argosim's discrete-event mode: it simulates the control
// planes of hundreds of argod instances, one per PoP of an RTT matrix, in
// virtual time, running the project's own code for every decision:
//
//   - prober.Tracker: every probe of every directed link (200 ms apart by
//     default) is fed to a real Tracker in time order (send, reply or
//     expiry). A probe's RTT is the matrix RTT times 1 + Jitter*X, X
//     exponential with mean 1 (so the RFC 3550 jitter argod measures is
//     Jitter times the RTT); it is lost with the link's loss probability,
//     or always when the link or either PoP is down. Replies later than the
//     Tracker's timeout are not simulated (the Tracker would only count
//     them as late).
//   - linkstate: every Check each PoP builds its link table from its
//     trackers as argod does (SRTT, jitter, loss, up) and runs
//     linkstate.Significant against its last broadcast; an up/down change
//     is published at once (at most once per Tick). The publish rule is
//     linkstate.Gossip's (significant change or Refresh), reimplemented in
//     publish.go because Gossip is bound to memberlist; see GossipModel for
//     the delivery delays. Every PoP keeps a linkstate.Store fed with the
//     versions delivered to it (origin and version only: the links of a
//     version are kept once, shared, since every PoP would hold the same
//     copy), with its TTL, and membership removes crashed PoPs after
//     memberlist's suspicion timeout.
//   - pathcalc.Engine: each PoP's engine is updated from its store as
//     argod builds its graph, with hysteresis, backups and failover.
//
// What differs from argod, and why (the costs are in the package tests):
//
//   - argod recomputes routes every 100 ms tick. Here a PoP recomputes at
//     once (at most once per Tick) when a table arrives, or its own
//     trackers change, in a way that may break or restore its routes: a
//     link one of its primary paths uses died or got much worse (Urgency),
//     or a link came up or got much better while it lacks a route to some
//     PoP it knows; Hold later it reruns its engine so that hysteresis can
//     conclude; and every Recompute all PoPs recompute. The periodic
//     recompute uses, for each origin, the newest table that has reached
//     every PoP, so that one graph serves every PoP whose own store holds
//     nothing urgent beyond it. Improvements (a path that became better)
//     are therefore adopted within Recompute plus Hold, not Hold.
//   - argod publishes its table every tick; here every Check (the
//     significant-change rule then compares at that granularity).
//   - Trackers keep one RTT sample instead of argod's window: only
//     SRTT, jitter, loss and up are published, and the percentiles, the
//     only users of the window, cost most of a Stats call.
//   - Gossip delays are modelled, not emulated; the echo (daemon liveness)
//     probe is not simulated, only the ICMP one.
//
// The result compares every PoP's routes, every Sample, with the optimum
// that pathcalc computes from perfectly measured links (truth.go): the
// share of pairs on an optimal path, the stretch and the gain retained over
// the direct paths; it counts route changes per pair per hour, measures
// how long every router takes to route around each failure, and the gossip
// traffic each PoP sends and receives. Run is deterministic for a Seed,
// whatever Workers and Batch.
//
// What the package must not do: open sockets, touch the network or the
// system, read the clock for anything but its own cost figures, use the
// global slog logger or the default Prometheus registry, or copy the logic
// of prober, linkstate or pathcalc (it calls them).
package des

// Package bgp announces the shared anycast prefixes of a PoP to its local
// routers with an embedded GoBGP speaker, and learns the origin prefixes
// that those routers announce to it.
//
// A Speaker announces the anycast prefixes only while the PoP is healthy:
// SetHealth(false) withdraws them at once, SetHealth(true) announces them
// again only after the PoP has stayed healthy for Config.HoldDown (flap
// protection). An operator can drain the PoP: the prefixes are re-announced
// with the local AS prepended Config.DrainPrepend times and the GRACEFUL_SHUTDOWN
// community (RFC 8326), and withdrawn after Config.DrainGrace. The drain
// state is persisted in Config.StateFile so that a restart keeps a drained
// PoP drained. Shutdown withdraws everything and waits until the
// neighbours' TCP stacks have acknowledged the withdrawal before it closes
// the sessions.
//
// Routes learned from neighbours marked LearnOrigins are reported through
// LearnedPrefixes and OnLearned; they are never re-advertised to anyone (the
// export policy only lets locally originated anycast prefixes out), and
// routes from other neighbours are rejected on import.
//
// The package must not touch the kernel routing table, must not start
// GoBGP's gRPC API, must not register anything in the global Prometheus
// registry and must not log through a global logger: it takes a
// *slog.Logger and a prometheus.Registerer. Health is decided by argod; this
// package only acts on it.
package bgp

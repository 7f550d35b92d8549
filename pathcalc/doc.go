// Package pathcalc computes, from this PoP to every other PoP, the best overlay
// path and its precomputed backups over the measured link graph, applies
// hysteresis, and publishes an immutable route table that the data plane reads
// through an atomic pointer.
//
// The pipeline is:
//
//	[]Link --NewGraph--> *Graph (dense, implements gonum's graph.WeightedDirected)
//	       --Engine.Update--> exact hop-limited search + backups + hysteresis
//	       --> *Table (immutable, swapped in atomically; Engine.Current)
//
// Edge cost is an effective latency in milliseconds (see Weights); path cost is
// the sum of its edge costs plus Weights.RelayCostMs per relay. For every
// destination the package finds the exact minimum-cost path with at most
// MaxHops links (1..4, the overlay header's limit), backup A (the best path
// whose first link differs from the primary's), backup B (the best path that
// avoids every relay of the primary; equal to A when the primary is direct)
// and backup C (the best path whose first link differs from both the primary's
// and A's). Ties are broken by fewer hops, then by the lexicographically lowest
// node-id sequence.
//
// The search (solver.go) is a hop-limited Bellman-Ford over the dense cost
// matrix that keeps, per node and hop budget, the best path for each of the
// three best distinct first hops. That yields the primary and backups A and C
// exactly, and backup B exactly for MaxHops <= 3 (the prefix of such a path to
// its last relay has only its first hop as relay). For MaxHops = 4, backup B
// is one extra hop-limited search per distinct relay set, O(n^2) each, so
// O(n^3) in the worst case. Paths reported down are excluded exactly with
// Yen's k-shortest-paths (hop-limited spurs) for the destinations concerned.
// Everything is property-tested against exhaustive enumeration.
//
// What this package must not do: it performs no I/O, opens no sockets, starts
// no goroutines, never uses the global slog logger or the default Prometheus
// registry, and never mutates a Table after publishing it. Readers of a Table
// never lock and never allocate. Invalid input (links, settings, pins, path
// reports) is rejected with an error naming the field at fault and leaves the
// engine's state unchanged.
package pathcalc

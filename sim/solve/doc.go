// Package solve runs argo's path computation (pathcalc) on an RTT matrix for
// every source PoP, exactly as a freshly started argod would on a network
// whose measured links are the matrix entries (no jitter, no loss), and
// summarises how much the overlay gains over the direct paths: the share of
// pairs improved by more than 10 %, mean costs and gain quantiles. It backs
// `argosim solve`.
//
// Matrix row i is PoP id i. Edge costs and path costs are pathcalc's
// (Weights with the chosen relay cost; jitter and loss are zero here), so a
// path cost is the sum of the RTTs plus the relay cost per relay.
//
// What the package must not do: it does not reimplement the search (every
// path comes from pathcalc.Compute), touches no network and writes only to
// the writers it is given.
package solve

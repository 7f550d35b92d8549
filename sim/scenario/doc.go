// Package scenario reads and checks argosim scenario files: the PoPs, the
// emulated WAN links between them, clients, origins, traffic flows and a
// timeline of events (link changes and cuts, PoPs killed, restarted,
// drained). It also computes the configured delay matrix at any point of the
// timeline and, independently of pathcalc, the optimal path by delay, so
// that tests can judge argod's choices.
//
// Files are strict YAML: unknown keys, anchors, aliases and several
// documents are rejected; every error names file:line and the field. It
// must not touch the network or run anything: it only parses and computes.
package scenario

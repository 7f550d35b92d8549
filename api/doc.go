// Package api defines argod's local control API: the JSON documents that
// argod serves over its unix socket and a small client that argoctl uses to
// fetch them.
//
// Everything here is plain data and HTTP plumbing. The package must not
// import argod's subsystems (prober, pathcalc, ...): argod converts its state
// into these types, so the wire format stays stable when internals change.
package api

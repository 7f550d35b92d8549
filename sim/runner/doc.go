// Package runner carries out one argosim run: it builds the world of a
// scenario (package lab), starts one real argod per PoP, waits until the
// routes have settled, measures every flow (package flow) through the
// overlay and directly over the emulated Internet, plays the scenario's
// timeline (link changes and cuts through the fabric, argod killed and
// restarted, drains through argod's API), polls the routes the PoPs use,
// prints a live table, tears everything down and builds the report
// (package report).
//
// Run tears down on every exit path: normal end, error, and cancellation
// of its context (argosim cancels it on SIGINT and SIGTERM). If the process
// itself dies, the run's namespaces, processes and files are what
// lab.CleanStale removes, and the next Run calls it first.
//
// What it must not do: change argod's behaviour (it only reads argod's
// API, except for drain and undrain events), touch anything outside the
// run's own namespaces and work directory, or judge the results (package
// report does).
package runner

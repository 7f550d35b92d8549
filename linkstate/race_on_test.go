//go:build race

package linkstate

// slack stretches timing bounds in tests: the race detector slows memberlist
// down several times.
const slack = 3

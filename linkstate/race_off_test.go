//go:build !race

package linkstate

// slack stretches timing bounds in tests (see race_on_test.go).
const slack = 1

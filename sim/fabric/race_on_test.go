//go:build race

package fabric

// raceEnabled: under the race detector the forwarder process (this test
// binary) runs several times slower, so throughput and timing tests skip.
const raceEnabled = true

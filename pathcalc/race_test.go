//go:build race

package pathcalc

// raceEnabled lets heavy tests shrink under the race detector.
const raceEnabled = true

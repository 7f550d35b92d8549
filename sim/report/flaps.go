package report

import (
	"slices"
	"time"
)

// flapWindow: a route that returns to the path it left less than this long
// ago, with no event in between, flapped.
const flapWindow = 10 * time.Second

// eventGrace: a route change this soon before an event is still counted
// as explained by it (the event's own timestamp is taken after it took
// effect).
const eventGrace = time.Second

// changesAndFlaps counts the changes of h in [0, end] and the flaps among
// them (A → B → A within flapWindow, no event between the two changes).
func changesAndFlaps(h hist, end time.Duration, events []time.Duration) (changes, flaps int) {
	var prev []span // the changes so far, including the state at 0
	for _, s := range h {
		if s.at > end {
			break
		}
		if s.at <= 0 {
			prev = append(prev[:0], s)
			continue
		}
		changes++
		if n := len(prev); n >= 2 {
			before, last := prev[n-2], prev[n-1]
			if slices.Equal(s.path, before.path) && s.at-last.at < flapWindow && !eventBetween(events, last.at-eventGrace, s.at) {
				flaps++
			}
		}
		prev = append(prev, s)
	}
	return changes, flaps
}

func eventBetween(events []time.Duration, from, to time.Duration) bool {
	for _, t := range events {
		if t >= from && t <= to {
			return true
		}
	}
	return false
}

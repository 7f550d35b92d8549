package prober

import (
	"testing"
	"time"
)

// FuzzTracker feeds arbitrary event sequences (as a remote peer or a broken
// clock could produce them) to a Tracker and checks that it never panics
// and that its counters stay consistent. Byte layout: 4 bytes of settings,
// then 4-byte events: kind, seq (2 bytes), time step.
func FuzzTracker(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 1, 10, 1, 0, 1, 1})
	f.Add([]byte{3, 2, 5, 1, 0, 255, 255, 0, 0, 0, 0, 50, 1, 255, 255, 3, 1, 0, 0, 1, 3, 0, 0, 200})
	f.Add([]byte{1, 1, 1, 1, 2, 0, 9, 0, 1, 0, 9, 1, 3, 0, 0, 255, 3, 0, 0, 255, 1, 0, 9, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		s := Settings{
			Interval:   time.Duration(data[0]) * 10 * time.Millisecond,
			MaxTimeout: time.Duration(data[1]) * 50 * time.Millisecond,
			DownAfter:  int(data[2] % 5),
			UpAfter:    int(data[3] % 5),
			RTTWindow:  int(data[0]%7) + 1,
			LossWindow: int(data[1]%70) + 1,
		}
		tr := NewTracker(s)
		now := epoch
		for ev := data[4:]; len(ev) >= 4; ev = ev[4:] {
			seq := uint16(ev[1])<<8 | uint16(ev[2])
			// Mostly forward steps; a step of 0xff goes back in time.
			if ev[3] == 0xff {
				now = now.Add(-time.Second)
			} else {
				now = now.Add(time.Duration(ev[3]) * 10 * time.Millisecond)
			}
			switch ev[0] % 4 {
			case 0:
				tr.Sent(seq, now)
			case 1:
				tr.Received(seq, now)
			case 2:
				tr.SendFailed(seq, now)
			case 3:
				tr.Expire(now)
			}
			checkInvariants(t, tr)
		}
	})
}

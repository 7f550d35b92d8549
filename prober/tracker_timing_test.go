package prober

import (
	"math/rand/v2"
	"testing"
	"time"
)

// linkModel decides, per probe, the RTT of its reply and whether the reply
// comes back at all. sent is the probe's send time.
type linkModel func(k int, sent time.Time) (rtt time.Duration, ok bool)

type transition struct {
	at time.Time
	up bool
}

// simulate drives a Tracker in virtual time the way the live Prober does:
// a probe every interval, Expire exactly at NextExpiry, replies delivered
// at their arrival time. It returns the up/down transitions.
func simulate(tr *Tracker, interval, length time.Duration, link linkModel) []transition {
	type reply struct {
		at  time.Time
		seq uint16
	}
	var (
		replies  []reply // in flight, unordered
		out      []transition
		nextSend = epoch
		end      = epoch.Add(length)
		k        int
		up       = tr.Up()
	)
	for {
		now, kind, idx := nextSend, 's', -1
		for i, r := range replies {
			if r.at.Before(now) {
				now, kind, idx = r.at, 'r', i
			}
		}
		if exp, ok := tr.NextExpiry(); ok && exp.Before(now) {
			now, kind = exp, 'e'
		}
		if now.After(end) {
			return out
		}
		switch kind {
		case 's':
			seq := uint16(k)
			tr.Sent(seq, now)
			if rtt, ok := link(k, now); ok {
				replies = append(replies, reply{now.Add(rtt), seq})
			}
			k++
			nextSend = nextSend.Add(interval)
		case 'r':
			tr.Received(replies[idx].seq, now)
			replies = append(replies[:idx], replies[idx+1:]...)
		case 'e':
			tr.Expire(now)
		}
		if tr.Up() != up {
			up = tr.Up()
			out = append(out, transition{now, up})
		}
	}
}

// TestDetectionWithinOneSecond proves the requirement behind the default
// settings: a low-RTT peer that stops answering is marked down within 1 s
// of its death, whatever the phase of the death within the probe interval.
func TestDetectionWithinOneSecond(t *testing.T) {
	s := DefaultSettings()
	for _, base := range []time.Duration{50 * time.Microsecond, time.Millisecond, 10 * time.Millisecond, 60 * time.Millisecond} {
		var worst time.Duration
		for phase := time.Duration(0); phase < s.Interval; phase += 7 * time.Millisecond / 3 {
			death := epoch.Add(20*time.Second + phase)
			rng := rand.New(rand.NewPCG(uint64(phase), 1))
			link := func(k int, sent time.Time) (time.Duration, bool) {
				rtt := base + time.Duration(rng.Int64N(int64(base/5)+1)) // up to +20 % jitter
				return rtt, sent.Add(rtt / 2).Before(death)
			}
			tr := NewTracker(s)
			trans := simulate(tr, s.Interval, 30*time.Second, link)
			if len(trans) != 2 || !trans[0].up || trans[1].up {
				t.Fatalf("rtt %v phase %v: transitions %+v, want one up then one down", base, phase, trans)
			}
			if trans[0].at.After(epoch.Add(time.Second)) {
				t.Errorf("rtt %v: first up at %v, want within 1 s of the start", base, trans[0].at.Sub(epoch))
			}
			took := trans[1].at.Sub(death)
			worst = max(worst, took)
			if took > time.Second || took < 0 {
				t.Errorf("rtt %v phase %v: down %v after death, want within 1 s", base, phase, took)
			}
		}
		t.Logf("rtt %v: worst detection %v", base, worst)
	}
}

// TestNoFlapOn300msLink proves that a 300 ms RTT link with jitter, spikes
// and isolated losses stays up for 10 minutes of probing.
func TestNoFlapOn300msLink(t *testing.T) {
	tests := []struct {
		name   string
		jitter time.Duration // uniform +- jitter around 300 ms
		spike  time.Duration // every 97th reply is this much slower
		lossK  int           // every lossK-th probe is lost (0: none)
	}{
		{"steady", 0, 0, 0},
		{"jitter 40ms", 40 * time.Millisecond, 0, 0},
		{"jitter 100ms", 100 * time.Millisecond, 0, 0},
		{"jitter and spikes", 40 * time.Millisecond, 250 * time.Millisecond, 0},
		{"jitter and isolated losses", 40 * time.Millisecond, 0, 25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettings()
			rng := rand.New(rand.NewPCG(42, 300))
			link := func(k int, sent time.Time) (time.Duration, bool) {
				rtt := 300 * time.Millisecond
				if tc.jitter > 0 {
					rtt += time.Duration(rng.Int64N(int64(2*tc.jitter))) - tc.jitter
				}
				if tc.spike > 0 && k%97 == 96 {
					rtt += tc.spike
				}
				return rtt, tc.lossK == 0 || k%tc.lossK != tc.lossK-1
			}
			tr := NewTracker(s)
			trans := simulate(tr, s.Interval, 10*time.Minute, link)
			if len(trans) != 1 || !trans[0].up {
				t.Fatalf("transitions %+v, want exactly one (up)", trans)
			}
			st := tr.Stats()
			if st.Late != 0 {
				t.Errorf("%d replies counted late on a 300 ms link", st.Late)
			}
			wantLost := uint64(0)
			if tc.lossK > 0 {
				wantLost = st.Sent / uint64(tc.lossK)
			}
			if st.Lost > wantLost {
				t.Errorf("lost %d probes, want at most the %d injected losses", st.Lost, wantLost)
			}
			t.Logf("sent %d lost %d srtt %v jitter %v timeout %v p99 %v",
				st.Sent, st.Lost, st.SRTT, st.Jitter, st.Timeout, st.P99)
		})
	}
}

// TestRecoversAfterRTTStep shows why a down peer waits MaxTimeout: after a
// route change from 300 ms to 700 ms the old adaptive timeout (600 ms)
// loses every probe, the peer goes down, and it comes back up at the new
// RTT instead of staying down for ever.
func TestRecoversAfterRTTStep(t *testing.T) {
	s := DefaultSettings()
	step := epoch.Add(30 * time.Second)
	link := func(k int, sent time.Time) (time.Duration, bool) {
		if sent.Before(step) {
			return 300 * time.Millisecond, true
		}
		return 700 * time.Millisecond, true
	}
	tr := NewTracker(s)
	trans := simulate(tr, s.Interval, time.Minute, link)
	if len(trans) != 3 || !trans[2].up {
		t.Fatalf("transitions %+v, want up, down, up", trans)
	}
	if back := trans[2].at.Sub(trans[1].at); back > 3*time.Second {
		t.Errorf("came back up %v after going down, want within 3 s", back)
	}
	if srtt := tr.Stats().SRTT; srtt < 650*time.Millisecond {
		t.Errorf("SRTT %v did not converge to 700 ms", srtt)
	}
}

package des

import (
	"math"
	"testing"
	"time"

	"github.com/argonet/argo/sim/matrix"
)

// twoPoPs returns a simulation of two PoPs with RTT ms between them.
func twoPoPs(t *testing.T, rtt float64, edit func(c *Config)) *sim {
	t.Helper()
	m, err := matrix.New([][]float64{{0, rtt}, {rtt, 0}})
	if err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	c.Slices = []*matrix.Matrix{m}
	c.Duration = time.Hour
	if edit != nil {
		edit(&c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := newSim(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run advances PoP 0's link to PoP 1 until t and returns its flips.
func run(s *sim, until time.Duration) []flip {
	l := &s.pops[0].links[0]
	return l.advance(&s.env.probeEnv, 0, int64(until), nil)
}

func TestProbeTrainExact(t *testing.T) {
	s := twoPoPs(t, 50, func(c *Config) { c.Jitter = 0 })
	l := &s.pops[0].links[0]
	phase := l.next
	flips := run(s, 10*time.Second)
	st := l.tr.Stats()
	if !st.Up || st.SRTT != 50*time.Millisecond || st.Jitter != 0 || st.Loss != 0 {
		t.Fatalf("stats %+v", st)
	}
	wantSent := uint64((int64(10*time.Second) - phase + s.env.interval - 1) / s.env.interval)
	if st.Sent != wantSent || st.Received+uint64(st.Pending) != st.Sent {
		t.Fatalf("sent %d received %d pending %d, want %d sent", st.Sent, st.Received, st.Pending, wantSent)
	}
	// Up after the third reply: phase + 2 intervals + the RTT.
	if len(flips) != 1 || flips[0].at != phase+2*s.env.interval+int64(50*time.Millisecond) || !flips[0].link.Up {
		t.Fatalf("flips %+v (phase %v)", flips, time.Duration(phase))
	}
}

func TestProbeTrainJitterAndLoss(t *testing.T) {
	s := twoPoPs(t, 100, func(c *Config) { c.Loss = 0.2 })
	run(s, 2000*time.Second)
	st := s.pops[0].links[0].tr.Stats()
	lost := float64(st.Lost) / float64(st.Sent)
	if math.Abs(lost-0.2) > 0.02 {
		t.Errorf("lost %.3f of the probes, want 0.2", lost)
	}
	// The tracker's estimates converge to the model's expectations
	// (network.truthLink): RTT 100 ms * 1.05, jitter 5 ms.
	if d := st.SRTT - 105*time.Millisecond; d.Abs() > 4*time.Millisecond {
		t.Errorf("SRTT %v, want about 105ms", st.SRTT)
	}
	if d := st.Jitter - 5*time.Millisecond; d.Abs() > 2500*time.Microsecond {
		t.Errorf("jitter %v, want about 5ms", st.Jitter)
	}
}

func TestProbeTrainLinkDownAndUp(t *testing.T) {
	s := twoPoPs(t, 30, func(c *Config) {
		c.Events = []Event{{At: 10 * time.Second, Action: LinkDown, A: 0, B: 1}, {At: 20 * time.Second, Action: LinkUp, A: 0, B: 1}}
	})
	flips := run(s, 30*time.Second)
	if len(flips) != 3 || !flips[0].link.Up || flips[1].link.Up || !flips[2].link.Up {
		t.Fatalf("flips %+v, want up, down, up", flips)
	}
	// Down after DownAfter lost probes: the third probe sent after the cut
	// expires at most 3 intervals plus the maximum timeout later.
	down := time.Duration(flips[1].at) - 10*time.Second
	if down <= 0 || down > 3*200*time.Millisecond+time.Second {
		t.Errorf("down %v after the cut", down)
	}
	// Up after UpAfter answered probes in resolution order: probes lost
	// before the repair expire up to MaxTimeout after it and reset the
	// count, as in argod.
	up := time.Duration(flips[2].at) - 20*time.Second
	if up <= 0 || up > time.Second+3*200*time.Millisecond+30*time.Millisecond {
		t.Errorf("up %v after the repair", up)
	}
}

func TestProbeTrainBeyondMaxTimeout(t *testing.T) {
	s := twoPoPs(t, 1500, func(c *Config) { c.Jitter = 0 })
	if flips := run(s, time.Minute); len(flips) != 0 {
		t.Fatalf("a 1.5 s link came up: %+v", flips)
	}
	if st := s.pops[0].links[0].tr.Stats(); st.Received != 0 || st.Lost == 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestProbeTrainDeadPeer(t *testing.T) {
	s := twoPoPs(t, 20, func(c *Config) {
		c.Events = []Event{{At: 5 * time.Second, Action: NodeDown, Node: 1}}
	})
	flips := run(s, 10*time.Second)
	if len(flips) != 2 || flips[1].link.Up {
		t.Fatalf("flips %+v, want up then down", flips)
	}
}

package fabric

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// The admission decision is tested here on millions of synthetic packets
// (tight statistical bounds); impairment_test.go checks real packets.

func TestAdmitLossRates(t *testing.T) {
	const n = 1_000_000
	ge := &GilbertElliott{P: 0.02, R: 0.25, GoodLoss: 0.005, BadLoss: 0.6}
	cases := []struct {
		name string
		p    LinkParams
		mean float64
		corr float64 // variance inflation by correlation
	}{
		{"none", LinkParams{}, 0, 1},
		{"bernoulli 1%", LinkParams{Loss: 0.01}, 0.01, 1},
		{"bernoulli 20%", LinkParams{Loss: 0.2}, 0.2, 1},
		{"all", LinkParams{Loss: 1}, 1, 1},
		{"gilbert-elliott", LinkParams{GE: ge}, ge.MeanLoss(), 10},
	}
	for _, c := range cases {
		l := &link{}
		cp := compile(c.p)
		rng := rand.NewPCG(1, 2)
		lost := 0
		for i := range n {
			if _, v := l.admit(cp, int64(i)*1000, 100, rng); v == dropLoss {
				lost++
			}
		}
		got := float64(lost) / n
		sd := math.Sqrt(c.mean*(1-c.mean)*c.corr/n) + 1e-9
		if math.Abs(got-c.mean) > 5*sd {
			t.Errorf("%s: loss %.5f, want %.5f ± %.5f", c.name, got, c.mean, 5*sd)
		}
	}
}

func TestAdmitDelayJitterOrder(t *testing.T) {
	const delay, jitter = int64(20 * time.Millisecond), int64(5 * time.Millisecond)
	for _, reorder := range []bool{false, true} {
		l := &link{}
		c := compile(LinkParams{Delay: time.Duration(delay), Jitter: time.Duration(jitter), Reorder: reorder})
		rng := rand.NewPCG(3, 4)
		var prev int64
		reordered := 0
		var sum float64
		const n = 100000
		for i := range n {
			now := int64(i) * int64(100*time.Microsecond)
			due, v := l.admit(c, now, 100, rng)
			if v != pass {
				t.Fatalf("verdict %v", v)
			}
			d := due - now
			if d < delay-jitter || (reorder && d > delay+jitter) {
				t.Fatalf("reorder=%v: delay %v outside [%v, %v]", reorder, time.Duration(d), time.Duration(delay-jitter), time.Duration(delay+jitter))
			}
			if due < prev {
				reordered++
			}
			prev = due
			sum += float64(d)
		}
		if !reorder && reordered != 0 {
			t.Errorf("reorder=false: %d packets overtaken", reordered)
		}
		if reorder && reordered == 0 {
			t.Error("reorder=true: jitter 5 ms at 0.1 ms spacing never reordered")
		}
		if mean := sum / n; reorder && math.Abs(mean-float64(delay)) > float64(100*time.Microsecond) {
			t.Errorf("reorder=true: mean delay %v, want %v", time.Duration(mean), time.Duration(delay))
		}
	}
}

func TestAdmitRateAndQueue(t *testing.T) {
	l := &link{}
	// 1 Mbit/s: a 1250-byte frame takes 10 ms; the queue holds 50 ms.
	c := compile(LinkParams{Delay: time.Millisecond, RateBps: 1_000_000, QueueLimit: 50 * time.Millisecond})
	rng := rand.NewPCG(5, 6)
	var dues []int64
	drops := 0
	for range 10 { // a burst at t=0
		due, v := l.admit(c, 0, 1250, rng)
		switch v {
		case pass:
			dues = append(dues, due)
		case dropQueue:
			drops++
		default:
			t.Fatalf("verdict %v", v)
		}
	}
	// Frames start serialising at 0, 10, ..., 50 ms (a start 60 ms out is
	// beyond the 50 ms queue): 6 pass, each due 10 ms after the previous.
	if len(dues) != 6 || drops != 4 {
		t.Fatalf("%d passed, %d dropped; want 6 and 4", len(dues), drops)
	}
	for i, d := range dues {
		want := int64(i+1)*int64(10*time.Millisecond) + int64(time.Millisecond)
		if d != want {
			t.Errorf("frame %d due %v, want %v", i, time.Duration(d), time.Duration(want))
		}
	}
}

func TestAdmitDown(t *testing.T) {
	l := &link{}
	if _, v := l.admit(compile(LinkParams{Down: true, Loss: 0}), 0, 100, rand.NewPCG(1, 1)); v != dropDown {
		t.Fatalf("verdict %v, want dropDown", v)
	}
}

func TestTimeQueueOrder(t *testing.T) {
	q := newTimeQueue(1000)
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 1000 {
		q.push(pending{due: int64(rng.IntN(50)), seq: uint64(i)})
	}
	var prev pending
	for i := range 1000 {
		p := q.pop()
		if i > 0 && (p.due < prev.due || (p.due == prev.due && p.seq < prev.seq)) {
			t.Fatalf("pop %d: (%d, %d) after (%d, %d)", i, p.due, p.seq, prev.due, prev.seq)
		}
		prev = p
	}
	if q.len() != 0 {
		t.Fatal("queue not empty")
	}
}

func TestPool(t *testing.T) {
	p := newPool(3)
	seen := map[uint32]bool{}
	for range 3 {
		i, ok := p.get()
		if !ok || seen[i] || len(p.buf(i)) != frameSize {
			t.Fatalf("get: %d %v", i, ok)
		}
		seen[i] = true
	}
	if _, ok := p.get(); ok {
		t.Fatal("get from an empty pool succeeded")
	}
	p.put(1)
	if i, ok := p.get(); !ok || i != 1 {
		t.Fatalf("get after put: %d %v", i, ok)
	}
}

package fabric

import (
	"math"
	"testing"
	"time"
)

// lossRun sends n datagrams a -> b at pps with params on the link and
// returns the receiver (stopped) and the link's counters.
func lossRun(t *testing.T, p LinkParams, n, pps int) (*receiver, LinkStats) {
	t.Helper()
	tn := newTestNet(t, 2)
	warmup(t, tn, 0, 1)
	before, err := tn.f.LinkStats("a", "b")
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.f.SetLink("a", "b", p); err != nil {
		t.Fatal(err)
	}
	r := tn.receive(t, 1, 9001, n)
	d := time.Duration(float64(n) / float64(pps) * float64(time.Second))
	sent := tn.blastN(t, 0, 1, 9001, 100, n, d)
	time.Sleep(100*time.Millisecond + p.Delay)
	r.stop()
	ls, err := tn.f.LinkStats("a", "b")
	if err != nil {
		t.Fatal(err)
	}
	ls.Forwarded -= before.Forwarded // the warm-up pings
	if sent != uint64(n) {
		t.Fatalf("sent %d of %d datagrams", sent, n)
	}
	if got := r.count.Load(); got != ls.Forwarded {
		t.Fatalf("fabric forwarded %d datagrams but %d arrived: losses outside the loss model", ls.Forwarded, got)
	}
	return r, ls
}

// lossStats returns the loss fraction and the mean length of runs of
// consecutive losses in the first n sequence numbers.
func lossStats(seen []bool) (loss, meanRun float64) {
	lost, runs := 0, 0
	for i, ok := range seen {
		if !ok {
			lost++
			if i == 0 || seen[i-1] {
				runs++
			}
		}
	}
	if runs == 0 {
		return 0, 0
	}
	return float64(lost) / float64(len(seen)), float64(lost) / float64(runs)
}

// TestLossModels: measured loss of real datagrams through the fabric lies
// within 5 standard deviations of the configured mean, and the
// Gilbert-Elliott model produces longer loss bursts than Bernoulli.
func TestLossModels(t *testing.T) {
	ge := &GilbertElliott{P: 0.05, R: 0.3, GoodLoss: 0, BadLoss: 0.8}
	cases := []struct {
		name   string
		p      LinkParams
		mean   float64
		corr   float64 // variance inflation from correlation between packets
		minRun float64
		maxRun float64
	}{
		// Bernoulli: independent losses, runs of 1/(1-p) on average.
		{"bernoulli", LinkParams{Loss: 0.1}, 0.1, 1, 1.0, 1.25},
		// GE: state autocorrelation 1-p-r = 0.65 inflates the variance by
		// (1+0.65)/(1-0.65) < 5; bursts in Bad last 1/r = 3.3 packets.
		{"gilbert-elliott", LinkParams{GE: ge}, ge.MeanLoss(), 5, 1.6, 10},
	}
	const n = 15000
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, ls := lossRun(t, c.p, n, 6000)
			loss, run := lossStats(r.seen)
			sd := math.Sqrt(c.mean * (1 - c.mean) * c.corr / n)
			t.Logf("loss %.4f (want %.4f ± %.4f), mean loss run %.2f, fabric lost %d", loss, c.mean, 5*sd, run, ls.Lost)
			if math.Abs(loss-c.mean) > 5*sd {
				t.Errorf("loss %.4f outside %.4f ± %.4f", loss, c.mean, 5*sd)
			}
			if run < c.minRun || run > c.maxRun {
				t.Errorf("mean loss run %.2f outside [%v, %v]", run, c.minRun, c.maxRun)
			}
			if ls.Lost != uint64(n)-r.count.Load() {
				t.Errorf("fabric counted %d lost, receiver missed %d", ls.Lost, uint64(n)-r.count.Load())
			}
		})
	}
}

// TestRateLimit: a link limited to 8 Mbit/s, offered about three times
// that, delivers within 10 % of 8 Mbit/s (Ethernet frame bytes) and
// tail-drops the rest at its queue. The queue (500 ms) is long enough to
// keep the link busy through the sender's scheduling stalls on a loaded
// machine.
func TestRateLimit(t *testing.T) {
	skipUnderRace(t)
	tn := newTestNet(t, 2)
	warmup(t, tn, 0, 1)
	const rate = 8_000_000
	if err := tn.f.SetLink("a", "b", LinkParams{Delay: 5 * time.Millisecond, RateBps: rate, QueueLimit: 500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	const payload = 1000
	const frame = payload + 8 + 20 + 14
	r := tn.receive(t, 1, 9002, 0)
	tn.blast(t, 0, 1, 9002, payload, 2*time.Second, 3*rate/(8*frame))
	time.Sleep(700 * time.Millisecond) // the queue drains
	r.stop()
	elapsed := time.Duration(r.last.Load() - r.first.Load())
	got := float64(r.count.Load()-1) * frame * 8 / elapsed.Seconds()
	ls, _ := tn.f.LinkStats("a", "b")
	t.Logf("delivered %.2f Mbit/s of %d Mbit/s configured; queue drops %d, received %d, forwarded %d in %v", got/1e6, rate/1_000_000, ls.QueueDrops, r.count.Load(), ls.Forwarded, elapsed)
	if math.Abs(got-rate)/rate > 0.10 {
		t.Fatalf("delivered %.0f bit/s, want %d ± 10 %%", got, rate)
	}
	if ls.QueueDrops == 0 {
		t.Fatal("no queue drops although the link was offered twice its rate")
	}
}

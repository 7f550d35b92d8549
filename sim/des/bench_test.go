package des

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/argonet/argo/sim/matrix"
)

// benchDuration reads ARGO_DES_DURATION (default d).
func benchDuration(t testing.TB, d time.Duration) time.Duration {
	if s := os.Getenv("ARGO_DES_DURATION"); s != "" {
		v, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("ARGO_DES_DURATION: %v", err)
		}
		return v
	}
	return d
}

func TestScaleAdhoc(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ARGO_DES_N"))
	if n == 0 {
		t.Skip("set ARGO_DES_N")
	}
	c := DefaultConfig()
	if n <= 490 {
		c.Slices = []*matrix.Matrix{planetlab(t, n)}
	} else {
		c.Slices = []*matrix.Matrix{synthMatrix(t, n, 1)}
	}
	c.Duration = benchDuration(t, 2*time.Minute)
	res, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(res.Summary, "", " ")
	logResult(t, res); t.Logf("summary %s", b)
	b, _ = json.MarshalIndent(res.Cost, "", " ")
	t.Logf("cost %s", b)
	b, _ = json.MarshalIndent(res.Gossip, "", " ")
	t.Logf("gossip %s", b)
}

// BenchmarkProbeTrain is the per-probe cost of the data path of phase 1:
// one probe train on a 100 ms link with 5 % jitter, every probe through a
// real prober.Tracker (send, reply or expiry), 50 probes per call of
// advance as with the default Batch. ns/op is per probe; it must not
// allocate.
func BenchmarkProbeTrain(b *testing.B) {
	c := DefaultConfig()
	c.Slices = []*matrix.Matrix{synthMatrix(b, 2, 1)}
	c.Duration = time.Hour
	s, err := newSim(c)
	if err != nil {
		b.Fatal(err)
	}
	p := s.pops[0]
	l := &p.links[0]
	var flips []flip
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		before := l.seq
		flips = l.advance(&s.env.probeEnv, 0, l.next+50*s.env.interval, flips[:0])
		done += int(uint16(l.seq - before))
	}
}

package des

import (
	"os"
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

// warmSim runs n synthetic PoPs for at least d and returns the simulation
// and the virtual time it reached.
func warmSim(b *testing.B, n int, d time.Duration) (*sim, int64) {
	b.Helper()
	c := DefaultConfig()
	c.Slices = []*matrix.Matrix{synthMatrix(b, n, 1)}
	c.Duration = time.Hour
	if err := c.Validate(); err != nil {
		b.Fatal(err)
	}
	s, err := newSim(c)
	if err != nil {
		b.Fatal(err)
	}
	t := int64(0)
	for ; t < int64(d); t += s.checkNs * int64(c.Batch) {
		if err := s.step(t, t+s.checkNs*int64(c.Batch)); err != nil {
			b.Fatal(err)
		}
	}
	return s, t
}

// BenchmarkCheck is one PoP's publication check with 329 peers: read every
// tracker (Stats) and run the publish rule (ns/op per check).
func BenchmarkCheck(b *testing.B) {
	s, at := warmSim(b, 330, 10*time.Second)
	p := s.pops[0]
	b.ReportAllocs()
	for b.Loop() {
		at += s.checkNs
		pl := p.hist.payload(len(p.links))
		for k := range p.links {
			pl.links[k] = p.links[k].state()
		}
		copy(p.cur, pl.links)
		if err := p.emit(&s.env, at, pl, true); err != nil {
			b.Fatal(err)
		}
		p.hist.collect(at)
	}
}

// BenchmarkRecompute is one router's route recomputation at 330 PoPs:
// from its own store (sync, graph, engine update), on the shared view
// (engine update only), and the hysteresis recheck (engine rerun).
func BenchmarkRecompute(b *testing.B) {
	s, at := warmSim(b, 330, 20*time.Second)
	r := s.routers[0]
	env := &phase2Env{s: s}
	w := &s.scratch[0]
	b.Run("own-store", func(b *testing.B) {
		for b.Loop() {
			at += s.tickNs
			if err := r.recompute(env, w, at, trigUrgent); err != nil {
				b.Fatal(err)
			}
		}
	})
	sv, _, err := s.newSharedView(at, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("shared-view", func(b *testing.B) {
		for b.Loop() {
			at += s.tickNs
			if _, err := r.eng.UpdateGraph(sv.g, s.at(at)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("recheck", func(b *testing.B) {
		for b.Loop() {
			at += s.tickNs
			if err := r.recheck(env, at); err != nil {
				b.Fatal(err)
			}
		}
	})
}

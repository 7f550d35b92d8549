package scenario

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// randomScenario builds n PoPs with random one-way delays (and ~10 % of
// links cut at t=1s).
func randomScenario(rng *rand.Rand, n int) *Scenario {
	s := &Scenario{Name: "r", Duration: time.Minute}
	for i := range n {
		s.Pops = append(s.Pops, Pop{Name: fmt.Sprintf("p%d", i), ID: uint16(i + 1)})
	}
	for i := range n {
		for j := range n {
			if i == j {
				continue
			}
			d := time.Duration(1+rng.IntN(200)) * time.Millisecond
			s.Links.Pairs = append(s.Links.Pairs, Link{From: s.Pops[i].Name, To: s.Pops[j].Name, LinkSpec: LinkSpec{Delay: d}})
			if rng.IntN(10) == 0 {
				s.Events = append(s.Events, Event{At: time.Second, Action: CutLink, From: s.Pops[i].Name, To: s.Pops[j].Name})
			}
		}
	}
	return s
}

// floyd computes all-pairs shortest one-way delays over links that are up.
func floyd(m Matrix) [][]time.Duration {
	n := len(m.Pops)
	const inf = time.Duration(1 << 62)
	d := make([][]time.Duration, n)
	for i := range n {
		d[i] = make([]time.Duration, n)
		for j := range n {
			switch {
			case i == j:
				d[i][j] = 0
			case m.Down[i][j]:
				d[i][j] = inf
			default:
				d[i][j] = m.Delay[i][j]
			}
		}
	}
	for k := range n {
		for i := range n {
			for j := range n {
				if d[i][k] < inf && d[k][j] < inf && d[i][k]+d[k][j] < d[i][j] {
					d[i][j] = d[i][k] + d[k][j]
				}
			}
		}
	}
	return d
}

// TestBestPathMatchesFloyd: with enough hops allowed, brute force finds the
// shortest paths that Floyd-Warshall computes.
func TestBestPathMatchesFloyd(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		s := randomScenario(rng, 6)
		for _, at := range []time.Duration{0, time.Second} {
			m := s.MatrixAt(at)
			want := floyd(m)
			for i, a := range m.Pops {
				for j, b := range m.Pops {
					if i == j {
						continue
					}
					p, err := m.BestPath(a, b, len(m.Pops)-1)
					if want[i][j] >= time.Duration(1<<62) {
						if err == nil {
							t.Fatalf("trial %d: %s->%s found %v, want no path", trial, a, b, p)
						}
						continue
					}
					if err != nil || p.Delay != want[i][j] {
						t.Fatalf("trial %d at %v: %s->%s = %v, %v; want delay %v", trial, at, a, b, p, err, want[i][j])
					}
					var sum time.Duration
					for k := 1; k < len(p.Hops); k++ {
						x, _ := m.Index(p.Hops[k-1])
						y, _ := m.Index(p.Hops[k])
						if m.Down[x][y] {
							t.Fatalf("path %v uses down link", p)
						}
						sum += m.Delay[x][y]
					}
					if sum != p.Delay {
						t.Fatalf("path %v: hops add up to %v", p, sum)
					}
				}
			}
		}
	}
}

func TestBestPathHopLimitAndErrors(t *testing.T) {
	s := &Scenario{Pops: []Pop{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}}}
	s.Links.Default = LinkSpec{Delay: 100 * time.Millisecond}
	for _, l := range [][2]string{{"a", "b"}, {"b", "c"}, {"c", "d"}} {
		s.Links.Pairs = append(s.Links.Pairs, Link{From: l[0], To: l[1], LinkSpec: LinkSpec{Delay: time.Millisecond}})
	}
	m := s.Matrix()
	cases := []struct {
		hops int
		want string
	}{{1, "a>d (100ms)"}, {2, "a>d (100ms)"}, {3, "a>b>c>d (3ms)"}}
	for _, c := range cases {
		p, err := m.BestPath("a", "d", c.hops)
		if err != nil || p.String() != c.want {
			t.Errorf("%d hops: %v, %v; want %s", c.hops, p, err, c.want)
		}
	}
	if _, err := m.BestPath("a", "zz", 3); err == nil {
		t.Error("unknown PoP accepted")
	}
	if _, err := m.BestPath("a", "a", 3); err == nil {
		t.Error("a->a accepted")
	}
}

// TestMatrixAtTimeline: events change the matrix at their time and
// restore_link goes back to the configured parameters.
func TestMatrixAtTimeline(t *testing.T) {
	s, err := Parse("t.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	s.Events = append(s.Events,
		Event{At: 40 * time.Second, Action: CutLink, From: "a", To: "b", Symmetric: true},
		Event{At: 50 * time.Second, Action: RestoreLink, From: "a", To: "b"})
	a, b, c := 0, 1, 2
	checks := []struct {
		at      time.Duration
		abLoss  float64
		abDown  bool
		baDown  bool
		cDown   bool
		abDelay time.Duration
	}{
		{0, 0, false, false, false, 50 * time.Millisecond},
		{10 * time.Second, 0.2, false, false, false, 50 * time.Millisecond},
		{25 * time.Second, 0.2, false, false, true, 50 * time.Millisecond},
		{30 * time.Second, 0.2, false, false, false, 50 * time.Millisecond},
		{45 * time.Second, 0.2, true, true, false, 50 * time.Millisecond},
		{55 * time.Second, 0, false, true, false, 50 * time.Millisecond},
	}
	for _, ch := range checks {
		m := s.MatrixAt(ch.at)
		if got := m.Link[a][b].Loss; got != ch.abLoss {
			t.Errorf("at %v: a->b loss %v, want %v", ch.at, got, ch.abLoss)
		}
		if m.Down[a][b] != ch.abDown || m.Down[b][a] != ch.baDown || m.Down[a][c] != ch.cDown {
			t.Errorf("at %v: down a->b %v b->a %v a->c %v", ch.at, m.Down[a][b], m.Down[b][a], m.Down[a][c])
		}
		if m.Delay[a][b] != ch.abDelay {
			t.Errorf("at %v: delay %v", ch.at, m.Delay[a][b])
		}
	}
}

func TestLinkPatchApply(t *testing.T) {
	d := 7 * time.Millisecond
	loss := 0.3
	base := LinkSpec{Delay: time.Millisecond, GE: &GilbertElliott{P: 0.1}, RateBps: 5}
	got := LinkPatch{Delay: &d, Loss: &loss}.Apply(base)
	if got.Delay != d || got.Loss != loss || got.GE != nil || got.RateBps != 5 {
		t.Fatalf("Apply = %+v", got)
	}
	got = LinkPatch{GE: &GilbertElliott{P: 0.2}}.Apply(LinkSpec{Loss: 0.5})
	if got.Loss != 0 || got.GE.P != 0.2 {
		t.Fatalf("Apply GE = %+v", got)
	}
}

func BenchmarkBestPath10(b *testing.B) {
	s := randomScenario(rand.New(rand.NewPCG(3, 4)), 10)
	m := s.Matrix()
	for b.Loop() {
		if _, err := m.BestPath("p0", "p9", 3); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	data := []byte(valid)
	for b.Loop() {
		if _, err := Parse("t.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

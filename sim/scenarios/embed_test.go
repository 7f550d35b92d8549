package scenarios

import (
	"slices"
	"testing"
	"time"

	"github.com/argonet/argo/sim/scenario"
)

func TestEmbeddedParse(t *testing.T) {
	for _, name := range Names() {
		s, err := Load(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %d PoPs, %d link entries, %d events, %v", name, len(s.Pops), len(s.Links.Pairs), len(s.Events), s.Duration)
	}
	if _, err := Load("nope"); err == nil {
		t.Fatal("Load of a missing scenario succeeded")
	}
}

// TestDefaultScenario checks what the default scenario promises: real
// cities, detours that beat inflated direct paths, a lossy link, a link
// degraded to 20 % loss, a cut, a killed PoP, all restored, under 3 minutes.
func TestDefaultScenario(t *testing.T) {
	s, err := Load("default")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Pops) < 8 {
		t.Fatalf("%d PoPs, want >= 8", len(s.Pops))
	}
	if s.Duration >= 3*time.Minute {
		t.Fatalf("duration %v, want < 3m", s.Duration)
	}
	m := s.Matrix()
	// Every pair is listed explicitly (no pair falls back to the default).
	if want := len(s.Pops) * (len(s.Pops) - 1) / 2; len(s.Links.Pairs) != want {
		t.Errorf("%d link entries, want all %d pairs", len(s.Links.Pairs), want)
	}
	detours := []struct{ from, to, via string }{
		{"sin", "syd", "tyo"},
		{"ams", "nyc", "lon"},
		{"par", "tyo", "sin"},
	}
	for _, d := range detours {
		for _, dir := range [][2]string{{d.from, d.to}, {d.to, d.from}} {
			p, err := m.BestPath(dir[0], dir[1], 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Hops) < 3 || !slices.Contains(p.Hops, d.via) {
				t.Errorf("best path %s->%s is %v, want a detour via %s", dir[0], dir[1], p, d.via)
			}
			i, _ := m.Index(dir[0])
			j, _ := m.Index(dir[1])
			t.Logf("%s->%s: direct %v, best %v", dir[0], dir[1], m.Delay[i][j], p)
		}
	}
	fra, _ := m.Index("fra")
	sin, _ := m.Index("sin")
	if m.Link[fra][sin].MeanLoss() == 0 || m.Link[sin][fra].MeanLoss() == 0 {
		t.Error("fra<->sin is not lossy")
	}
	var degraded, cut, killed bool
	for _, e := range s.Events {
		switch e.Action {
		case scenario.SetLink:
			degraded = degraded || (e.Set.Loss != nil && *e.Set.Loss >= 0.2)
		case scenario.CutLink:
			cut = true
		case scenario.KillPop:
			killed = true
		}
	}
	if !degraded || !cut || !killed {
		t.Errorf("events: degraded to 20%% loss %v, cut %v, killed %v; want all", degraded, cut, killed)
	}
	// Everything is restored before the end.
	end := s.MatrixAt(s.Duration)
	for i := range end.Pops {
		for j := range end.Pops {
			if i != j && (end.Down[i][j] || end.Link[i][j] != m.Link[i][j]) {
				t.Errorf("%s->%s at the end: down %v, %+v; want as configured", end.Pops[i], end.Pops[j], end.Down[i][j], end.Link[i][j])
			}
		}
	}
	// Every event hits a path a flow uses: the degraded lon<->nyc and the
	// killed tyo are relays of the best paths of ams-nyc and sin-syd, the
	// cut gru<->syd is gru-syd's direct best path; during the cut the best
	// path avoids it.
	for _, c := range []struct{ from, to, via string }{{"ams", "nyc", "lon"}, {"sin", "syd", "tyo"}} {
		p, err := m.BestPath(c.from, c.to, 3)
		if err != nil || !slices.Contains(p.Hops, c.via) {
			t.Errorf("best %s->%s = %v, %v; want via %s", c.from, c.to, p, err, c.via)
		}
	}
	if p, err := m.BestPath("gru", "syd", 3); err != nil || len(p.Hops) != 2 {
		t.Errorf("best gru->syd = %v, %v; want the direct link", p, err)
	}
	mid := s.MatrixAt(60 * time.Second)
	p, err := mid.BestPath("gru", "syd", 3)
	if err != nil || len(p.Hops) == 2 {
		t.Errorf("gru->syd during the cut: %v, %v", p, err)
	}
}

func TestSmallScenario(t *testing.T) {
	s, err := Load("small")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Pops) != 4 {
		t.Fatalf("%d PoPs, want 4", len(s.Pops))
	}
	p, err := s.Matrix().BestPath("a", "b", 3)
	if err != nil || p.String() != "a>c>b (25ms)" {
		t.Fatalf("best a->b = %v, %v; want a>c>b (25ms)", p, err)
	}
	p, err = s.MatrixAt(7*time.Second).BestPath("a", "b", 3)
	if err != nil || p.String() != "a>b (50ms)" {
		t.Fatalf("best a->b during the cut = %v, %v; want a>b (50ms)", p, err)
	}
}

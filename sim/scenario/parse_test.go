package scenario

import (
	"os"
	"strings"
	"testing"
	"time"
)

const valid = `name: t
duration: 60s
pops:
  - {name: a, id: 1, city: A, lat: 1.5, lon: -2}
  - {name: b, id: 2}
  - {name: c, id: 3}
links:
  default: {delay: 30ms, jitter: 1ms, rate: 10Mbit}
  pairs:
    - {from: a, to: b, rtt: 100ms, symmetric: true}
    - {from: a, to: c, delay: 10ms, loss: 2%}
    - {from: c, to: b, delay: 10ms, ge: {p: 0.01, r: 0.3, bad_loss: 0.5}}
clients: [{name: ca, pop: a}]
origins: [{name: ob, pop: b, prefix: 203.0.113.0/24}]
flows: [{name: f, client: ca, origin: ob}]
events:
  - {at: 20s, action: kill_pop, pop: c}
  - {at: 10s, action: set_link, from: a, to: b, loss: 0.2}
  - {at: 30s, action: restart_pop, pop: c}
probe: {interval: 500ms, timeout: 1s}
argod: {pathcalc.hysteresis: 10%}
`

func TestParseValid(t *testing.T) {
	s, err := Parse("t.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "t" || s.Duration != time.Minute || len(s.Pops) != 3 || *s.Pops[0].Lat != 1.5 || s.Pops[1].Lat != nil {
		t.Fatalf("header: %+v", s)
	}
	if s.Links.Default.RateBps != 10_000_000 || s.Links.Default.Delay != 30*time.Millisecond {
		t.Errorf("default link %+v", s.Links.Default)
	}
	ab := s.Links.Pairs[0]
	if ab.Delay != 50*time.Millisecond || !ab.Symmetric || ab.Line != 10 {
		t.Errorf("a<->b %+v", ab)
	}
	if s.Links.Pairs[1].Loss != 0.02 || s.Links.Pairs[2].GE.R != 0.3 {
		t.Errorf("loss models %+v %+v", s.Links.Pairs[1], s.Links.Pairs[2].GE)
	}
	if s.Flows[0].Rate != DefaultFlowRate || s.Flows[0].Size != DefaultFlowSize {
		t.Errorf("flow defaults %+v", s.Flows[0])
	}
	if s.Events[0].Action != SetLink || s.Events[0].At != 10*time.Second || *s.Events[0].Set.Loss != 0.2 {
		t.Errorf("events not sorted by time: %+v", s.Events)
	}
	if s.Probe.Interval != 500*time.Millisecond || s.Argod["pathcalc.hysteresis"] != "10%" {
		t.Errorf("overrides %+v %v", s.Probe, s.Argod)
	}
}

// TestParseErrors: each broken file fails with file:line and the field.
func TestParseErrors(t *testing.T) {
	base := "name: t\nduration: 60s\npops:\n  - {name: a, id: 1}\n  - {name: b, id: 2}\n"
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown top key", base + "colour: red\n", "t.yaml:6: colour: unknown field"},
		{"unknown pop key", "name: t\nduration: 1s\npops:\n  - {name: a, id: 1, nmae: x}\n  - {name: b, id: 2}\n", "t.yaml:4: pops[0].nmae: unknown field"},
		{"missing name", "duration: 1s\npops: []\n", "t.yaml:1: name: missing required field"},
		{"bad duration", "name: t\nduration: soon\npops: []\n", "t.yaml:2: duration: want a duration"},
		{"one pop", "name: t\nduration: 1s\npops:\n  - {name: a, id: 1}\n", "pops: 1 PoPs, want at least 2"},
		{"duplicate pop name", base + "  - {name: a, id: 3}\n", "t.yaml:6: pops[2].name: duplicate PoP name \"a\" (first at line 4)"},
		{"duplicate id", base + "  - {name: c, id: 2}\n", "t.yaml:6: pops[2].id: duplicate PoP id 2 (first at line 5)"},
		{"id zero", "name: t\nduration: 1s\npops:\n  - {name: a, id: 0}\n  - {name: b, id: 2}\n", "t.yaml:4: pops[0].id: 0 outside [1, 65535]"},
		{"bad pop name", "name: t\nduration: 1s\npops:\n  - {name: Ams, id: 1}\n  - {name: b, id: 2}\n", "pops[0].name: \"Ams\""},
		{"lat range", "name: t\nduration: 1s\npops:\n  - {name: a, id: 1, lat: 91}\n  - {name: b, id: 2}\n", "pops[0].lat: 91 outside"},
		{"unknown pop in link", base + "links:\n  pairs:\n    - {from: a, to: x, delay: 1ms}\n", "t.yaml:8: links.pairs[0].to: unknown PoP \"x\""},
		{"negative delay", base + "links:\n  pairs:\n    - {from: a, to: b, delay: -1ms}\n", "t.yaml:8: links.pairs[0].delay: negative duration"},
		{"loss above one", base + "links:\n  pairs:\n    - {from: a, to: b, loss: 1.5}\n", "t.yaml:8: links.pairs[0].loss: probability 1.5 outside [0, 1]"},
		{"loss percent", base + "links:\n  pairs:\n    - {from: a, to: b, loss: 150%}\n", "probability 150% outside"},
		{"loss and ge", base + "links:\n  pairs:\n    - {from: a, to: b, loss: 0.1, ge: {p: 0.1, r: 0.1, bad_loss: 1}}\n", "t.yaml:8: links.pairs[0]: both loss and ge"},
		{"ge missing r", base + "links:\n  pairs:\n    - {from: a, to: b, ge: {p: 0.1, bad_loss: 1}}\n", "links.pairs[0].ge.r: missing required field"},
		{"rtt not symmetric", base + "links:\n  pairs:\n    - {from: a, to: b, rtt: 10ms}\n", "links.pairs[0].rtt: rtt needs symmetric"},
		{"delay and rtt", base + "links:\n  pairs:\n    - {from: a, to: b, delay: 5ms, rtt: 10ms, symmetric: true}\n", "both delay and rtt"},
		{"duplicate pair", base + "links:\n  pairs:\n    - {from: a, to: b, delay: 1ms, symmetric: true}\n    - {from: b, to: a, delay: 2ms}\n", "t.yaml:9: links.pairs[1]: link b->a already configured at line 8"},
		{"self link", base + "links:\n  pairs:\n    - {from: a, to: a, delay: 1ms}\n", "from and to are both \"a\""},
		{"bad rate", base + "links:\n  default: {rate: fast}\n", "t.yaml:7: links.default.rate: want a rate"},
		{"event after end", base + "events:\n  - {at: 61s, action: kill_pop, pop: a}\n", "t.yaml:7: events[0].at: 1m1s is after the end"},
		{"unknown action", base + "events:\n  - {at: 1s, action: explode, pop: a}\n", "events[0].action: unknown action \"explode\""},
		{"event unknown pop", base + "events:\n  - {at: 1s, action: kill_pop, pop: z}\n", "events[0].pop: unknown PoP \"z\""},
		{"set_link nothing", base + "events:\n  - {at: 1s, action: set_link, from: a, to: b}\n", "set_link changes nothing"},
		{"cut with params", base + "events:\n  - {at: 1s, action: cut_link, from: a, to: b, delay: 1ms}\n", "cut_link takes no link parameters"},
		{"pop event with link", base + "events:\n  - {at: 1s, action: drain_pop, pop: a, from: a}\n", "drain_pop takes only at, action and pop"},
		{"restart not killed", base + "events:\n  - {at: 1s, action: restart_pop, pop: a}\n", "restart_pop a: not killed"},
		{"kill twice", base + "events:\n  - {at: 2s, action: kill_pop, pop: a}\n  - {at: 1s, action: kill_pop, pop: a}\n", "t.yaml:7: events[0].action: kill_pop a: already killed"},
		{"undrain not drained", base + "events:\n  - {at: 1s, action: undrain_pop, pop: b}\n", "undrain_pop b: not drained"},
		{"client unknown pop", base + "clients: [{name: c1, pop: q}]\n", "t.yaml:6: clients[0].pop: unknown PoP \"q\""},
		{"origin host bits", base + "origins: [{name: o, pop: a, prefix: 203.0.113.1/24}]\n", "origins[0].prefix: prefix 203.0.113.1/24 has host bits set"},
		{"duplicate origin prefix", base + "origins:\n  - {name: o, pop: a, prefix: 203.0.113.0/24}\n  - {name: p, pop: b, prefix: 203.0.113.0/24}\n", "t.yaml:8: origins[1].prefix: prefix 203.0.113.0/24 already served"},
		{"flow unknown client", base + "flows: [{name: f, client: x, origin: y}]\n", "flows[0].client: unknown client \"x\""},
		{"flow rate", base + "clients: [{name: c, pop: a}]\norigins: [{name: o, pop: b, prefix: 192.0.2.0/24}]\nflows: [{name: f, client: c, origin: o, rate: 0}]\n", "flows[0].rate: 0 outside"},
		{"list expected", "name: t\nduration: 1s\npops: {a: 1}\n", "t.yaml:3: pops: want a list"},
		{"alias", "name: &n t\nduration: 1s\npops:\n  - {name: *n, id: 1}\n", "anchors and aliases are not supported"},
		{"two documents", base + "---\nname: u\n", "second YAML document"},
		{"empty", "", "empty file"},
		{"not yaml", "name: [\n", "t.yaml"},
		{"scalar root", "hello\n", "t.yaml:1: want a mapping"},
		{"argod key", base + "argod: {Bad-Key: 1}\n", "argod.Bad-Key: want a key"},
	}
	for _, c := range cases {
		_, err := Parse("t.yaml", []byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error\n  %v\nwant it to contain\n  %s", c.name, err, c.want)
		}
	}
}

func TestParseTooLarge(t *testing.T) {
	if _, err := Parse("big.yaml", make([]byte, MaxFileSize+1)); err == nil {
		t.Fatal("accepted an oversized file")
	}
}

// FuzzParse: no input makes Parse panic; what it accepts is consistent.
func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	for _, name := range []string{"../scenarios/default.yaml", "../scenarios/small.yaml"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse("fuzz.yaml", b)
		if err != nil {
			return
		}
		if len(s.Pops) < 2 || s.Duration <= 0 {
			t.Fatalf("accepted %d PoPs, duration %v", len(s.Pops), s.Duration)
		}
		m := s.MatrixAt(s.Duration)
		if _, err := m.BestPath(s.Pops[0].Name, s.Pops[1].Name, 2); err != nil && !strings.Contains(err.Error(), "no path") {
			t.Fatal(err)
		}
	})
}

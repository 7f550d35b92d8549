package des

import (
	"strings"
	"testing"
	"time"
)

func TestParseEvents(t *testing.T) {
	data := `description: a cut and a crash
events:
  - {at: 20m, action: link_up, a: 3, b: 17}
  - {at: 10m, action: link_down, a: 3, b: 17}
  - at: 30m
    action: link_loss
    a: 5
    b: 9
    loss: 20%
    oneway: true
  - {at: 40m, action: node_down, node: 42}
  - {at: 45m, action: node_up, node: 42}
  - {at: 50m, action: link_loss, a: 5, b: 9, loss: 0}
`
	evs, err := ParseEvents("ev.yaml", []byte(data), 100, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10m0s link_down 3-17", "20m0s link_up 3-17", "30m0s link_loss 5>9 0.2", "40m0s node_down 42", "45m0s node_up 42", "50m0s link_loss 5-9 0"}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d", len(evs), len(want))
	}
	for i, e := range evs {
		if e.String() != want[i] {
			t.Errorf("events[%d] = %q, want %q", i, e.String(), want[i])
		}
	}
	if evs[2].Line != 5 || !evs[2].OneWay || evs[2].Loss != 0.2 {
		t.Errorf("loss event %+v", evs[2])
	}
}

func TestParseEventsErrors(t *testing.T) {
	cases := []struct {
		name, data, want string
	}{
		{"empty", "", "ev.yaml: empty file"},
		{"not yaml", "events: [", "ev.yaml: yaml"},
		{"two documents", "events: []\n---\nevents: []\n", "ev.yaml:2: a second YAML document"},
		{"no events", "description: x\n", "ev.yaml:1: events: missing required field"},
		{"unknown root", "events: []\nfoo: 1\n", "ev.yaml:2: document.foo: unknown field"},
		{"events not a list", "events: {a: 1}\n", "ev.yaml:1: events: want a list"},
		{"unknown field", "events:\n  - {at: 1s, action: node_down, node: 1, color: red}\n", "ev.yaml:2: events[0].color: unknown field"},
		{"duplicate field", "events:\n  - {at: 1s, at: 2s, action: node_down, node: 1}\n", "events[0].at: duplicate field"},
		{"unknown action", "events:\n  - {at: 1s, action: explode, node: 1}\n", `events[0].action: unknown action "explode"`},
		{"missing action", "events:\n  - {at: 1s, node: 1}\n", "events[0].action: missing required field"},
		{"missing b", "events:\n  - {at: 1s, action: link_down, a: 1}\n", "events[0].b: missing required field for link_down"},
		{"foreign field", "events:\n  - {at: 1s, action: node_down, node: 1, a: 2}\n", "events[0].a: not a field of node_down"},
		{"loss on node", "events:\n  - {at: 1s, action: link_down, a: 1, b: 2, loss: 1%}\n", "events[0].loss: not a field of link_down"},
		{"bad duration", "events:\n  - {at: soon, action: node_down, node: 1}\n", `events[0].at: want a non-negative duration such as 90s or 10m, got "soon"`},
		{"negative duration", "events:\n  - {at: -1s, action: node_down, node: 1}\n", "events[0].at: want a non-negative duration"},
		{"bad index", "events:\n  - {at: 1s, action: node_down, node: x}\n", `events[0].node: want a PoP index`},
		{"bad loss", "events:\n  - {at: 1s, action: link_loss, a: 1, b: 2, loss: 150%}\n", "events[0].loss: want a probability in [0, 1]"},
		{"bad bool", "events:\n  - {at: 1s, action: link_down, a: 1, b: 2, oneway: maybe}\n", `events[0].oneway: want true or false, got "maybe"`},
		{"null value", "events:\n  - {at: 1s, action: node_down, node: }\n", "events[0].node: want a scalar, got null"},
		{"alias", "x: &a 1s\nevents:\n  - {at: *a, action: node_down, node: 1}\n", "anchors and aliases are not supported"},
		{"index out of range", "events:\n  - {at: 1s, action: node_down, node: 10}\n", "ev.yaml:2: events[0]: node 10: want a PoP index in [0, 10)"},
		{"self link", "events:\n  - {at: 1s, action: link_down, a: 3, b: 3}\n", "link 3-3: want two different PoP indices"},
		{"after the end", "events:\n  - {at: 2h, action: node_down, node: 1}\n", "at 2h0m0s: outside the simulated time [0, 1h0m0s]"},
		{"up while up", "events:\n  - {at: 1s, action: link_up, a: 1, b: 2}\n", "link 1>2 is not down"},
		{"down twice", "events:\n  - {at: 1s, action: link_down, a: 1, b: 2}\n  - {at: 2s, action: link_down, a: 2, b: 1, oneway: true}\n", "ev.yaml:3: events[1]: link 2>1 is already down"},
		{"node up while up", "events:\n  - {at: 1s, action: node_up, node: 1}\n", "node 1 is not down"},
		{"node down twice", "events:\n  - {at: 1s, action: node_down, node: 1}\n  - {at: 2s, action: node_down, node: 1}\n", "node 1 is already down"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseEvents("ev.yaml", []byte(c.data), 10, time.Hour)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
	if _, err := ParseEvents("big", make([]byte, MaxEventsFile+1), 10, time.Hour); err == nil {
		t.Fatal("oversized file accepted")
	}
}

// FuzzParseEvents feeds arbitrary files: no panic, and accepted events are
// in time order, in range and consistent (checkEvents agrees).
func FuzzParseEvents(f *testing.F) {
	for _, s := range []string{
		"events:\n  - {at: 10m, action: link_down, a: 3, b: 7}\n  - {at: 20m, action: link_up, a: 3, b: 7}\n",
		"events:\n  - {at: 1s, action: node_down, node: 2}\n  - {at: 2s, action: node_up, node: 2}\n",
		"events:\n  - {at: 5s, action: link_loss, a: 1, b: 2, loss: 5%, oneway: true}\n",
		"description: none\nevents: []\n",
		"events:\n  - {at: 1s, action: link_up, a: 1, b: 2}\n",
		"x: &a 1\nevents: [*a]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := ParseEvents("fuzz", data, 10, time.Hour)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if err := checkEvents(evs, 10, time.Hour); err != nil {
			t.Fatalf("accepted events fail the check: %v", err)
		}
	})
}

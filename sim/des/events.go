package des

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/argonet/argo/sim/scenario"
)

// Action is what an Event does.
type Action string

// Event actions.
const (
	LinkDown Action = "link_down" // the underlay link stops carrying packets
	LinkUp   Action = "link_up"   // and carries them again
	LinkLoss Action = "link_loss" // probes on the link are lost with probability Loss (0 clears)
	NodeDown Action = "node_down" // the PoP's argod crashes: no probes, no replies, no gossip
	NodeUp   Action = "node_up"   // it restarts with empty state
)

// Event is one change of the network at a point of virtual time. Link
// events concern A->B and B->A, or only A->B when OneWay.
type Event struct {
	At     time.Duration
	Action Action
	A, B   int     // link events: matrix indices
	OneWay bool    // link events: only A->B
	Node   int     // node events: matrix index
	Loss   float64 // link_loss: probability in [0, 1]
	Line   int     // line in the events file, 0 when built in code
}

// isLink reports whether the event concerns a link.
func (e Event) isLink() bool {
	return e.Action == LinkDown || e.Action == LinkUp || e.Action == LinkLoss
}

// String describes the event, e.g. "12m0s link_down 3-17".
func (e Event) String() string {
	switch {
	case e.isLink():
		sep := "-"
		if e.OneWay {
			sep = ">"
		}
		s := fmt.Sprintf("%v %s %d%s%d", e.At, e.Action, e.A, sep, e.B)
		if e.Action == LinkLoss {
			s += fmt.Sprintf(" %.3g", e.Loss)
		}
		return s
	}
	return fmt.Sprintf("%v %s %d", e.At, e.Action, e.Node)
}

// MaxEventsFile bounds an events file; MaxEvents bounds the events in it.
const (
	MaxEventsFile = 1 << 20
	MaxEvents     = 10000
)

// ParseEvents reads an events file (name is used in messages): a strict
// YAML mapping with an optional description and a list of events, e.g.
//
//	description: cut a transatlantic link for ten minutes
//	events:
//	  - {at: 10m, action: link_down, a: 3, b: 17}
//	  - {at: 20m, action: link_up, a: 3, b: 17}
//	  - {at: 30m, action: link_loss, a: 5, b: 9, loss: 20%, oneway: true}
//	  - {at: 40m, action: node_down, node: 42}
//	  - {at: 45m, action: node_up, node: 42}
//
// Unknown or missing fields, anchors, aliases and several documents are
// rejected; errors read "name:line: events[i].field: message". Indices are
// checked against n PoPs and times against duration when they are positive,
// and the sequence must make sense (no link_up of a link that is up, no
// node_down of a PoP that is down...). Events come back in time order.
func ParseEvents(name string, data []byte, n int, duration time.Duration) ([]Event, error) {
	if len(data) > MaxEventsFile {
		return nil, fmt.Errorf("%s: %d bytes, larger than %d", name, len(data), MaxEventsFile)
	}
	root, err := scenario.ReadDocument(name, "an events file", data)
	if err != nil {
		return nil, err
	}
	p := &eventParser{file: name}
	evs := p.root(root)
	if p.err != nil {
		return nil, p.err
	}
	slices.SortStableFunc(evs, func(a, b Event) int { return int(a.At - b.At) })
	if err := checkEvents(evs, n, duration); err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	return evs, nil
}

// eventParser walks the YAML tree; it keeps the first error.
type eventParser struct {
	file string
	err  error
}

func (p *eventParser) fail(n *yaml.Node, path, format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("%s:%d: %s: %s", p.file, n.Line, path, fmt.Sprintf(format, args...))
	}
}

// mapping calls f for every key of mapping n, rejecting duplicates and keys
// not in known.
func (p *eventParser) mapping(n *yaml.Node, path string, known []string, f func(key string, v *yaml.Node)) map[string]bool {
	seen := map[string]bool{}
	if n.Kind != yaml.MappingNode {
		p.fail(n, path, "want a mapping, got %s", scenario.KindName(n))
		return seen
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode || !slices.Contains(known, k.Value):
			p.fail(k, path+"."+k.Value, "unknown field (known: %s)", strings.Join(known, ", "))
		case seen[k.Value]:
			p.fail(k, path+"."+k.Value, "duplicate field")
		default:
			seen[k.Value] = true
			f(k.Value, v)
		}
	}
	return seen
}

func (p *eventParser) root(n *yaml.Node) []Event {
	var evs []Event
	seen := p.mapping(n, "document", []string{"description", "events"}, func(key string, v *yaml.Node) {
		if key == "description" {
			p.scalar(v, key)
			return
		}
		if v.Kind != yaml.SequenceNode {
			p.fail(v, key, "want a list, got %s", scenario.KindName(v))
			return
		}
		if len(v.Content) > MaxEvents {
			p.fail(v, key, "%d events, more than %d", len(v.Content), MaxEvents)
			return
		}
		for i, e := range v.Content {
			evs = append(evs, p.event(e, fmt.Sprintf("events[%d]", i)))
		}
	})
	if p.err == nil && !seen["events"] {
		p.fail(n, "events", "missing required field")
	}
	return evs
}

var eventFields = []string{"at", "action", "a", "b", "oneway", "node", "loss"}

func (p *eventParser) event(n *yaml.Node, path string) Event {
	e := Event{Line: n.Line, A: -1, B: -1, Node: -1}
	seen := p.mapping(n, path, eventFields, func(key string, v *yaml.Node) {
		fp := path + "." + key
		switch key {
		case "at":
			e.At = p.duration(v, fp)
		case "action":
			e.Action = Action(p.scalar(v, fp))
		case "a":
			e.A = p.index(v, fp)
		case "b":
			e.B = p.index(v, fp)
		case "node":
			e.Node = p.index(v, fp)
		case "oneway":
			e.OneWay = p.boolean(v, fp)
		case "loss":
			e.Loss = p.probability(v, fp)
		}
	})
	if p.err != nil {
		return e
	}
	need := map[Action][]string{
		LinkDown: {"at", "a", "b"}, LinkUp: {"at", "a", "b"}, LinkLoss: {"at", "a", "b", "loss"},
		NodeDown: {"at", "node"}, NodeUp: {"at", "node"},
	}
	req, ok := need[e.Action]
	if !ok {
		if !seen["action"] {
			p.fail(n, path+".action", "missing required field")
		} else {
			p.fail(n, path+".action", "unknown action %q (known: link_down, link_up, link_loss, node_down, node_up)", e.Action)
		}
		return e
	}
	for _, k := range req {
		if !seen[k] {
			p.fail(n, path+"."+k, "missing required field for %s", e.Action)
		}
	}
	for k := range seen {
		if k != "action" && !slices.Contains(req, k) && !(k == "oneway" && e.isLink()) {
			p.fail(n, path+"."+k, "not a field of %s", e.Action)
		}
	}
	return e
}

func (p *eventParser) scalar(n *yaml.Node, path string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.fail(n, path, "want a scalar, got %s", scenario.KindName(n))
		return ""
	}
	return n.Value
}

func (p *eventParser) duration(n *yaml.Node, path string) time.Duration {
	v := p.scalar(n, path)
	if p.err != nil {
		return 0
	}
	if v == "0" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		p.fail(n, path, "want a non-negative duration such as 90s or 10m, got %q", v)
	}
	return d
}

func (p *eventParser) index(n *yaml.Node, path string) int {
	v := p.scalar(n, path)
	if p.err != nil {
		return -1
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 || i >= MaxPoPs {
		p.fail(n, path, "want a PoP index in [0, %d), got %q", MaxPoPs, v)
		return -1
	}
	return i
}

func (p *eventParser) boolean(n *yaml.Node, path string) bool {
	switch v := p.scalar(n, path); v {
	case "true":
		return true
	case "false":
	default:
		if p.err == nil {
			p.fail(n, path, "want true or false, got %q", v)
		}
	}
	return false
}

// probability accepts 0..1 or a percentage such as "20%".
func (p *eventParser) probability(n *yaml.Node, path string) float64 {
	v := p.scalar(n, path)
	if p.err != nil {
		return 0
	}
	num, scale := v, 1.0
	if s, pct := strings.CutSuffix(v, "%"); pct {
		num, scale = strings.TrimSpace(s), 100
	}
	f, err := strconv.ParseFloat(num, 64)
	f /= scale
	if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
		p.fail(n, path, "want a probability in [0, 1] such as 0.2 or 20%%, got %q", v)
		return 0
	}
	return f
}

// checkEvents checks indices against n PoPs, times against the duration
// (when positive), and that the sequence is consistent. Errors start with
// "line: events[i]" for parsed events, "events[i]" for others.
func checkEvents(evs []Event, n int, duration time.Duration) error {
	linkDown := map[[2]int]bool{}
	nodeDown := map[int]bool{}
	for i, e := range evs {
		where := fmt.Sprintf("events[%d]", i)
		if e.Line > 0 {
			where = fmt.Sprintf("%d: events[%d]", e.Line, i)
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...))
		}
		if i > 0 && e.At < evs[i-1].At {
			return fail("at %v: events must be in time order", e.At)
		}
		if e.At < 0 || (duration > 0 && e.At > duration) {
			return fail("at %v: outside the simulated time [0, %v]", e.At, duration)
		}
		switch e.Action {
		case LinkDown, LinkUp, LinkLoss:
			if e.A < 0 || e.B < 0 || (n > 0 && (e.A >= n || e.B >= n)) || e.A == e.B {
				return fail("link %d-%d: want two different PoP indices in [0, %d)", e.A, e.B, n)
			}
			if !(e.Loss >= 0 && e.Loss <= 1) {
				return fail("loss %v not in [0, 1]", e.Loss)
			}
			dirs := [][2]int{{e.A, e.B}, {e.B, e.A}}
			if e.OneWay {
				dirs = dirs[:1]
			}
			for _, d := range dirs {
				switch {
				case e.Action == LinkDown && linkDown[d]:
					return fail("link %d>%d is already down", d[0], d[1])
				case e.Action == LinkUp && !linkDown[d]:
					return fail("link %d>%d is not down", d[0], d[1])
				}
				if e.Action != LinkLoss {
					linkDown[d] = e.Action == LinkDown
				}
			}
		case NodeDown, NodeUp:
			if e.Node < 0 || (n > 0 && e.Node >= n) {
				return fail("node %d: want a PoP index in [0, %d)", e.Node, n)
			}
			if (e.Action == NodeDown) == nodeDown[e.Node] {
				if e.Action == NodeDown {
					return fail("node %d is already down", e.Node)
				}
				return fail("node %d is not down", e.Node)
			}
			nodeDown[e.Node] = e.Action == NodeDown
		default:
			return fail("unknown action %q", e.Action)
		}
	}
	return nil
}

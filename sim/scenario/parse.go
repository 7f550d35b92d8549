package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"time"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds a scenario file.
const MaxFileSize = 1 << 20

// Parse reads scenario file data (name is used in error messages) and
// validates it. Errors have the form "name:line: field: message"; several
// are joined.
func Parse(name string, data []byte) (*Scenario, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %d bytes, larger than %d", name, len(data), MaxFileSize)
	}
	root, err := ReadDocument(name, "a scenario file", data)
	if err != nil {
		return nil, err
	}
	d := &decoder{file: name}
	s := &Scenario{File: name}
	d.scenario(root, s)
	if err := d.err(); err != nil {
		return nil, err
	}
	v := &validator{decoder: d, s: s}
	v.validate()
	if err := d.err(); err != nil {
		return nil, err
	}
	sort.SliceStable(s.Events, func(i, j int) bool { return s.Events[i].At < s.Events[j].At })
	return s, nil
}

// ReadDocument returns the root node of the single YAML document in data (a
// file called name; what names its kind in messages, e.g. "a scenario
// file"). Empty input, a second document, anchors and aliases are errors
// of the form "name:line: message". The argosim des events parser shares it.
func ReadDocument(name, what string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file", name)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return nil, fmt.Errorf("%s:%d: a second YAML document; %s holds one", name, line, what)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("%s: not a YAML document", name)
	}
	if a := firstAlias(doc.Content[0]); a != nil {
		return nil, fmt.Errorf("%s:%d: anchors and aliases are not supported", name, a.Line)
	}
	return doc.Content[0], nil
}

// firstAlias returns the first node of the tree n that is an alias or has
// an anchor, or nil.
func firstAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return n
	}
	for _, c := range n.Content {
		if a := firstAlias(c); a != nil {
			return a
		}
	}
	return nil
}

// nameRE: PoP, client, origin and flow names end up in interface names,
// namespace names and metric labels.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,10}$`)

// argodKeyRE: argod override keys such as "pathcalc.hysteresis".
var argodKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)

func (d *decoder) scenario(n *yaml.Node, s *Scenario) {
	d.fields(n, "", map[string]func(*yaml.Node){
		"name":        func(v *yaml.Node) { d.str(v, "name", &s.Name) },
		"description": func(v *yaml.Node) { d.str(v, "description", &s.Description) },
		"duration":    func(v *yaml.Node) { d.duration(v, "duration", &s.Duration) },
		"pops": func(v *yaml.Node) {
			d.list(v, "pops", func(_ int, e *yaml.Node, path string) { s.Pops = append(s.Pops, d.pop(e, path)) })
		},
		"links": func(v *yaml.Node) { d.links(v, &s.Links) },
		"clients": func(v *yaml.Node) {
			d.list(v, "clients", func(_ int, e *yaml.Node, path string) { s.Clients = append(s.Clients, d.client(e, path)) })
		},
		"origins": func(v *yaml.Node) {
			d.list(v, "origins", func(_ int, e *yaml.Node, path string) { s.Origins = append(s.Origins, d.origin(e, path)) })
		},
		"events": func(v *yaml.Node) {
			d.list(v, "events", func(_ int, e *yaml.Node, path string) { s.Events = append(s.Events, d.event(e, path)) })
		},
		"flows": func(v *yaml.Node) {
			d.list(v, "flows", func(_ int, e *yaml.Node, path string) { s.Flows = append(s.Flows, d.flow(e, path)) })
		},
		"probe": func(v *yaml.Node) { d.probe(v, &s.Probe) },
		"argod": func(v *yaml.Node) { s.Argod = d.argod(v) },
	}, "name", "duration", "pops")
}

func (d *decoder) name(v *yaml.Node, path string, dst *string) {
	d.str(v, path, dst)
	if *dst != "" && !nameRE.MatchString(*dst) {
		d.errorf(v, path, "%q: want 1-11 of [a-z0-9-], starting with a letter or digit", *dst)
	}
}

func (d *decoder) pop(n *yaml.Node, path string) Pop {
	p := Pop{Line: n.Line}
	d.fields(n, path, map[string]func(*yaml.Node){
		"name": func(v *yaml.Node) { d.name(v, path+".name", &p.Name) },
		"id": func(v *yaml.Node) {
			var id int64
			if d.integer(v, path+".id", 1, 65535, &id) {
				p.ID = uint16(id)
			}
		},
		"city": func(v *yaml.Node) { d.str(v, path+".city", &p.City) },
		"lat":  func(v *yaml.Node) { p.Lat = d.coordinate(v, path+".lat", 90) },
		"lon":  func(v *yaml.Node) { p.Lon = d.coordinate(v, path+".lon", 180) },
	}, "name", "id")
	return p
}

func (d *decoder) coordinate(v *yaml.Node, path string, limit float64) *float64 {
	var f float64
	if !d.float(v, path, &f) {
		return nil
	}
	if f < -limit || f > limit {
		d.errorf(v, path, "%v outside [%v, %v]", f, -limit, limit)
		return nil
	}
	return &f
}

func (d *decoder) links(n *yaml.Node, l *Links) {
	d.fields(n, "links", map[string]func(*yaml.Node){
		"default": func(v *yaml.Node) {
			var rtt bool
			d.fields(v, "links.default", d.linkSpecFields(v, "links.default", &l.Default, &rtt))
			if rtt {
				d.errorf(v, "links.default.rtt", "rtt is for symmetric pairs; use delay (one-way)")
			}
		},
		"pairs": func(v *yaml.Node) {
			d.list(v, "links.pairs", func(_ int, e *yaml.Node, path string) { l.Pairs = append(l.Pairs, d.link(e, path)) })
		},
	})
}

// linkSpecFields returns the handlers of the link parameter keys. rtt sets
// the one-way delay to half its value and records that it was used.
func (d *decoder) linkSpecFields(n *yaml.Node, path string, s *LinkSpec, rtt *bool) map[string]func(*yaml.Node) {
	var delaySeen bool
	return map[string]func(*yaml.Node){
		"delay": func(v *yaml.Node) {
			if *rtt {
				d.errorf(v, path+".delay", "both delay and rtt given")
			}
			delaySeen = true
			d.duration(v, path+".delay", &s.Delay)
		},
		"rtt": func(v *yaml.Node) {
			if delaySeen {
				d.errorf(v, path+".rtt", "both delay and rtt given")
			}
			var r time.Duration
			if d.duration(v, path+".rtt", &r) {
				s.Delay = r / 2
			}
			*rtt = true
		},
		"jitter": func(v *yaml.Node) { d.duration(v, path+".jitter", &s.Jitter) },
		"loss":   func(v *yaml.Node) { d.probability(v, path+".loss", &s.Loss) },
		"ge":     func(v *yaml.Node) { s.GE = d.ge(v, path+".ge") },
		"rate":   func(v *yaml.Node) { d.rate(v, path+".rate", &s.RateBps) },
	}
}

func (d *decoder) ge(n *yaml.Node, path string) *GilbertElliott {
	g := &GilbertElliott{}
	d.fields(n, path, map[string]func(*yaml.Node){
		"p":         func(v *yaml.Node) { d.probability(v, path+".p", &g.P) },
		"r":         func(v *yaml.Node) { d.probability(v, path+".r", &g.R) },
		"good_loss": func(v *yaml.Node) { d.probability(v, path+".good_loss", &g.GoodLoss) },
		"bad_loss":  func(v *yaml.Node) { d.probability(v, path+".bad_loss", &g.BadLoss) },
	}, "p", "r", "bad_loss")
	return g
}

func (d *decoder) link(n *yaml.Node, path string) Link {
	l := Link{Line: n.Line}
	var rtt bool
	h := d.linkSpecFields(n, path, &l.LinkSpec, &rtt)
	h["from"] = func(v *yaml.Node) { d.str(v, path+".from", &l.From) }
	h["to"] = func(v *yaml.Node) { d.str(v, path+".to", &l.To) }
	h["symmetric"] = func(v *yaml.Node) { d.boolean(v, path+".symmetric", &l.Symmetric) }
	d.fields(n, path, h, "from", "to")
	if rtt && !l.Symmetric {
		d.errorf(n, path+".rtt", "rtt needs symmetric: true (or give the one-way delay)")
	}
	return l
}

func (d *decoder) client(n *yaml.Node, path string) Client {
	c := Client{Line: n.Line}
	d.fields(n, path, map[string]func(*yaml.Node){
		"name": func(v *yaml.Node) { d.name(v, path+".name", &c.Name) },
		"pop":  func(v *yaml.Node) { d.str(v, path+".pop", &c.Pop) },
	}, "name", "pop")
	return c
}

func (d *decoder) origin(n *yaml.Node, path string) Origin {
	o := Origin{Line: n.Line}
	d.fields(n, path, map[string]func(*yaml.Node){
		"name":   func(v *yaml.Node) { d.name(v, path+".name", &o.Name) },
		"pop":    func(v *yaml.Node) { d.str(v, path+".pop", &o.Pop) },
		"prefix": func(v *yaml.Node) { d.prefix(v, path+".prefix", &o.Prefix) },
	}, "name", "pop", "prefix")
	return o
}

func (d *decoder) event(n *yaml.Node, path string) Event {
	e := Event{Line: n.Line}
	var patch LinkSpec
	var rtt bool
	set := map[string]bool{}
	h := d.linkSpecFields(n, path, &patch, &rtt)
	for k, f := range h {
		h[k] = func(v *yaml.Node) { set[k] = true; f(v) }
	}
	delete(h, "rtt")
	h["at"] = func(v *yaml.Node) { d.duration(v, path+".at", &e.At) }
	h["action"] = func(v *yaml.Node) {
		var a string
		d.str(v, path+".action", &a)
		e.Action = Action(a)
	}
	h["from"] = func(v *yaml.Node) { d.str(v, path+".from", &e.From) }
	h["to"] = func(v *yaml.Node) { d.str(v, path+".to", &e.To) }
	h["pop"] = func(v *yaml.Node) { d.str(v, path+".pop", &e.Pop) }
	h["symmetric"] = func(v *yaml.Node) { d.boolean(v, path+".symmetric", &e.Symmetric) }
	d.fields(n, path, h, "at", "action")
	if set["delay"] {
		e.Set.Delay = &patch.Delay
	}
	if set["jitter"] {
		e.Set.Jitter = &patch.Jitter
	}
	if set["loss"] {
		e.Set.Loss = &patch.Loss
	}
	if set["ge"] {
		e.Set.GE = patch.GE
	}
	if set["rate"] {
		e.Set.RateBps = &patch.RateBps
	}
	return e
}

func (d *decoder) flow(n *yaml.Node, path string) Flow {
	f := Flow{Line: n.Line, Rate: DefaultFlowRate, Size: DefaultFlowSize}
	d.fields(n, path, map[string]func(*yaml.Node){
		"name":   func(v *yaml.Node) { d.name(v, path+".name", &f.Name) },
		"client": func(v *yaml.Node) { d.str(v, path+".client", &f.Client) },
		"origin": func(v *yaml.Node) { d.str(v, path+".origin", &f.Origin) },
		"rate": func(v *yaml.Node) {
			var r int64
			if d.integer(v, path+".rate", 1, 100000, &r) {
				f.Rate = int(r)
			}
		},
		"size": func(v *yaml.Node) {
			var s int64
			if d.integer(v, path+".size", 1, 1400, &s) {
				f.Size = int(s)
			}
		},
	}, "name", "client", "origin")
	return f
}

func (d *decoder) probe(n *yaml.Node, p *Probe) {
	d.fields(n, "probe", map[string]func(*yaml.Node){
		"interval": func(v *yaml.Node) { d.duration(v, "probe.interval", &p.Interval) },
		"timeout":  func(v *yaml.Node) { d.duration(v, "probe.timeout", &p.Timeout) },
	})
}

func (d *decoder) argod(n *yaml.Node) map[string]string {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "argod", "want a mapping of setting: value, got %s", KindName(n))
		return nil
	}
	m := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		path := "argod." + k.Value
		if !argodKeyRE.MatchString(k.Value) {
			d.errorf(k, path, "want a key such as pathcalc.hysteresis")
			continue
		}
		if val, ok := d.scalar(v, path, "a scalar value"); ok {
			m[k.Value] = val
		}
	}
	return m
}

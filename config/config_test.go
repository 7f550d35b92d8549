package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseValid(t *testing.T) {
	c, err := Load("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.PoP.ID != 1 || c.PoP.Name != "ams" || len(c.Resolved.Peers) != 2 {
		t.Fatalf("unexpected config %+v", c)
	}
	if c.Probe.Interval != 200*time.Millisecond || c.Probe.DownAfter != 3 {
		t.Errorf("probe defaults: %+v", c.Probe)
	}
	if got := c.Resolved.Seeds; len(got) != 2 || got[0] != "198.18.0.2:7946" {
		t.Errorf("seeds = %v", got)
	}
	if c.Resolved.APIMode != 0o600 {
		t.Errorf("api mode %v", c.Resolved.APIMode)
	}
	if len(c.Resolved.Peers[1].Underlay) != 2 || !c.Resolved.Peers[1].Underlay[1].Is6() {
		t.Errorf("ipv6 underlay not parsed: %v", c.Resolved.Peers[1].Underlay)
	}
	if id, ok := c.IDOf("sin"); !ok || id != 3 || c.NameOf(2) != "fra" || c.NameOf(9) != "#9" {
		t.Errorf("name lookups broken")
	}
}

// mutate returns the valid config with old replaced by new (exactly once).
func mutate(t *testing.T, old, new string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(b), old) != 1 {
		t.Fatalf("%q must occur exactly once in valid.yaml", old)
	}
	return []byte(strings.Replace(string(b), old, new, 1))
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, old, new string
		line           int
		field, msg     string
	}{
		{"unknown key", "  port: 51821", "  port: 51821\n  prot: 1", 5, "overlay.prot", "unknown field"},
		{"unknown top-level", "log: {level: debug}", "log: {level: debug}\nfoo: 1", 28, "foo", "unknown field"},
		{"wrong type", "interval: 200ms", "interval: fast", 19, "probe.interval", "cannot unmarshal"},
		{"wrong type id", "pop: {id: 1,", "pop: {id: one,", 1, "pop.id", "cannot unmarshal"},
		{"id overflow", "pop: {id: 1,", "pop: {id: 70000,", 1, "pop.id", "cannot unmarshal"},
		{"duplicate id", "  - id: 3", "  - id: 2", 12, "peers[1].id", "duplicate PoP id 2"},
		{"duplicate name", "    name: sin", "    name: fra", 13, "peers[1].name", "duplicate PoP name"},
		{"peer is self id", "  - id: 2", "  - id: 1", 8, "peers[0].id", "own id"},
		{"peer is self name", "    name: fra", "    name: ams", 9, "peers[0].name", "own name"},
		{"bad address", "[198.18.0.2]", "[198.18.0.300]", 10, "peers[0].underlay[0]", "not an IP address"},
		{"bad own address", "underlay: [198.18.0.1]", "underlay: [nope]", 2, "underlay[0]", "not an IP address"},
		{"peer has own address", "[198.18.0.2]", "[198.18.0.1]", 10, "peers[0].underlay[0]", "own underlay"},
		{"interval too small", "interval: 200ms", "interval: 5ms", 19, "probe.interval", "out of range 20ms"},
		{"interval too big", "interval: 200ms", "interval: 1m", 19, "probe.interval", "out of range"},
		{"max hops", "max_hops: 3", "max_hops: 5", 21, "path.max_hops", "out of range 1..4"},
		{"loss down too low", "  port: 51821", "  port: 51821\n  probe_loss_down: 0.01", 5, "overlay.probe_loss_down", "out of range"},
		{"settle too long", "max_hops: 3", "max_hops: 3\n  hysteresis_settle: 2h", 22, "path.hysteresis_settle", "out of range"},
		{"bad key", `"mTr2ZfgEeFu3vxeV6MPYD4SQ1yI7kS7l1ueK5UEyDWY="`, `"abc"`, 11, "peers[0].public_key", "not a WireGuard public key"},
		{"bad prefix", "[203.0.113.0/24]", "[203.0.113.0/33]", 24, "prefixes[0]", "out of range"},
		{"host bits", "[203.0.113.0/24]", "[203.0.113.1/24]", 24, "prefixes[0]", "host bits"},
		{"bias unknown pop", "{from: ams, to: sin", "{from: ams, to: xyz", 23, "path.bias[0].to", "not a PoP name"},
		{"duplicate key", "  port: 51821", "  port: 51821\n  port: 51822", 5, "overlay.port", "duplicate key"},
		{"missing secret", "  secret_file: /etc/argo/gossip.key", "  refresh_interval: 1s", 17, "gossip.secret_file", "required"},
		{"bad seed", "  secret_file: /etc/argo/gossip.key", "  secret_file: /etc/argo/gossip.key\n  seeds: [lon]", 18, "gossip.seeds[0]", "not the name of a peer"},
		{"list instead of map", "probe:\n  interval: 200ms", "probe: [1]", 18, "probe", "expected a mapping"},
		{"log level", "log: {level: debug}", "log: {level: loud}", 27, "log.level", "not one of"},
		{"metrics listen", `listen: "127.0.0.1:9464"`, `listen: "localhost"`, 26, "metrics.listen", "not host:port"},
		{"api mode", "api: {socket: /run/argo/ams.sock}", "api: {socket: /run/argo/ams.sock, mode: '999'}", 25, "api.mode", "octal"},
		{"pop name", "name: ams,", "name: 'A M S',", 1, "pop.name", "not a valid name"},
		{"bgp asn format", "prefixes: [203.0.113.0/24]", "prefixes: [203.0.113.0/24]\nbgp: {asn: 'sixty', anycast: [{prefix: 192.0.2.0/24}]}", 25, "bgp.asn", "AS number"},
		{"bgp duplicate neighbour", "prefixes: [203.0.113.0/24]", "prefixes: [203.0.113.0/24]\nbgp:\n  asn: 65001\n  neighbors:\n    - {address: 198.18.0.254, asn: 65000}\n    - {address: 198.18.0.254, asn: 65000}", 29, "bgp.neighbors[1].address", "duplicates"},
		{"bgp bad prefix", "prefixes: [203.0.113.0/24]", "prefixes: [203.0.113.0/24]\nbgp: {asn: 65001, anycast: [{prefix: 192.0.2.0/33}]}", 25, "bgp.anycast[0].prefix", "prefix"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("argod.yaml", mutate(t, tc.old, tc.new))
			if err == nil {
				t.Fatal("expected an error")
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *config.Error", err)
			}
			if ce.File != "argod.yaml" || ce.Line != tc.line || ce.Field != tc.field || !strings.Contains(ce.Msg, tc.msg) {
				t.Errorf("got %q (line %d field %q), want line %d field %q containing %q", err, ce.Line, ce.Field, tc.line, tc.field, tc.msg)
			}
		})
	}
}

func TestParseGarbage(t *testing.T) {
	for _, in := range []string{"", "\x00\x01", "[", "- a\n- b", "pop: *x", "a: &x 1\nb: *x"} {
		if _, err := Parse("x.yaml", []byte(in)); err == nil {
			t.Errorf("%q: expected an error", in)
		}
	}
}

func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("pop: {id: 1, name: a}\nunderlay: [198.18.0.1]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if c.PoP.ID == 0 || len(c.Resolved.Underlay) == 0 {
			t.Fatalf("accepted an incomplete config")
		}
	})
}

package lab

import (
	"crypto/ecdh"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/argonet/argo/sim/scenario"
)

func keys(t testing.TB, n int) []KeyPair {
	t.Helper()
	out := make([]KeyPair, n)
	for i := range out {
		k, err := NewKeyPair()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = k
	}
	return out
}

func TestNewKeyPair(t *testing.T) {
	k := keys(t, 1)[0]
	priv, err := base64.StdEncoding.DecodeString(k.Private)
	if err != nil || len(priv) != 32 || priv[0]&7 != 0 || priv[31]&128 != 0 || priv[31]&64 == 0 {
		t.Fatalf("private key %q not a clamped Curve25519 key", k.Private)
	}
	// The public key matches what the standard library derives.
	sk, err := ecdh.X25519().NewPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if base64.StdEncoding.EncodeToString(sk.PublicKey().Bytes()) != k.Public {
		t.Fatal("public key does not match the private key")
	}
}

func TestArgodConfig(t *testing.T) {
	s := parse(t, planScenario+"probe: {interval: 100ms, timeout: 2s}\nargod: {path.hysteresis_hold: 500ms, path.max_loss: 0.2, log.level: debug}\n")
	p, err := NewPlan(s, "abc123")
	if err != nil {
		t.Fatal(err)
	}
	ov, err := Overrides(s)
	if err != nil {
		t.Fatal(err)
	}
	data, c, err := p.ArgodConfig(0, keys(t, 3), "/x/gossip.key", ov)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if c.PoP.Name != "a" || c.PoP.City != "São Paulo" || c.Overlay.Interface != "asabc123p0" || len(c.Peers) != 2 {
		t.Errorf("config %+v", c.PoP)
	}
	if c.Probe.Interval != 100*time.Millisecond || c.Probe.MinTimeout != 2*time.Second || c.Probe.MaxTimeout != 2*time.Second {
		t.Errorf("probe %+v", c.Probe)
	}
	if c.Path.HysteresisHold != 500*time.Millisecond || c.Path.MaxLoss != 0.2 || c.Log.Level != "debug" {
		t.Errorf("overrides not applied: %+v %+v", c.Path, c.Log)
	}
	if len(c.Prefixes) != 2 || c.Prefixes[0] != "100.96.0.0/24" || c.Metrics.Listen != "off" {
		t.Errorf("prefixes %v metrics %q", c.Prefixes, c.Metrics.Listen)
	}
}

func TestOverridesRejected(t *testing.T) {
	cases := []struct{ argod, want string }{
		{"{pop.id: 3}", "argod.pop.id: set by argosim"},
		{"{peers: x}", "argod.peers: set by argosim"},
		{"{api.socket: /x}", "argod.api.socket: set by argosim"},
		{"{xdp.mode: auto}", "argod.xdp.mode: set by argosim"},
		{"{probe.interval: 1s}\nprobe: {interval: 2s}", "argod.probe.interval: also set by the probe section"},
	}
	for _, c := range cases {
		_, err := Overrides(parse(t, planScenario+"argod: "+c.argod+"\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("argod %s: %v, want %q", c.argod, err, c.want)
		}
	}
}

// TestArgodConfigRejects: settings the config package rejects fail with
// the argod key in the message, before anything is built.
func TestArgodConfigRejects(t *testing.T) {
	cases := []struct{ argod, want string }{
		{"{path.hysteresis: 1s}", "path.hysteresis"},
		{"{path.max_hops: 9}", "path.max_hops"},
		{"{probe.interval: fast}", "probe.interval"},
		{"{nosuch.key: 1}", "nosuch"},
		{"{path.max_loss: 2}", "path.max_loss"},
	}
	for _, c := range cases {
		s := parse(t, planScenario+"argod: "+c.argod+"\n")
		_, _, err := Prepare(s, "abc123")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("argod %s: %v, want an error naming %q", c.argod, err, c.want)
		}
	}
}

// FuzzArgodOverride: no override key or value makes config generation
// panic; accepted ones produce a configuration that parses.
func FuzzArgodOverride(f *testing.F) {
	f.Add("path.hysteresis_hold", "500ms")
	f.Add("probe.window", "20")
	f.Add("path.bias", "[")
	f.Add("a.b.c.d", "x: y")
	p, err := NewPlan(parseF(f), "abc123")
	if err != nil {
		f.Fatal(err)
	}
	ks := keys(f, len(p.Pops))
	f.Fuzz(func(t *testing.T, key, value string) {
		if !argodKeyOK(key) {
			return
		}
		_, c, err := p.ArgodConfig(0, ks, "/x/g.key", []Override{{Key: key, Value: value}})
		if err == nil && c == nil {
			t.Fatal("no error and no config")
		}
	})
}

// argodKeyOK mirrors what the scenario parser accepts as an argod key.
func argodKeyOK(k string) bool {
	if k == "" {
		return false
	}
	for _, part := range strings.Split(k, ".") {
		if part == "" {
			return false
		}
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				return false
			}
		}
	}
	return true
}

func parseF(f *testing.F) *scenario.Scenario {
	s, err := scenario.Parse("s.yaml", []byte(planScenario))
	if err != nil {
		f.Fatal(err)
	}
	return s
}

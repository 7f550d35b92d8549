package lab

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/argonet/argo/config"
	"github.com/argonet/argo/sim/scenario"
)

// ownedKeys are the argod settings argosim generates itself; a scenario may
// not override them (a key matches an entry or lies below it).
var ownedKeys = []string{
	"pop", "underlay", "overlay.port", "overlay.interface", "overlay.address",
	"overlay.private_key_file", "overlay.underlay_mtu", "onramp", "peers",
	"gossip.bind", "gossip.port", "gossip.seeds", "gossip.secret_file",
	"prefixes", "api", "metrics", "xdp",
}

// Override is one argod setting for every PoP: a dotted key below the
// configuration root ("path.hysteresis_hold") and its YAML scalar value.
type Override struct {
	Key, Value string
}

// Overrides returns the argod settings scenario s asks for: its probe
// section (interval → probe.interval; timeout → probe.min_timeout, and
// probe.max_timeout if the timeout is longer than argod's default 1s) and
// its argod section, sorted by key. Keys that argosim generates, or given
// twice, are errors naming the key.
func Overrides(s *scenario.Scenario) ([]Override, error) {
	m := map[string]string{}
	if s.Probe.Interval > 0 {
		m["probe.interval"] = s.Probe.Interval.String()
	}
	if t := s.Probe.Timeout; t > 0 {
		m["probe.min_timeout"] = t.String()
		if t > time.Second {
			m["probe.max_timeout"] = t.String()
		}
	}
	var errs []string
	for _, k := range sortedKeys(s.Argod) {
		for _, o := range ownedKeys {
			if k == o || strings.HasPrefix(k, o+".") {
				errs = append(errs, fmt.Sprintf("%s: argod.%s: set by argosim, cannot be overridden", s.File, k))
			}
		}
		if _, dup := m[k]; dup {
			errs = append(errs, fmt.Sprintf("%s: argod.%s: also set by the probe section", s.File, k))
		}
		m[k] = s.Argod[k]
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	out := make([]Override, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, Override{Key: k, Value: m[k]})
	}
	return out, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ArgodConfig returns the configuration file of PoP i and the parsed,
// validated configuration: every other PoP is a peer, the PoP serves its
// clients' subnets and origins' prefixes, the API socket and logs live in
// the work directory, metrics are off, and the overrides are applied. A
// setting the config package rejects is an error naming the argod key.
func (p *Plan) ArgodConfig(i int, keys []KeyPair, secretFile string, ov []Override) ([]byte, *config.Config, error) {
	if len(keys) != len(p.Pops) {
		return nil, nil, fmt.Errorf("%d keys for %d PoPs", len(keys), len(p.Pops))
	}
	pp := p.Pops[i]
	root := mapping(
		"pop", mapping("id", plain(fmt.Sprint(pp.ID)), "name", str(pp.Name), "city", str(pp.City)),
		"underlay", seq(str(pp.Underlay.Addr().String())),
		"overlay", mapping("interface", str(pp.WGIf), "private_key_file", str(pp.Key)),
		"gossip", mapping("secret_file", str(secretFile)),
		"api", mapping("socket", str(pp.Socket)),
		"metrics", mapping("listen", str("off")),
		"log", mapping("level", str("info")),
	)
	var peers []*yaml.Node
	for j, q := range p.Pops {
		if j == i {
			continue
		}
		peers = append(peers, mapping("id", plain(fmt.Sprint(q.ID)), "name", str(q.Name), "city", str(q.City),
			"underlay", seq(str(q.Underlay.Addr().String())), "public_key", str(keys[j].Public)))
	}
	setKey(root, []string{"peers"}, seq(peers...))
	setKey(root, []string{"prefixes"}, seq(prefixNodes(pp.Prefixes)...))
	for _, o := range ov {
		setKey(root, strings.Split(o.Key, "."), plain(o.Value))
	}
	data, err := yaml.Marshal(root)
	if err != nil {
		return nil, nil, fmt.Errorf("argod config of %s: %w", pp.Name, err)
	}
	c, err := config.Parse(pp.Config, data)
	if err != nil {
		return nil, nil, fmt.Errorf("argod config of PoP %s (check the scenario's argod and probe settings): %w", pp.Name, err)
	}
	return data, c, nil
}

func prefixNodes(ps []netip.Prefix) []*yaml.Node {
	out := make([]*yaml.Node, len(ps))
	for i, p := range ps {
		out[i] = str(p.String())
	}
	return out
}

// str is a string scalar (quoted when YAML needs it).
func str(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

// plain is a scalar whose type YAML resolves (number, duration text, bool).
func plain(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }

func seq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: items}
}

// mapping builds a mapping from alternating keys (string) and values (*yaml.Node).
func mapping(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, str(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return n
}

// setKey sets the value at path below mapping n, creating mappings on the
// way and replacing what was there.
func setKey(n *yaml.Node, path []string, v *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != path[0] {
			continue
		}
		if len(path) == 1 {
			n.Content[i+1] = v
			return
		}
		child := n.Content[i+1]
		if child.Kind != yaml.MappingNode {
			child = &yaml.Node{Kind: yaml.MappingNode}
			n.Content[i+1] = child
		}
		setKey(child, path[1:], v)
		return
	}
	if len(path) == 1 {
		n.Content = append(n.Content, str(path[0]), v)
		return
	}
	child := &yaml.Node{Kind: yaml.MappingNode}
	n.Content = append(n.Content, str(path[0]), child)
	setKey(child, path[1:], v)
}

package lab

import (
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/argonet/argo/sim/scenario"
)

const planScenario = `name: p
duration: 10s
pops:
  - {name: a, id: 1, city: "São Paulo"}
  - {name: b, id: 7}
  - {name: c, id: 9}
links: {default: {delay: 10ms}}
clients: [{name: c1, pop: a}, {name: c2, pop: a}, {name: c3, pop: c}]
origins: [{name: o1, pop: b, prefix: 203.0.113.0/24}, {name: o2, pop: b, prefix: 198.51.100.64/26}]
`

func parse(t *testing.T, y string) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Parse("s.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewPlan(t *testing.T) {
	p, err := NewPlan(parse(t, planScenario), "abc123")
	if err != nil {
		t.Fatal(err)
	}
	id := "argosim-r" + strconv.Itoa(os.Getpid()) + "-abc123"
	if p.ID != id || !strings.HasSuffix(p.Dir, "/"+id) {
		t.Fatalf("ID %q dir %q", p.ID, p.Dir)
	}
	a, _ := p.Pop("a")
	b, _ := p.Pop("b")
	if a.Netns != id+"-p-a" || a.Underlay.String() != "198.18.128.1/20" || b.Underlay.String() != "198.18.128.2/20" {
		t.Errorf("pop a %+v b %+v", a, b)
	}
	if a.WGIf != "asabc123p0" || len(a.WGIf) > 15 {
		t.Errorf("wireguard interface %q", a.WGIf)
	}
	c2, _ := p.Client("c2")
	if c2.Subnet.String() != "100.96.1.0/24" || c2.Addr.String() != "100.96.1.2" || c2.Gateway.String() != "100.96.1.1" || c2.PopIf != "cl1" {
		t.Errorf("client c2 %+v", c2)
	}
	o2, _ := p.Origin("o2")
	if o2.Gateway.String() != "198.51.100.65" || o2.Addr.String() != "198.51.100.66" || o2.Netns != id+"-o-o2" {
		t.Errorf("origin o2 %+v", o2)
	}
	want := map[string][]string{
		"a": {"100.96.0.0/24", "100.96.1.0/24"},
		"b": {"203.0.113.0/24", "198.51.100.64/26"},
		"c": {"100.96.2.0/24"},
	}
	for _, pp := range p.Pops {
		var got []string
		for _, x := range pp.Prefixes {
			got = append(got, x.String())
		}
		if strings.Join(got, " ") != strings.Join(want[pp.Name], " ") {
			t.Errorf("PoP %s serves %v, want %v", pp.Name, got, want[pp.Name])
		}
	}
	if _, ok := p.Pop("zz"); ok {
		t.Error("found an unknown PoP")
	}
}

func TestNewPlanRejects(t *testing.T) {
	base := "name: p\nduration: 10s\npops: [{name: a, id: 1}, {name: b, id: 2}]\n"
	cases := []struct{ name, yaml, tag, want string }{
		{"bad tag", base, "xyz", "run tag"},
		{"ipv6 origin", base + "origins: [{name: o, pop: a, prefix: '2001:db8::/64'}]\n", "000001", "origins[0].prefix: 2001:db8::/64: argosim attaches IPv4 origins only"},
		{"slash 31", base + "origins: [{name: o, pop: a, prefix: 192.0.2.0/31}]\n", "000001", "want /30 or shorter"},
		{"underlay overlap", base + "origins: [{name: o, pop: a, prefix: 198.18.0.0/16}]\n", "000001", "overlaps argosim's underlay"},
		{"overlay overlap", base + "origins: [{name: o, pop: a, prefix: 100.96.0.0/24}]\n", "000001", "overlaps the overlay range"},
	}
	for _, c := range cases {
		_, err := NewPlan(parse(t, c.yaml), c.tag)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestAddrAdd(t *testing.T) {
	if got := addrAdd(netip.MustParseAddr("10.0.0.255"), 1); got.String() != "10.0.1.0" {
		t.Errorf("carry: %v", got)
	}
}

func TestNewTag(t *testing.T) {
	a, b := NewTag(), NewTag()
	if len(a) != 6 || a == b {
		t.Errorf("tags %q %q", a, b)
	}
}

package tunnel

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/argonet/argo/overlay"
)

func testPops() *popSet {
	var peers []Peer
	for _, id := range []uint16{2, 3, 4, 5, 6} {
		peers = append(peers, Peer{ID: id, Underlay: netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, 0, byte(id)}), 51821)})
	}
	return newPopSet(peers)
}

func TestCompileRoutes(t *testing.T) {
	pops := testPops()
	cases := []struct {
		name   string
		routes []Route
		want   string
	}{
		{"direct and relayed", []Route{{Dst: 3, Paths: [][]uint16{{1, 2, 3}, {1, 3}}}, {Dst: 2, Paths: [][]uint16{{1, 2}}}}, ""},
		{"three relays", []Route{{Dst: 6, Paths: [][]uint16{{1, 2, 3, 4, 6}}}}, ""},
		{"four relays", []Route{{Dst: 6, Paths: [][]uint16{{1, 2, 3, 4, 5, 6}}}}, "6 nodes, want 2..5"},
		{"unknown dst", []Route{{Dst: 9, Paths: [][]uint16{{1, 9}}}}, "routes[0]: dst 9 is not a configured peer"},
		{"two routes to one dst", []Route{{Dst: 3, Paths: [][]uint16{{1, 3}}}, {Dst: 3, Paths: [][]uint16{{1, 3}}}}, "routes[1]: second route"},
		{"no paths", []Route{{Dst: 3}}, "no paths"},
		{"not from self", []Route{{Dst: 3, Paths: [][]uint16{{2, 3}}}}, "node 0 is 2"},
		{"wrong end", []Route{{Dst: 3, Paths: [][]uint16{{1, 2}}}}, "ends at 2"},
		{"self again", []Route{{Dst: 3, Paths: [][]uint16{{1, 2, 1, 3}}}}, "this pop 1 again"},
		{"repeat", []Route{{Dst: 3, Paths: [][]uint16{{1, 2, 4, 2, 3}}}}, "repeats"},
		{"unknown relay", []Route{{Dst: 3, Paths: [][]uint16{{1, 7, 3}}}}, "pop 7 is not a configured peer"},
		{"single node", []Route{{Dst: 3, Paths: [][]uint16{{1}}}}, "1 nodes"},
		{"bad second path", []Route{{Dst: 3, Paths: [][]uint16{{1, 3}, {1, 3, 3}}}}, "paths[1]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := compileRoutes(1, pops, c.routes)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestCompiledHeader(t *testing.T) {
	pops := testPops()
	p, err := compilePath(1, pops, []uint16{1, 2, 4, 3})
	if err != nil {
		t.Fatal(err)
	}
	h, err := overlay.Parse(p.hdr[:])
	if err != nil {
		t.Fatal(err)
	}
	want := overlay.Header{Type: overlay.TypeData, Count: 3, Index: 0, Src: 1, Hops: [4]uint16{2, 4, 3}}
	if h != want || p.first.id != 2 || p.key != "1-2-4-3" {
		t.Fatalf("header %+v first %d key %s", h, p.first.id, p.key)
	}
}

func TestBuildTableFailsOverToFirstUpPath(t *testing.T) {
	pops := testPops()
	dests, err := compileRoutes(1, pops, []Route{{Dst: 3, Paths: [][]uint16{{1, 2, 3}, {1, 4, 3}, {1, 3}}}})
	if err != nil {
		t.Fatal(err)
	}
	down := map[string]bool{}
	up := func(k string) bool { return !down[k] }
	active := func() []uint16 { return buildTable(pops, dests, up).bySlot[pops.byID[3].slot].nodes }
	if got := active(); !slices.Equal(got, []uint16{1, 2, 3}) {
		t.Fatalf("all up: %v", got)
	}
	down["1-2-3"] = true
	if got := active(); !slices.Equal(got, []uint16{1, 4, 3}) {
		t.Fatalf("primary down: %v", got)
	}
	down["1-4-3"] = true
	if got := active(); !slices.Equal(got, []uint16{1, 3}) {
		t.Fatalf("two down: %v", got)
	}
	down["1-3"] = true
	if got := active(); !slices.Equal(got, []uint16{1, 2, 3}) {
		t.Fatalf("all down: %v, want the primary", got)
	}
	// Tables are immutable: building a new one leaves the old alone.
	t1 := buildTable(pops, dests, func(string) bool { return true })
	buildTable(pops, dests, func(string) bool { return false })
	if t1.dests[3].active != 0 || t1.bySlot[pops.byID[3].slot].key != "1-2-3" {
		t.Fatal("building a table changed an earlier one")
	}
}

func TestAllowedIPsDiff(t *testing.T) {
	peers := []Peer{{ID: 2, PublicKey: testPub1}, {ID: 3, PublicKey: testPub2}}
	p := netip.MustParsePrefix
	have := map[netip.Prefix]uint16{p("192.0.2.0/24"): 2, p("198.51.100.0/24"): 3}
	want := map[netip.Prefix]uint16{p("192.0.2.0/24"): 3, p("203.0.113.0/24"): 2}
	got := allowedIPsDiff(peers, have, want)
	pub1, _ := keyHex(testPub1)
	pub2, _ := keyHex(testPub2)
	exp := "public_key=" + pub1 + "\nupdate_only=true\nallowed_ip=-192.0.2.0/24\nallowed_ip=203.0.113.0/24\n" +
		"public_key=" + pub2 + "\nupdate_only=true\nallowed_ip=-198.51.100.0/24\nallowed_ip=192.0.2.0/24\n"
	if got != exp {
		t.Fatalf("diff\n%s\nwant\n%s", got, exp)
	}
	if d := allowedIPsDiff(peers, want, want); d != "" {
		t.Fatalf("no-change diff %q", d)
	}
}

func TestClientsDiff(t *testing.T) {
	p := netip.MustParsePrefix
	a := Client{PublicKey: testPub1, AllowedIPs: []netip.Prefix{p("100.96.0.2/32")}}
	b := Client{PublicKey: testPub2, AllowedIPs: []netip.Prefix{p("100.96.0.3/32")}}
	b2 := Client{PublicKey: testPub2, AllowedIPs: []netip.Prefix{p("100.96.0.4/32")}}
	pub1, _ := keyHex(testPub1)
	pub2, _ := keyHex(testPub2)
	cases := []struct {
		old, new []Client
		want     string
	}{
		{nil, []Client{a}, "public_key=" + pub1 + "\nreplace_allowed_ips=true\nallowed_ip=100.96.0.2/32\n"},
		{[]Client{a, b}, []Client{a, b}, ""},
		{[]Client{a, b}, []Client{a, b2}, "public_key=" + pub2 + "\nreplace_allowed_ips=true\nallowed_ip=100.96.0.4/32\n"},
		{[]Client{a, b}, []Client{b}, "public_key=" + pub1 + "\nremove=true\n"},
	}
	for i, c := range cases {
		if got := clientsDiff(c.old, c.new); got != c.want {
			t.Errorf("case %d: %q, want %q", i, got, c.want)
		}
	}
	if err := validateClients([]Client{a, {PublicKey: testPub2, AllowedIPs: a.AllowedIPs}}); err == nil || !strings.Contains(err.Error(), "clients[1].allowed_ips[0]") {
		t.Fatalf("overlapping clients: %v", err)
	}
	if err := validateClients([]Client{{PublicKey: testPub1, AllowedIPs: []netip.Prefix{p("100.96.0.2/24")}}}); err == nil {
		t.Fatal("prefix with host bits accepted")
	}
}

func TestParseUAPIPeers(t *testing.T) {
	pub1, _ := keyHex(testPub1)
	dump := "private_key=00\nlisten_port=51821\npublic_key=" + pub1 + "\nendpoint=pop:2\nlast_handshake_time_sec=1700000000\n" +
		"last_handshake_time_nsec=5\ntx_bytes=100\nrx_bytes=200\nallowed_ip=100.64.0.2/32\nprotocol_version=1\n" +
		"public_key=" + pub1 + "\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n"
	peers, err := parseUAPIPeers(dump)
	if err != nil {
		t.Fatal(err)
	}
	if len(peers) != 2 || peers[0].PublicKey != testPub1 || peers[0].TxBytes != 100 || peers[0].RxBytes != 200 ||
		peers[0].LastHandshake.Unix() != 1700000000 || !slices.Equal(peers[0].AllowedIPs, []string{"100.64.0.2/32"}) ||
		!peers[1].LastHandshake.IsZero() {
		t.Fatalf("parsed %+v", peers)
	}
	if _, err := parseUAPIPeers("public_key=" + pub1 + "\nrx_bytes=x\n"); err == nil || !strings.Contains(err.Error(), "line 2: rx_bytes") {
		t.Fatalf("bad number: %v", err)
	}
}

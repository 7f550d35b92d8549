package bgp

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// birdPeer describes one BGP protocol in the BIRD configuration.
type birdPeer struct {
	name     string
	addr     netip.Addr // the speaker
	local    netip.Addr // BIRD's address (default .254)
	localAS  uint32     // BIRD's AS on this session (default labASNRouter)
	noExport bool       // export nothing (default: the static origins)
	password string
	ttlSec   bool
}

// startBird writes the BIRD configuration and starts BIRD in the router
// namespace. Unless noExport is set, BIRD exports the static origin
// prefixes 198.51.100.0/24 and 2001:db8:5100::/48 to the peer; it imports
// everything.
func (l *lab) startBird(peers []birdPeer) {
	t := l.t
	var b strings.Builder
	fmt.Fprintf(&b, "log \"%s\" all;\nrouter id %s;\n", filepath.Join(l.dir, "bird.log"), l.addr(254))
	b.WriteString("protocol device { scan time 1; }\n")
	b.WriteString("protocol static origins { ipv4; route 198.51.100.0/24 blackhole; }\n")
	b.WriteString("protocol static origins6 { ipv6; route 2001:db8:5100::/48 blackhole; }\n")
	b.WriteString("template bgp speaker {\n  hold time 3; keepalive time 1; connect retry time 1; connect delay time 1; error wait time 1, 2;\n}\n")
	for _, p := range peers {
		local, as := p.local, p.localAS
		if !local.IsValid() {
			local = l.addr(254)
			if p.addr.Is6() {
				local = l.addr6(254)
			}
		}
		routerID := local // distinct per session, see below
		if local.Is6() {
			routerID = l.addr(248)
		}
		if as == 0 {
			as = labASNRouter
		}
		export4, export6 := `where proto = "origins"`, `where proto = "origins6"`
		if p.noExport {
			export4, export6 = "none", "none"
		}
		// Each session gets BIRD's local address as its router id, so that
		// GoBGP sees distinct routers (it never sends a route back to the
		// router id it came from).
		fmt.Fprintf(&b, "protocol bgp %s from speaker {\n  router id %s;\n  local %s as %d;\n  neighbor %s as %d;\n", p.name, routerID, local, as, p.addr, labASNSpeaker)
		fmt.Fprintf(&b, "  ipv4 { import all; export %s; next hop address %s; };\n", export4, l.addr(254))
		fmt.Fprintf(&b, "  ipv6 { import all; export %s; next hop address %s; };\n", export6, l.addr6(254))
		if p.password != "" {
			fmt.Fprintf(&b, "  password \"%s\";\n", p.password)
		}
		if p.ttlSec {
			b.WriteString("  ttl security on;\n")
		}
		b.WriteString("}\n")
	}
	conf := filepath.Join(l.dir, "bird.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", l.ns, "bird", "-f", "-c", conf, "-s", l.sock)
	out, err := os.Create(filepath.Join(l.dir, "bird.stderr"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	// BIRD must not outlive a test process that dies without cleanup
	// ("ip netns exec" execs BIRD in place, keeping the signal).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting BIRD: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		out.Close()
	})
	waitFor(t, 10*time.Second, "BIRD control socket", func() bool {
		_, err := l.birdc("show status")
		return err == nil
	})
}

// birdc runs one BIRD CLI command.
func (l *lab) birdc(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "birdc", append([]string{"-s", l.sock}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("birdc %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// routes returns BIRD's routes (all tables).
func (l *lab) routes() []birdRoute {
	l.t.Helper()
	out, err := l.birdc("show", "route", "all")
	if err != nil {
		l.t.Fatal(err)
	}
	return parseBirdRoutes(out)
}

// routeVia returns BIRD's route for prefix learned from protocol proto.
func (l *lab) routeVia(prefix, proto string) (birdRoute, bool) {
	for _, r := range l.routes() {
		if r.prefix == prefix && r.proto == proto {
			return r, true
		}
	}
	return birdRoute{}, false
}

// birdSince returns the "Since" column of a BIRD protocol: it changes
// whenever the session goes down or comes up.
func (l *lab) birdSince(name string) string {
	out, _ := l.birdc("show", "protocols", name)
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && f[0] == name {
			return f[4]
		}
	}
	return ""
}

// birdRoute is one route from `birdc show route all`.
type birdRoute struct {
	prefix      string
	proto       string // BIRD protocol the route came from
	via         string // gateway address
	asPath      []uint32
	communities []string // "(65001,100)" entries
	large       []string // "(65001, 7, 8)" entries
}

// parseBirdRoutes parses the output of `birdc show route all`. A line that
// starts in column 0 with a prefix opens a network; further routes of the
// same network start with blanks and a route type; attribute lines start
// with a tab.
func parseBirdRoutes(out string) []birdRoute {
	var routes []birdRoute
	var prefix string
	for _, line := range strings.Split(out, "\n") {
		switch {
		case line == "" || strings.HasPrefix(line, "BIRD ") || strings.HasPrefix(line, "Table "):
			continue
		case line[0] != ' ' && line[0] != '\t':
			f := strings.Fields(line)
			prefix = f[0]
			routes = append(routes, birdRoute{prefix: prefix, proto: protoOf(line)})
		case line[0] == ' ' && strings.Contains(line, "["):
			routes = append(routes, birdRoute{prefix: prefix, proto: protoOf(line)})
		case len(routes) > 0:
			r := &routes[len(routes)-1]
			text := strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(text, "via "):
				r.via = strings.Fields(text)[1]
			case strings.HasPrefix(text, "BGP.as_path:"):
				for _, a := range strings.Fields(strings.TrimPrefix(text, "BGP.as_path:")) {
					if n, err := strconv.ParseUint(a, 10, 32); err == nil {
						r.asPath = append(r.asPath, uint32(n))
					}
				}
			case strings.HasPrefix(text, "BGP.community:"):
				r.communities = strings.Fields(strings.TrimPrefix(text, "BGP.community:"))
			case strings.HasPrefix(text, "BGP.large_community:"):
				rest := strings.TrimSpace(strings.TrimPrefix(text, "BGP.large_community:"))
				for _, c := range strings.SplitAfter(rest, ")") {
					if c = strings.TrimSpace(c); c != "" {
						r.large = append(r.large, c)
					}
				}
			}
		}
	}
	return routes
}

// protoOf extracts the protocol name from "... [name 12:00:00.000] ...".
func protoOf(line string) string {
	i := strings.Index(line, "[")
	if i < 0 {
		return ""
	}
	f := strings.Fields(line[i+1:])
	if len(f) == 0 {
		return ""
	}
	return strings.TrimSuffix(f[0], "]")
}

func TestParseBirdRoutes(t *testing.T) {
	out := `BIRD 2.0.12 ready.
Table master4:
192.0.2.0/24         unicast [spkA 10:11:12.345] * (100) [AS65001i]
	via 198.19.170.1 on bgh1
	Type: BGP univ
	BGP.origin: IGP
	BGP.as_path: 65001 65001 65001 65001
	BGP.next_hop: 198.19.170.1
	BGP.local_pref: 100
	BGP.community: (65001,100) (65535,0)
	BGP.large_community: (65001, 7, 8)
                     unicast [spkB 10:11:13.000] (100) [AS65001i]
	via 198.19.170.2 on bgh1
	BGP.as_path: 65001
198.51.100.0/24      blackhole [origins 10:11:10.000] * (200)
	Type: static univ

Table master6:
2001:db8:a0::/48     unicast [spkA 10:11:12.345] * (100) [AS65001i]
	via 2001:db8:b9aa::1 on bgh1
	BGP.as_path: 65001
`
	got := parseBirdRoutes(out)
	if len(got) != 4 {
		t.Fatalf("parsed %d routes, want 4: %+v", len(got), got)
	}
	a := got[0]
	if a.prefix != "192.0.2.0/24" || a.proto != "spkA" || a.via != "198.19.170.1" ||
		!slices.Equal(a.asPath, []uint32{65001, 65001, 65001, 65001}) ||
		!slices.Equal(a.communities, []string{"(65001,100)", "(65535,0)"}) ||
		!slices.Equal(a.large, []string{"(65001, 7, 8)"}) {
		t.Errorf("route 0 = %+v", a)
	}
	if b := got[1]; b.prefix != "192.0.2.0/24" || b.proto != "spkB" || b.via != "198.19.170.2" {
		t.Errorf("route 1 = %+v", b)
	}
	if s := got[2]; s.prefix != "198.51.100.0/24" || s.proto != "origins" {
		t.Errorf("route 2 = %+v", s)
	}
	if v6 := got[3]; v6.prefix != "2001:db8:a0::/48" || v6.via != "2001:db8:b9aa::1" {
		t.Errorf("route 3 = %+v", v6)
	}
}

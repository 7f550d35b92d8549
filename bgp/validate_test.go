package bgp

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// validConfig is a small configuration that passes Validate.
func validConfig() Config {
	return Config{
		ASN:      65001,
		RouterID: netip.MustParseAddr("198.18.0.1"),
		Neighbors: []Neighbor{
			{Address: netip.MustParseAddr("198.18.0.254"), PeerASN: 65000},
			{Address: netip.MustParseAddr("198.18.0.253"), PeerASN: 65000, LearnOrigins: true},
		},
		Anycast: []Announcement{
			{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Communities: []string{"65001:100", "65001:1:2"}},
			{Prefix: netip.MustParsePrefix("2001:db8:a0::/48")},
		},
		NextHop6: netip.MustParseAddr("2001:db8:ff::1"),
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(c *Config)
		// want lists "field: message substring" pairs that must all appear;
		// empty means the config is valid.
		want []string
	}{
		{name: "valid", modify: func(c *Config) {}},
		{name: "valid with every option", modify: func(c *Config) {
			c.ListenAddr = netip.MustParseAddr("198.18.0.1")
			c.ListenPort = 1179
			c.NextHop4 = netip.MustParseAddr("198.18.0.1")
			c.HoldDown, c.DrainGrace, c.ShutdownTimeout, c.DrainPrepend = time.Second, time.Second, time.Second, 16
			c.StateFile = "/var/lib/argo/bgp.json"
			c.Neighbors[0].Password = strings.Repeat("x", 80)
			c.Neighbors[0].HoldTime, c.Neighbors[0].Keepalive, c.Neighbors[0].ConnectRetry = 3*time.Second, time.Second, time.Second
			c.Neighbors[0].TTLSecurity, c.Neighbors[0].Passive, c.Neighbors[0].Port = true, true, 1179
			c.Neighbors[0].LocalAddress = netip.MustParseAddr("198.18.0.1")
		}},
		{name: "no listener", modify: func(c *Config) { c.ListenPort = NoListener }},
		{name: "asn zero", modify: func(c *Config) { c.ASN = 0 }, want: []string{"asn: AS 0 is reserved"}},
		{name: "asn AS_TRANS", modify: func(c *Config) { c.ASN = 23456 }, want: []string{"asn: AS 23456"}},
		{name: "peer asn reserved", modify: func(c *Config) { c.Neighbors[1].PeerASN = 4294967295 }, want: []string{"neighbors[1].peer_asn: AS 4294967295"}},
		{name: "router id missing", modify: func(c *Config) { c.RouterID = netip.Addr{} }, want: []string{"router_id: required"}},
		{name: "router id v6", modify: func(c *Config) { c.RouterID = netip.MustParseAddr("2001:db8::1") }, want: []string{"router_id: 2001:db8::1 is not a usable IPv4"}},
		{name: "listen port", modify: func(c *Config) { c.ListenPort = 70000 }, want: []string{"listen_port: 70000"}},
		{name: "listen port -2", modify: func(c *Config) { c.ListenPort = -2 }, want: []string{"listen_port: -2"}},
		{name: "listen multicast", modify: func(c *Config) { c.ListenAddr = netip.MustParseAddr("224.0.0.1") }, want: []string{"listen_addr: 224.0.0.1"}},
		{name: "no neighbours", modify: func(c *Config) { c.Neighbors = nil }, want: []string{"neighbors: at least one"}},
		{name: "duplicate neighbour", modify: func(c *Config) { c.Neighbors[1].Address = c.Neighbors[0].Address },
			want: []string{"neighbors[1].address: 198.18.0.254 duplicates neighbors[0]"}},
		{name: "duplicate neighbour 4in6", modify: func(c *Config) { c.Neighbors[1].Address = netip.MustParseAddr("::ffff:198.18.0.254") },
			want: []string{"neighbors[1].address: 198.18.0.254 duplicates neighbors[0]"}},
		{name: "neighbour address missing", modify: func(c *Config) { c.Neighbors[0].Address = netip.Addr{} }, want: []string{"neighbors[0].address: required"}},
		{name: "neighbour unspecified", modify: func(c *Config) { c.Neighbors[0].Address = netip.IPv4Unspecified() }, want: []string{"neighbors[0].address: 0.0.0.0 is not a unicast"}},
		{name: "password too long", modify: func(c *Config) { c.Neighbors[0].Password = strings.Repeat("x", 81) }, want: []string{"neighbors[0].password: 81 bytes"}},
		{name: "hold time too short", modify: func(c *Config) { c.Neighbors[0].HoldTime = 2 * time.Second }, want: []string{"neighbors[0].hold_time: 2s"}},
		{name: "hold time fractional", modify: func(c *Config) { c.Neighbors[0].HoldTime = 3500 * time.Millisecond }, want: []string{"neighbors[0].hold_time: 3.5s"}},
		{name: "keepalive not below hold", modify: func(c *Config) { c.Neighbors[0].HoldTime, c.Neighbors[0].Keepalive = 3*time.Second, 3*time.Second },
			want: []string{"neighbors[0].keepalive: 3s"}},
		{name: "keepalive above default hold", modify: func(c *Config) { c.Neighbors[0].Keepalive = 90 * time.Second }, want: []string{"neighbors[0].keepalive: 1m30s: want whole seconds, at least 1s and less than the hold time 1m30s"}},
		{name: "connect retry fractional", modify: func(c *Config) { c.Neighbors[0].ConnectRetry = 1500 * time.Millisecond }, want: []string{"neighbors[0].connect_retry"}},
		{name: "port", modify: func(c *Config) { c.Neighbors[0].Port = 65536 }, want: []string{"neighbors[0].port: 65536"}},
		{name: "local address family", modify: func(c *Config) { c.Neighbors[0].LocalAddress = netip.MustParseAddr("2001:db8::1") },
			want: []string{"neighbors[0].local_address: 2001:db8::1 is not of the family"}},
		{name: "passive without listener", modify: func(c *Config) { c.ListenPort, c.Neighbors[0].Passive = NoListener, true },
			want: []string{"neighbors[0].passive: a passive neighbour needs a listener"}},
		{name: "prefix missing", modify: func(c *Config) { c.Anycast[0].Prefix = netip.Prefix{} }, want: []string{"anycast[0].prefix: missing or not a valid prefix"}},
		{name: "prefix host bits", modify: func(c *Config) { c.Anycast[0].Prefix = netip.MustParsePrefix("192.0.2.1/24") },
			want: []string{"anycast[0].prefix: 192.0.2.1/24 has host bits set (did you mean 192.0.2.0/24?)"}},
		{name: "prefix 4in6", modify: func(c *Config) { c.Anycast[0].Prefix = netip.MustParsePrefix("::ffff:192.0.2.0/120") },
			want: []string{"anycast[0].prefix: ::ffff:192.0.2.0/120 is an IPv4-mapped"}},
		{name: "duplicate prefix", modify: func(c *Config) { c.Anycast[1].Prefix = c.Anycast[0].Prefix }, want: []string{"anycast[1].prefix: 192.0.2.0/24 duplicates anycast[0]"}},
		{name: "bad community", modify: func(c *Config) { c.Anycast[0].Communities = []string{"65001:100", "65001:x"} },
			want: []string{`anycast[0].communities: [1] "65001:x"`}},
		{name: "next hop4 family", modify: func(c *Config) { c.NextHop4 = netip.MustParseAddr("2001:db8::1") }, want: []string{"next_hop4: 2001:db8::1 is not a usable IPv4"}},
		{name: "next hop6 family", modify: func(c *Config) { c.NextHop6 = netip.MustParseAddr("198.18.0.1") }, want: []string{"next_hop6: 198.18.0.1 is not a usable IPv6"}},
		{name: "next hop6 mapped", modify: func(c *Config) { c.NextHop6 = netip.MustParseAddr("::ffff:198.18.0.1") }, want: []string{"next_hop6: ::ffff:198.18.0.1"}},
		{name: "next hop6 needed", modify: func(c *Config) { c.NextHop6 = netip.Addr{} }, want: []string{"next_hop6: required to announce IPv6 prefixes (2001:db8:a0::/48) over IPv4 sessions"}},
		{name: "next hop4 needed", modify: func(c *Config) {
			c.Neighbors = append(c.Neighbors, Neighbor{Address: netip.MustParseAddr("2001:db8::2"), PeerASN: 65000})
		}, want: []string{"next_hop4: required to announce IPv4 prefixes (192.0.2.0/24) over IPv6 sessions"}},
		{name: "negative durations", modify: func(c *Config) { c.HoldDown, c.DrainGrace, c.ShutdownTimeout = -1, -1, -1 },
			want: []string{"hold_down: -1ns is negative", "drain_grace: -1ns is negative", "shutdown_timeout: -1ns is negative"}},
		{name: "drain prepend", modify: func(c *Config) { c.DrainPrepend = 17 }, want: []string{"drain_prepend: 17 is out of range 1..16"}},
		{name: "several errors at once", modify: func(c *Config) { c.ASN = 0; c.Neighbors[1].Address = c.Neighbors[0].Address },
			want: []string{"asn:", "neighbors[1].address:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.modify(&c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), "bgp: "+w) {
					t.Errorf("Validate() = %q\nwant it to contain %q", err, "bgp: "+w)
				}
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Errorf("Validate() error %T does not carry a *FieldError", err)
			}
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	c := validConfig()
	c.ASN = 0
	if _, err := New(c, discardLogger(), nil); err == nil || !strings.Contains(err.Error(), "asn:") {
		t.Fatalf("New with ASN 0 = %v, want the asn error", err)
	}
}

func TestParsePrefix(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "192.0.2.0/24", want: "192.0.2.0/24"},
		{in: "2001:db8::/32", want: "2001:db8::/32"},
		{in: "192.0.2.1/24", wantErr: "did you mean 192.0.2.0/24"},
		{in: "192.0.2.0", wantErr: "does not parse"},
		{in: "192.0.2.0/33", wantErr: "does not parse"},
		{in: "::ffff:192.0.2.0/120", wantErr: "IPv4-mapped"},
		{in: "", wantErr: "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePrefix(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParsePrefix(%q) = %v, %v; want error containing %q", tt.in, p, err, tt.wantErr)
				}
				return
			}
			if err != nil || p.String() != tt.want {
				t.Fatalf("ParsePrefix(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
			}
		})
	}
}

func TestWithDefaults(t *testing.T) {
	c := validConfig()
	c.Neighbors[1].HoldTime = 10 * time.Second
	d := c.withDefaults()
	if d.ListenPort != 179 || d.HoldDown != DefaultHoldDown || d.DrainPrepend != 3 || d.DrainGrace != 30*time.Second || d.ShutdownTimeout != DefaultShutdownTimeout {
		t.Errorf("global defaults not applied: %+v", d)
	}
	n0, n1 := d.Neighbors[0], d.Neighbors[1]
	if n0.HoldTime != 90*time.Second || n0.Keepalive != 30*time.Second || n0.ConnectRetry != DefaultConnectRetry || n0.Port != 179 {
		t.Errorf("neighbour defaults not applied: %+v", n0)
	}
	if n1.Keepalive != 3*time.Second {
		t.Errorf("keepalive for hold 10s = %v, want 3s (whole seconds)", n1.Keepalive)
	}
	d.Neighbors[0].Port = 1
	if c.Neighbors[0].Port != 0 {
		t.Error("withDefaults shares the neighbour slice with its input")
	}
}

func FuzzParsePrefix(f *testing.F) {
	for _, s := range []string{"192.0.2.0/24", "2001:db8::/32", "192.0.2.1/24", "::ffff:192.0.2.0/120", "1.2.3.4", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePrefix(s)
		if err != nil {
			if !strings.Contains(err.Error(), "prefix") {
				t.Fatalf("error %q does not say what it is about", err)
			}
			return
		}
		if p != p.Masked() || p.Addr().Is4In6() {
			t.Fatalf("ParsePrefix(%q) = %v: not a plain network address", s, p)
		}
		// An accepted prefix is a valid anycast announcement.
		c := validConfig()
		c.Anycast = []Announcement{{Prefix: p}}
		c.NextHop6 = netip.MustParseAddr("2001:db8::1")
		if err := c.Validate(); err != nil {
			t.Fatalf("ParsePrefix(%q) = %v, but Validate rejects it: %v", s, p, err)
		}
	})
}

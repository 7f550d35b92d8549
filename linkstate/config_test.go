package linkstate

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	good := Config{Self: 1, Name: "ams", Bind: netip.MustParseAddrPort("127.0.0.1:0"), Key: make([]byte, 32),
		Seeds: []string{"127.0.0.1:7946", "pop-b.example:7946", "[::1]:7946"}}
	mod := func(f func(*Config)) Config {
		c := good
		f(&c)
		return c
	}
	tests := []struct {
		name string
		c    Config
		want string
	}{
		{"good", good, ""},
		{"no name", mod(func(c *Config) { c.Name = "" }), "Config.Name: name length 0"},
		{"name with space", mod(func(c *Config) { c.Name = "a b" }), "Config.Name: name \"a b\" contains control or space"},
		{"no bind", mod(func(c *Config) { c.Bind = netip.AddrPort{} }), "Config.Bind"},
		{"advertise unspecified", mod(func(c *Config) { c.Advertise = netip.MustParseAddrPort("0.0.0.0:7946") }), "Config.Advertise"},
		{"seed without port", mod(func(c *Config) { c.Seeds = []string{"127.0.0.1"} }), "Config.Seeds[0] \"127.0.0.1\""},
		{"seed port 0", mod(func(c *Config) { c.Seeds = []string{"a:0"} }), "Config.Seeds[0] \"a:0\": want host:port"},
		{"seed no host", mod(func(c *Config) { c.Seeds = []string{":7946"} }), "Config.Seeds[0]"},
		{"no key", mod(func(c *Config) { c.Key = nil }), "Config.Key: key is 0 bytes"},
		{"short key", mod(func(c *Config) { c.Key = make([]byte, 10) }), "Config.Key: key is 10 bytes"},
		{"ttl too short", mod(func(c *Config) { c.TTL = 6 * time.Second }), "Config.TTL 6s must be at least twice RefreshInterval 5s"},
		{"negative", mod(func(c *Config) { c.GossipInterval = -time.Second }), "Config.GossipInterval -1s must be positive"},
		{"probe timeout", mod(func(c *Config) { c.ProbeTimeout = time.Second }), "Config.ProbeTimeout 1s must be below ProbeInterval 500ms"},
		{"suspicion", mod(func(c *Config) { c.SuspicionMult = -1 }), "Config.SuspicionMult -1"},
		{"fanout", mod(func(c *Config) { c.FanoutConcurrency = -3 }), "Config.FanoutConcurrency -3"},
		{"retransmit mult", mod(func(c *Config) { c.RetransmitMult = -1 }), "Config.RetransmitMult -1"},
		{"threshold", mod(func(c *Config) { c.Threshold = Threshold{Relative: -0.5} }), "Config.Threshold: relative -0.5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.withDefaults().validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("validate = %v, want error containing %q", err, tc.want)
			}
			if _, err := New(tc.c, nil, nil); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.RefreshInterval != DefaultRefreshInterval || c.TTL != DefaultTTL || c.Threshold != DefaultThreshold ||
		c.ProbeInterval != DefaultProbeInterval || c.SuspicionMult != DefaultSuspicionMult {
		t.Fatalf("defaults not applied: %+v", c)
	}
}

package xdp

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestConfigValidation(t *testing.T) {
	good := Config{PopName: "fra-1", PopID: 1, Interface: "eth0"}
	cases := []struct {
		name  string
		edit  func(c *Config)
		field string // "" means valid
	}{
		{"valid", func(c *Config) {}, ""},
		{"valid explicit", func(c *Config) { c.Mode = ModeGeneric; c.PinRoot = "/sys/fs/bpf/x"; c.Egress = []string{"eth1"} }, ""},
		{"empty name", func(c *Config) { c.PopName = "" }, "Config.PopName"},
		{"slash in name", func(c *Config) { c.PopName = "a/b" }, "Config.PopName"},
		{"dotdot name", func(c *Config) { c.PopName = ".." }, "Config.PopName"},
		{"long name", func(c *Config) { c.PopName = strings.Repeat("a", 65) }, "Config.PopName"},
		{"bad mode", func(c *Config) { c.Mode = "turbo" }, "Config.Mode"},
		{"no interface", func(c *Config) { c.Interface = "" }, "Config.Interface"},
		{"long interface", func(c *Config) { c.Interface = "abcdefghijklmnop" }, "Config.Interface"},
		{"interface with slash", func(c *Config) { c.Interface = "a/b" }, "Config.Interface"},
		{"relative pin root", func(c *Config) { c.PinRoot = "bpf/argo" }, "Config.PinRoot"},
		{"unclean pin root", func(c *Config) { c.PinRoot = "/sys/fs/bpf/../x" }, "Config.PinRoot"},
		{"egress duplicates interface", func(c *Config) { c.Egress = []string{"eth0"} }, "Config.Egress[0]"},
		{"egress duplicate", func(c *Config) { c.Egress = []string{"eth1", "eth1"} }, "Config.Egress[1]"},
		{"egress bad name", func(c *Config) { c.Egress = []string{"eth1", ""} }, "Config.Egress[1]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := good
			c.edit(&cfg)
			err := cfg.withDefaults().validate()
			checkFieldError(t, err, c.field)
			if c.field != "" {
				if _, lerr := Load(cfg, nil, nil); !errors.Is(lerr, err) && lerr.Error() != err.Error() {
					t.Fatalf("Load: %v, want %v", lerr, err)
				}
			}
		})
	}
}

// checkFieldError checks that err is a *FieldError for field, or nil when
// field is "".
func checkFieldError(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != field {
		t.Fatalf("error %v, want a FieldError for %s", err, field)
	}
	if !strings.Contains(err.Error(), field) {
		t.Fatalf("message %q does not name %s", err, field)
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{PopName: "x", Interface: "eth0"}.withDefaults()
	if c.OverlayPort != DefaultOverlayPort || c.Mode != ModeAuto || c.PinRoot != DefaultPinRoot {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestLoadEnvironmentErrors(t *testing.T) {
	if _, err := Load(Config{PopName: "x", Interface: "nonexistent0"}, nil, nil); err == nil {
		t.Fatal("missing interface accepted")
	} else {
		checkFieldError(t, err, "Config.Interface")
	}
	if _, err := Load(Config{PopName: "x", Interface: "lo", Egress: []string{"nonexistent0"}}, nil, nil); err == nil {
		t.Fatal("missing egress interface accepted")
	} else {
		checkFieldError(t, err, "Config.Egress[0]")
	}
	needRoot(t) // creating directories under an arbitrary root
	_, err := Load(Config{PopName: "x", Interface: "lo", PinRoot: t.TempDir()}, nil, nil)
	checkFieldError(t, err, "Config.PinRoot")
}

// Input validation of the map API happens before any map access, so a
// zero tables value is enough here.
func TestAPIInputValidation(t *testing.T) {
	var tab tables
	a := netip.MustParseAddr
	cases := []struct {
		name  string
		err   error
		field string
	}{
		{"invalid prefix", tab.AddBlock(netip.Prefix{}), "prefix"},
		{"host bits", tab.AddBlock(netip.MustParsePrefix("198.51.100.1/24")), "prefix"},
		{"4in6", tab.AddBlock(netip.MustParsePrefix("::ffff:198.51.100.0/120")), "prefix"},
		{"delete host bits", tab.DelBlock(netip.MustParsePrefix("2001:db8::1/64")), "prefix"},
		{"port 0", tab.SetRateLimit(0, 1, 1), "port"},
		{"pps 0", tab.SetRateLimit(53, 0, 1), "pps"},
		{"pps too high", tab.SetRateLimit(53, MaxRatePPS+1, 1), "pps"},
		{"burst 0", tab.SetRateLimit(53, 1, 0), "burst"},
		{"burst too high", tab.SetRateLimit(53, 1, MaxRateBurst+1), "burst"},
		{"ipv6 pop", tab.SetPoPs(map[uint16]netip.Addr{1: a("2001:db8::1")}), "pops[1]"},
		{"zero pop", tab.SetPoPs(map[uint16]netip.Addr{2: a("0.0.0.0")}), "pops[2]"},
		{"invalid pop", tab.SetPoPs(map[uint16]netip.Addr{3: {}}), "pops[3]"},
		{"multicast pop", tab.SetPoPs(map[uint16]netip.Addr{4: a("224.0.0.1")}), "pops[4]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkFieldError(t, c.err, c.field) })
	}
	dup := tab.SetPoPs(map[uint16]netip.Addr{1: a("198.19.0.1"), 2: a("198.19.0.1")})
	var fe *FieldError
	if !errors.As(dup, &fe) || !strings.Contains(fe.Msg, "also used by PoP") {
		t.Fatalf("duplicate PoP address: %v", dup)
	}
}

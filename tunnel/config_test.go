package tunnel

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	testPub1 = "mLgbL7s/6GHVgIEhDVvQRM3v3v9hO4b2T8xWuC2vqlo="
	testPub2 = "k8fHRHYEqz8+7w3t0m6Cp6ai1NqAFIOArz+T2xl0HFs="
)

func validConfig() Config {
	return Config{
		ID: 1, Interface: "argo0", PrivateKeyFile: "/etc/argo/key",
		Address: netip.MustParsePrefix("100.64.0.1/10"),
		Peers: []Peer{
			{ID: 2, PublicKey: testPub1, Underlay: netip.MustParseAddrPort("198.18.0.2:51821"), Address: netip.MustParseAddr("100.64.0.2")},
			{ID: 3, PublicKey: testPub2, Underlay: netip.MustParseAddrPort("198.18.0.3:51821")},
		},
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Config)
		want string // substring of the error; "" = valid
	}{
		{"valid", func(*Config) {}, ""},
		{"no interface", func(c *Config) { c.Interface = "" }, "interface"},
		{"long interface", func(c *Config) { c.Interface = "abcdefghijklmnop" }, "interface"},
		{"slash in interface", func(c *Config) { c.Interface = "a/b" }, "interface"},
		{"no key file", func(c *Config) { c.PrivateKeyFile = "" }, "private_key_file"},
		{"address outside overlay", func(c *Config) { c.Address = netip.MustParsePrefix("10.0.0.1/24") }, "address"},
		{"address prefix too short", func(c *Config) { c.Address = netip.MustParsePrefix("100.64.0.1/8") }, "address"},
		{"mtu too small", func(c *Config) { c.UnderlayMTU = 500 }, "underlay_mtu"},
		{"mtu leaves too little", func(c *Config) { c.UnderlayMTU = 600 }, "underlay_mtu"},
		{"probe window", func(c *Config) { c.Probe.DownAfter = 5; c.Probe.Window = 3 }, "probe"},
		{"peer is self", func(c *Config) { c.Peers[0].ID = 1 }, "peers[0].id"},
		{"duplicate peer id", func(c *Config) { c.Peers[1].ID = 2 }, "peers[1].id"},
		{"bad public key", func(c *Config) { c.Peers[1].PublicKey = "abc" }, "peers[1].public_key"},
		{"short public key", func(c *Config) { c.Peers[1].PublicKey = "AAAA" }, "peers[1].public_key"},
		{"no port", func(c *Config) { c.Peers[0].Underlay = netip.MustParseAddrPort("198.18.0.2:0") }, "peers[0].underlay"},
		{"unspecified underlay", func(c *Config) { c.Peers[0].Underlay = netip.MustParseAddrPort("0.0.0.0:1") }, "peers[0].underlay"},
		{"duplicate underlay", func(c *Config) { c.Peers[1].Underlay = c.Peers[0].Underlay }, "peers[1].underlay"},
		{"family mismatch", func(c *Config) { c.ListenAddr = netip.MustParseAddr("::1") }, "peers[0].underlay"},
		{"peer address outside", func(c *Config) { c.Peers[1].Address = netip.MustParseAddr("10.1.1.1") }, "peers[1].address"},
		{"peer address is ours", func(c *Config) { c.Peers[1].Address = netip.MustParseAddr("100.64.0.1") }, "own address"},
		{"peer address twice", func(c *Config) { c.Peers[1].Address = netip.MustParseAddr("100.64.0.2") }, "peers[1].address"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := validConfig()
			c.mod(&cfg)
			err := cfg.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one naming %q", err, c.want)
			}
		})
	}
}

func TestTunnelMTU(t *testing.T) {
	cfg := validConfig()
	if got := cfg.TunnelMTU(); got != 1500-20-8-16-32 {
		t.Fatalf("IPv4 MTU %d", got)
	}
	cfg.Peers[1].Underlay = netip.MustParseAddrPort("[::1]:51821")
	if got := cfg.TunnelMTU(); got != 1500-40-8-16-32 {
		t.Fatalf("IPv6 MTU %d", got)
	}
	cfg.UnderlayMTU = 9000
	if got := cfg.TunnelMTU(); got != 9000-96 {
		t.Fatalf("jumbo MTU %d", got)
	}
}

func TestReadPrivateKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, content string
		mode          os.FileMode
		want          string
	}{
		{"ok", testPub1 + "\n", 0o600, ""},
		{"ok read-only", testPub1, 0o400, ""},
		{"group readable", testPub1, 0o640, "mode 0640"},
		{"world readable", testPub1, 0o604, "mode 0604"},
		{"not base64", "%%%", 0o600, "not base64"},
		{"wrong length", "AAAA", 0o600, "3 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := readPrivateKey("private_key_file", write(c.name, c.content, c.mode))
			if c.want == "" {
				if err != nil || len(k) != 64 {
					t.Fatalf("key %q, %v", k, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "private_key_file") {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
	if _, err := readPrivateKey("private_key_file", filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing file accepted")
	}
	if _, err := readPrivateKey("private_key_file", dir); err == nil {
		t.Fatal("directory accepted")
	}
}

func TestNewRejectsBadInputWithoutSideEffects(t *testing.T) {
	cfg := validConfig()
	cfg.PrivateKeyFile = filepath.Join(t.TempDir(), "key")
	os.WriteFile(cfg.PrivateKeyFile, []byte(testPub1), 0o644)
	if _, err := New(cfg, testLogger(t), nil); err == nil {
		t.Fatal("New accepted a nil registerer")
	}
	if _, err := New(cfg, testLogger(t), newTestRegistry()); err == nil || !strings.Contains(err.Error(), "mode 0644") {
		t.Fatalf("New with a world-readable key: %v", err)
	}
	cfg.Interface = ""
	if _, err := New(cfg, testLogger(t), newTestRegistry()); err == nil || !strings.Contains(err.Error(), "interface") {
		t.Fatalf("New without interface: %v", err)
	}
}

func TestProbeDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.Probe.Interval != 50*time.Millisecond || c.Probe.Timeout != 200*time.Millisecond || c.Probe.DownAfter != 3 || c.Probe.Window != 40 || c.Port != DefaultPort {
		t.Fatalf("defaults %+v", c)
	}
}

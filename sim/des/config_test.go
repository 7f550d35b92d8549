package des

import (
	"strings"
	"testing"
	"time"

	"github.com/argonet/argo/sim/matrix"
)

func TestConfigValidate(t *testing.T) {
	m := synthMatrix(t, 5, 1)
	base := func() Config {
		c := DefaultConfig()
		c.Slices = []*matrix.Matrix{m}
		c.Duration = time.Minute
		return c
	}
	if c := base(); c.Validate() != nil {
		t.Fatalf("default config invalid: %v", c.Validate())
	}
	cases := []struct {
		name string
		edit func(c *Config)
		want string
	}{
		{"no matrix", func(c *Config) { c.Slices = nil }, "Slices: no matrix"},
		{"one PoP", func(c *Config) { c.Slices = []*matrix.Matrix{synthMatrix(t, 1, 1)} }, "Slices: 1 PoPs"},
		{"sizes differ", func(c *Config) {
			c.Slices = []*matrix.Matrix{m, synthMatrix(t, 4, 1)}
			c.SliceDuration = time.Second
		}, "Slices[1]: 4 PoPs"},
		{"no slice duration", func(c *Config) { c.Slices = []*matrix.Matrix{m, m} }, "SliceDuration"},
		{"duration", func(c *Config) { c.Duration = 0 }, "Duration"},
		{"jitter", func(c *Config) { c.Jitter = -1 }, "Jitter"},
		{"loss", func(c *Config) { c.Loss = 2 }, "Loss"},
		{"ttl", func(c *Config) { c.TTL = c.Refresh }, "Refresh/TTL"},
		{"tick", func(c *Config) { c.Check = c.Tick / 2 }, "Tick/Check/Recompute/Sample"},
		{"route delay", func(c *Config) { c.RouteDelay = time.Hour }, "RouteDelay"},
		{"batch", func(c *Config) { c.Batch = 0 }, "Batch"},
		{"routers", func(c *Config) { c.Routers = 6 }, "Routers"},
		{"workers", func(c *Config) { c.Workers = -1 }, "Workers"},
		{"probe", func(c *Config) { c.Probe.Interval = time.Millisecond }, "probe.interval"},
		{"path", func(c *Config) { c.Path.MaxHops = 9 }, "Path.MaxHops"},
		{"threshold", func(c *Config) { c.Threshold.Loss = 2 }, "Threshold"},
		{"urgent", func(c *Config) { c.Urgent.Relative = -1 }, "Urgent"},
		{"gossip", func(c *Config) { c.Gossip.PerRTT = -1 }, "Gossip.PerRTT"},
		{"events", func(c *Config) { c.Events = []Event{{At: time.Second, Action: NodeUp, Node: 1}} }, "Events: events[0]: node 1 is not down"},
		{"event range", func(c *Config) { c.Events = []Event{{At: time.Second, Action: NodeDown, Node: 5}} }, "node 5: want a PoP index in [0, 5)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.edit(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestGossipModelDefaults(t *testing.T) {
	g := DefaultConfig().Gossip
	if d := g.pushPull(32); d != 15*time.Second {
		t.Errorf("push/pull for 32 members: %v", d)
	}
	if d := g.pushPull(330); d != 75*time.Second { // ceil(log2 330 - 5) + 1 = 5
		t.Errorf("push/pull for 330 members: %v", d)
	}
	if d := g.deadAfter(10); d != 2*time.Second { // 3 * 1 * 500ms + 500ms
		t.Errorf("dead after for 10 members: %v", d)
	}
	if r := g.retransmits(330); r != 18 { // 6 * ceil(log10 331)
		t.Errorf("retransmits for 330 members: %d", r)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// synthMatrixFile writes a small matrix: a ring that relays beat.
func synthMatrixFile(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	n := 6
	for i := range n {
		for j := range n {
			if j > 0 {
				b.WriteByte('\t')
			}
			d := (i - j + n) % n
			d = min(d, n-d)
			switch {
			case i == j:
				b.WriteString("0")
			case d == 1:
				b.WriteString("10")
			default:
				b.WriteString("80")
			}
		}
		b.WriteByte('\n')
	}
	return writeMatrix(t, b.String())
}

func TestDESCommand(t *testing.T) {
	m := synthMatrixFile(t)
	ev := filepath.Join(t.TempDir(), "ev.yaml")
	if err := os.WriteFile(ev, []byte("events:\n  - {at: 30s, action: link_down, a: 0, b: 1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report")
	var stdout, stderr bytes.Buffer
	c := desCmd()
	c.SetArgs([]string{"--matrix", m, "--events", ev, "--duration", "90s", "--out", out, "-o", "json", "--quiet"})
	c.SetOut(&stdout)
	c.SetErr(&stderr)
	if err := c.Execute(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var res struct {
		Settings struct{ PoPs int }
		Events   []struct {
			Event string
			AllS  *float64 `json:"all_s"`
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Settings.PoPs != 6 || len(res.Events) != 1 || res.Events[0].AllS == nil {
		t.Fatalf("result %+v", res)
	}
	for _, f := range []string{"des.json", "des.md", "quality.svg", "quality.png", "events.png", "gossip.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "des.md"))
	if !strings.Contains(string(md), "30s link_down 0-1") {
		t.Errorf("des.md:\n%s", md)
	}
}

func TestDESCommandErrors(t *testing.T) {
	m := synthMatrixFile(t)
	badEv := filepath.Join(t.TempDir(), "ev.yaml")
	if err := os.WriteFile(badEv, []byte("events:\n  - {at: 1s, action: node_up, node: 2}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"a.tsv", "b.tsv"} {
		data, _ := os.ReadFile(m)
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--matrix", m, "--events", badEv}, "ev.yaml:2: events[0]: node 2 is not down"},
		{[]string{"--matrix", m, "--pops", "9"}, "--pops 9: the matrix has only 6 PoPs"},
		{[]string{"--matrix", m, "-o", "xml"}, "--output"},
		{[]string{"--matrix", m, "--jitter", "-1"}, "Jitter"},
		{[]string{"--matrix", m, "--probe-interval", "1ms"}, "probe.interval"},
		{[]string{"--matrix", dir}, "SliceDuration"},
		{[]string{"--matrix", m, "--events", filepath.Join(dir, "none.yaml")}, "no such file"},
	}
	for _, tc := range cases {
		c := desCmd()
		c.SetArgs(append(tc.args, "--duration", "10s", "--quiet"))
		c.SetOut(&bytes.Buffer{})
		c.SetErr(&bytes.Buffer{})
		if err := c.Execute(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.want)
		}
	}
}

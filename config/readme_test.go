package config

import (
	"bytes"
	"os"
	"testing"
)

// TestReadmeExample keeps the configuration reference in the README valid:
// its first yaml block must parse and validate as it stands, and the example
// in dist/ too.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := bytes.Cut(readme, []byte("\n```yaml\n"))
	block, _, closed := bytes.Cut(rest, []byte("\n```\n"))
	if !ok || !closed {
		t.Fatal("README.md: no ```yaml block")
	}
	c, err := Parse("README.md yaml block", block)
	if err != nil {
		t.Fatal(err)
	}
	if c.BGP == nil || c.XDP == nil || c.OnRamp == nil || len(c.Peers) == 0 {
		t.Fatalf("the README example no longer shows every section: %+v", c)
	}
	if _, err := Load("../dist/argod.example.yaml"); err != nil {
		t.Fatal(err)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadScenario(t *testing.T) {
	s, raw, err := loadScenario("small")
	if err != nil || s.Name != "small" || len(raw) == 0 {
		t.Fatalf("embedded small: %v", err)
	}
	f := filepath.Join(t.TempDir(), "x.yaml")
	os.WriteFile(f, []byte("name: x\nduration: 1s\npops: [{name: a, id: 1}, {name: b, id: 2}]\n"), 0o644)
	if s, _, err := loadScenario(f); err != nil || s.Name != "x" {
		t.Fatalf("file: %v", err)
	}
	os.WriteFile(f, []byte("name: x\nduration: 1s\npops: [{name: a, id: 1}]\n"), 0o644)
	if _, _, err := loadScenario(f); err == nil || !strings.Contains(err.Error(), "x.yaml:1: pops: 1 PoPs") {
		t.Fatalf("invalid file: %v", err)
	}
	if _, _, err := loadScenario("nosuch"); err == nil || !strings.Contains(err.Error(), "neither an embedded scenario (default, small) nor a readable file") {
		t.Fatalf("missing: %v", err)
	}
}

func TestFindArgod(t *testing.T) {
	if p, err := findArgod("/some/argod"); err != nil || p != "/some/argod" {
		t.Fatalf("flag: %q %v", p, err)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := findArgod(""); err == nil || !strings.Contains(err.Error(), "make build") {
		// The test binary's directory holds no argod, nor does PATH.
		t.Fatalf("no argod: %v", err)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDrainStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "ams-drain")
	if d, err := loadDrain(path); d || err != nil {
		t.Fatalf("missing file: %v, %v; want not drained", d, err)
	}
	if err := saveDrain(path, true); err != nil {
		t.Fatal(err)
	}
	if d, err := loadDrain(path); !d || err != nil {
		t.Fatalf("after drain: %v, %v", d, err)
	}
	if err := saveDrain(path, false); err != nil {
		t.Fatal(err)
	}
	if d, err := loadDrain(path); d || err != nil {
		t.Fatalf("after undrain: %v, %v", d, err)
	}
	if err := saveDrain(path, false); err != nil {
		t.Fatalf("undrain twice: %v", err)
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadDrain(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("corrupt file: %v, want an error naming %s", err, path)
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoDaemon: with no argod on the socket argoctl names the socket it
// tried and exits 1; a bad flag exits 2.
func TestNoDaemon(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	stderr := os.Stderr
	r, w, _ := os.Pipe()
	os.Stderr = w
	rc := run([]string{"--socket", sock, "paths"})
	rc2 := run([]string{"--socket", sock, "paths", "-o", "yaml"})
	w.Close()
	os.Stderr = stderr
	var out bytes.Buffer
	out.ReadFrom(r)
	if rc != 1 || !strings.Contains(out.String(), "cannot reach argod at "+sock) {
		t.Errorf("no daemon: rc %d, stderr %q", rc, out.String())
	}
	if rc2 != 2 {
		t.Errorf("bad --output: rc %d, want 2", rc2)
	}
}

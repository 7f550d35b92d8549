package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/argonet/argo/config"
)

// The drain flag of a PoP without BGP lives in <state_dir>/<pop>-drain, so
// that a restart (an upgrade during maintenance) keeps the PoP drained.
// With BGP the speaker keeps it in its own state file.

// drainMark is the whole content of the drain file.
var drainMark = []byte("drained\n")

func drainFile(c *config.Config) string {
	return filepath.Join(c.StateDir, c.PoP.Name+"-drain")
}

// loadDrain reports whether the drain file says drained. A missing file is
// not drained; anything else than the mark is an error naming the file.
func loadDrain(path string) (bool, error) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("drain state %s: %w", path, err)
	case !bytes.Equal(b, drainMark):
		return false, fmt.Errorf("drain state %s: want %q, found %d other bytes", path, drainMark, len(b))
	}
	return true, nil
}

// saveDrain writes (drained) or removes the drain file; the write is
// atomic (temporary file, then rename).
func saveDrain(path string, drained bool) error {
	if !drained {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("drain state: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("drain state: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, drainMark, 0o644); err != nil {
		return fmt.Errorf("drain state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("drain state: %w", err)
	}
	return nil
}

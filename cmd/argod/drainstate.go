package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/argonet/argo/bgp"
	"github.com/argonet/argo/config"
)

// The drain flag of a PoP without BGP lives in <state_dir>/<pop>-drain.json,
// in the BGP speaker's state file format, so that a restart (an upgrade
// during maintenance) keeps the PoP drained. With BGP the speaker keeps it
// in its own state file.

func drainFile(c *config.Config) string {
	return filepath.Join(c.StateDir, c.PoP.Name+"-drain.json")
}

// loadDrain reports whether the drain file says drained; a missing file is
// not drained, a malformed one an error naming the file.
func loadDrain(path string) (bool, error) {
	drained, _, err := bgp.LoadDrainState(path)
	return drained, err
}

// saveDrain records the flag (atomically, creating the directory).
func saveDrain(path string, drained bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("drain state: %w", err)
	}
	return bgp.SaveDrainState(path, drained, time.Now())
}

// setDrained sets the drain flag of a PoP without BGP, file first, so that
// the flag in force is always the one a restart finds.
func (d *daemon) setDrained(on bool) error {
	if err := saveDrain(drainFile(d.cfg.Load()), on); err != nil {
		return err
	}
	d.drained.Store(on)
	return nil
}

package bgp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// stateVersion is the version of the state file format.
const stateVersion = 1

// maxStateFileSize bounds how much of a state file is read.
const maxStateFileSize = 4096

// drainRecord is the persisted drain state. Whether the speaker is still
// draining or already drained follows from Since and Config.DrainGrace.
type drainRecord struct {
	Drained bool
	Since   time.Time
}

// stateFileJSON is the on-disk form of drainRecord.
type stateFileJSON struct {
	Version int     `json:"version"`
	Drained *bool   `json:"drained"`
	Since   *string `json:"since,omitempty"`
}

// parseState decodes a state file. The error names the field at fault.
func parseState(data []byte) (drainRecord, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f stateFileJSON
	if err := dec.Decode(&f); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return drainRecord{}, fmt.Errorf("field %q: %s is not a %s", typeErr.Field, typeErr.Value, typeErr.Type)
		}
		return drainRecord{}, fmt.Errorf("not a valid state document: %w", err)
	}
	if dec.More() {
		return drainRecord{}, fmt.Errorf("trailing data after the state document at byte %d", dec.InputOffset())
	}
	if f.Version != stateVersion {
		return drainRecord{}, fmt.Errorf("field \"version\": %d, want %d", f.Version, stateVersion)
	}
	if f.Drained == nil {
		return drainRecord{}, fmt.Errorf("field \"drained\": missing")
	}
	r := drainRecord{Drained: *f.Drained}
	if r.Drained {
		if f.Since == nil {
			return drainRecord{}, fmt.Errorf("field \"since\": missing for a drained speaker")
		}
		since, err := time.Parse(time.RFC3339Nano, *f.Since)
		if err != nil || since.IsZero() {
			return drainRecord{}, fmt.Errorf("field \"since\": %q is not an RFC 3339 time", *f.Since)
		}
		r.Since = since
	}
	return r, nil
}

// marshalState encodes r as a state file.
func marshalState(r drainRecord) []byte {
	f := stateFileJSON{Version: stateVersion, Drained: &r.Drained}
	if r.Drained {
		since := r.Since.UTC().Format(time.RFC3339Nano)
		f.Since = &since
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("bgp: marshalling the state file cannot fail: %v", err)) // only bools, ints and times
	}
	return append(data, '\n')
}

// loadState reads the state file at path. A missing file means "not
// drained".
func loadState(path string) (drainRecord, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return drainRecord{}, nil
	}
	if err != nil {
		return drainRecord{}, fmt.Errorf("state file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateFileSize+1))
	if err != nil {
		return drainRecord{}, fmt.Errorf("state file %s: %w", path, err)
	}
	if len(data) > maxStateFileSize {
		return drainRecord{}, fmt.Errorf("state file %s: larger than %d bytes", path, maxStateFileSize)
	}
	r, err := parseState(data)
	if err != nil {
		return drainRecord{}, fmt.Errorf("state file %s: %w", path, err)
	}
	return r, nil
}

// saveState writes r to path atomically: a temporary file in the same
// directory is written, synced and renamed over path, and the directory is
// synced, so a crash leaves either the old or the new state.
func saveState(path string, r drainRecord) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if _, err := tmp.Write(marshalState(r)); err != nil {
		return fmt.Errorf("state file %s: %w", tmpName, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("state file %s: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("state file %s: %w", tmpName, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: the rename is already visible
		d.Close()
	}
	return nil
}

// LoadDrainState reads a drain state file in the format the speaker keeps
// in Config.StateFile: whether drained and since when. A missing file is
// not drained. argod uses it for the drain flag of a PoP without BGP.
func LoadDrainState(path string) (drained bool, since time.Time, err error) {
	r, err := loadState(path)
	return r.Drained, r.Since, err
}

// SaveDrainState writes a drain state file atomically (its directory must
// exist).
func SaveDrainState(path string, drained bool, since time.Time) error {
	return saveState(path, drainRecord{Drained: drained, Since: since})
}

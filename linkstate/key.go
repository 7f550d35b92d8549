package linkstate

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"os"
)

// maxKeyFileBytes bounds how much of a key file is read.
const maxKeyFileBytes = 1024

// LoadKey reads a gossip key file: the base64 encoding of 16, 24 or 32 random
// bytes (what `wg genkey` or `head -c32 /dev/urandom | base64` prints),
// surrounding whitespace allowed. Files readable or writable by group or
// others are refused.
func LoadKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("linkstate: key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("linkstate: key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("linkstate: key file %s: not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("linkstate: key file %s: mode %04o gives group/others access; run chmod 600 %s", path, perm, path)
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("linkstate: key file %s: %w", path, err)
	}
	if len(raw) > maxKeyFileBytes {
		return nil, fmt.Errorf("linkstate: key file %s: longer than %d bytes", path, maxKeyFileBytes)
	}
	text := bytes.TrimSpace(raw)
	key := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Decode(key, text)
	if err != nil {
		return nil, fmt.Errorf("linkstate: key file %s: not base64: %v", path, err)
	}
	key = key[:n]
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("linkstate: key file %s: %v", path, err)
	}
	return key, nil
}

// checkKey accepts the AES key sizes memberlist supports.
func checkKey(key []byte) error {
	switch len(key) {
	case 16, 24, 32:
		return nil
	}
	return fmt.Errorf("key is %d bytes, want 16, 24 or 32", len(key))
}

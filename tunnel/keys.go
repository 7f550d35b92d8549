package tunnel

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// keyLen is the length of a WireGuard (Curve25519) key.
const keyLen = 32

// readPrivateKey reads a base64 private key file as written by `wg genkey`
// and returns it hex-encoded for the WireGuard UAPI. It refuses files that
// group or others may access.
func readPrivateKey(field, path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("tunnel: %s: %w", field, err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("tunnel: %s: %s is not a regular file", field, path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("tunnel: %s: %s has mode %04o, which lets group or others read it; chmod 600 it", field, path, perm)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("tunnel: %s: %w", field, err)
	}
	k, err := keyHex(strings.TrimSpace(string(data)))
	if err != nil {
		return "", fmt.Errorf("tunnel: %s: %s: %w", field, path, err)
	}
	return k, nil
}

// keyHex converts a base64 WireGuard key to the hex form of the UAPI.
func keyHex(b64 string) (string, error) {
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", fmt.Errorf("key is not base64: %w", err)
	}
	if len(k) != keyLen {
		return "", fmt.Errorf("key is %d bytes, want %d", len(k), keyLen)
	}
	return hex.EncodeToString(k), nil
}

// hexKeyBase64 converts a UAPI hex key back to base64.
func hexKeyBase64(h string) string {
	k, err := hex.DecodeString(h)
	if err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(k)
}

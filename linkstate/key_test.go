package linkstate

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadKey(t *testing.T) {
	key32 := bytes.Repeat([]byte{0xab}, 32)
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    []byte
		wantErr string
	}{
		{"32 bytes with newline", base64.StdEncoding.EncodeToString(key32) + "\n", 0o600, key32, ""},
		{"16 bytes", base64.StdEncoding.EncodeToString(key32[:16]), 0o400, key32[:16], ""},
		{"24 bytes, spaces", "  " + base64.StdEncoding.EncodeToString(key32[:24]) + " \n", 0o600, key32[:24], ""},
		{"group readable", base64.StdEncoding.EncodeToString(key32), 0o640, nil, "mode 0640 gives group/others access; run chmod 600"},
		{"world readable", base64.StdEncoding.EncodeToString(key32), 0o604, nil, "mode 0604 gives group/others access"},
		{"wrong length", base64.StdEncoding.EncodeToString(key32[:20]), 0o600, nil, "key is 20 bytes, want 16, 24 or 32"},
		{"not base64", "this is not base64!", 0o600, nil, "not base64"},
		{"empty", "", 0o600, nil, "key is 0 bytes"},
		{"huge", strings.Repeat("A", 5000), 0o600, nil, "longer than 1024 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "gossip.key")
			if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tc.mode); err != nil {
				t.Fatal(err)
			}
			got, err := LoadKey(p)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), p) {
					t.Fatalf("LoadKey = %x, %v; want error containing %q and the path", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("LoadKey = %x, %v; want %x", got, err, tc.want)
			}
		})
	}
	if _, err := LoadKey(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("LoadKey of a missing file succeeded")
	}
	if _, err := LoadKey(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("LoadKey of a directory: %v", err)
	}
}

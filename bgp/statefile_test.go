package bgp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStateFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bgp-state.json")
	if r, err := loadState(path); err != nil || r.Drained {
		t.Fatalf("missing file: %+v, %v; want not drained", r, err)
	}
	since := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	if err := saveState(path, drainRecord{Drained: true, Since: since}); err != nil {
		t.Fatal(err)
	}
	r, err := loadState(path)
	if err != nil || !r.Drained || !r.Since.Equal(since) {
		t.Fatalf("loaded %+v, %v; want drained since %v", r, err, since)
	}
	if err := saveState(path, drainRecord{}); err != nil {
		t.Fatal(err)
	}
	if r, err := loadState(path); err != nil || r.Drained {
		t.Fatalf("after undrain: %+v, %v", r, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestSaveStateFailureLeavesOldState(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := saveState(path, drainRecord{Drained: true, Since: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := saveState(filepath.Join(dir, "missing-dir", "state.json"), drainRecord{}); err == nil {
		t.Fatal("saving into a missing directory succeeded")
	}
	if r, err := loadState(path); err != nil || !r.Drained {
		t.Fatalf("old state damaged: %+v, %v", r, err)
	}
}

func TestParseState(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
		want              bool
	}{
		{name: "drained", in: `{"version":1,"drained":true,"since":"2026-03-01T12:00:00Z"}`, want: true},
		{name: "not drained", in: `{"version":1,"drained":false}`},
		{name: "empty", in: ``, wantErr: "not a valid state document"},
		{name: "garbage", in: `drained`, wantErr: "not a valid state document"},
		{name: "wrong version", in: `{"version":2,"drained":false}`, wantErr: `field "version": 2, want 1`},
		{name: "missing drained", in: `{"version":1}`, wantErr: `field "drained": missing`},
		{name: "drained not bool", in: `{"version":1,"drained":"yes"}`, wantErr: `field "drained"`},
		{name: "missing since", in: `{"version":1,"drained":true}`, wantErr: `field "since": missing`},
		{name: "bad since", in: `{"version":1,"drained":true,"since":"yesterday"}`, wantErr: `field "since": "yesterday"`},
		{name: "unknown field", in: `{"version":1,"drained":false,"extra":1}`, wantErr: `unknown field "extra"`},
		{name: "trailing data", in: `{"version":1,"drained":false} {}`, wantErr: "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseState([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseState(%q) = %+v, %v; want error containing %q", tt.in, r, err, tt.wantErr)
				}
				return
			}
			if err != nil || r.Drained != tt.want {
				t.Fatalf("parseState(%q) = %+v, %v", tt.in, r, err)
			}
		})
	}
}

func TestLoadStateErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"version":1}`), 0o644)
	if _, err := loadState(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("loadState(bad) = %v, want the path in the error", err)
	}
	big := filepath.Join(dir, "big.json")
	os.WriteFile(big, []byte(strings.Repeat(" ", maxStateFileSize+1)), 0o644)
	if _, err := loadState(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("loadState(big) = %v, want a size error", err)
	}
}

func FuzzParseState(f *testing.F) {
	f.Add([]byte(`{"version":1,"drained":true,"since":"2026-03-01T12:00:00Z"}`))
	f.Add([]byte(`{"version":1,"drained":false}`))
	f.Add([]byte(`{"version":1,"drained":true,"since":"x"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseState(data)
		if err != nil {
			return
		}
		again, err := parseState(marshalState(r))
		if err != nil || again.Drained != r.Drained || !again.Since.Equal(r.Since) {
			t.Fatalf("round trip of %q: %+v -> %+v, %v", data, r, again, err)
		}
	})
}

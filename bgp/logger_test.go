package bgp

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"

	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
)

// discardLogger returns a logger that drops everything.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestSlogAdapter(t *testing.T) {
	var buf bytes.Buffer
	a := newSlogAdapter(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if a.GetLevel() != gobgplog.InfoLevel {
		t.Errorf("level for an info handler = %v, want info", a.GetLevel())
	}
	a.Info("Peer Up", gobgplog.Fields{"Topic": "Peer", "Key": "198.18.0.254", "State": 6})
	a.Warn("careful", nil)
	a.Error("broken", gobgplog.Fields{"Err": "x"})
	a.Debug("hidden", gobgplog.Fields{"a": 1})
	out := buf.String()
	for _, want := range []string{
		`level=INFO msg="Peer Up" Key=198.18.0.254 State=6 Topic=Peer`,
		`level=WARN msg=careful`,
		`level=ERROR msg=broken Err=x`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hidden") {
		t.Errorf("debug message written by an info handler:\n%s", out)
	}

	dbg := newSlogAdapter(slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if dbg.GetLevel() != gobgplog.DebugLevel {
		t.Errorf("level for a debug handler = %v, want debug", dbg.GetLevel())
	}
	dbg.SetLevel(gobgplog.WarnLevel)
	if dbg.GetLevel() != gobgplog.WarnLevel {
		t.Errorf("SetLevel not honoured")
	}
}

func TestSlogAdapterFatalPanics(t *testing.T) {
	var buf bytes.Buffer
	a := newSlogAdapter(slog.New(slog.NewTextHandler(&buf, nil)))
	for name, fn := range map[string]func(string, gobgplog.Fields){"Fatal": a.Fatal, "Panic": a.Panic} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s returned; GoBGP does not expect it to", name)
				}
			}()
			fn("code logic bug", gobgplog.Fields{"k": "v"})
		}()
	}
	if strings.Count(buf.String(), "code logic bug") != 2 {
		t.Errorf("Fatal/Panic not logged before panicking:\n%s", buf.String())
	}
}

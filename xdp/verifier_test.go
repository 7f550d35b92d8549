package xdp

import (
	"log/slog"
	"testing"
)

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestLoadObjectsVerifier(t *testing.T) {
	needRoot(t)
	objs, err := loadObjects("", discardLog())
	if err != nil {
		t.Fatal(err)
	}
	defer objs.Close()
}

package bgp

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync/atomic"

	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
)

// slogAdapter implements GoBGP's log.Logger on top of a *slog.Logger.
//
// GoBGP calls Fatal and Panic only on internal invariant violations and
// does not expect them to return (its default logger exits or panics).
// Both log at error level and then panic, which unlike os.Exit lets a
// supervisor see the stack.
type slogAdapter struct {
	log *slog.Logger
	// level is GoBGP's notion of the level, used only by GetLevel; slog's
	// handler decides what is actually written.
	level atomic.Uint32
}

// newSlogAdapter returns an adapter whose GoBGP level follows what the
// handler of l enables.
func newSlogAdapter(l *slog.Logger) *slogAdapter {
	a := &slogAdapter{log: l}
	level := gobgplog.InfoLevel
	if l.Enabled(context.Background(), slog.LevelDebug) {
		level = gobgplog.DebugLevel
	}
	a.level.Store(uint32(level))
	return a
}

// attrs converts GoBGP fields to slog attributes in a stable order.
func attrs(fields gobgplog.Fields) []any {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, slog.Any(k, fields[k]))
	}
	return out
}

// Panic logs at error level and panics.
func (a *slogAdapter) Panic(msg string, fields gobgplog.Fields) {
	a.log.Error("gobgp panic: "+msg, attrs(fields)...)
	panic(fmt.Sprintf("gobgp: %s %v", msg, fields))
}

// Fatal logs at error level and panics.
func (a *slogAdapter) Fatal(msg string, fields gobgplog.Fields) {
	a.log.Error("gobgp fatal: "+msg, attrs(fields)...)
	panic(fmt.Sprintf("gobgp: %s %v", msg, fields))
}

// Error logs at error level.
func (a *slogAdapter) Error(msg string, fields gobgplog.Fields) {
	a.log.Error(msg, attrs(fields)...)
}

// Warn logs at warning level.
func (a *slogAdapter) Warn(msg string, fields gobgplog.Fields) {
	a.log.Warn(msg, attrs(fields)...)
}

// Info logs at info level.
func (a *slogAdapter) Info(msg string, fields gobgplog.Fields) {
	a.log.Info(msg, attrs(fields)...)
}

// Debug logs at debug level.
func (a *slogAdapter) Debug(msg string, fields gobgplog.Fields) {
	if a.GetLevel() < gobgplog.DebugLevel {
		return
	}
	a.log.Debug(msg, attrs(fields)...)
}

// SetLevel records GoBGP's level (GoBGP's SetLogLevel API).
func (a *slogAdapter) SetLevel(level gobgplog.LogLevel) { a.level.Store(uint32(level)) }

// GetLevel returns GoBGP's level; GoBGP skips building debug fields below
// DebugLevel.
func (a *slogAdapter) GetLevel() gobgplog.LogLevel { return gobgplog.LogLevel(a.level.Load()) }

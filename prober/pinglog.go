package prober

import (
	"fmt"
	"log/slog"
)

// pingLogger routes pro-bing's log lines to slog at debug level. pro-bing
// logs a failed send as "FATAL" and carries on; the Prober reports send
// failures itself (as losses and state changes), so these lines are only
// diagnostics.
type pingLogger struct{ log *slog.Logger }

func (l pingLogger) Fatalf(format string, v ...any) { l.emit("fatal", format, v) }
func (l pingLogger) Errorf(format string, v ...any) { l.emit("error", format, v) }
func (l pingLogger) Warnf(format string, v ...any)  { l.emit("warn", format, v) }
func (l pingLogger) Infof(format string, v ...any)  { l.emit("info", format, v) }
func (l pingLogger) Debugf(format string, v ...any) { l.emit("debug", format, v) }

func (l pingLogger) emit(level, format string, v []any) {
	l.log.Debug("pro-bing: "+fmt.Sprintf(format, v...), "pro_bing_level", level)
}

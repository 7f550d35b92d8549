package xdp

import (
	"errors"
	"fmt"
)

// ErrUnavailable marks a Load failure after which the caller should run
// with the userspace relay only: the mode is off, or the kernel, the driver
// or the BPF filesystem refused the program.
var ErrUnavailable = errors.New("xdp unavailable, use the userspace relay")

// ErrNotFound is returned when deleting a blocklist entry or rate limit that
// does not exist.
var ErrNotFound = errors.New("not found")

// FieldError reports an invalid input, naming the field at fault.
type FieldError struct {
	Field string // for example "Config.PopName", "prefix", "pps"
	Value any    // the rejected value
	Msg   string // what is wrong with it
}

// Error implements error, for example
// `xdp: Config.PopName "a/b": must match [A-Za-z0-9_.-]{1,64}`.
func (e *FieldError) Error() string {
	return fmt.Sprintf("xdp: %s %#v: %s", e.Field, e.Value, e.Msg)
}

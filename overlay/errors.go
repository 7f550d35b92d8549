package overlay

import "fmt"

// ParseError describes why a header was rejected. Byte is the offset of the
// byte at fault (for Short: the first missing byte, which equals the length
// received).
type ParseError struct {
	Byte   int
	Reason DropReason
	Value  int // the offending value (for Short: the length received)
	Limit  int // upper bound of the valid range where one depends on the header (BadIndex)
}

// Error implements error, for example
// "overlay: byte 2: hop count 5 out of range 1..4".
func (e *ParseError) Error() string {
	switch e.Reason {
	case Short:
		return fmt.Sprintf("overlay: byte %d: header truncated: %d of %d bytes", e.Byte, e.Value, HeaderLen)
	case BadVersion:
		return fmt.Sprintf("overlay: byte %d: version 0x%02x, want 0x%02x", e.Byte, e.Value, Version)
	case BadType:
		return fmt.Sprintf("overlay: byte %d: type %d unknown (want 0..%d)", e.Byte, e.Value, maxType)
	case BadCount:
		return fmt.Sprintf("overlay: byte %d: hop count %d out of range 1..%d", e.Byte, e.Value, MaxHops)
	case BadIndex:
		return fmt.Sprintf("overlay: byte %d: hop index %d out of range 0..%d", e.Byte, e.Value, e.Limit)
	case ProbeShort:
		return fmt.Sprintf("overlay: byte %d: probe body truncated: %d of %d bytes", e.Byte, e.Value, HeaderLen+ProbeLen)
	}
	return fmt.Sprintf("overlay: byte %d: %s (value %d)", e.Byte, e.Reason, e.Value)
}

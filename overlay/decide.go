package overlay

import "encoding/binary"

// Verdict is what a PoP does with a received overlay datagram.
type Verdict uint8

// Verdicts. The zero value is Drop.
const (
	Drop    Verdict = 0 // discard and count the DropReason
	Deliver Verdict = 1 // this PoP is the destination
	Relay   Verdict = 2 // advance the index and send to the next hop
)

// String returns the lower-case name used in the shared test vectors.
func (v Verdict) String() string {
	switch v {
	case Drop:
		return "drop"
	case Deliver:
		return "deliver"
	case Relay:
		return "relay"
	}
	return "unknown"
}

// DropReason says why a datagram was dropped (or rejected by Parse).
type DropReason uint8

// Drop reasons. None accompanies Deliver and Relay.
const (
	None       DropReason = iota
	Short                 // fewer than HeaderLen bytes
	BadVersion            // byte 0 is not Version
	BadType               // byte 1 is not a known Type
	BadCount              // byte 2 outside 1..MaxHops
	BadIndex              // byte 3 not below the hop count
	WrongHop              // hop[index] is not this PoP
	Loop                  // the next hop is this PoP again
	ProbeShort            // probe body shorter than ProbeLen (ParseProbe only)
	numReasons
)

// NumDropReasons is one more than the largest DropReason, for sizing
// per-reason counter arrays.
const NumDropReasons = int(numReasons)

var reasonNames = [numReasons]string{
	None:       "",
	Short:      "short",
	BadVersion: "bad_version",
	BadType:    "bad_type",
	BadCount:   "bad_count",
	BadIndex:   "bad_index",
	WrongHop:   "wrong_hop",
	Loop:       "loop",
	ProbeShort: "probe_short",
}

// String returns the reason's name as used in the shared test vectors and in
// metric labels ("" for None).
func (r DropReason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// Decide inspects the untrusted datagram b received by PoP self and returns
// what to do with it. For Relay, next is the PoP to send to after
// AdvanceIndex; for Deliver, next is self. It never allocates and never
// modifies b.
func Decide(b []byte, self uint16) (v Verdict, next uint16, reason DropReason) {
	if len(b) < HeaderLen {
		return Drop, 0, Short
	}
	if b[offVersion] != Version {
		return Drop, 0, BadVersion
	}
	if Type(b[offType]) > maxType {
		return Drop, 0, BadType
	}
	count, index := b[offCount], b[offIndex]
	if count < 1 || count > MaxHops {
		return Drop, 0, BadCount
	}
	if index >= count {
		return Drop, 0, BadIndex
	}
	if binary.BigEndian.Uint16(b[offHops+2*int(index):]) != self {
		return Drop, 0, WrongHop
	}
	if index == count-1 {
		return Deliver, self, None
	}
	next = binary.BigEndian.Uint16(b[offHops+2*int(index+1):])
	if next == self {
		return Drop, 0, Loop
	}
	return Relay, next, None
}

// AdvanceIndex increments the hop index (byte 3) in place, the only rewrite
// a relay makes. Call it only after Decide returned Relay for b.
func AdvanceIndex(b []byte) {
	b[offIndex]++
}

// Payload returns the bytes after the header. b must hold at least
// HeaderLen bytes.
func Payload(b []byte) []byte {
	return b[HeaderLen:]
}

// PacketType returns the type byte of a header Decide accepted.
func PacketType(b []byte) Type {
	return Type(b[offType])
}

// PacketSrc returns the source PoP id of a header Decide accepted.
func PacketSrc(b []byte) uint16 {
	return binary.BigEndian.Uint16(b[offSrc:])
}

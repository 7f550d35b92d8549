package bgp

import (
	"fmt"
	"strconv"
	"strings"
)

// Reserved AS numbers that a speaker or a neighbour must never use.
const (
	asTrans    = 23456      // AS_TRANS, RFC 6793
	asLast16   = 65535      // reserved, RFC 7300
	asLast32   = 4294967295 // reserved, RFC 7300
	maxASDotLo = 65535
)

// ParseASN parses an AS number written as plain decimal ("65001",
// "4200000001") or in asdot notation ("1.10" = 1*65536+10 = 65546). An
// optional "AS" prefix is accepted ("AS65001"). The reserved numbers 0,
// 23456 (AS_TRANS), 65535 and 4294967295 are rejected.
func ParseASN(s string) (uint32, error) {
	text := s
	if len(text) >= 2 && strings.EqualFold(text[:2], "as") {
		text = text[2:]
	}
	if text == "" {
		return 0, fmt.Errorf("AS number %q: empty", s)
	}
	var asn uint64
	if hi, lo, dot := strings.Cut(text, "."); dot {
		h, err := parseDecimal(hi, maxASDotLo)
		if err != nil {
			return 0, fmt.Errorf("AS number %q: high part of asdot: %w", s, err)
		}
		l, err := parseDecimal(lo, maxASDotLo)
		if err != nil {
			return 0, fmt.Errorf("AS number %q: low part of asdot: %w", s, err)
		}
		asn = h<<16 | l
	} else {
		v, err := parseDecimal(text, asLast32)
		if err != nil {
			return 0, fmt.Errorf("AS number %q: %w", s, err)
		}
		asn = v
	}
	if err := checkASN(uint32(asn)); err != nil {
		return 0, fmt.Errorf("AS number %q: %w", s, err)
	}
	return uint32(asn), nil
}

// parseDecimal parses a run of decimal digits (no sign, no spaces) no
// greater than max.
func parseDecimal(s string, max uint64) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("missing digits")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("unexpected character %q at offset %d", s[i], i)
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v > max {
		return 0, fmt.Errorf("%s is out of range 0..%d", s, max)
	}
	return v, nil
}

// checkASN rejects AS numbers that are reserved and never valid on a session.
func checkASN(asn uint32) error {
	switch asn {
	case 0:
		return fmt.Errorf("AS 0 is reserved (RFC 7607)")
	case asTrans:
		return fmt.Errorf("AS 23456 is AS_TRANS (RFC 6793), not a real AS")
	case asLast16, asLast32:
		return fmt.Errorf("AS %d is reserved (RFC 7300)", asn)
	}
	return nil
}

// FormatASN writes asn in plain decimal, the form GoBGP and BIRD print.
func FormatASN(asn uint32) string {
	return strconv.FormatUint(uint64(asn), 10)
}

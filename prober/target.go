package prober

import (
	"fmt"
	"net/netip"
)

// maxNameLen bounds peer names, which become metric label values.
const maxNameLen = 64

// Target is one peer PoP to probe.
type Target struct {
	ID   uint16     `json:"id"`   // PoP id, as in the overlay header
	Name string     `json:"name"` // PoP name: letters, digits, '.', '_', '-'
	Addr netip.Addr `json:"addr"` // underlay address, IPv4 or IPv6
}

// validateTargets checks a whole target list: every entry valid, IDs and
// names unique, no entry naming this PoP. Errors name the entry and field.
func validateTargets(self string, ts []Target) error {
	ids := make(map[uint16]int, len(ts))
	names := make(map[string]int, len(ts))
	for i, t := range ts {
		if err := validName(t.Name); err != nil {
			return fmt.Errorf("targets[%d].name: %w", i, err)
		}
		if t.Name == self {
			return fmt.Errorf("targets[%d].name: %q is this PoP itself", i, t.Name)
		}
		switch a := t.Addr; {
		case !a.IsValid():
			return fmt.Errorf("targets[%d].addr: missing address for peer %q", i, t.Name)
		case a.IsUnspecified(), a.IsMulticast():
			return fmt.Errorf("targets[%d].addr: %v is not a unicast address", i, a)
		}
		if j, dup := ids[t.ID]; dup {
			return fmt.Errorf("targets[%d].id: %d is already used by targets[%d]", i, t.ID, j)
		}
		if j, dup := names[t.Name]; dup {
			return fmt.Errorf("targets[%d].name: %q is already used by targets[%d]", i, t.Name, j)
		}
		ids[t.ID], names[t.Name] = i, i
	}
	return nil
}

// validName accepts 1..64 letters, digits, '.', '_' and '-'.
func validName(name string) error {
	if name == "" {
		return fmt.Errorf("empty name")
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("%d bytes is longer than %d", len(name), maxNameLen)
	}
	for i := range len(name) {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return fmt.Errorf("%q has byte %#02x at offset %d (allowed: letters, digits, '.', '_', '-')", name, c, i)
		}
	}
	return nil
}

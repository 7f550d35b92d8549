package xdp

import (
	"fmt"
	"net/netip"
)

// maxPoPs is max_entries of argo_pop_addrs and argo_pop_ids.
const maxPoPs = 4096

// SetPoPs replaces the table of known PoPs: id -> underlay IPv4 address,
// including this PoP's own entry. Overlay datagrams from addresses not in
// the table are dropped; relays go to the address of the next hop's id.
// The whole table is validated before anything changes.
func (t *tables) SetPoPs(pops map[uint16]netip.Addr) error {
	if len(pops) > maxPoPs {
		return &FieldError{"pops", len(pops), fmt.Sprintf("at most %d PoPs", maxPoPs)}
	}
	byAddr := make(map[netip.Addr]uint16, len(pops))
	for id, a := range pops {
		field := fmt.Sprintf("pops[%d]", id)
		if !a.Is4() || a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			return &FieldError{field, a.String(), "must be a unicast IPv4 address"}
		}
		if other, dup := byAddr[a]; dup {
			return &FieldError{field, a.String(), fmt.Sprintf("address also used by PoP %d", other)}
		}
		byAddr[a] = id
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	old, err := t.readPoPs()
	if err != nil {
		return err
	}
	if err := t.writePoPs(pops); err != nil {
		if rerr := t.writePoPs(old); rerr != nil {
			return fmt.Errorf("%w (rollback failed: %v)", err, rerr)
		}
		return err
	}
	return t.writeConfig()
}

// PoPs returns the table of known PoPs as the program sees it.
func (t *tables) PoPs() (map[uint16]netip.Addr, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.readPoPs()
}

// readPoPs reads argo_pop_addrs. Callers hold mu.
func (t *tables) readPoPs() (map[uint16]netip.Addr, error) {
	pops := map[uint16]netip.Addr{}
	var id uint16
	var v argoPopAddr
	it := t.m.ArgoPopAddrs.Iterate()
	for it.Next(&id, &v) {
		pops[id] = addrFromBE32(v.Addr)
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("read PoP table: %w", err)
	}
	return pops, nil
}

// writePoPs makes both PoP maps describe want, reading the current
// contents first: adds and changes go in before stale entries go out, so a
// swap of two addresses never leaves one of them unknown. Callers hold mu.
func (t *tables) writePoPs(want map[uint16]netip.Addr) error {
	have, err := t.readPoPs()
	if err != nil {
		return err
	}
	haveIDs := map[uint32]uint16{}
	var key uint32
	var id uint16
	it := t.m.ArgoPopIds.Iterate()
	for it.Next(&key, &id) {
		haveIDs[key] = id
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("read PoP address index: %w", err)
	}
	wantIDs := make(map[uint32]uint16, len(want))
	for id, a := range want {
		wantIDs[be32(a)] = id
	}

	for k, id := range wantIDs {
		if cur, ok := haveIDs[k]; !ok || cur != id {
			if err := t.m.ArgoPopIds.Put(k, id); err != nil {
				return fmt.Errorf("PoP %d: index address %s: %w", id, addrFromBE32(k), err)
			}
		}
	}
	for id, a := range want {
		if cur, ok := have[id]; !ok || cur != a {
			if err := t.m.ArgoPopAddrs.Put(id, argoPopAddr{Addr: be32(a)}); err != nil {
				return fmt.Errorf("PoP %d: set address %s: %w", id, a, err)
			}
		}
	}
	for k := range haveIDs {
		if _, keep := wantIDs[k]; !keep {
			if err := t.m.ArgoPopIds.Delete(k); err != nil && !isNotExist(err) {
				return fmt.Errorf("unindex address %s: %w", addrFromBE32(k), err)
			}
		}
	}
	for id := range have {
		if _, keep := want[id]; !keep {
			if err := t.m.ArgoPopAddrs.Delete(id); err != nil && !isNotExist(err) {
				return fmt.Errorf("PoP %d: delete: %w", id, err)
			}
		}
	}
	return nil
}

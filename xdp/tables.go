package xdp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// mapVersion must equal ARGO_MAP_VERSION in bpf/argo.c.
const mapVersion = 2

// tables wraps the program's maps with validated, typed accessors. Writers
// are serialised by mu; the BPF program reads concurrently.
type tables struct {
	m     *argoMaps
	mu    sync.Mutex
	self  uint16
	port  uint16
	flags uint32  // cfg* flags of the config map
	rules ruleSet // blocklist counter indices in use
	ncpu  int     // possible CPUs: the length of a per-CPU value
}

// Flags of the config map (CFG_* in bpf/argo.c).
const cfgZeroUDPChecksum = 1

// newTables configures the maps for PoP self with the overlay port and
// flags and marks the program ready. It does not change pinned rules or
// state; it reads which blocklist counters pinned entries use.
func newTables(m *argoMaps, self, port uint16, flags uint32) (*tables, error) {
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return nil, fmt.Errorf("count possible CPUs: %w", err)
	}
	t := &tables{m: m, self: self, port: port, flags: flags, ncpu: ncpu}
	if err := m.ArgoVersion.Put(uint32(0), uint32(mapVersion)); err != nil {
		return nil, fmt.Errorf("write map version: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.loadRules(); err != nil {
		return nil, err
	}
	if err := t.writeConfig(); err != nil {
		return nil, err
	}
	return t, nil
}

// writeConfig stores the config entry, taking this PoP's address from the
// PoP table. Callers hold mu.
func (t *tables) writeConfig() error {
	var self argoPopAddr
	err := t.m.ArgoPopAddrs.Lookup(t.self, &self)
	if err != nil && !isNotExist(err) {
		return fmt.Errorf("read own PoP address: %w", err)
	}
	cfg := argoConfig{Ready: 1, SelfId: t.self, OverlayPort: be16(t.port), SelfAddr: self.Addr, Flags: t.flags}
	if err := t.m.ArgoConfig.Put(uint32(0), &cfg); err != nil {
		return fmt.Errorf("write config map: %w", err)
	}
	return nil
}

// be16 returns v in network byte order as stored in a __be16 field.
func be16(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}

// be32 returns an IPv4 address as stored in a __be32 field.
func be32(a netip.Addr) uint32 {
	b := a.As4()
	return binary.NativeEndian.Uint32(b[:])
}

// addrFromBE32 is the inverse of be32.
func addrFromBE32(v uint32) netip.Addr {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// isNotExist reports whether err is a map lookup/delete miss.
func isNotExist(err error) bool {
	return err != nil && errors.Is(err, ebpf.ErrKeyNotExist)
}

// isFull reports whether err says that a map has no room for another entry.
func isFull(err error) bool {
	return errors.Is(err, unix.E2BIG) || errors.Is(err, unix.ENOSPC)
}

// setEgress makes argo_tx_ports hold exactly the given interfaces.
func (t *tables) setEgress(ifindexes []int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	want := map[uint32]bool{}
	for _, i := range ifindexes {
		want[uint32(i)] = true
		if err := t.m.ArgoTxPorts.Put(uint32(i), uint32(i)); err != nil {
			return fmt.Errorf("allow redirect to ifindex %d: %w", i, err)
		}
	}
	var stale []uint32
	var k, v uint32
	it := t.m.ArgoTxPorts.Iterate()
	for it.Next(&k, &v) {
		if !want[k] {
			stale = append(stale, k)
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("read redirect ports: %w", err)
	}
	for _, k := range stale {
		if err := t.m.ArgoTxPorts.Delete(k); err != nil && !isNotExist(err) {
			return fmt.Errorf("remove redirect ifindex %d: %w", k, err)
		}
	}
	return nil
}

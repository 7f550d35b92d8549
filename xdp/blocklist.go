package xdp

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/cilium/ebpf"
)

// BlockEntry is one blocklist prefix and the packets it dropped.
type BlockEntry struct {
	Prefix netip.Prefix `json:"prefix"`
	Hits   uint64       `json:"hits"`
}

// checkPrefix validates a blocklist prefix given by an operator.
func checkPrefix(p netip.Prefix) error {
	switch {
	case !p.IsValid():
		return &FieldError{"prefix", p.String(), "not a valid prefix"}
	case p.Addr().Is4In6():
		return &FieldError{"prefix", p.String(), "IPv4-mapped IPv6: use the IPv4 form"}
	case p.Masked() != p:
		return &FieldError{"prefix", p.String(), fmt.Sprintf("has host bits set; did you mean %s", p.Masked())}
	}
	return nil
}

// blockKey returns the LPM map and key for p.
func (t *tables) blockKey(p netip.Prefix) (*ebpf.Map, any) {
	if p.Addr().Is4() {
		return t.m.ArgoBlockV4, &argoLpmV4Key{Prefixlen: uint32(p.Bits()), Addr: p.Addr().As4()}
	}
	return t.m.ArgoBlockV6, &argoLpmV6Key{Prefixlen: uint32(p.Bits()), Addr: p.Addr().As16()}
}

// AddBlock drops every packet whose source address is in p. Adding an
// existing prefix keeps its hit count.
func (t *tables) AddBlock(p netip.Prefix) error {
	if err := checkPrefix(p); err != nil {
		return err
	}
	m, key := t.blockKey(p)
	err := m.Update(key, argoBlockVal{}, ebpf.UpdateNoExist)
	switch {
	case err == nil, errors.Is(err, ebpf.ErrKeyExist):
		return nil
	case isFull(err):
		return fmt.Errorf("xdp: blocklist full (%d entries): %s not added", m.MaxEntries(), p)
	}
	return fmt.Errorf("xdp: add block %s: %w", p, err)
}

// DelBlock removes prefix p from the blocklist; ErrNotFound if absent.
func (t *tables) DelBlock(p netip.Prefix) error {
	if err := checkPrefix(p); err != nil {
		return err
	}
	m, key := t.blockKey(p)
	if err := m.Delete(key); err != nil {
		if isNotExist(err) {
			return fmt.Errorf("xdp: block %s: %w", p, ErrNotFound)
		}
		return fmt.Errorf("xdp: delete block %s: %w", p, err)
	}
	return nil
}

// Blocklist returns all entries, IPv4 first, each family sorted by prefix.
func (t *tables) Blocklist() ([]BlockEntry, error) {
	var out []BlockEntry
	var k4 argoLpmV4Key
	var v argoBlockVal
	it := t.m.ArgoBlockV4.Iterate()
	for it.Next(&k4, &v) {
		out = append(out, BlockEntry{netip.PrefixFrom(netip.AddrFrom4(k4.Addr), int(k4.Prefixlen)), v.Hits})
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("xdp: read IPv4 blocklist: %w", err)
	}
	var k6 argoLpmV6Key
	it = t.m.ArgoBlockV6.Iterate()
	for it.Next(&k6, &v) {
		out = append(out, BlockEntry{netip.PrefixFrom(netip.AddrFrom16(k6.Addr), int(k6.Prefixlen)), v.Hits})
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("xdp: read IPv6 blocklist: %w", err)
	}
	slices.SortFunc(out, func(a, b BlockEntry) int {
		if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits())
	})
	return out, nil
}

package xdp

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/cilium/ebpf"
)

// blockRules is the blocklist's capacity, IPv4 and IPv6 together (BLOCK_RULES
// in bpf/argo.c): every entry owns one per-CPU counter in argo_block_hits.
const blockRules = 32768

// BlockEntry is one blocklist prefix and the packets it dropped.
type BlockEntry struct {
	Prefix netip.Prefix `json:"prefix"`
	Hits   uint64       `json:"hits"`
}

// ruleSet tracks the blocklist entries and the argo_block_hits index
// each uses. The maps are the truth for the BPF program; this is argod's
// exact view of them (a lookup on an LPM trie finds the longest prefix
// covering a key, so it cannot say whether a prefix itself is there).
type ruleSet struct {
	byPrefix map[netip.Prefix]uint32
	used     []bool // by index
	low      int    // no index below low is free
}

func newRuleSet() ruleSet {
	return ruleSet{byPrefix: make(map[netip.Prefix]uint32), used: make([]bool, blockRules)}
}

// alloc returns the lowest free index, or false when all are in use.
func (r *ruleSet) alloc() (uint32, bool) {
	for i := r.low; i < len(r.used); i++ {
		if !r.used[i] {
			r.used[i] = true
			r.low = i + 1
			return uint32(i), true
		}
	}
	r.low = len(r.used)
	return 0, false
}

// free releases index i.
func (r *ruleSet) free(i uint32) {
	if int(i) < len(r.used) && r.used[i] {
		r.used[i] = false
		r.low = min(r.low, int(i))
	}
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

// loadRules reads the entries already in the blocklist maps (pinned by an
// earlier run) and the counter indices they use. Callers hold mu.
func (t *tables) loadRules() error {
	t.rules = newRuleSet()
	return t.eachBlock(func(p netip.Prefix, v argoBlockVal) error {
		if v.Rule >= blockRules || t.rules.used[v.Rule] {
			return fmt.Errorf("xdp: pinned blocklist entry %s: counter index %d out of range or shared", p, v.Rule)
		}
		t.rules.used[v.Rule] = true
		t.rules.byPrefix[p] = v.Rule
		return nil
	})
}

// eachBlock calls f for every blocklist entry, IPv4 first.
func (t *tables) eachBlock(f func(netip.Prefix, argoBlockVal) error) error {
	var k4 argoLpmV4Key
	var v argoBlockVal
	it := t.m.ArgoBlockV4.Iterate()
	for it.Next(&k4, &v) {
		if err := f(netip.PrefixFrom(netip.AddrFrom4(k4.Addr), int(k4.Prefixlen)), v); err != nil {
			return err
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("xdp: read IPv4 blocklist: %w", err)
	}
	var k6 argoLpmV6Key
	it = t.m.ArgoBlockV6.Iterate()
	for it.Next(&k6, &v) {
		if err := f(netip.PrefixFrom(netip.AddrFrom16(k6.Addr), int(k6.Prefixlen)), v); err != nil {
			return err
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("xdp: read IPv6 blocklist: %w", err)
	}
	return nil
}

// AddBlock drops every packet whose source address is in p. Adding an
// existing prefix keeps its hit count.
func (t *tables) AddBlock(p netip.Prefix) error {
	if err := checkPrefix(p); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.rules.byPrefix[p]; ok {
		return nil
	}
	rule, ok := t.rules.alloc()
	if !ok {
		return fmt.Errorf("xdp: blocklist full (%d entries): %s not added", blockRules, p)
	}
	// Zero the counter before the entry can count into it.
	if err := t.m.ArgoBlockHits.Put(rule, make([]uint64, t.ncpu)); err != nil {
		t.rules.free(rule)
		return fmt.Errorf("xdp: add block %s: reset counter %d: %w", p, rule, err)
	}
	m, key := t.blockKey(p)
	if err := m.Update(key, argoBlockVal{Rule: rule}, ebpf.UpdateNoExist); err != nil {
		t.rules.free(rule)
		if isFull(err) {
			return fmt.Errorf("xdp: blocklist full (%d entries): %s not added", m.MaxEntries(), p)
		}
		return fmt.Errorf("xdp: add block %s: %w", p, err)
	}
	t.rules.byPrefix[p] = rule
	return nil
}

// DelBlock removes prefix p from the blocklist; ErrNotFound if absent.
func (t *tables) DelBlock(p netip.Prefix) error {
	if err := checkPrefix(p); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m, key := t.blockKey(p)
	if err := m.Delete(key); err != nil {
		if isNotExist(err) {
			return fmt.Errorf("xdp: block %s: %w", p, ErrNotFound)
		}
		return fmt.Errorf("xdp: delete block %s: %w", p, err)
	}
	if rule, ok := t.rules.byPrefix[p]; ok {
		t.rules.free(rule)
		delete(t.rules.byPrefix, p)
	}
	return nil
}

// hits sums the per-CPU counter of blocklist entry rule.
func (t *tables) hits(rule uint32) (uint64, error) {
	var per []uint64
	if err := t.m.ArgoBlockHits.Lookup(rule, &per); err != nil {
		return 0, err
	}
	var n uint64
	for _, v := range per {
		n += v
	}
	return n, nil
}

// Blocklist returns all entries, IPv4 first, each family sorted by prefix.
func (t *tables) Blocklist() ([]BlockEntry, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []BlockEntry
	err := t.eachBlock(func(p netip.Prefix, v argoBlockVal) error {
		n, err := t.hits(v.Rule)
		if err != nil {
			return fmt.Errorf("xdp: read hits of %s: %w", p, err)
		}
		out = append(out, BlockEntry{p, n})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b BlockEntry) int {
		if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits())
	})
	return out, nil
}

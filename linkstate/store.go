package linkstate

import (
	"slices"
	"sync"
	"time"
)

// Store keeps the newest table of every origin PoP. It has no clock and no
// transport: callers pass the current time, so a simulator can drive it in
// virtual time. It is safe for concurrent use.
//
// A table is replaced only by a strictly newer Version of the same origin.
// Removing or expiring a table leaves a tombstone with its version, so that
// late copies of the same (or an older) version still circulating in the
// network cannot bring it back; only a newer version can, or Revive.
type Store struct {
	self uint16
	ttl  time.Duration

	mu      sync.RWMutex
	entries map[uint16]entry
	tombs   map[uint16]tomb
}

type entry struct {
	t        Table
	received time.Time
}

// tomb remembers a removed table: its version for good, the table itself
// (for Revive) only until it would have expired.
type tomb struct {
	version uint64
	e       *entry
}

// NewStore returns an empty store for the PoP self. Tables not refreshed by a
// newer version within ttl are dropped by Expire (except self's own table);
// ttl <= 0 disables expiry.
func NewStore(self uint16, ttl time.Duration) *Store {
	return &Store{self: self, ttl: ttl, entries: make(map[uint16]entry), tombs: make(map[uint16]tomb)}
}

// Apply stores a copy of t if it is valid and newer than the table held (or
// removed) for t.Origin, recording now as its received time. Older and equal
// versions are ignored (changed == false, err == nil). An invalid table is
// rejected with an error and changes nothing.
func (s *Store) Apply(t Table, now time.Time) (changed bool, err error) {
	changed, _, err = s.apply(t, now)
	return changed, err
}

// apply is Apply that also reports whether the content (not only the
// version) differs from the table it replaced.
func (s *Store) apply(t Table, now time.Time) (changed, contentChanged bool, err error) {
	if err := t.Validate(); err != nil {
		return false, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if tb, ok := s.tombs[t.Origin]; ok && t.Version <= tb.version {
		return false, false, nil
	}
	old, ok := s.entries[t.Origin]
	if ok && t.Version <= old.t.Version {
		return false, false, nil
	}
	delete(s.tombs, t.Origin)
	s.entries[t.Origin] = entry{t: t.Clone(), received: now}
	return true, !ok || !old.t.SameContent(t), nil
}

// Remove drops the table of origin (for example because membership declared
// that PoP dead) and reports whether there was one.
func (s *Store) Remove(origin uint16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removeLocked(origin)
}

func (s *Store) removeLocked(origin uint16) bool {
	e, ok := s.entries[origin]
	if !ok {
		return false
	}
	delete(s.entries, origin)
	s.tombs[origin] = tomb{version: e.t.Version, e: &e}
	return true
}

// Revive restores the table of origin dropped by Remove (for example when
// membership declared the PoP dead by mistake and it refuted), unless a
// newer table arrived since or Expire has passed its TTL. The table keeps its
// original received time, so it expires as if never removed. It reports
// whether a table was restored.
func (s *Store) Revive(origin uint16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	tb, ok := s.tombs[origin]
	if !ok || tb.e == nil {
		return false
	}
	if _, live := s.entries[origin]; live {
		return false
	}
	s.entries[origin] = *tb.e
	delete(s.tombs, origin)
	return true
}

// Expire drops every table (other than self's) received more than the TTL
// before now, and returns their origins in ascending order. Tables expired
// or removed earlier and now past their TTL can no longer be revived (their
// versions stay remembered).
func (s *Store) Expire(now time.Time) []uint16 {
	if s.ttl <= 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for origin, tb := range s.tombs {
		if tb.e != nil && now.Sub(tb.e.received) > s.ttl {
			tb.e = nil
			s.tombs[origin] = tb
		}
	}
	var gone []uint16
	for origin, e := range s.entries {
		if origin != s.self && now.Sub(e.received) > s.ttl {
			gone = append(gone, origin)
		}
	}
	for _, o := range gone {
		s.removeLocked(o)
	}
	slices.Sort(gone)
	return gone
}

// Snapshot returns deep copies of all tables, sorted by origin.
func (s *Store) Snapshot() []Table {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Table, 0, len(s.entries))
	for _, e := range s.entries {
		out = append(out, e.t.Clone())
	}
	slices.SortFunc(out, func(a, b Table) int { return int(a.Origin) - int(b.Origin) })
	return out
}

// Get returns a copy of origin's table and the time it was received.
func (s *Store) Get(origin uint16) (Table, time.Time, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.entries[origin]
	if !ok {
		return Table{}, time.Time{}, false
	}
	return e.t.Clone(), e.received, true
}

// Len returns the number of tables held.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
}

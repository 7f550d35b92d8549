package linkstate

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func tableV(origin uint16, version uint64, rtt time.Duration) Table {
	return Table{Origin: origin, Version: version, Links: []Link{{Peer: origin + 1, RTT: rtt, Up: true}}}
}

func TestStoreVersions(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := NewStore(1, 30*time.Second)
	steps := []struct {
		name        string
		t           Table
		wantChanged bool
		wantVersion uint64
	}{
		{"first", tableV(5, 10, time.Millisecond), true, 10},
		{"newer", tableV(5, 11, 2*time.Millisecond), true, 11},
		{"equal ignored", tableV(5, 11, 9*time.Millisecond), false, 11},
		{"older ignored", tableV(5, 3, 9*time.Millisecond), false, 11},
		{"much newer", tableV(5, 1<<60, 3*time.Millisecond), true, 1 << 60},
	}
	for i, st := range steps {
		changed, err := s.Apply(st.t, t0.Add(time.Duration(i)*time.Second))
		if err != nil || changed != st.wantChanged {
			t.Fatalf("%s: Apply = %v, %v; want changed=%v", st.name, changed, err, st.wantChanged)
		}
		got, _, ok := s.Get(5)
		if !ok || got.Version != st.wantVersion {
			t.Fatalf("%s: stored version %d, want %d", st.name, got.Version, st.wantVersion)
		}
	}
	_, rx, _ := s.Get(5)
	if want := t0.Add(4 * time.Second); !rx.Equal(want) {
		t.Fatalf("received time %v, want %v (the time of the last newer version)", rx, want)
	}
}

func TestStoreRejectsInvalid(t *testing.T) {
	s := NewStore(1, time.Minute)
	bad := tableV(5, 1, time.Millisecond)
	bad.Links = append(bad.Links, bad.Links[0])
	changed, err := s.Apply(bad, time.Now())
	if err == nil || changed || !strings.Contains(err.Error(), "links[1]") {
		t.Fatalf("Apply(invalid) = %v, %v", changed, err)
	}
	if s.Len() != 0 {
		t.Fatal("invalid table was stored")
	}
}

func TestStoreCopies(t *testing.T) {
	s := NewStore(1, time.Minute)
	in := tableV(5, 1, time.Millisecond)
	if _, err := s.Apply(in, time.Now()); err != nil {
		t.Fatal(err)
	}
	in.Links[0].RTT = time.Hour // caller reuses its slice
	got, _, _ := s.Get(5)
	got.Links[0].RTT = 2 * time.Hour
	snap := s.Snapshot()
	snap[0].Links[0].RTT = 3 * time.Hour
	again, _, _ := s.Get(5)
	if again.Links[0].RTT != time.Millisecond {
		t.Fatalf("store shares memory with callers: rtt %v", again.Links[0].RTT)
	}
}

func TestStoreRemoveTombstone(t *testing.T) {
	now := time.Now()
	s := NewStore(1, time.Minute)
	s.Apply(tableV(5, 10, time.Millisecond), now)
	if !s.Remove(5) {
		t.Fatal("Remove of a stored origin returned false")
	}
	if s.Remove(5) {
		t.Fatal("second Remove returned true")
	}
	for _, v := range []uint64{9, 10} {
		if changed, _ := s.Apply(tableV(5, v, time.Millisecond), now); changed {
			t.Fatalf("version %d after removal of version 10 was accepted (late copy resurrected the table)", v)
		}
	}
	if changed, _ := s.Apply(tableV(5, 11, time.Millisecond), now); !changed {
		t.Fatal("newer version after removal was not accepted (restarted PoP)")
	}
}

func TestStoreExpire(t *testing.T) {
	t0 := time.Unix(5000, 0)
	ttl := 30 * time.Second
	s := NewStore(1, ttl)
	s.Apply(tableV(1, 1, time.Millisecond), t0) // self: never expires
	s.Apply(tableV(4, 1, time.Millisecond), t0)
	s.Apply(tableV(3, 1, time.Millisecond), t0)
	s.Apply(tableV(9, 1, time.Millisecond), t0.Add(20*time.Second))
	s.Apply(tableV(3, 2, time.Millisecond), t0.Add(25*time.Second)) // refreshed by a newer version
	s.Apply(tableV(4, 1, time.Millisecond), t0.Add(25*time.Second)) // same version: no refresh

	if gone := s.Expire(t0.Add(ttl)); len(gone) != 0 {
		t.Fatalf("expired at exactly TTL: %v", gone)
	}
	if gone := s.Expire(t0.Add(ttl + time.Second)); !slices.Equal(gone, []uint16{4}) {
		t.Fatalf("Expire = %v, want [4]", gone)
	}
	if gone := s.Expire(t0.Add(time.Hour)); !slices.Equal(gone, []uint16{3, 9}) {
		t.Fatalf("Expire = %v, want [3 9]", gone)
	}
	if _, _, ok := s.Get(1); !ok {
		t.Fatal("own table expired")
	}
	if changed, _ := s.Apply(tableV(4, 1, time.Millisecond), t0.Add(time.Hour)); changed {
		t.Fatal("expired version came back (two stores could keep a dead table alive forever)")
	}
	if NewStore(1, 0).Expire(t0) != nil {
		t.Fatal("ttl 0 must disable expiry")
	}
}

func TestStoreSnapshotSorted(t *testing.T) {
	s := NewStore(1, time.Minute)
	for _, o := range []uint16{40, 2, 65535, 7} {
		s.Apply(tableV(o, 1, time.Millisecond), time.Now())
	}
	var got []uint16
	for _, tb := range s.Snapshot() {
		got = append(got, tb.Origin)
	}
	if !slices.Equal(got, []uint16{2, 7, 40, 65535}) {
		t.Fatalf("Snapshot order %v", got)
	}
}

func TestStoreContentChange(t *testing.T) {
	s := NewStore(1, time.Minute)
	now := time.Now()
	for i, st := range []struct {
		t                     Table
		applied, contentDiffs bool
	}{
		{tableV(5, 1, time.Millisecond), true, true},
		{tableV(5, 2, time.Millisecond), true, false}, // refresh
		{tableV(5, 3, 2*time.Millisecond), true, true},
		{tableV(5, 3, 5*time.Millisecond), false, false},
	} {
		a, c, err := s.apply(st.t, now)
		if err != nil || a != st.applied || c != st.contentDiffs {
			t.Fatalf("step %d: apply = %v, %v, %v", i, a, c, err)
		}
	}
}

func TestStoreRevive(t *testing.T) {
	t0 := time.Unix(9000, 0)
	s := NewStore(1, 30*time.Second)
	s.Apply(tableV(5, 10, time.Millisecond), t0)
	if s.Revive(5) {
		t.Fatal("revived a live table")
	}
	s.Remove(5)
	if !s.Revive(5) {
		t.Fatal("removed table not revived")
	}
	got, rx, ok := s.Get(5)
	if !ok || got.Version != 10 || !rx.Equal(t0) {
		t.Fatalf("revived %+v received %v", got, rx)
	}
	if s.Revive(5) {
		t.Fatal("revived twice")
	}

	// A newer table arriving after the removal wins.
	s.Remove(5)
	s.Apply(tableV(5, 11, 2*time.Millisecond), t0.Add(time.Second))
	s.Remove(5)
	s.Revive(5)
	if got, _, _ := s.Get(5); got.Version != 11 {
		t.Fatalf("revived version %d, want 11", got.Version)
	}

	// Past its TTL a removed table can no longer be revived, but its
	// version is still remembered.
	s.Remove(5)
	s.Expire(t0.Add(time.Hour))
	if s.Revive(5) {
		t.Fatal("revived a table past its TTL")
	}
	if changed, _ := s.Apply(tableV(5, 11, time.Millisecond), t0.Add(time.Hour)); changed {
		t.Fatal("old version accepted after the tombstone lost its table")
	}
}

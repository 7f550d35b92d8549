package pathcalc

import (
	"slices"
	"testing"
	"time"
)

func TestTableLookups(t *testing.T) {
	ms := time.Millisecond
	g, err := NewGraph([]uint16{40, 7, 300, 12}, []Link{
		{From: 7, To: 40, RTT: 10 * ms, Up: true},
		{From: 7, To: 300, RTT: 50 * ms, Up: true},
		{From: 40, To: 300, RTT: 10 * ms, Up: true},
	}, DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	tb, err := Compute(g, 7, 3)
	if err != nil {
		t.Fatal(err)
	}
	var dsts []uint16
	for _, r := range tb.Routes() {
		dsts = append(dsts, r.Dst)
	}
	if !slices.Equal(dsts, []uint16{40, 300}) || !slices.Equal(tb.Unreachable(), []uint16{12}) {
		t.Fatalf("routes to %v, unreachable %v", dsts, tb.Unreachable())
	}
	r := tb.Route(300)
	if r.Primary.String() != "7>40>300 (21.00 ms)" || r.Gain() != 29 || r.Disjoint != 0 || len(r.Backups) != 1 {
		t.Fatalf("route %+v", r)
	}
	// Backup A = B = the direct link (the only path avoiding relay 40).
	if r.Backups[0].String() != "7>300 (50.00 ms)" {
		t.Fatalf("backups %v", r.Backups)
	}
	if r := tb.Route(40); r.Disjoint != -1 || len(r.Backups) != 0 || r.Gain() != 0 {
		t.Fatalf("route to 40 %+v", r)
	}
	for _, id := range []uint16{7, 12, 13, 299, 65535} {
		if tb.Route(id) != nil {
			t.Fatalf("Route(%d) not nil", id)
		}
	}
	var nilTable *Table
	if nilTable.Route(1) != nil || nilTable.Routes() != nil || nilTable.Unreachable() != nil {
		t.Fatal("nil table lookups")
	}
	if _, err := Compute(g, 8, 3); err == nil {
		t.Fatal("unknown self accepted")
	}
	if _, err := Compute(g, 7, 5); err == nil {
		t.Fatal("MaxHops 5 accepted")
	}
}

func TestTableRouteDoesNotAllocate(t *testing.T) {
	tb, err := Compute(syntheticGraph(t, 50), 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = tb.Route(17) }); n != 0 {
		t.Fatalf("Route allocates %v times", n)
	}
}

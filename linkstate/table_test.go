package linkstate

import (
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// sampleTable returns a valid table exercising every field.
func sampleTable() Table {
	return Table{
		Origin:  7,
		Version: 1_700_000_000_000_000_123,
		Links: []Link{
			{Peer: 1, RTT: 12345678 * time.Nanosecond, Jitter: 300 * time.Microsecond, Loss: 0, Up: true},
			{Peer: 3, RTT: 80 * time.Millisecond, Jitter: 2 * time.Millisecond, Loss: 0.015, Up: true},
			{Peer: 400, RTT: 0, Jitter: 0, Loss: 1, Up: false},
			{Peer: 65535, RTT: MaxRTT, Jitter: MaxJitter, Loss: math.SmallestNonzeroFloat64, Up: true},
		},
		Prefixes: []netip.Prefix{
			netip.MustParsePrefix("0.0.0.0/0"),
			netip.MustParsePrefix("192.0.2.0/24"),
			netip.MustParsePrefix("198.51.100.128/25"),
			netip.MustParsePrefix("203.0.113.7/32"),
			netip.MustParsePrefix("2001:db8::/32"),
			netip.MustParsePrefix("2001:db8::1/128"),
			netip.MustParsePrefix("2001:db8:1::/48"),
		},
		Draining: true,
	}
}

// bigTable returns a valid table of n links, as a large PoP publishes.
func bigTable(origin uint16, n int) Table {
	t := Table{Origin: origin, Version: uint64(time.Now().UnixNano())}
	for i := range n {
		peer := uint16(i + 1)
		if peer >= origin {
			peer++
		}
		t.Links = append(t.Links, Link{
			Peer: peer, RTT: time.Duration(5+i%300) * time.Millisecond,
			Jitter: time.Duration(i%7) * 100 * time.Microsecond, Loss: float64(i%3) * 0.001, Up: i%11 != 0,
		})
	}
	t.Prefixes = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::/32")}
	return t
}

func TestValidate(t *testing.T) {
	mod := func(f func(*Table)) Table {
		tb := sampleTable()
		f(&tb)
		return tb
	}
	tests := []struct {
		name string
		t    Table
		want string // "" = valid
	}{
		{"sample", sampleTable(), ""},
		{"empty", Table{}, ""},
		{"unsorted links", mod(func(t *Table) { t.Links[0], t.Links[1] = t.Links[1], t.Links[0] }), "links[1]: peer 1 not above previous peer 3"},
		{"duplicate peer", mod(func(t *Table) { t.Links[1].Peer = 1 }), "links[1]: peer 1 not above previous peer 1"},
		{"self link", mod(func(t *Table) { t.Links[1].Peer = 7 }), "links[1]: peer 7 is the origin itself"},
		{"negative rtt", mod(func(t *Table) { t.Links[0].RTT = -1 }), "links[0]: rtt -1ns not in [0,1m0s]"},
		{"huge rtt", mod(func(t *Table) { t.Links[0].RTT = MaxRTT + 1 }), "links[0]: rtt 1m0.000000001s not in"},
		{"negative jitter", mod(func(t *Table) { t.Links[2].Jitter = -time.Second }), "links[2]: jitter -1s not in"},
		{"loss NaN", mod(func(t *Table) { t.Links[1].Loss = math.NaN() }), "links[1]: loss is NaN"},
		{"loss above 1", mod(func(t *Table) { t.Links[1].Loss = 1.5 }), "links[1]: loss 1.5 not in [0,1]"},
		{"loss negative", mod(func(t *Table) { t.Links[1].Loss = -0.1 }), "links[1]: loss -0.1 not in [0,1]"},
		{"loss +Inf", mod(func(t *Table) { t.Links[1].Loss = math.Inf(1) }), "links[1]: loss +Inf not in [0,1]"},
		{"too many links", Table{Links: make([]Link, MaxLinks+1)}, "links: count 4097 exceeds limit 4096"},
		{"too many prefixes", Table{Prefixes: make([]netip.Prefix, MaxPrefixes+1)}, "prefixes: count 1025 exceeds limit 1024"},
		{"invalid prefix", mod(func(t *Table) { t.Prefixes[0] = netip.Prefix{} }), "prefixes[0]: invalid prefix"},
		{"host bits", mod(func(t *Table) { t.Prefixes[1] = netip.MustParsePrefix("192.0.2.1/24") }), "prefixes[1]: 192.0.2.1/24 has host bits set (canonical form 192.0.2.0/24)"},
		{"4in6", Table{Prefixes: []netip.Prefix{netip.MustParsePrefix("::ffff:192.0.2.0/120")}}, "IPv4-mapped IPv6 prefix"},
		{"unsorted prefixes", mod(func(t *Table) { t.Prefixes[1], t.Prefixes[2] = t.Prefixes[2], t.Prefixes[1] }), "prefixes[2]: 192.0.2.0/24 not after 198.51.100.128/25"},
		{"duplicate prefix", mod(func(t *Table) { t.Prefixes[2] = t.Prefixes[1] }), "prefixes[2]: 192.0.2.0/24 not after 192.0.2.0/24"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.t.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "linkstate: ") {
				t.Fatalf("Validate = %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	want := sampleTable()
	got := sampleTable()
	got.Links[0], got.Links[3] = got.Links[3], got.Links[0]
	got.Prefixes = append(got.Prefixes, got.Prefixes[1], got.Prefixes[0])
	got.Prefixes[0], got.Prefixes[5] = got.Prefixes[5], got.Prefixes[0]
	if got.Validate() == nil {
		t.Fatal("shuffled table should not validate")
	}
	got.Normalize()
	if !got.Equal(want) {
		t.Fatalf("Normalize:\n got %+v\nwant %+v", got, want)
	}
}

func TestCloneIsDeep(t *testing.T) {
	a := sampleTable()
	b := a.Clone()
	b.Links[0].RTT = time.Hour
	b.Prefixes[0] = netip.MustParsePrefix("10.0.0.0/8")
	if !a.Equal(sampleTable()) {
		t.Fatal("modifying a clone changed the original")
	}
}

func TestEqualAndSameContent(t *testing.T) {
	a, b := sampleTable(), sampleTable()
	b.Version++
	if a.Equal(b) || !a.SameContent(b) {
		t.Fatal("version-only difference: want !Equal and SameContent")
	}
	b.Links[1].Loss = 0.5
	if a.SameContent(b) {
		t.Fatal("loss difference: want !SameContent")
	}
}

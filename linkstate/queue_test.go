package linkstate

import (
	"fmt"
	"slices"
	"testing"
)

func strs(b [][]byte) []string {
	var out []string
	for _, m := range b {
		out = append(out, string(m))
	}
	return out
}

// TestBroadcastQueueKeepsReplacedOwnTable replays the sequence that made
// memberlist.TransmitLimitedQueue drop a PoP's own table
// (hashicorp/memberlist#263): the own table replaces the only queued message,
// then two relayed tables of the same length are queued.
func TestBroadcastQueueKeepsReplacedOwnTable(t *testing.T) {
	q := newBroadcastQueue(4, func() int { return 3 })
	q.queue(2, []byte("own-v1"))
	q.queue(2, []byte("own-v2"))
	q.queue(3, []byte("relayc"))
	q.queue(1, []byte("relaya"))
	got := strs(q.get(2, 1000))
	slices.Sort(got)
	if want := []string{"own-v2", "relaya", "relayc"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestBroadcastQueue(t *testing.T) {
	tests := []struct {
		name     string
		nodes    int
		queue    []string // "origin:msg"
		overhead int
		limit    int
		rounds   [][]string // messages returned by successive get calls
	}{
		{
			name: "retransmit limit 4 for 3 nodes", nodes: 3,
			queue: []string{"1:aa"}, overhead: 1, limit: 100,
			rounds: [][]string{{"aa"}, {"aa"}, {"aa"}, {"aa"}, nil},
		},
		{
			name: "retransmit limit 8 for 10 nodes", nodes: 10,
			queue: []string{"1:aa"}, overhead: 1, limit: 100,
			rounds: [][]string{{"aa"}, {"aa"}, {"aa"}, {"aa"}, {"aa"}, {"aa"}, {"aa"}, {"aa"}, nil},
		},
		{
			name: "newer table of an origin replaces the older", nodes: 3,
			queue: []string{"1:old", "1:new"}, overhead: 0, limit: 100,
			rounds: [][]string{{"new"}},
		},
		{
			name: "least transmitted first, newest first among equals", nodes: 3,
			queue: []string{"1:aaaa", "2:bbbb"}, overhead: 0, limit: 4,
			rounds: [][]string{{"bbbb"}, {"aaaa"}, {"bbbb"}, {"aaaa"}},
		},
		{
			name: "a smaller message fills the space a large one leaves", nodes: 3,
			queue: []string{"1:cc", "2:bbbbbbbb", "3:aaaaa"}, overhead: 1, limit: 9,
			rounds: [][]string{{"aaaaa", "cc"}},
		},
		{
			name: "nothing fits", nodes: 3,
			queue: []string{"1:aaaaaaaa"}, overhead: 2, limit: 9,
			rounds: [][]string{nil, nil},
		},
		{
			name: "empty", nodes: 3, limit: 100,
			rounds: [][]string{nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newBroadcastQueue(4, func() int { return tt.nodes })
			for _, e := range tt.queue {
				var origin uint16
				var msg string
				if _, err := fmt.Sscanf(e, "%d:%s", &origin, &msg); err != nil {
					t.Fatal(err)
				}
				q.queue(origin, []byte(msg))
			}
			for i, want := range tt.rounds {
				if got := strs(q.get(tt.overhead, tt.limit)); !slices.Equal(got, want) {
					t.Fatalf("round %d: got %q, want %q", i, got, want)
				}
			}
		})
	}
}

func BenchmarkBroadcastQueueGet(b *testing.B) {
	for _, n := range []int{0, 10, 330} {
		b.Run(fmt.Sprintf("queued=%d", n), func(b *testing.B) {
			q := newBroadcastQueue(4, func() int { return 330 })
			msg := make([]byte, 100)
			b.ReportAllocs()
			for b.Loop() {
				if q.len() < n {
					for o := range n {
						q.queue(uint16(o), msg)
					}
				}
				q.get(2, 1350)
			}
		})
	}
}

package linkstate

import (
	"math"
	"slices"
	"sync"
)

// broadcastQueue holds the table messages waiting to be piggybacked on
// memberlist's gossip: at most one per origin (a newer table replaces an
// older one still queued), each handed out until it has been transmitted
// retransmitLimit times.
//
// It replaces memberlist.TransmitLimitedQueue, which loses messages: it keys
// its B-tree by (transmits, length, id) and resets the id generator whenever
// it is momentarily empty, so after a named message replaces the only queued
// one, a later message of the same length can get the same key and silently
// overwrite it (hashicorp/memberlist#263, unfixed in v0.7.0). Table messages
// of one cluster often have exactly the same length, and a PoP's own table
// then vanished from its queue: other PoPs waited for the next refresh.
type broadcastQueue struct {
	numNodes func() int // cluster size, for the retransmit limit
	mult     int        // retransmit multiplier (memberlist's RetransmitMult)

	mu    sync.Mutex
	items map[uint16]*queuedMsg // by origin
	seq   uint64
}

type queuedMsg struct {
	msg       []byte
	transmits int
	seq       uint64 // queueing order: newer messages go first within a tier
}

func newBroadcastQueue(mult int, numNodes func() int) *broadcastQueue {
	return &broadcastQueue{numNodes: numNodes, mult: mult, items: make(map[uint16]*queuedMsg)}
}

// retransmitLimit is memberlist's: mult * ceil(log10(n+1)), so that a
// message reaches every member with high probability as the cluster grows.
func retransmitLimit(mult, n int) int {
	return mult * int(math.Ceil(math.Log10(float64(n+1))))
}

// queue adds msg, the newest table of origin, replacing any older one.
func (q *broadcastQueue) queue(origin uint16, msg []byte) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	q.items[origin] = &queuedMsg{msg: msg, seq: q.seq}
}

// get returns queued messages that fit into limit bytes, counting overhead
// bytes per message: the least transmitted first, the newest first among
// equals. Each returned message counts one transmission; a message that has
// reached the retransmit limit leaves the queue.
func (q *broadcastQueue) get(overhead, limit int) [][]byte {
	q.mu.Lock()
	if len(q.items) == 0 {
		q.mu.Unlock()
		return nil
	}
	q.mu.Unlock()
	// numNodes takes memberlist's node lock: call it outside q.mu.
	limitTx := max(retransmitLimit(q.mult, q.numNodes()), 1)

	q.mu.Lock()
	defer q.mu.Unlock()
	type entry struct {
		origin uint16
		m      *queuedMsg
	}
	order := make([]entry, 0, len(q.items))
	for o, m := range q.items {
		order = append(order, entry{o, m})
	}
	slices.SortFunc(order, func(a, b entry) int {
		if a.m.transmits != b.m.transmits {
			return a.m.transmits - b.m.transmits
		}
		if a.m.seq > b.m.seq {
			return -1
		}
		return 1
	})
	var out [][]byte
	used := 0
	for _, e := range order {
		if used+overhead+len(e.m.msg) > limit {
			continue // a smaller one may still fit
		}
		used += overhead + len(e.m.msg)
		out = append(out, e.m.msg)
		e.m.transmits++
		if e.m.transmits >= limitTx {
			delete(q.items, e.origin)
		}
	}
	return out
}

// len returns the number of queued messages.
func (q *broadcastQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

package fabric

// pending is one frame held by the forwarder until its due time.
type pending struct {
	due  int64  // ns, CLOCK_REALTIME like the receive ring timestamps
	seq  uint64 // arrival order: breaks ties so equal due times stay FIFO
	buf  uint32 // index into the pool
	n    uint32 // frame length
	dst  *port
	link *link
}

// timeQueue is a binary min-heap of pending frames ordered by (due, seq).
// Its backing array is allocated once, with the pool's capacity, so pushing
// never allocates.
type timeQueue struct {
	h []pending
}

func newTimeQueue(capacity int) timeQueue {
	return timeQueue{h: make([]pending, 0, capacity)}
}

func (q *timeQueue) len() int { return len(q.h) }

func less(a, b *pending) bool {
	if a.due != b.due {
		return a.due < b.due
	}
	return a.seq < b.seq
}

// push adds p; the caller guarantees len < capacity (one entry per pool buffer).
func (q *timeQueue) push(p pending) {
	q.h = append(q.h, p)
	i := len(q.h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !less(&q.h[i], &q.h[parent]) {
			break
		}
		q.h[i], q.h[parent] = q.h[parent], q.h[i]
		i = parent
	}
}

// peek returns the earliest entry; the queue must not be empty.
func (q *timeQueue) peek() *pending { return &q.h[0] }

// pop removes and returns the earliest entry; the queue must not be empty.
func (q *timeQueue) pop() pending {
	top := q.h[0]
	last := len(q.h) - 1
	q.h[0] = q.h[last]
	q.h[last] = pending{} // drop pointers for the GC
	q.h = q.h[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && less(&q.h[l], &q.h[m]) {
			m = l
		}
		if r < last && less(&q.h[r], &q.h[m]) {
			m = r
		}
		if m == i {
			return top
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
}

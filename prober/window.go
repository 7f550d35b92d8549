package prober

import (
	"slices"
	"time"
)

// rttWindow keeps the most recent RTT samples in a fixed ring.
type rttWindow struct {
	buf  []time.Duration
	next int // slot the next sample goes to
	n    int // samples held, at most len(buf)
}

func newRTTWindow(size int) rttWindow {
	return rttWindow{buf: make([]time.Duration, size)}
}

func (w *rttWindow) add(d time.Duration) {
	w.buf[w.next] = d
	w.next++
	if w.next == len(w.buf) {
		w.next = 0
	}
	if w.n < len(w.buf) {
		w.n++
	}
}

// percentiles returns the minimum and the nearest-rank 50th, 95th and 99th
// percentiles of the samples held: the p-th percentile is the smallest
// sample such that at least p % of the samples are less than or equal to
// it (sorted index ceil(p*n/100)-1). All zero when empty. It sorts a copy
// on the stack and does not allocate.
func (w *rttWindow) percentiles() (lo, p50, p95, p99 time.Duration) {
	if w.n == 0 {
		return 0, 0, 0, 0
	}
	var scratch [MaxWindow]time.Duration
	s := scratch[:w.n]
	copy(s, w.buf[:w.n])
	slices.Sort(s)
	rank := func(p int) time.Duration { return s[(p*w.n+99)/100-1] }
	return s[0], rank(50), rank(95), rank(99)
}

// lossWindow remembers whether each of the most recently resolved probes
// was lost, as a ring of bits, and keeps a running count of the losses.
type lossWindow struct {
	bits []uint64
	size int
	next int // bit the next outcome goes to
	n    int // outcomes held, at most size
	lost int // set bits among the outcomes held
}

func newLossWindow(size int) lossWindow {
	return lossWindow{bits: make([]uint64, (size+63)/64), size: size}
}

func (w *lossWindow) add(lost bool) {
	word, mask := w.next/64, uint64(1)<<(w.next%64)
	if w.n == w.size && w.bits[word]&mask != 0 {
		w.lost-- // the outcome being overwritten was a loss
	}
	if lost {
		w.bits[word] |= mask
		w.lost++
	} else {
		w.bits[word] &^= mask
	}
	w.next++
	if w.next == w.size {
		w.next = 0
	}
	if w.n < w.size {
		w.n++
	}
}

// ratio is the fraction of lost probes among those held, 0 when empty.
func (w *lossWindow) ratio() float64 {
	if w.n == 0 {
		return 0
	}
	return float64(w.lost) / float64(w.n)
}

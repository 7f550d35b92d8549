package fabric

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// txBatchSize is the most frames handed to the kernel in one sendmmsg.
const txBatchSize = 64

// txBatch sends frames to fabric ports through one AF_PACKET socket with
// sendmmsg. Its message, iovec and address arrays are allocated once.
type txBatch struct {
	fd    int
	n     int
	msgs  [txBatchSize]unix.Mmsghdr
	iovs  [txBatchSize]unix.Iovec
	addrs [txBatchSize]unix.RawSockaddrLinklayer
	bufs  [txBatchSize]uint32 // pool buffer of each message, for release
	owned [txBatchSize]bool   // whether bufs[i] must go back to the pool
	links [txBatchSize]*link
}

// newTxBatch opens the transmit socket in the calling thread's namespace. It
// bypasses the qdisc layer (the fabric ports have none worth keeping) and
// receives nothing (protocol 0).
func newTxBatch() (*txBatch, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("tx socket: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("tx PACKET_QDISC_BYPASS: %w", err)
	}
	t := &txBatch{fd: fd}
	for i := range t.msgs {
		t.msgs[i].Hdr.Name = (*byte)(unsafe.Pointer(&t.addrs[i]))
		t.msgs[i].Hdr.Namelen = unix.SizeofSockaddrLinklayer
		t.msgs[i].Hdr.Iov = &t.iovs[i]
		t.msgs[i].Hdr.Iovlen = 1
	}
	return t, nil
}

// full reports whether the batch must be flushed before the next add.
func (t *txBatch) full() bool { return t.n == txBatchSize }

// add queues frame for transmission on ifindex. buf and owned say which pool
// buffer to release after sending; l is the link to credit.
func (t *txBatch) add(frame []byte, ifindex int, buf uint32, owned bool, l *link) {
	i := t.n
	t.iovs[i].Base = &frame[0]
	t.iovs[i].SetLen(len(frame))
	a := &t.addrs[i]
	a.Family = unix.AF_PACKET
	a.Protocol = htons(unix.ETH_P_ALL)
	a.Ifindex = int32(ifindex)
	a.Halen = 6
	copy(a.Addr[:6], frame[0:6])
	t.bufs[i], t.owned[i], t.links[i] = buf, owned, l
	t.n++
}

// flush sends the queued frames. For each frame it calls done with the
// buffer, ownership, link and frame length, or sent=false when the kernel
// refused it (for example when the destination veth is gone).
func (t *txBatch) flush(done func(buf uint32, owned bool, l *link, n int, sent bool)) {
	off := 0
	for off < t.n {
		sent, err := sendmmsg(t.fd, t.msgs[off:t.n])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || sent == 0 {
			// The first message failed: report it and go on with the rest.
			done(t.bufs[off], t.owned[off], t.links[off], int(t.iovs[off].Len), false)
			off++
			continue
		}
		for i := off; i < off+sent; i++ {
			done(t.bufs[i], t.owned[i], t.links[i], int(t.iovs[i].Len), true)
		}
		off += sent
	}
	for i := range t.n {
		t.links[i] = nil
		t.iovs[i].Base = nil
	}
	t.n = 0
}

func sendmmsg(fd int, msgs []unix.Mmsghdr) (int, error) {
	n, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(fd),
		uintptr(unsafe.Pointer(&msgs[0])), uintptr(len(msgs)), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func (t *txBatch) close() {
	if t.fd >= 0 {
		_ = unix.Close(t.fd)
		t.fd = -1
	}
}

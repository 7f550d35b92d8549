package tunnel

import (
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsgBatch is a preallocated vector of messages for one sendmmsg or
// recvmmsg call. Each message has two iovecs: the 16-byte overlay header and
// the payload, so that the header is never copied next to the payload.
// Reusing a batch allocates nothing.
type mmsgBatch struct {
	msgs  []unix.Mmsghdr
	iovs  [][2]unix.Iovec
	names []unix.RawSockaddrInet6 // receive: source addresses
	n     int                     // messages in use

	// the raw-conn callbacks, bound once so that passing them allocates nothing
	recvF, sendF func(fd uintptr) bool

	// set by the callbacks
	done  int
	errno syscall.Errno
	start int
	flags int
}

func newMmsgBatch(size int) *mmsgBatch {
	b := &mmsgBatch{
		msgs:  make([]unix.Mmsghdr, size),
		iovs:  make([][2]unix.Iovec, size),
		names: make([]unix.RawSockaddrInet6, size),
	}
	b.recvF, b.sendF = b.recvFn, b.sendFn
	for i := range b.msgs {
		b.msgs[i].Hdr.Iov = &b.iovs[i][0]
		b.msgs[i].Hdr.SetIovlen(2)
	}
	return b
}

// setIov points iovec j of message i at p (which may be empty).
func (b *mmsgBatch) setIov(i, j int, p []byte) {
	if len(p) == 0 {
		b.iovs[i][j].Base = nil
		b.iovs[i][j].SetLen(0)
		return
	}
	b.iovs[i][j].Base = &p[0]
	b.iovs[i][j].SetLen(len(p))
}

// addSend appends a message of hdr and payload to the underlay socket
// address sa (of length salen).
func (b *mmsgBatch) addSend(hdr, payload []byte, sa *byte, salen uint32) {
	i := b.n
	b.setIov(i, 0, hdr)
	b.setIov(i, 1, payload)
	b.msgs[i].Hdr.Name = sa
	b.msgs[i].Hdr.Namelen = salen
	b.n++
}

// prepareRecv points message i at hdr and payload buffers and its own
// source-address slot.
func (b *mmsgBatch) prepareRecv(i int, hdr, payload []byte) {
	b.setIov(i, 0, hdr)
	b.setIov(i, 1, payload)
	b.msgs[i].Hdr.Name = (*byte)(unsafe.Pointer(&b.names[i]))
	b.msgs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
	b.msgs[i].Hdr.Flags = 0
	b.msgs[i].Len = 0
}

// reset forgets all messages and drops references to caller buffers.
func (b *mmsgBatch) reset() {
	for i := 0; i < b.n; i++ {
		b.iovs[i] = [2]unix.Iovec{}
		b.msgs[i].Hdr.Name = nil
	}
	b.n = 0
}

// received returns the length and source address of received message i.
func (b *mmsgBatch) received(i int) (int, netip.Addr) {
	n := int(b.msgs[i].Len)
	sa := &b.names[i]
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return n, netip.AddrFrom4(sa4.Addr)
	case unix.AF_INET6:
		return n, netip.AddrFrom16(sa.Addr).Unmap()
	}
	return n, netip.Addr{}
}

// recvFn is the callback for syscall.RawConn.Read: one recvmmsg into
// msgs[:n]. It returns false (wait for readability) on EAGAIN.
func (b *mmsgBatch) recvFn(fd uintptr) bool {
	r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.msgs[0])), uintptr(b.n), 0, 0, 0)
	if e == unix.EAGAIN || e == unix.EINTR {
		return false
	}
	b.errno = e
	b.done = int(r)
	return true
}

// sendFn is the callback for syscall.RawConn.Write: one sendmmsg of
// msgs[start:n].
func (b *mmsgBatch) sendFn(fd uintptr) bool {
	r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.msgs[b.start])), uintptr(b.n-b.start), 0, 0, 0)
	if e == unix.EAGAIN || e == unix.EINTR {
		return false
	}
	b.errno = e
	b.done = int(r)
	return true
}

// recv fills up to n prepared messages with one recvmmsg, waiting until at
// least one datagram is there. It returns the number received; err is
// non-nil only when the socket is closed. Transient socket errors are
// returned as errno with 0 messages.
func (b *mmsgBatch) recv(rc syscall.RawConn, n int) (int, syscall.Errno, error) {
	b.n, b.done, b.errno = n, 0, 0
	if err := rc.Read(b.recvF); err != nil {
		return 0, 0, err
	}
	if b.errno != 0 {
		return 0, b.errno, nil
	}
	return b.done, 0, nil
}

// send transmits msgs[:n], skipping (and counting) messages the kernel
// rejects. err is non-nil only when the socket is closed; failed counts the
// rejected messages and lastErr names the last rejection.
func (b *mmsgBatch) send(rc syscall.RawConn) (sent, failed int, lastErr, err error) {
	for b.start = 0; b.start < b.n; {
		b.done, b.errno = 0, 0
		if err := rc.Write(b.sendF); err != nil {
			return sent, failed + b.n - b.start, lastErr, err
		}
		if b.errno != 0 {
			failed++
			lastErr = b.errno
			b.start++
			continue
		}
		sent += b.done
		b.start += b.done
	}
	return sent, failed, lastErr, nil
}

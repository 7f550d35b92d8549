package fabric

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Receive ring geometry: 64 KiB blocks of 32 frames of 2 KiB.
const (
	ringBlockSize = 1 << 16
	ringFrameSize = 1 << 11
)

// rxRing is an AF_PACKET TPACKET_V2 receive ring bound to every interface
// of the namespace it was created in. Reading a frame costs no syscall.
type rxRing struct {
	fd     int
	mem    []byte
	frames int
	next   int
}

// rxFrame is one received frame, valid until release.
type rxFrame struct {
	data    []byte
	ifindex int
	tsNs    int64 // kernel receive time, CLOCK_REALTIME
	status  uint32
	origLen uint32 // length on the wire (> len(data) when truncated)
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// newRxRing creates the ring with nframes frames (rounded up to whole blocks)
// in the calling thread's network namespace.
func newRxRing(nframes int) (*rxRing, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return nil, fmt.Errorf("rx socket: %w", err)
	}
	r := &rxRing{fd: fd}
	if err := r.setup(nframes); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func (r *rxRing) setup(nframes int) error {
	if err := unix.SetsockoptInt(r.fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V2); err != nil {
		return fmt.Errorf("rx PACKET_VERSION: %w", err)
	}
	// Our own transmissions must not come back into the ring.
	if err := unix.SetsockoptInt(r.fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil {
		return fmt.Errorf("rx PACKET_IGNORE_OUTGOING: %w", err)
	}
	perBlock := ringBlockSize / ringFrameSize
	blocks := (nframes + perBlock - 1) / perBlock
	req := unix.TpacketReq{
		Block_size: ringBlockSize,
		Block_nr:   uint32(blocks),
		Frame_size: ringFrameSize,
		Frame_nr:   uint32(blocks * perBlock),
	}
	if err := unix.SetsockoptTpacketReq(r.fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return fmt.Errorf("rx PACKET_RX_RING: %w", err)
	}
	mem, err := unix.Mmap(r.fd, 0, blocks*ringBlockSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("rx mmap: %w", err)
	}
	r.mem, r.frames = mem, int(req.Frame_nr)
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL)}
	if err := unix.Bind(r.fd, sa); err != nil {
		return fmt.Errorf("rx bind: %w", err)
	}
	return nil
}

func (r *rxRing) hdr(i int) *unix.Tpacket2Hdr {
	return (*unix.Tpacket2Hdr)(unsafe.Pointer(&r.mem[i*ringFrameSize]))
}

// peek returns the next frame owned by user space, if any.
func (r *rxRing) peek(f *rxFrame) bool {
	h := r.hdr(r.next)
	status := atomic.LoadUint32(&h.Status)
	if status&unix.TP_STATUS_USER == 0 {
		return false
	}
	base := r.next * ringFrameSize
	// sockaddr_ll follows the header at TPACKET_ALIGN(sizeof(tpacket2_hdr)).
	sll := (*unix.RawSockaddrLinklayer)(unsafe.Pointer(&r.mem[base+unix.SizeofTpacket2Hdr]))
	mac, snap := int(h.Mac), int(h.Snaplen)
	if mac > ringFrameSize || snap > ringFrameSize-mac {
		mac, snap = 0, 0 // corrupt header: hand back an empty frame
	}
	f.data = r.mem[base+mac : base+mac+snap : base+mac+snap]
	f.ifindex = int(sll.Ifindex)
	f.tsNs = int64(h.Sec)*1e9 + int64(h.Nsec)
	f.status = status
	f.origLen = h.Len
	return true
}

// release hands the current frame back to the kernel and advances.
func (r *rxRing) release() {
	atomic.StoreUint32(&r.hdr(r.next).Status, unix.TP_STATUS_KERNEL)
	r.next++
	if r.next == r.frames {
		r.next = 0
	}
}

// drops returns the kernel's count of frames lost because the ring was full
// since the previous call.
func (r *rxRing) drops() uint64 {
	st, err := unix.GetsockoptTpacketStats(r.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err != nil {
		return 0
	}
	return uint64(st.Drops)
}

func (r *rxRing) close() {
	if r.mem != nil {
		_ = unix.Munmap(r.mem)
		r.mem = nil
	}
	if r.fd >= 0 {
		_ = unix.Close(r.fd)
		r.fd = -1
	}
}

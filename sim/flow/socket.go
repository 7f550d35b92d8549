package flow

import (
	"encoding/binary"
	"net"

	"golang.org/x/sys/unix"
)

// socketBuffer is the receive and send buffer of every flow socket: large
// enough that a receiver stalled by a busy machine loses nothing.
const socketBuffer = 4 << 20

// setBuffers enlarges conn's buffers beyond net.core.rmem_max (as root),
// falling back to the ordinary limits.
func setBuffers(conn *net.UDPConn) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, socketBuffer) != nil {
			_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, socketBuffer)
		}
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, socketBuffer) != nil {
			_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, socketBuffer)
		}
	})
}

// prepareSender sets the options a Sender needs: kernel receive timestamps
// and fragmentation allowed (probes up to 1400 bytes cross the 1424-byte
// backbone MTU plus headers without being refused by path MTU discovery).
func prepareSender(conn *net.UDPConn) error {
	setBuffers(conn)
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
		if serr == nil {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DONT)
		}
	}); err != nil {
		return err
	}
	return serr
}

// oobSize holds one SCM_TIMESTAMPNS control message.
var oobSize = unix.CmsgSpace(16)

// rxTimestamp returns the SCM_TIMESTAMPNS time (Unix nanoseconds) in the
// control messages oob, or false. It never panics on malformed input.
func rxTimestamp(oob []byte) (int64, bool) {
	const hdr = unix.SizeofCmsghdr
	for len(oob) >= hdr {
		length := int(binary.NativeEndian.Uint64(oob[0:8]))
		level := int32(binary.NativeEndian.Uint32(oob[8:12]))
		typ := int32(binary.NativeEndian.Uint32(oob[12:16]))
		if length < hdr || length > len(oob) {
			return 0, false
		}
		if level == unix.SOL_SOCKET && typ == unix.SCM_TIMESTAMPNS && length >= hdr+16 {
			sec := int64(binary.NativeEndian.Uint64(oob[hdr : hdr+8]))
			nsec := int64(binary.NativeEndian.Uint64(oob[hdr+8 : hdr+16]))
			return sec*1e9 + nsec, true
		}
		next := unix.CmsgSpace(length - hdr)
		if next > len(oob) || next <= 0 {
			return 0, false
		}
		oob = oob[next:]
	}
	return 0, false
}

package fabric

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ifreqPtr is struct ifreq with the ifr_data member (40 bytes on 64-bit).
type ifreqPtr struct {
	name [unix.IFNAMSIZ]byte
	data unsafe.Pointer
	_    [16]byte
}

// ethtoolValue is struct ethtool_value.
type ethtoolValue struct {
	cmd  uint32
	data uint32
}

// disableOffloads turns off transmit checksum offload, TSO and GSO on ifname,
// through ctlFd, a socket in the interface's namespace. Without this a PoP's
// veth hands the fabric TCP super-frames (one loss decision for 45 packets)
// and frames whose checksum the kernel has not filled in yet.
func disableOffloads(ctlFd int, ifname string) error {
	for _, c := range []struct {
		cmd  uint32
		name string
	}{{unix.ETHTOOL_STSO, "tso"}, {unix.ETHTOOL_SGSO, "gso"}, {unix.ETHTOOL_STXCSUM, "tx-checksumming"}} {
		if err := ethtoolSet(ctlFd, ifname, c.cmd, 0); err != nil {
			return fmt.Errorf("%s: ethtool %s off: %w", ifname, c.name, err)
		}
	}
	return nil
}

func ethtoolSet(fd int, ifname string, cmd, val uint32) error {
	ev := ethtoolValue{cmd: cmd, data: val}
	var ifr ifreqPtr
	copy(ifr.name[:unix.IFNAMSIZ-1], ifname)
	ifr.data = unsafe.Pointer(&ev)
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr)))
	runtime.KeepAlive(&ev)
	if errno != 0 {
		return errno
	}
	return nil
}

package flow

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// cmsg builds one control message as the kernel lays it out.
func cmsg(level, typ int32, data []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	binary.NativeEndian.PutUint64(b[0:8], uint64(unix.CmsgLen(len(data))))
	binary.NativeEndian.PutUint32(b[8:12], uint32(level))
	binary.NativeEndian.PutUint32(b[12:16], uint32(typ))
	copy(b[unix.SizeofCmsghdr:], data)
	return b
}

func timespec(sec, nsec int64) []byte {
	b := make([]byte, 16)
	binary.NativeEndian.PutUint64(b[0:8], uint64(sec))
	binary.NativeEndian.PutUint64(b[8:16], uint64(nsec))
	return b
}

func TestRxTimestamp(t *testing.T) {
	ts := cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, timespec(12, 345))
	other := cmsg(unix.IPPROTO_IP, unix.IP_TOS, []byte{1, 0, 0, 0})
	bad := append([]byte(nil), ts...)
	binary.NativeEndian.PutUint64(bad[0:8], 1000) // length beyond the buffer
	cases := []struct {
		name string
		oob  []byte
		want int64
		ok   bool
	}{
		{"timestamp", ts, 12_000_000_345, true},
		{"after another message", append(append([]byte(nil), other...), ts...), 12_000_000_345, true},
		{"none", other, 0, false},
		{"empty", nil, 0, false},
		{"truncated header", ts[:10], 0, false},
		{"length beyond buffer", bad, 0, false},
		{"short data", cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, []byte{1, 2, 3}), 0, false},
	}
	for _, c := range cases {
		got, ok := rxTimestamp(c.oob)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: %d, %v; want %d, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

// FuzzRxTimestamp: malformed control messages never panic.
func FuzzRxTimestamp(f *testing.F) {
	f.Add(cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, timespec(1, 2)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		rxTimestamp(b)
	})
}

package prober

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"
)

// The integration test runs these helpers as child processes of the test
// binary under "ip netns exec", so that every socket they open lives in
// the right network namespace (a Go process cannot safely move all its
// threads into another namespace). They are selected by environment
// variables and do nothing in a normal test run.
const (
	helperEnv     = "ARGO_PROBER_HELPER" // "prober" or "echo"
	helperTarget  = "ARGO_PROBER_TARGET" // prober: underlay address of peer 1
	helperEchoTo  = "ARGO_PROBER_ECHO"   // prober: UDP address of the echo responder
	helperEchoLsn = "ARGO_PROBER_LISTEN" // echo: UDP address to listen on
)

// helperLine is one line of the prober helper's output.
type helperLine struct {
	T     time.Time   `json:"t"`
	Peers []PeerStats `json:"peers"`
}

func TestHelperProcess(t *testing.T) {
	var err error
	switch os.Getenv(helperEnv) {
	case "":
		return
	case "prober":
		err = runProberHelper()
	case "echo":
		err = runEchoHelper()
	default:
		err = fmt.Errorf("unknown helper %q", os.Getenv(helperEnv))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// exitOnStdinEOF ends the helper when the parent test goes away.
func exitOnStdinEOF() {
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
}

// runProberHelper probes peer 1 (helperTarget, with the UDP echo) and
// peer 2 (::1) and prints a JSON snapshot on every change and every 100 ms.
func runProberHelper() error {
	exitOnStdinEOF()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	target, err := netip.ParseAddr(os.Getenv(helperTarget))
	if err != nil {
		return err
	}
	p, err := New("a", DefaultSettings(), log, nil)
	if err != nil {
		return err
	}
	if to := os.Getenv(helperEchoTo); to != "" {
		tx, err := newUDPEcho(p, to)
		if err != nil {
			return err
		}
		p.SetEchoTransport(tx)
	}
	if err := p.SetTargets([]Target{{1, "b", target}, {2, "lo6", netip.IPv6Loopback()}}); err != nil {
		return err
	}
	out := json.NewEncoder(os.Stdout)
	tick := time.NewTicker(100 * time.Millisecond)
	for {
		select {
		case <-p.Changes():
		case <-tick.C:
		}
		if err := out.Encode(helperLine{T: time.Now(), Peers: p.Snapshot()}); err != nil {
			return err
		}
	}
}

// udpEcho is a minimal EchoTransport for the test: 4-byte datagrams
// (peer id, seq) sent to a responder that returns them unchanged. Echoes
// to a loopback target are answered in process, as by a local daemon.
type udpEcho struct {
	p    *Prober
	conn *net.UDPConn
	to   *net.UDPAddr
	mu   sync.Mutex
	buf  [4]byte
}

func newUDPEcho(p *Prober, to string) (*udpEcho, error) {
	addr, err := net.ResolveUDPAddr("udp4", to)
	if err != nil {
		return nil, err
	}
	conn, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return nil, err
	}
	go func() {
		var b [16]byte
		for {
			n, err := conn.Read(b[:])
			if err != nil {
				continue // ECONNREFUSED while the responder is dead
			}
			if n == 4 {
				p.EchoReply(binary.BigEndian.Uint16(b[0:]), binary.BigEndian.Uint16(b[2:]), time.Now())
			}
		}
	}()
	return &udpEcho{p: p, conn: conn, to: addr}, nil
}

func (u *udpEcho) SendEcho(to Target, seq uint16) error {
	if to.Addr.IsLoopback() {
		go u.p.EchoReply(to.ID, seq, time.Now())
		return nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	binary.BigEndian.PutUint16(u.buf[0:], to.ID)
	binary.BigEndian.PutUint16(u.buf[2:], seq)
	_, err := u.conn.WriteToUDP(u.buf[:], u.to)
	return err
}

// runEchoHelper returns every datagram to its sender, like a peer's argod
// answering path probes.
func runEchoHelper() error {
	exitOnStdinEOF()
	conn, err := net.ListenPacket("udp4", os.Getenv(helperEchoLsn))
	if err != nil {
		return err
	}
	fmt.Println("ready")
	var b [64]byte
	for {
		n, from, err := conn.ReadFrom(b[:])
		if err != nil {
			return err
		}
		if _, err := conn.WriteTo(b[:n], from); err != nil {
			fmt.Fprintln(os.Stderr, "echo write:", err)
		}
	}
}

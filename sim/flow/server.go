package flow

import (
	"errors"
	"net"
	"sync/atomic"
)

// maxPacket bounds the probe packets a Server or Sender reads.
const maxPacket = 2048

// Server echoes probe packets back to their sender.
type Server struct {
	conn    *net.UDPConn
	echoed  atomic.Uint64
	invalid atomic.Uint64
	done    chan struct{}
}

// Serve starts echoing on conn (which the Server owns from now on) and
// returns at once. Packets that are not well-formed probes are dropped and
// counted, never echoed.
func Serve(conn *net.UDPConn) *Server {
	s := &Server{conn: conn, done: make(chan struct{})}
	setBuffers(conn)
	go s.loop()
	return s
}

func (s *Server) loop() {
	defer close(s.done)
	buf := make([]byte, maxPacket)
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. ICMP errors surfaced on the socket
		}
		if !s.handle(buf[:n]) {
			continue
		}
		if _, err := s.conn.WriteToUDPAddrPort(buf[:n], from); err == nil {
			s.echoed.Add(1)
		}
	}
}

// handle reports whether packet p is a probe to echo.
func (s *Server) handle(p []byte) bool {
	if _, err := Parse(p); err != nil {
		s.invalid.Add(1)
		return false
	}
	return true
}

// Echoed returns how many probes were echoed.
func (s *Server) Echoed() uint64 { return s.echoed.Load() }

// Invalid returns how many packets were dropped as not well-formed.
func (s *Server) Invalid() uint64 { return s.invalid.Load() }

// Close stops the server and closes its socket.
func (s *Server) Close() error {
	err := s.conn.Close()
	<-s.done
	return err
}

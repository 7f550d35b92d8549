package bgp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// bgpMarker is the all-ones marker that starts every BGP message.
var bgpMarker = bytes.Repeat([]byte{0xff}, 16)

// readBGPMessages reads from conn until EOF or an error and returns the
// types of the well-formed BGP messages seen and the first NOTIFICATION's
// error code and subcode. closed reports whether the speaker closed the
// connection (EOF or reset) before the deadline.
func readBGPMessages(t *testing.T, conn net.Conn, timeout time.Duration) (types []byte, notif [2]byte, closed bool) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(timeout))
	data, err := io.ReadAll(conn)
	var ne net.Error
	closed = err == nil || !(errors.As(err, &ne) && ne.Timeout())
	for len(data) >= 19 && bytes.Equal(data[:16], bgpMarker) {
		n := int(binary.BigEndian.Uint16(data[16:18]))
		if n < 19 || n > len(data) {
			break
		}
		types = append(types, data[18])
		if data[18] == 3 && notif == [2]byte{} && n >= 21 {
			notif = [2]byte{data[19], data[20]}
		}
		data = data[n:]
	}
	return types, notif, closed
}

// birdSince returns the "Since" column of a BIRD protocol: it changes
// whenever the session goes down or comes up.
func (l *lab) birdSince(name string) string {
	out, _ := l.birdc("show", "protocols", name)
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && f[0] == name {
			return f[4]
		}
	}
	return ""
}

// TestMisbehavingNeighbors: a neighbour that writes garbage to the
// speaker's port, or whose session is closed, must not disturb the other
// sessions. A listens on its address; 198.19.x.253 is configured on A as a
// passive neighbour that never speaks proper BGP.
func TestMisbehavingNeighbors(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	l.startBird([]birdPeer{{name: "spkA", addr: l.addr(1)}, {name: "spkB", addr: l.addr(2)}})
	cfgA := l.speakerConfig(1)
	cfgA.ListenPort = 179
	junk := cfgA.Neighbors[0]
	junk.Address, junk.Passive = l.addr(253), true
	cfgA.Neighbors = append(cfgA.Neighbors, junk)
	cfgA.HoldDown = time.Millisecond
	cfgB := l.speakerConfig(2)
	cfgB.HoldDown = time.Millisecond
	a, regA := l.startSpeaker("A", cfgA)
	b, _ := l.startSpeaker("B", cfgB)
	a.SetHealth(true, "ok")
	b.SetHealth(true, "ok")
	waitFor(t, 15*time.Second, "routes via A and B", func() bool { return l.hasAnycast("spkA") && l.hasAnycast("spkB") })
	sinceA, sinceB := l.birdSince("spkA"), l.birdSince("spkB")
	speakerPort := netip.AddrPortFrom(l.addr(1), 179)

	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	oversized := append(append([]byte{}, bgpMarker...), 0xff, 0xff, 2)
	badOpen := append(append([]byte{}, bgpMarker...), 0, 29, 1, 4, 0xfd, 0xe8) // OPEN cut after the AS

	tests := []struct {
		name      string
		from      byte // router address the connection comes from
		send      []byte
		halfClose bool
		wantNotif [2]byte // zero: none required
	}{
		{name: "random bytes", from: 253, send: garbage, wantNotif: [2]byte{1, 1}}, // header error: not synchronised
		{name: "oversized length", from: 253, send: oversized, wantNotif: [2]byte{1, 2}},
		{name: "truncated OPEN then FIN", from: 253, send: badOpen, halfClose: true},
		{name: "garbage from the established neighbour's address", from: 254, send: garbage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := dialFrom(t, l.ns, netip.AddrPortFrom(l.addr(tt.from), 0), speakerPort)
			defer conn.Close()
			conn.SetWriteDeadline(time.Now().Add(3 * time.Second))
			conn.Write(tt.send) // the speaker may close early; that is fine
			if tt.halfClose {
				conn.(*net.TCPConn).CloseWrite()
			}
			types, notif, closed := readBGPMessages(t, conn, 5*time.Second)
			t.Logf("speaker sent message types %v, notification %v, closed %v", types, notif, closed)
			if !closed {
				t.Errorf("the speaker kept the garbage connection open")
			}
			if tt.wantNotif != ([2]byte{}) && notif != tt.wantNotif {
				t.Errorf("notification (code, subcode) = %v, want %v", notif, tt.wantNotif)
			}
		})
	}

	t.Run("other sessions undisturbed", func(t *testing.T) {
		time.Sleep(time.Second) // let any damage show
		if got := l.birdSince("spkA"); got != sinceA {
			t.Errorf("BIRD's session with A restarted: since %s, was %s", got, sinceA)
		}
		if got := l.birdSince("spkB"); got != sinceB {
			t.Errorf("BIRD's session with B restarted: since %s, was %s", got, sinceB)
		}
		if !l.hasAnycast("spkA") || !l.hasAnycast("spkB") {
			t.Error("anycast routes disappeared")
		}
		st := a.Status()
		if st.Neighbors[0].State != "established" || st.Neighbors[1].State == "established" {
			t.Errorf("A's sessions: %+v", st.Neighbors)
		}
		if got := metricValue(t, regA, "argo_bgp_session_up", "neighbor", l.addr(253).String()); got != 0 {
			t.Errorf("argo_bgp_session_up for the junk neighbour = %v", got)
		}
	})

	t.Run("a neighbour closing its session", func(t *testing.T) {
		if _, err := l.birdc("disable", "spkB"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "B's session to go down", func() bool {
			return b.Status().Neighbors[0].State != "established"
		})
		if !l.hasNoAnycast("spkB") {
			t.Error("BIRD kept B's routes after closing the session")
		}
		if got := l.birdSince("spkA"); got != sinceA || !l.hasAnycast("spkA") {
			t.Errorf("A's session was disturbed (since %s, was %s)", got, sinceA)
		}
		if _, err := l.birdc("enable", "spkB"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 15*time.Second, "B's routes to come back", func() bool { return l.hasAnycast("spkB") })
		if got := l.birdSince("spkA"); got != sinceA {
			t.Errorf("A's session restarted: since %s, was %s", got, sinceA)
		}
	})
}

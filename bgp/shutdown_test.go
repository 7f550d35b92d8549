package bgp

import (
	"net/netip"
	"testing"

	api "github.com/osrg/gobgp/v4/api"
)

// fakePeer is a GoBGP peer record as ListPeer returns it.
func fakePeer(state api.PeerState_SessionState, sentUpdates, received uint64, local string) *api.Peer {
	return &api.Peer{
		Conf: &api.PeerConf{NeighborAddress: "198.18.0.254"},
		State: &api.PeerState{
			SessionState: state,
			Messages: &api.Messages{
				Sent:     &api.Message{Update: sentUpdates},
				Received: &api.Message{Total: received},
			},
		},
		Transport: &api.Transport{LocalAddress: local},
	}
}

// TestConfirmedWithoutSockDiag walks the withdrawal confirmation when the
// session's socket cannot be inspected: UPDATEs written, then a message
// from the neighbour.
func TestConfirmedWithoutSockDiag(t *testing.T) {
	s := &Speaker{}
	m := &sessionMark{addr: netip.MustParseAddr("198.18.0.254"), sentBefore: 10, expect: 2}
	est := api.PeerState_SESSION_STATE_ESTABLISHED
	steps := []struct {
		name string
		peer *api.Peer
		want bool
	}{
		{name: "one of two UPDATEs written", peer: fakePeer(est, 11, 50, ""), want: false},
		{name: "both written, no message since", peer: fakePeer(est, 12, 50, ""), want: false},
		{name: "still nothing received", peer: fakePeer(est, 12, 50, ""), want: false},
		{name: "a keepalive arrived", peer: fakePeer(est, 12, 51, ""), want: true},
	}
	for _, st := range steps {
		if got := s.confirmed(m, st.peer); got != st.want {
			t.Fatalf("%s: confirmed = %v, want %v (mark %+v)", st.name, got, st.want, m)
		}
	}
	if m.how == "" || m.how == "TCP acknowledgement" {
		t.Errorf("confirmed by %q, want the message-round fallback", m.how)
	}
}

func TestConfirmedSessionGone(t *testing.T) {
	s := &Speaker{}
	for _, p := range []*api.Peer{nil, fakePeer(api.PeerState_SESSION_STATE_ACTIVE, 0, 0, "")} {
		m := &sessionMark{addr: netip.MustParseAddr("198.18.0.254"), sentBefore: 10, expect: 2}
		if !s.confirmed(m, p) || m.how != "session closed" {
			t.Errorf("peer %v: confirmed = false or how %q, want true by session closed", p, m.how)
		}
	}
}

// TestTCPAckedUnknownSocket: sock_diag finds no socket for an address pair
// nobody uses, which must be an error (so that the caller falls back), not
// a confirmation.
func TestTCPAckedUnknownSocket(t *testing.T) {
	p := fakePeer(api.PeerState_SESSION_STATE_ESTABLISHED, 0, 0, "192.0.2.77")
	p.Conf.NeighborAddress = "192.0.2.78"
	if acked, err := tcpAcked(p); err == nil || acked {
		t.Fatalf("tcpAcked for an unused address pair = %v, %v; want an error", acked, err)
	}
}

package tunnel

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PeerInfo describes the WireGuard session with one peer PoP.
type PeerInfo struct {
	ID            uint16
	Name          string
	PublicKey     string    // base64
	LastHandshake time.Time // zero before the first handshake
	HandshakeAge  time.Duration
	RxBytes       uint64
	TxBytes       uint64
	AllowedIPs    []string
	Path          []uint16 // the path traffic to the peer takes now
}

// Peers returns the WireGuard state of every peer PoP, from the device's
// UAPI dump.
func (b *Backbone) Peers() ([]PeerInfo, error) {
	dump, err := b.dev.IpcGet()
	if err != nil {
		return nil, fmt.Errorf("tunnel: read wireguard state: %w", err)
	}
	byKey := map[string]*Peer{}
	for i := range b.cfg.Peers {
		byKey[b.cfg.Peers[i].PublicKey] = &b.cfg.Peers[i]
	}
	infos, err := parseUAPIPeers(dump)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var out []PeerInfo
	for _, in := range infos {
		p := byKey[in.PublicKey]
		if p == nil {
			continue
		}
		in.ID, in.Name = p.ID, p.Name
		if !in.LastHandshake.IsZero() {
			in.HandshakeAge = now.Sub(in.LastHandshake)
		}
		in.Path = b.ActivePath(p.ID)
		out = append(out, in)
	}
	return out, nil
}

// parseUAPIPeers parses the peer sections of a UAPI "get" dump.
func parseUAPIPeers(dump string) ([]PeerInfo, error) {
	var out []PeerInfo
	var cur *PeerInfo
	var sec, nsec int64
	flush := func() {
		if cur != nil {
			if sec != 0 || nsec != 0 {
				cur.LastHandshake = time.Unix(sec, nsec)
			}
			out = append(out, *cur)
		}
	}
	sc := bufio.NewScanner(strings.NewReader(dump))
	for line := 1; sc.Scan(); line++ {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		var err error
		switch k {
		case "public_key":
			flush()
			cur, sec, nsec = &PeerInfo{PublicKey: hexKeyBase64(v)}, 0, 0
		case "last_handshake_time_sec":
			sec, err = strconv.ParseInt(v, 10, 64)
		case "last_handshake_time_nsec":
			nsec, err = strconv.ParseInt(v, 10, 64)
		case "rx_bytes":
			if cur != nil {
				cur.RxBytes, err = strconv.ParseUint(v, 10, 64)
			}
		case "tx_bytes":
			if cur != nil {
				cur.TxBytes, err = strconv.ParseUint(v, 10, 64)
			}
		case "allowed_ip":
			if cur != nil {
				cur.AllowedIPs = append(cur.AllowedIPs, v)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("tunnel: wireguard dump line %d: %s: %w", line, k, err)
		}
	}
	flush()
	return out, nil
}

package tunnel

import (
	"time"

	"golang.zx2c4.com/wireguard/conn"

	"github.com/argonet/argo/overlay"
)

// receiver is the state of one receive function: its message vectors, the
// header buffers the kernel scatters each datagram's first 16 bytes into,
// and a vector for relayed datagrams and probe replies. Only the device's
// receive goroutine for this function touches it.
type receiver struct {
	b      *bind
	sock   *udpSocket
	in     *mmsgBatch
	out    *mmsgBatch
	hdrs   [][overlay.HeaderLen]byte
	counts batchCounts
}

func newReceiver(b *bind, s *udpSocket) *receiver {
	return &receiver{
		b:    b,
		sock: s,
		in:   newMmsgBatch(b.batch),
		out:  newMmsgBatch(b.batch),
		hdrs: make([][overlay.HeaderLen]byte, b.batch),
	}
}

// receive implements conn.ReceiveFunc. It reads a batch with one recvmmsg
// (header into hdrs[i], the rest straight into bufs[i]), handles every
// datagram that is not WireGuard's, and returns once at least one datagram
// is for WireGuard. sizes[i] is 0 for datagrams WireGuard must skip.
func (r *receiver) receive(bufs [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
	n := min(len(bufs), len(r.hdrs))
	for {
		for i := 0; i < n; i++ {
			r.in.prepareRecv(i, r.hdrs[i][:], bufs[i])
		}
		got, errno, err := r.in.recv(r.sock.rc, n)
		if err != nil {
			return 0, err // closed: net.ErrClosed
		}
		if errno != 0 {
			r.b.log.Debug("overlay socket receive error", "err", errno)
			continue
		}
		delivered := r.process(got, bufs, sizes, eps)
		r.flush()
		r.b.cnt.add(&r.counts)
		if delivered > 0 {
			return got, nil
		}
	}
}

// process decides on each received datagram.
func (r *receiver) process(got int, bufs [][]byte, sizes []int, eps []conn.Endpoint) (delivered int) {
	b := r.b
	r.counts[cReceived] += uint64(got)
	for i := 0; i < got; i++ {
		sizes[i] = 0
		size, src := r.in.received(i)
		if b.pops.byAddr[src] == nil {
			r.counts[cDropUnknownSource]++
			continue
		}
		hdr := r.hdrs[i][:min(size, overlay.HeaderLen)]
		v, next, reason := overlay.Decide(hdr, b.self)
		switch v {
		case overlay.Drop:
			r.counts[dropCounter[reason]]++
		case overlay.Relay:
			np := b.pops.byID[next]
			if np == nil {
				r.counts[cDropUnknownPoP]++
				continue
			}
			overlay.AdvanceIndex(hdr)
			sa, salen := np.sockaddr(b.v6)
			r.out.addSend(hdr, bufs[i][:size-overlay.HeaderLen], sa, salen)
			r.counts[cRelayed]++
		case overlay.Deliver:
			from := b.pops.byID[overlay.PacketSrc(hdr)]
			if from == nil {
				r.counts[cDropUnknownPoP]++
				continue
			}
			body := bufs[i][:size-overlay.HeaderLen]
			switch overlay.PacketType(hdr) {
			case overlay.TypeData:
				sizes[i] = len(body)
				eps[i] = from.ep
				delivered++
				r.counts[cDelivered]++
			case overlay.TypeProbe:
				r.answerProbe(hdr, body)
			case overlay.TypeProbeReply:
				p, err := overlay.ParseProbe(body)
				if err != nil {
					r.counts[cDropProbeShort]++
					continue
				}
				r.counts[cProbeReplies]++
				if b.onProbeReply != nil {
					b.onProbeReply(from.id, p, time.Now())
				}
			}
		}
	}
	return delivered
}

// answerProbe turns a probe for this PoP into its reply (reversed path,
// body echoed) and queues it to the reply's first hop.
func (r *receiver) answerProbe(hdr, body []byte) {
	if len(body) < overlay.ProbeLen {
		r.counts[cDropProbeShort]++
		return
	}
	if err := overlay.ReplyInPlace(hdr); err != nil {
		r.counts[cDropBadCount]++ // unreachable: Decide accepted the header
		return
	}
	h, _ := overlay.Parse(hdr)
	to := r.b.pops.byID[h.Hops[0]]
	if to == nil {
		r.counts[cDropUnknownPoP]++
		return
	}
	sa, salen := to.sockaddr(r.b.v6)
	r.out.addSend(hdr, body, sa, salen)
	r.counts[cProbesAnswered]++
}

// flush sends the queued relays and probe replies.
func (r *receiver) flush() {
	if r.out.n == 0 {
		return
	}
	_, failed, lastErr, _ := r.out.send(r.sock.rc)
	if failed > 0 {
		r.counts[cSendErrors] += uint64(failed)
		r.b.log.Debug("relay send failed", "datagrams", failed, "err", lastErr)
	}
	r.out.reset()
}

// Package fabric emulates a wide-area network between simulated PoPs.
//
// A Fabric is a network namespace (named "<name>-fabric") that every PoP's
// underlay veth connects to. All PoPs share one IPv4 subnet; the fabric
// answers their ARP requests itself (userspace proxy ARP, with the
// requester's own fabric-port MAC) so that every frame between two PoPs
// enters the fabric. The forwarder reads those frames from one AF_PACKET
// TPACKET_V2 receive ring, timestamped by the kernel on arrival; applies the
// directed pair's LinkParams (cut, Bernoulli or Gilbert-Elliott loss, rate
// limit with a bounded queue, delay and jitter) computed from that
// timestamp; holds each frame in a time-ordered heap; rewrites the MAC
// addresses; and writes it to the destination PoP's veth with sendmmsg at
// its due time. It sleeps in ppoll with a nanosecond timeout. ICMP probes,
// gossip, overlay traffic: every IPv4 packet is treated alike.
//
// Why this design: this kernel has neither netem nor the fq/etf qdiscs that
// an in-kernel (EDT) emulator would need to hold packets, and a TUN router
// costs two syscalls and two routing passes per packet, where the receive
// ring costs none and sendmmsg batches the packets due together.
//
// Why a separate process: the forwarder runs in a copy of the current
// binary (see MaybeForwarder) whose threads all have SCHED_FIFO priority.
// In-process, the Go scheduler must hand the forwarder goroutine back to its
// locked thread through an ordinary thread after every preemption, and on a
// loaded 2-core machine that took up to 20 ms. The parent controls the
// forwarder over a socketpair (JSON requests); if the parent dies, the
// forwarder sees EOF and exits.
//
// Ordering: jitter never reorders the packets of one directed pair unless
// LinkParams.Reorder is set; a packet is never delivered before the one sent
// before it on the same pair, so the effective delay distribution is skewed
// slightly upwards when jitter is large compared with the packet spacing.
//
// Naming: the fabric namespace is "<name>-fabric" and the veths are created
// inside it (fabric side "p<n>", PoP side "wan-<node>", moved into the PoP's
// namespace), never in the root namespace, so deleting the namespaces of a
// run removes all of them; Clean does that for a crashed run.
//
// What it must not do: touch any namespace or interface it did not create
// (except configuring the veth it moves into a PoP namespace), forward
// anything but IPv4 and ARP, allocate per packet, or let a malformed frame
// or control message crash or stall the forwarder.
package fabric

// Package fabric emulates a wide-area network between simulated PoPs.
//
// A Fabric is a network namespace (named "<name>-fabric") that every PoP's
// underlay veth connects to. All PoPs share one IPv4 subnet; the fabric
// answers their ARP requests itself (userspace proxy ARP) so that every frame
// between two PoPs enters the fabric. A single forwarder thread reads those
// frames from one AF_PACKET TPACKET_V2 receive ring (timestamped by the
// kernel on arrival), applies the directed pair's LinkParams (cut, Bernoulli
// or Gilbert-Elliott loss, rate limit with a bounded queue, delay and
// jitter), holds each frame in a time-ordered queue, rewrites the MAC
// addresses and writes it to the destination PoP's veth with sendmmsg at its
// due time. The thread sleeps in ppoll with a nanosecond timeout and runs
// with SCHED_FIFO priority when allowed, so that packets leave within tens
// of microseconds of their due time even on a busy machine.
//
// Why userspace: this kernel has neither netem nor the fq/etf qdiscs that an
// in-kernel (EDT) emulator would need to hold packets, and a TUN router costs
// two syscalls and two routing passes per packet, where the receive ring
// costs none and sendmmsg batches packets due together.
//
// The forwarder runs in-process: its goroutine locks its OS thread, enters the
// fabric namespace, creates its sockets there and never unlocks, so the
// thread (and its namespace and scheduling class) dies with the goroutine.
//
// Ordering: jitter never reorders the packets of one directed pair unless
// LinkParams.Reorder is set; a packet is never delivered before the one sent
// before it on the same pair, so the effective delay distribution is skewed
// slightly upwards when jitter is large compared with the packet spacing.
//
// What it must not do: touch any namespace or interface it did not create
// (except configuring the underlay veth it moves into a PoP namespace),
// forward anything but IPv4 and ARP, allocate per packet, or let a malformed
// frame crash or stall the forwarder.
package fabric

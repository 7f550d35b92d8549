// Package xdp loads and manages argo's XDP program on a PoP's underlay
// interface.
//
// The program (bpf/argo.c, compiled with bpf2go) runs in the driver before
// the kernel network stack and, per frame:
//
//  1. parses Ethernet (one optional VLAN tag), IPv4, IPv6 and UDP;
//  2. drops frames whose source address matches the blocklist (LPM tries,
//     IPv4 and IPv6, up to 32,768 prefixes together, each with a per-CPU
//     hit counter, so that a flood over every receive queue never makes the
//     CPUs share a cache line) and frames over a per-source token-bucket
//     rate limit configured per UDP destination port;
//  3. handles UDP to the overlay port over IPv4: drops datagrams from
//     addresses that are not known PoPs (a relay is never an open
//     reflector), drops headers that overlay.Decide rejects (same checks,
//     same order, same reasons), passes datagrams for this PoP to userspace,
//     and relays the others: it advances the hop index, rewrites the IPv4
//     source and destination to this PoP and the next hop, updates the IPv4
//     and UDP checksums incrementally (a zero UDP checksum stays zero),
//     resolves the next hop's MAC and interface with bpf_fib_lookup, and
//     transmits with XDP_TX (same interface) or XDP_REDIRECT (an interface
//     listed in Config.Egress).
//
// Whenever the driver cannot finish a relay (IPv6 underlay, fragments, VLAN
// tags, unknown next-hop address, FIB or neighbour miss, forwarding disabled
// on the interface) it passes the datagram up unchanged so that the
// userspace relay in tunnel/ handles it; every such case has its own
// counter. Everything that is not overlay traffic for this PoP and survives
// the filter is passed unchanged.
//
// Maps are pinned under <PinRoot>/<PopName>/ so that blocklist, rate-limit
// state and counters survive an argod restart; pins written by another map
// layout are detected and replaced. The attachment is a pinned bpf_link that
// a new Load updates in place, so a restart with KeepOnExit never leaves the
// interface without a program.
//
// Operational requirements, all checked by the tests:
//
//   - bpf_fib_lookup refuses to resolve next hops unless IPv4 forwarding is
//     enabled on the interface (sysctl net.ipv4.conf.<if>.forwarding=1);
//     Load logs a warning when it is off, and relays then go to userspace.
//   - Load, AttachPass and the Egress list resolve interfaces in the
//     network namespace of the calling OS thread.
//   - Native XDP_TX or XDP_REDIRECT into a veth needs an XDP program on the
//     peer veth: AttachPass provides one.
//   - Over a veth, frames sent by a local socket may carry a partial UDP
//     checksum (TX checksum offload) that XDP cannot detect; relaying such
//     a frame needs Config.ZeroUDPChecksum, or TX checksum offload off on
//     the sender (ethtool -K <if> tx off). Physical NICs deliver complete
//     checksums.
//
// Regenerate the BPF objects with `go generate ./xdp/` (clang, llvm-strip,
// libbpf-dev; see gen.go). The generated argo_bpfel.* and argopass_bpfel.*
// files are committed, so a plain go build needs none of those tools.
//
// The package must not decide routes, talk to peers, or open sockets: argod
// feeds it the PoP address table (SetPoPs) and the filter rules, and the
// userspace relay remains the fallback for everything the driver passes up.
package xdp

// SPDX-License-Identifier: (MIT OR GPL-2.0-only)
//
// A pass-through XDP program. Native XDP_TX or XDP_REDIRECT into a veth only
// delivers frames when the receiving veth (the peer) runs an XDP program;
// attaching this one satisfies that without changing any packet.

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int argo_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char __license[] SEC("license") = "Dual MIT/GPL";

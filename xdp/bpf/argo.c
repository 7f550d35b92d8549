// SPDX-License-Identifier: (MIT OR GPL-2.0-only)
//
// argo XDP program: filter unwanted traffic and relay transit overlay
// datagrams in the driver. See ../doc.go for the contract and DESIGN.md for
// the overlay header. Every packet ends in exactly one counter (enum cnt).
//
// Order of work per frame:
//   1. parse Ethernet (one optional 802.1Q/802.1ad tag), IPv4/IPv6, UDP;
//   2. filter: source blocklist (LPM tries) -> XDP_DROP; per-source token
//      bucket for configured UDP destination ports -> XDP_DROP;
//   3. overlay port (IPv4 only): unknown source PoP -> XDP_DROP; header
//      checks mirroring overlay.Decide -> XDP_DROP; final hop -> XDP_PASS;
//      otherwise rewrite and XDP_TX / XDP_REDIRECT, or XDP_PASS whenever the
//      driver cannot finish the job (userspace relay takes over).

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define AF_INET 2

// ARGO_MAP_VERSION changes whenever the meaning or layout of a pinned map
// changes without changing its key/value size; the Go loader replaces pins
// written by another version. Keep in sync with mapVersion in maps.go.
#define ARGO_MAP_VERSION 2

#define OVERLAY_HDR_LEN 16
#define OVERLAY_VERSION 0xA1
#define OVERLAY_MAX_TYPE 2
#define OVERLAY_MAX_HOPS 4

// Counters; keep in sync with the Counter constants in counters.go.
enum cnt {
	CNT_PASS = 0,            // not overlay traffic for this PoP: pass
	CNT_DROP_BLOCKLIST,      // source address in the blocklist
	CNT_DROP_RATELIMIT,      // over a per-source rate limit
	CNT_DROP_UNKNOWN_SOURCE, // overlay datagram from a non-PoP address
	CNT_DROP_MALFORMED,      // IPv4/UDP lengths disagree with the frame
	CNT_DROP_SHORT,          // overlay.Short
	CNT_DROP_BAD_VERSION,    // overlay.BadVersion
	CNT_DROP_BAD_TYPE,       // overlay.BadType
	CNT_DROP_BAD_COUNT,      // overlay.BadCount
	CNT_DROP_BAD_INDEX,      // overlay.BadIndex
	CNT_DROP_WRONG_HOP,      // overlay.WrongHop
	CNT_DROP_LOOP,           // overlay.Loop
	CNT_DELIVER,             // final hop: pass to userspace
	CNT_RELAY_TX,            // relayed with XDP_TX
	CNT_RELAY_REDIRECT,      // relayed with XDP_REDIRECT
	CNT_PASS_IPV6,           // overlay over IPv6: userspace relays
	CNT_PASS_FRAGMENT,       // fragmented overlay datagram: userspace
	CNT_PASS_VLAN,           // VLAN-tagged relay: userspace
	CNT_PASS_NO_PEER,        // own or next hop's address unknown: userspace
	CNT_PASS_FIB,            // FIB/neighbour lookup failed: userspace
	CNT_PASS_NO_CONFIG,      // loader has not configured the program yet
	CNT_MAX,
};

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct config {
	__u32 ready;        // 1 once the loader wrote this entry
	__u16 self_id;      // this PoP's id
	__be16 overlay_port; // network byte order
	__be32 self_addr;   // this PoP's underlay IPv4 address, 0 if unknown
	__u32 flags;        // CFG_*
};

// Relayed datagrams leave with UDP checksum 0 instead of an incrementally
// updated one (for senders whose checksum may be partial, e.g. veth with
// TX checksum offload: XDP cannot see the skb's checksum state).
#define CFG_ZERO_UDP_CSUM 1

struct lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct lpm_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

// BLOCK_RULES bounds the blocklist (IPv4 and IPv6 together): each entry
// has an index into argo_block_hits, allocated by the Go loader. Keep in
// sync with blockRules in blocklist.go.
#define BLOCK_RULES 32768

struct block_val {
	__u32 rule; // index of this entry's counter in argo_block_hits
};

struct rl_rule {
	__u64 interval_ns; // 1e9 / pps
	__u64 burst_ns;    // interval_ns * burst
	__u64 drops;       // packets dropped by this rule
	__u32 pps;
	__u32 burst;
};

struct rl_key {
	__u8 addr[16];  // IPv6 source, or IPv4-mapped IPv6 (::ffff:a.b.c.d)
	__be16 port;    // UDP destination port, network byte order
	__u16 pad;
};

struct rl_state {
	__u64 tat; // GCRA theoretical arrival time, ns (bpf_ktime_get_ns)
};

struct pop_addr {
	__be32 addr; // underlay IPv4 address
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} argo_version SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct config);
} argo_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, struct counter);
} argo_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, BLOCK_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v4_key);
	__type(value, struct block_val);
} argo_block_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, BLOCK_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v6_key);
	__type(value, struct block_val);
} argo_block_v6 SEC(".maps");

// Packets dropped per blocklist entry, per CPU: a flood from one blocked
// prefix arriving on every receive queue must not make all CPUs contend for
// one counter's cache line (an atomic add on a shared counter costs 1.5-2x
// the whole program with two CPUs dropping; see BenchmarkDropCPUs).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BLOCK_RULES);
	__type(key, __u32);
	__type(value, __u64);
} argo_block_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __be16);
	__type(value, struct rl_rule);
} argo_rl_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct rl_key);
	__type(value, struct rl_state);
} argo_rl_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u16);
	__type(value, struct pop_addr);
} argo_pop_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __be32);
	__type(value, __u16);
} argo_pop_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} argo_tx_ports SEC(".maps");

struct vlan_hdr {
	__be16 tci;
	__be16 encapsulated_proto;
};

struct overlay_hdr {
	__u8 version;
	__u8 type;
	__u8 count;
	__u8 index;
	__be16 src;
	__be16 flow;
	__be16 hops[OVERLAY_MAX_HOPS];
};

// verdict counts the frame under reason c and returns action.
static __always_inline int verdict(__u32 c, __u64 len, int action)
{
	struct counter *v = bpf_map_lookup_elem(&argo_counters, &c);
	if (v) {
		v->packets++;
		v->bytes += len;
	}
	return action;
}

// blocked reports whether the source matches a blocklist entry and counts
// the hit on that entry (this CPU's counter: no atomic operation needed).
static __always_inline int blocked(void *map, void *key)
{
	struct block_val *b = bpf_map_lookup_elem(map, key);
	if (!b)
		return 0;
	__u32 rule = b->rule;
	__u64 *hits = bpf_map_lookup_elem(&argo_block_hits, &rule);
	if (hits)
		(*hits)++;
	return 1;
}

// rate_limited applies the token bucket (GCRA form) of the rule for the
// key's destination port, if there is one. Concurrent CPUs may race on one
// source's state; the error is at most one packet per racing CPU.
static __always_inline int rate_limited(struct rl_key *key)
{
	struct rl_rule *r = bpf_map_lookup_elem(&argo_rl_rules, &key->port);
	if (!r)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	struct rl_state *s = bpf_map_lookup_elem(&argo_rl_state, key);
	if (!s) {
		struct rl_state fresh = { .tat = now + r->interval_ns };
		bpf_map_update_elem(&argo_rl_state, key, &fresh, BPF_ANY);
		return 0;
	}
	__u64 tat = s->tat;
	if (tat < now)
		tat = now;
	if (tat + r->interval_ns - now > r->burst_ns) {
		__sync_fetch_and_add(&r->drops, 1);
		return 1;
	}
	s->tat = tat + r->interval_ns;
	return 0;
}

// csum_add32 adds the 32-bit word w to a ones' complement accumulator.
static __always_inline __u64 csum_add32(__u64 sum, __u32 w)
{
	return sum + (w & 0xffff) + (w >> 16);
}

// csum_fold folds a 64-bit ones' complement accumulator to 16 bits.
static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

// csum_update applies RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), for the
// 16-bit words already summed into diff (each ~m + m' pair).
static __always_inline __u16 csum_update(__u16 check, __u64 diff)
{
	return ~csum_fold((__u16)~check + diff);
}

// hop_at returns entry i (0..3) of a hop list loaded from the packet into
// a __u64 by memcpy.
static __always_inline __u16 hop_at(__u64 hops, __u32 i)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return bpf_ntohs((__u16)(hops >> (16 * (i & 3))));
#else
	return (__u16)(hops >> (16 * (3 - (i & 3))));
#endif
}

// relay_v4 handles a UDP datagram to the overlay port addressed to this
// PoP: source check, length checks, header checks, then deliver or relay.
static __always_inline int relay_v4(struct xdp_md *ctx, struct ethhdr *eth, struct iphdr *ip,
				    struct udphdr *udp, void *end, struct config *cfg, int vlan,
				    __u64 len)
{
	if (!bpf_map_lookup_elem(&argo_pop_ids, &ip->saddr))
		return verdict(CNT_DROP_UNKNOWN_SOURCE, len, XDP_DROP);
	if (ip->frag_off & bpf_htons(0x2000)) // more fragments, offset 0
		return verdict(CNT_PASS_FRAGMENT, len, XDP_PASS);

	__u32 ihl = ip->ihl * 4;
	__u32 tot = bpf_ntohs(ip->tot_len);
	if (tot < ihl + sizeof(*udp) || (void *)ip + tot > end)
		return verdict(CNT_DROP_MALFORMED, len, XDP_DROP);
	__u32 ulen = bpf_ntohs(udp->len);
	if (ulen != tot - ihl)
		return verdict(CNT_DROP_MALFORMED, len, XDP_DROP);
	if (ulen < sizeof(*udp) + OVERLAY_HDR_LEN)
		return verdict(CNT_DROP_SHORT, len, XDP_DROP);
	struct overlay_hdr *h = (void *)(udp + 1);
	if ((void *)(h + 1) > end)
		return verdict(CNT_DROP_MALFORMED, len, XDP_DROP);

	// Same checks, in the same order, as overlay.Decide.
	if (h->version != OVERLAY_VERSION)
		return verdict(CNT_DROP_BAD_VERSION, len, XDP_DROP);
	if (h->type > OVERLAY_MAX_TYPE)
		return verdict(CNT_DROP_BAD_TYPE, len, XDP_DROP);
	__u32 count = h->count, index = h->index;
	if (count < 1 || count > OVERLAY_MAX_HOPS)
		return verdict(CNT_DROP_BAD_COUNT, len, XDP_DROP);
	if (index >= count)
		return verdict(CNT_DROP_BAD_INDEX, len, XDP_DROP);
	// Load the hop list at a constant offset (the verifier rejects a
	// variable offset into the packet) and pick entries by shifting.
	__u64 hops;
	__builtin_memcpy(&hops, h->hops, sizeof(hops));
	if (hop_at(hops, index) != cfg->self_id)
		return verdict(CNT_DROP_WRONG_HOP, len, XDP_DROP);
	if (index == count - 1)
		return verdict(CNT_DELIVER, len, XDP_PASS);
	__u16 next = hop_at(hops, index + 1);
	if (next == cfg->self_id)
		return verdict(CNT_DROP_LOOP, len, XDP_DROP);

	if (vlan)
		return verdict(CNT_PASS_VLAN, len, XDP_PASS);
	struct pop_addr *na = bpf_map_lookup_elem(&argo_pop_addrs, &next);
	if (!na || !na->addr)
		return verdict(CNT_PASS_NO_PEER, len, XDP_PASS);

	struct bpf_fib_lookup fib = {};
	fib.family = AF_INET;
	fib.l4_protocol = IPPROTO_UDP;
	fib.sport = udp->source;
	fib.dport = udp->dest;
	fib.tos = ip->tos;
	fib.tot_len = tot;
	fib.ipv4_src = cfg->self_addr;
	fib.ipv4_dst = na->addr;
	fib.ifindex = ctx->ingress_ifindex;
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
		return verdict(CNT_PASS_FIB, len, XDP_PASS);
	int redirect = fib.ifindex != ctx->ingress_ifindex;
	if (redirect && !bpf_map_lookup_elem(&argo_tx_ports, &fib.ifindex))
		return verdict(CNT_PASS_FIB, len, XDP_PASS);

	// Rewrite: hop index, addresses, checksums, MAC addresses.
	__u16 *word = (__u16 *)&h->count; // bytes 2-3 of the overlay header
	__u16 old_word = *word;
	h->index++;
	__be32 old_src = ip->saddr, old_dst = ip->daddr;
	ip->saddr = cfg->self_addr;
	ip->daddr = na->addr;

	__u64 addr_diff = 0;
	addr_diff = csum_add32(addr_diff, ~old_src);
	addr_diff = csum_add32(addr_diff, ~old_dst);
	addr_diff = csum_add32(addr_diff, ip->saddr);
	addr_diff = csum_add32(addr_diff, ip->daddr);
	ip->check = csum_update(ip->check, addr_diff);
	if (udp->check && (cfg->flags & CFG_ZERO_UDP_CSUM)) {
		udp->check = 0; // IPv4: no checksum
	} else if (udp->check) { // zero: the sender did not compute one
		__u64 diff = addr_diff + (__u16)~old_word + *word;
		__u16 c = csum_update(udp->check, diff);
		udp->check = c ? c : 0xffff;
	}
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);

	if (!redirect)
		return verdict(CNT_RELAY_TX, len, XDP_TX);
	verdict(CNT_RELAY_REDIRECT, len, XDP_REDIRECT);
	return bpf_redirect_map(&argo_tx_ports, fib.ifindex, XDP_PASS);
}

// handle_v4 filters an IPv4 packet and hands overlay datagrams to relay_v4.
static __always_inline int handle_v4(struct xdp_md *ctx, struct ethhdr *eth, void *l3, void *end,
				     int vlan, __u64 len)
{
	struct iphdr *ip = l3;
	if ((void *)(ip + 1) > end || ip->version != 4 || ip->ihl < 5)
		return verdict(CNT_PASS, len, XDP_PASS);

	struct lpm_v4_key bk = { .prefixlen = 32 };
	__builtin_memcpy(bk.addr, &ip->saddr, 4);
	if (blocked(&argo_block_v4, &bk))
		return verdict(CNT_DROP_BLOCKLIST, len, XDP_DROP);

	if (ip->protocol != IPPROTO_UDP || (ip->frag_off & bpf_htons(0x1fff)))
		return verdict(CNT_PASS, len, XDP_PASS); // not UDP, or no UDP header
	struct udphdr *udp = l3 + ip->ihl * 4;
	if ((void *)(udp + 1) > end)
		return verdict(CNT_PASS, len, XDP_PASS);

	struct rl_key rk = { .port = udp->dest };
	rk.addr[10] = 0xff;
	rk.addr[11] = 0xff;
	__builtin_memcpy(&rk.addr[12], &ip->saddr, 4);
	if (rate_limited(&rk))
		return verdict(CNT_DROP_RATELIMIT, len, XDP_DROP);

	__u32 zero = 0;
	struct config *cfg = bpf_map_lookup_elem(&argo_config, &zero);
	if (!cfg || !cfg->ready)
		return verdict(CNT_PASS_NO_CONFIG, len, XDP_PASS);
	if (udp->dest != cfg->overlay_port)
		return verdict(CNT_PASS, len, XDP_PASS);
	if (!cfg->self_addr) // SetPoPs has not named this PoP's address
		return verdict(CNT_PASS_NO_PEER, len, XDP_PASS);
	if (ip->daddr != cfg->self_addr) // transit IP traffic, not for this PoP
		return verdict(CNT_PASS, len, XDP_PASS);
	return relay_v4(ctx, eth, ip, udp, end, cfg, vlan, len);
}

// handle_v6 filters an IPv6 packet. Overlay datagrams over IPv6 go to the
// userspace relay: PoP addresses in the maps are IPv4 only.
static __always_inline int handle_v6(void *l3, void *end, __u64 len)
{
	struct ipv6hdr *ip6 = l3;
	if ((void *)(ip6 + 1) > end)
		return verdict(CNT_PASS, len, XDP_PASS);

	struct lpm_v6_key bk = { .prefixlen = 128 };
	__builtin_memcpy(bk.addr, &ip6->saddr, 16);
	if (blocked(&argo_block_v6, &bk))
		return verdict(CNT_DROP_BLOCKLIST, len, XDP_DROP);

	if (ip6->nexthdr != IPPROTO_UDP) // extension headers are not walked
		return verdict(CNT_PASS, len, XDP_PASS);
	struct udphdr *udp = (void *)(ip6 + 1);
	if ((void *)(udp + 1) > end)
		return verdict(CNT_PASS, len, XDP_PASS);

	struct rl_key rk = { .port = udp->dest };
	__builtin_memcpy(rk.addr, &ip6->saddr, 16);
	if (rate_limited(&rk))
		return verdict(CNT_DROP_RATELIMIT, len, XDP_DROP);

	__u32 zero = 0;
	struct config *cfg = bpf_map_lookup_elem(&argo_config, &zero);
	if (!cfg || !cfg->ready)
		return verdict(CNT_PASS_NO_CONFIG, len, XDP_PASS);
	if (udp->dest == cfg->overlay_port)
		return verdict(CNT_PASS_IPV6, len, XDP_PASS);
	return verdict(CNT_PASS, len, XDP_PASS);
}

SEC("xdp")
int argo_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 len = end - data;

	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return verdict(CNT_PASS, len, XDP_PASS);
	__be16 proto = eth->h_proto;
	void *l3 = eth + 1;
	int vlan = 0;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vh = l3;
		if ((void *)(vh + 1) > end)
			return verdict(CNT_PASS, len, XDP_PASS);
		proto = vh->encapsulated_proto;
		l3 = vh + 1;
		vlan = 1;
	}
	if (proto == bpf_htons(ETH_P_IP))
		return handle_v4(ctx, eth, l3, end, vlan, len);
	if (proto == bpf_htons(ETH_P_IPV6))
		return handle_v6(l3, end, len);
	return verdict(CNT_PASS, len, XDP_PASS);
}

char __license[] SEC("license") = "Dual MIT/GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * wire_audit: a tc ingress program for the far end of a test link that
 * classifies what arrives from the wire.  A capture there cannot tell a
 * leaked plaintext packet from one the receiver's own IPsec just
 * decapsulated (tunnel mode re-injects the inner packet on the same
 * device); the secpath can: a decapsulated packet carries one.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

enum wire_class {
	WIRE_ESP,		/* ESP, or ESP in UDP 4500 */
	WIRE_IKE,		/* UDP 500 / 4500 */
	WIRE_DECAPSULATED,	/* the receiver's IPsec output: has a secpath */
	WIRE_PLAINTEXT,		/* TCP, UDP, ICMP echo without a secpath */
	WIRE_OTHER,		/* ARP, neighbour discovery, ... */
	WIRE__MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WIRE__MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wire_audit SEC(".maps");

static __always_inline int count(__u32 class)
{
	__u64 *v = bpf_map_lookup_elem(&wire_audit, &class);

	if (v)
		__sync_fetch_and_add(v, 1);
	return TC_ACT_OK;
}

/* Class of an L4 payload at l4 with protocol proto. */
static __always_inline int classify_l4(void *l4, void *end, __u8 proto)
{
	struct udphdr *udp = l4;
	__u8 *icmp = l4;

	switch (proto) {
	case IPPROTO_ESP:
		return WIRE_ESP;
	case IPPROTO_TCP:
		return WIRE_PLAINTEXT;
	case IPPROTO_UDP:
		if ((void *)(udp + 1) > end)
			return WIRE_PLAINTEXT;
		if (udp->dest == bpf_htons(500) || udp->source == bpf_htons(500))
			return WIRE_IKE;
		if (udp->dest == bpf_htons(4500)) {
			__u32 *marker = (void *)(udp + 1);

			/* non-ESP marker (4 zero bytes): IKE; else ESP */
			if ((void *)(marker + 1) <= end && *marker == 0)
				return WIRE_IKE;
			return WIRE_ESP;
		}
		return WIRE_PLAINTEXT;
	case IPPROTO_ICMP:	/* echo request 8, reply 0 */
		if ((void *)(icmp + 1) <= end && (icmp[0] == 8 || icmp[0] == 0))
			return WIRE_PLAINTEXT;
		return WIRE_OTHER;
	case IPPROTO_ICMPV6:	/* echo request 128, reply 129 */
		if ((void *)(icmp + 1) <= end && (icmp[0] == 128 || icmp[0] == 129))
			return WIRE_PLAINTEXT;
		return WIRE_OTHER;
	}
	return WIRE_OTHER;
}

SEC("tc")
int wire_audit_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct bpf_xfrm_state x;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6;
	struct iphdr *ip;

	if (bpf_skb_get_xfrm_state(skb, 0, &x, sizeof(x), 0) == 0)
		return count(WIRE_DECAPSULATED);
	if ((void *)(eth + 1) > end)
		return count(WIRE_OTHER);
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return count(WIRE_OTHER);
		return count(classify_l4((void *)ip + ip->ihl * 4, end,
					 ip->protocol));
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end)
			return count(WIRE_OTHER);
		return count(classify_l4(ip6 + 1, end, ip6->nexthdr));
	}
	return count(WIRE_OTHER);
}

char LICENSE[] SEC("license") = "GPL";

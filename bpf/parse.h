/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Packet parser for the classifier: Ethernet (with 802.1Q / 802.1ad
 * tags), IPv4 (with options), IPv6 (skipping up to IPSO_V6_MAX_EXTHDR
 * extension headers), then the upper-layer fields XFRM uses as "ports"
 * (see xfrm_flowi_sport/dport and decode_session4/6 in the kernel):
 *   TCP, UDP, UDP-Lite, SCTP, DCCP  source and destination port
 *   ICMP, ICMPv6                     type as sport, code as dport
 *   IPv6 mobility header             MH type as sport
 *   GRE with the key flag            key high/low 16 bits as sport/dport
 *   anything else                    0, 0
 * Like the kernel, fragments carry no ports.  Works on any [data,
 * data_end) pair, so XDP and tc programs share it.
 */
#ifndef IPSO_PARSE_H
#define IPSO_PARSE_H

#include "ipso_spd.h"

#define IPSO_ETH_P_IP		0x0800
#define IPSO_ETH_P_IPV6		0x86DD
#define IPSO_ETH_P_8021Q	0x8100
#define IPSO_ETH_P_8021AD	0x88A8
#define IPSO_AF_INET		2
#define IPSO_AF_INET6		10

#define IPSO_PROTO_ICMP		1
#define IPSO_PROTO_TCP		6
#define IPSO_PROTO_UDP		17
#define IPSO_PROTO_DCCP		33
#define IPSO_PROTO_GRE		47
#define IPSO_PROTO_ESP		50
#define IPSO_PROTO_AH		51
#define IPSO_PROTO_ICMPV6	58
#define IPSO_PROTO_SCTP		132
#define IPSO_PROTO_MH		135
#define IPSO_PROTO_UDPLITE	136

#define IPSO_PKT_F_FRAG		0x1	/* IPv4 fragment or IPv6 frag hdr */
#define IPSO_PKT_F_L4_SHORT	0x2	/* upper-layer header truncated */

struct ipso_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* What the programs need from one packet. */
struct ipso_pkt {
	__u32 l3_off;		/* offset of the IP header */
	__u32 l4_off;		/* offset of the upper-layer header */
	__u32 l3_len;		/* bytes from l3_off to data_end */
	__u8 family;		/* IPSO_AF_INET / IPSO_AF_INET6 */
	__u8 proto;		/* upper-layer protocol */
	__u8 flags;		/* IPSO_PKT_F_* */
	__u8 icmp_type;
	__u16 sport;		/* XFRM "ports", network byte order */
	__u16 dport;
	__u16 udp_sport;	/* raw UDP ports (IKE checks) */
	__u16 udp_dport;
	__u32 spi;		/* ESP, or ESP-in-UDP candidate: first word */
	__u32 l4_payload_len;	/* UDP: bytes after the UDP header */
	union ipso_addr saddr;
	union ipso_addr daddr;
};

static __always_inline int ipso_parse_eth(void *data, void *data_end,
					   __u32 *off, __u16 *proto)
{
	struct ethhdr *eth = data;
	__u16 p;
	int i;

	if ((void *)(eth + 1) > data_end)
		return IPSO_PARSE_MALFORMED;
	p = bpf_ntohs(eth->h_proto);
	*off = sizeof(*eth);
#pragma unroll
	for (i = 0; i < 2; i++) {
		struct ipso_vlan_hdr *vh;

		if (p != IPSO_ETH_P_8021Q && p != IPSO_ETH_P_8021AD)
			break;
		vh = data + *off;
		if ((void *)(vh + 1) > data_end)
			return IPSO_PARSE_MALFORMED;
		p = bpf_ntohs(vh->encap_proto);
		*off += sizeof(*vh);
	}
	*proto = p;
	if (p == IPSO_ETH_P_8021Q || p == IPSO_ETH_P_8021AD)
		return IPSO_PARSE_TOO_DEEP;
	return IPSO_PARSE_OK;
}

/* Upper-layer "ports" as decode_session4/6 take them. */
static __always_inline void ipso_parse_l4(void *data, void *data_end,
					  struct ipso_pkt *pkt)
{
	__u32 off = pkt->l4_off & 0xffff;
	__u8 *p = data + off;

	if (pkt->flags & IPSO_PKT_F_FRAG)
		return;
	switch (pkt->proto) {
	case IPSO_PROTO_TCP:
	case IPSO_PROTO_UDP:
	case IPSO_PROTO_UDPLITE:
	case IPSO_PROTO_SCTP:
	case IPSO_PROTO_DCCP:
		if ((void *)(p + 4) > data_end)
			goto short_hdr;
		pkt->sport = *(__u16 *)p;
		pkt->dport = *(__u16 *)(p + 2);
		if (pkt->proto == IPSO_PROTO_UDP) {
			__u32 ulen, avail;

			pkt->udp_sport = pkt->sport;
			pkt->udp_dport = pkt->dport;
			if ((void *)(p + 8) > data_end)
				goto short_hdr;
			/* the UDP length, not data_end: Ethernet pads */
			ulen = bpf_ntohs(*(__u16 *)(p + 4));
			avail = data_end - (void *)(p + 8);
			if (ulen < 8)
				goto short_hdr;
			pkt->l4_payload_len = ulen - 8 < avail ? ulen - 8 : avail;
			if ((void *)(p + 12) <= data_end)
				pkt->spi = *(__u32 *)(p + 8);
		}
		return;
	case IPSO_PROTO_ICMP:
	case IPSO_PROTO_ICMPV6:
		if ((void *)(p + 2) > data_end)
			goto short_hdr;
		pkt->icmp_type = p[0];
		pkt->sport = bpf_htons(p[0]);
		pkt->dport = bpf_htons(p[1]);
		return;
	case IPSO_PROTO_MH:
		if ((void *)(p + 3) > data_end)
			goto short_hdr;
		pkt->sport = bpf_htons(p[2]);
		return;
	case IPSO_PROTO_GRE: {
		__u16 gflags;
		__u32 koff = 4, key;

		if ((void *)(p + 12) > data_end)
			goto short_hdr;
		gflags = *(__u16 *)p;
		if (!(gflags & bpf_htons(0x2000)))	/* GRE_KEY */
			return;
		if (gflags & bpf_htons(0x8000))		/* GRE_CSUM */
			koff = 8;
		if ((void *)(p + koff + 4) > data_end)
			goto short_hdr;
		key = bpf_ntohl(*(__u32 *)(p + koff));
		pkt->sport = bpf_htons(key >> 16);
		pkt->dport = bpf_htons(key & 0xffff);
		return;
	}
	case IPSO_PROTO_ESP:
		if ((void *)(p + 4) > data_end)
			goto short_hdr;
		pkt->spi = *(__u32 *)p;
		return;
	default:
		return;
	}
short_hdr:
	pkt->flags |= IPSO_PKT_F_L4_SHORT;
}

static __always_inline int ipso_parse_ip4(void *data, void *data_end,
					  struct ipso_pkt *pkt)
{
	struct iphdr *ip = data + (pkt->l3_off & 0xff);
	__u32 hlen;

	if ((void *)(ip + 1) > data_end)
		return IPSO_PARSE_MALFORMED;
	if (ip->version != 4 || ip->ihl < 5)
		return IPSO_PARSE_MALFORMED;
	hlen = ip->ihl * 4;
	if ((void *)ip + hlen > data_end)
		return IPSO_PARSE_MALFORMED;
	pkt->family = IPSO_AF_INET;
	pkt->proto = ip->protocol;
	pkt->saddr.a32[0] = ip->saddr;
	pkt->daddr.a32[0] = ip->daddr;
	if (ip->frag_off & bpf_htons(0x3fff))	/* MF or offset */
		pkt->flags |= IPSO_PKT_F_FRAG;
	pkt->l4_off = pkt->l3_off + hlen;
	return IPSO_PARSE_OK;
}

static __always_inline int ipso_parse_ip6(void *data, void *data_end,
					  struct ipso_pkt *pkt)
{
	struct ipv6hdr *ip6 = data + (pkt->l3_off & 0xff);
	__u32 off;
	__u8 nh;
	int i;

	if ((void *)(ip6 + 1) > data_end)
		return IPSO_PARSE_MALFORMED;
	if (ip6->version != 6)
		return IPSO_PARSE_MALFORMED;
	pkt->family = IPSO_AF_INET6;
	__builtin_memcpy(&pkt->saddr, &ip6->saddr, 16);
	__builtin_memcpy(&pkt->daddr, &ip6->daddr, 16);
	nh = ip6->nexthdr;
	off = (pkt->l3_off & 0xff) + sizeof(*ip6);
#pragma unroll
	for (i = 0; i < IPSO_V6_MAX_EXTHDR; i++) {
		__u8 *eh;

		if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
			break;
		off &= 0x7fff;
		eh = data + off;
		if ((void *)(eh + 8) > data_end)
			return IPSO_PARSE_MALFORMED;
		if (nh == 44) {
			pkt->flags |= IPSO_PKT_F_FRAG;
			off += 8;
		} else {
			off += ((__u32)eh[1] + 1) * 8;
		}
		nh = eh[0];
	}
	if (nh == 0 || nh == 43 || nh == 60 || nh == 44)
		return IPSO_PARSE_TOO_DEEP;
	pkt->proto = nh;
	pkt->l4_off = off & 0x7fff;
	if (data + pkt->l4_off > data_end)
		return IPSO_PARSE_MALFORMED;
	return IPSO_PARSE_OK;
}

/* Parse an Ethernet frame; fills pkt, returns enum ipso_parse_status. */
static __always_inline int ipso_parse(void *data, void *data_end,
				      struct ipso_pkt *pkt)
{
	__u16 eth_proto = 0;
	__u32 off = 0;
	int ret;

	ret = ipso_parse_eth(data, data_end, &off, &eth_proto);
	if (ret != IPSO_PARSE_OK)
		return ret;
	pkt->l3_off = off;
	pkt->l3_len = data_end - (data + off);
	if (eth_proto == IPSO_ETH_P_IP)
		ret = ipso_parse_ip4(data, data_end, pkt);
	else if (eth_proto == IPSO_ETH_P_IPV6)
		ret = ipso_parse_ip6(data, data_end, pkt);
	else
		return IPSO_PARSE_NOT_IP;
	if (ret != IPSO_PARSE_OK)
		return ret;
	ipso_parse_l4(data, data_end, pkt);
	return IPSO_PARSE_OK;
}

/* The flow XFRM builds from this packet for a lookup in dir. */
static __always_inline void ipso_pkt_to_flow(const struct ipso_pkt *pkt,
					     __u8 dir, struct ipso_flow *fl)
{
	fl->saddr = pkt->saddr;
	fl->daddr = pkt->daddr;
	fl->sport = pkt->sport;
	fl->dport = pkt->dport;
	fl->proto = pkt->proto;
	fl->family = pkt->family;
	fl->dir = dir;
	if (pkt->flags & IPSO_PKT_F_FRAG)
		fl->flags |= IPSO_FLOW_F_PORTS_UNKNOWN;
}

#endif /* IPSO_PARSE_H */

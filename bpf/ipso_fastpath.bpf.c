// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The gateway fast path, outbound (docs/datapath.md, "XDP fast path"):
 * XDP on the inside device of a gateway.  A forwarded plaintext packet
 * whose dir fwd policy lets it through and whose dir out policy protects
 * it with an SA offloaded in packet mode on the egress device is sent
 * straight to that device: next hop from the FIB, Ethernet header
 * rewritten, TTL / hop limit decremented, the handle in the XDP metadata
 * (struct ipso_xdp_meta, IPSO_META_F_ENCRYPT), redirected through
 * ipso_fp_devmap.  Everything else -- and everything the program is not
 * sure of -- passes to the kernel untouched, counted by reason: the
 * kernel's own forwarding and XFRM path stays the authority, this only
 * skips it when the answer is the same.  The policy decision is in
 * fastpath.h.
 */
#include "common.bpf.h"
#include "xdp_pkt.h"
#include "fastpath.h"
#include "lease.bpf.h"

/*
 * ifindex -> the device itself: where the fast path may redirect.  The
 * loader puts in the devices that hold offloads; a device missing here
 * keeps its flows on the kernel's path.  Only this program uses it, so
 * it is defined here, and not pinned by libbpf: the kernel adds
 * BPF_F_RDONLY_PROG to a devmap's flags, which libbpf 1.1 (Debian 12) takes
 * for a mismatch when it reuses a pin.  The loader pins it by hand
 * (IPSO_PIN_FP_DEVMAP, loader/fastpath.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} ipso_fp_devmap SEC(".maps");

#define IPSO_ETH_HLEN	14
#define IPSO_IP4_HLEN	20
#define IPSO_IP6_HLEN	40

static __always_inline int ipso_fp_pass(__u32 stat)
{
	ipso_count(stat);
	return XDP_PASS;
}

/*
 * Headers the fast path rewrites and nothing else: Ethernet without
 * tags, IPv4 without options, IPv6 without extension headers, no
 * fragment, TTL / hop limit left after the decrement.  *ip_len: the IP
 * header's own length (Ethernet may pad the frame).
 */
static __always_inline __u32 ipso_fp_headers(struct xdp_md *ctx,
					     const struct ipso_pkt *pkt,
					     __u32 *ip_len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip6;
	struct iphdr *ip;

	if (pkt->l3_off != IPSO_ETH_HLEN)
		return IPSO_STAT_FP_PASS_HEADER;
	if (pkt->flags & IPSO_PKT_F_FRAG)
		return IPSO_STAT_FP_PASS_FRAG;
	if (pkt->family == IPSO_AF_INET) {
		ip = data + IPSO_ETH_HLEN;
		if ((void *)(ip + 1) > data_end)
			return IPSO_STAT_FP_PASS_MALFORMED;
		if (ip->ihl != 5)
			return IPSO_STAT_FP_PASS_HEADER;
		if (ip->ttl <= 1)
			return IPSO_STAT_FP_PASS_TTL;
		*ip_len = bpf_ntohs(ip->tot_len);
		if (*ip_len < IPSO_IP4_HLEN || *ip_len > pkt->l3_len)
			return IPSO_STAT_FP_PASS_MALFORMED;
		return IPSO_STAT_FP_REDIRECT;
	}
	ip6 = data + IPSO_ETH_HLEN;
	if ((void *)(ip6 + 1) > data_end)
		return IPSO_STAT_FP_PASS_MALFORMED;
	if (pkt->l4_off != IPSO_ETH_HLEN + IPSO_IP6_HLEN)
		return IPSO_STAT_FP_PASS_HEADER;
	if (ip6->hop_limit <= 1)
		return IPSO_STAT_FP_PASS_TTL;
	*ip_len = IPSO_IP6_HLEN + bpf_ntohs(ip6->payload_len);
	if (*ip_len > pkt->l3_len)
		return IPSO_STAT_FP_PASS_MALFORMED;
	return IPSO_STAT_FP_REDIRECT;
}

/*
 * ip6_forward() refuses multicast, loopback and link-local sources and
 * leaves link-local destinations to the link: not for the fast path.
 */
static __always_inline bool ipso_fp_v6_scoped(const union ipso_addr *a)
{
	__u8 b0 = a->a8[0], b1 = a->a8[1];

	if (b0 == 0xff || (b0 == 0xfe && (b1 & 0xc0) == 0x80))
		return true;
	return !(a->a32[0] | a->a32[1] | a->a32[2]) &&
	       a->a32[3] == bpf_htonl(1);
}

/* FIB input for the packet's own addresses, as ip_forward routes it. */
static __always_inline void ipso_fp_fib_pkt(struct xdp_md *ctx,
					    const struct ipso_pkt *pkt,
					    struct bpf_fib_lookup *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip6 = data + IPSO_ETH_HLEN;
	struct iphdr *ip = data + IPSO_ETH_HLEN;

	__builtin_memset(p, 0, sizeof(*p));
	p->ifindex = ctx->ingress_ifindex;
	p->l4_protocol = pkt->proto;
	if (pkt->proto == IPSO_PROTO_TCP || pkt->proto == IPSO_PROTO_UDP ||
	    pkt->proto == IPSO_PROTO_SCTP) {
		p->sport = pkt->sport;
		p->dport = pkt->dport;
	}
	if (pkt->family == IPSO_AF_INET) {
		p->family = IPSO_AF_INET;
		if ((void *)(ip + 1) <= data_end)
			p->tos = ip->tos;
		p->ipv4_src = pkt->saddr.a32[0];
		p->ipv4_dst = pkt->daddr.a32[0];
		return;
	}
	p->family = IPSO_AF_INET6;
	if ((void *)(ip6 + 1) <= data_end)
		p->flowinfo = *(__be32 *)ip6 & bpf_htonl(0x0fffffff);
	__builtin_memcpy(p->ipv6_src, &pkt->saddr, 16);
	__builtin_memcpy(p->ipv6_dst, &pkt->daddr, 16);
}

static __always_inline __u32 ipso_fp_fib_stat(long rc)
{
	if (rc == BPF_FIB_LKUP_RET_SUCCESS)
		return IPSO_STAT_FP_REDIRECT;
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return IPSO_STAT_FP_PASS_MTU;
	return IPSO_STAT_FP_PASS_FIB;
}

/*
 * The forwarding route (input semantics from the ingress device, as
 * ip_route_input: forwarding enabled, not local), checking the packet
 * as it is against the route's MTU.  p->ifindex: the egress device.
 */
static __always_inline __u32 ipso_fp_route(struct xdp_md *ctx,
					   const struct ipso_pkt *pkt,
					   struct bpf_fib_lookup *p,
					   __u32 ip_len)
{
	ipso_fp_fib_pkt(ctx, pkt, p);
	p->tot_len = ip_len;
	return ipso_fp_fib_stat(bpf_fib_lookup(ctx, p, sizeof(*p), 0));
}

/*
 * Where the ESP packet goes and whether it fits: tunnel mode routes the
 * outer addresses as the kernel's bundle does (xfrm_dst_lookup(), output
 * semantics, the inner route's device as flowi oif), transport mode the
 * packet's own; both with the length ESP may grow it to.  The next hop
 * must leave by the egress device the policy was looked up for.
 */
static __always_inline __u32 ipso_fp_next_hop(struct xdp_md *ctx,
					      const struct ipso_pkt *pkt,
					      const struct ipso_sa *sa,
					      struct bpf_fib_lookup *p,
					      __u32 egress, __u32 ip_len)
{
	__u32 len = ip_len + ipso_fp_esp_overhead(sa), flags = 0, stat;

	if (len > 0xffff)
		return IPSO_STAT_FP_PASS_MTU;
	if (sa->mode == IPSO_MODE_TUNNEL) {
		__builtin_memset(p, 0, sizeof(*p));
		p->family = sa->family;
		p->l4_protocol = sa->flags & IPSO_SA_F_NATT ?
				 IPSO_PROTO_UDP : IPSO_PROTO_ESP;
		p->ifindex = egress;
		if (sa->family == IPSO_AF_INET) {
			p->ipv4_src = sa->saddr.a32[0];
			p->ipv4_dst = sa->daddr.a32[0];
		} else {
			__builtin_memcpy(p->ipv6_src, &sa->saddr, 16);
			__builtin_memcpy(p->ipv6_dst, &sa->daddr, 16);
		}
		flags = BPF_FIB_LOOKUP_OUTPUT;
	} else {
		ipso_fp_fib_pkt(ctx, pkt, p);
	}
	p->tot_len = len;
	stat = ipso_fp_fib_stat(bpf_fib_lookup(ctx, p, sizeof(*p), flags));
	if (stat == IPSO_STAT_FP_REDIRECT && p->ifindex != egress)
		return IPSO_STAT_FP_PASS_FIB;
	return stat;
}

/*
 * The handle for the device, as the only metadata of the frame (a
 * frame that came with metadata was passed before).  False: the driver
 * gives XDP no metadata room.
 */
static __always_inline bool ipso_fp_set_meta(struct xdp_md *ctx,
					     __u32 handle)
{
	struct ipso_xdp_meta *m;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return false;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return false;
	m->magic = IPSO_XDP_META_MAGIC;
	m->handle = handle;
	m->syndrome = IPSO_SYN_OK;
	m->flags = IPSO_META_F_ENCRYPT;
	m->reserved = 0;
	return true;
}

/* ip_decrease_ttl(): the checksum updated for the TTL byte alone. */
static __always_inline void ipso_fp_ttl_dec(struct iphdr *ip)
{
	__u32 check = ip->check;

	check += bpf_htons(0x0100);
	ip->check = (__u16)(check + (check >= 0xffff));
	ip->ttl--;
}

/* Next hop's MACs, TTL / hop limit; false if the headers moved away. */
static __always_inline bool ipso_fp_rewrite(struct xdp_md *ctx, __u8 family,
					    const struct bpf_fib_lookup *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6;
	struct iphdr *ip;

	ip = data + IPSO_ETH_HLEN;
	ip6 = data + IPSO_ETH_HLEN;
	if (family == IPSO_AF_INET ? (void *)(ip + 1) > data_end :
				     (void *)(ip6 + 1) > data_end)
		return false;
	__builtin_memcpy(eth->h_dest, p->dmac, 6);
	__builtin_memcpy(eth->h_source, p->smac, 6);
	if (family == IPSO_AF_INET)
		ipso_fp_ttl_dec(ip);
	else
		ip6->hop_limit--;
	return true;
}

/* What the kernel would do with pkt, short of sending it: may we? */
static __always_inline __u32 ipso_fp_decide(struct xdp_md *ctx,
					    const struct ipso_pkt *pkt,
					    struct ipso_xdp_scratch *sc,
					    struct ipso_fp_pick *pick,
					    __u32 ip_len, bool fwd_accept)
{
	__u32 egress, stat;

	if (ipso_is_icmp_error(pkt))
		return IPSO_STAT_FP_PASS_UNSURE;
	if (pkt->family == IPSO_AF_INET6 &&
	    (ipso_fp_v6_scoped(&pkt->saddr) || ipso_fp_v6_scoped(&pkt->daddr)))
		return IPSO_STAT_FP_PASS_FIB;
	stat = ipso_fp_route(ctx, pkt, &sc->fib, ip_len);
	if (stat != IPSO_STAT_FP_REDIRECT)
		return stat;
	egress = sc->fib.ifindex;
	__builtin_memset(&sc->fl, 0, sizeof(sc->fl));
	ipso_pkt_to_flow(pkt, IPSO_DIR_FWD, &sc->fl);
	sc->fl.ifindex = egress;
	/* netfilter could still mark it before the kernel's lookups */
	sc->fl.flags |= IPSO_FLOW_F_MARK_UNKNOWN;
	stat = ipso_fp_fwd_check(&sc->fl, &sc->res, fwd_accept);
	if (stat != IPSO_STAT_FP_REDIRECT)
		return stat;
	stat = ipso_fp_out_pick(&sc->fl, &sc->res, pick);
	if (stat != IPSO_STAT_FP_REDIRECT)
		return stat;
	stat = ipso_fp_next_hop(ctx, pkt, pick->sa, &sc->fib, egress, ip_len);
	if (stat != IPSO_STAT_FP_REDIRECT)
		return stat;
	if (!bpf_map_lookup_elem(&ipso_fp_devmap, &egress))
		return IPSO_STAT_FP_PASS_NO_DEV;
	return IPSO_STAT_FP_REDIRECT;
}

/* The frame goes: counters, then the redirect the decision allowed. */
static __always_inline int ipso_fp_send(const struct ipso_fp_pick *pick,
					__u32 egress, __u64 bytes)
{
	struct ipso_sa_counters *ctr;

	if (bpf_redirect_map(&ipso_fp_devmap, egress, 0) != XDP_REDIRECT) {
		/* the device left the map since: the frame is rewritten */
		ipso_count(IPSO_STAT_FP_DROP_REDIRECT);
		return XDP_DROP;
	}
	ctr = ipso_sa_ctr(pick->handle);
	if (ctr) {
		ctr->tx_packets++;
		ctr->tx_bytes += bytes;
	}
	ipso_pol_count(pick->policy_index, bytes);
	ipso_count(IPSO_STAT_FP_REDIRECT);
	return XDP_REDIRECT;
}

SEC("xdp")
int ipso_fastpath(struct xdp_md *ctx)
{
	struct ipso_xdp_scratch *sc;
	struct ipso_fp_pick pick = {};
	struct ipso_config *cfg;
	struct ipso_pkt pkt;
	__u32 zero = 0, stat, ip_len = 0;
	__u64 bytes;
	int st;

	/* NIC metadata (a decrypted packet, foreign hints): not ours */
	if (ctx->data_meta < ctx->data)
		return ipso_fp_pass(IPSO_STAT_FP_PASS_HEADER);
	__builtin_memset(&pkt, 0, sizeof(pkt));
	st = ipso_parse_xdp(ctx, &pkt);
	if (st == IPSO_PARSE_NOT_IP)
		return ipso_fp_pass(IPSO_STAT_FP_PASS_NOT_IP);
	if (st == IPSO_PARSE_TOO_DEEP)
		return ipso_fp_pass(IPSO_STAT_FP_PASS_HEADER);
	if (st != IPSO_PARSE_OK || (pkt.flags & IPSO_PKT_F_L4_SHORT))
		return ipso_fp_pass(IPSO_STAT_FP_PASS_MALFORMED);
	stat = ipso_fp_headers(ctx, &pkt, &ip_len);
	if (stat != IPSO_STAT_FP_REDIRECT)
		return ipso_fp_pass(stat);
	/* only a mirror someone maintains can say the kernel would agree */
	cfg = bpf_map_lookup_elem(&ipso_config, &zero);
	if (!cfg || !cfg->generation || !ipso_mirror_trusted(cfg))
		return ipso_fp_pass(IPSO_STAT_FP_PASS_STALE);
	sc = bpf_map_lookup_elem(&ipso_xdp_scratch, &zero);
	if (!sc)
		return ipso_fp_pass(IPSO_STAT_FP_PASS_UNSURE);
	stat = ipso_fp_decide(ctx, &pkt, sc, &pick, ip_len,
			      cfg->flags & IPSO_CFG_F_FWD_ACCEPT);
	if (stat != IPSO_STAT_FP_REDIRECT)
		return ipso_fp_pass(stat);
	bytes = ctx->data_end - ctx->data;
	if (!ipso_fp_set_meta(ctx, pick.handle))
		return ipso_fp_pass(IPSO_STAT_FP_PASS_NO_DEV);
	if (!ipso_fp_rewrite(ctx, pkt.family, &sc->fib))
		return ipso_fp_pass(IPSO_STAT_FP_PASS_MALFORMED);
	return ipso_fp_send(&pick, sc->fib.ifindex, bytes);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

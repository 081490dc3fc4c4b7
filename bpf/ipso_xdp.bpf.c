// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * XDP ingress (docs/architecture.md, "RX").  With NIC metadata (struct
 * ipso_xdp_meta right before the packet): bad syndrome -> drop; handle ->
 * SA -> the decrypted inner flow must lie inside the SA's selector
 * (RFC 4301 §5.2) -> pass, metadata kept for the stack.  Without
 * metadata: ESP or ESP-in-UDP for an SPI the SAD lacks -> drop; ESP for a
 * known SA -> the software path; IKE -> pass; plaintext that the kernel's
 * own inbound policy check would reject (protect policy with a required
 * template) -> drop, only with IPSO_CFG_F_RX_ENFORCE and only when the
 * mirrored SPD decides it for sure.  Anything unclear passes: the kernel
 * decides, and so do the drops that need a current mirror once its lease
 * ran out (lease.bpf.h).  Every outcome is counted once in ipso_stats.
 */
#include "common.bpf.h"
#include "classify.h"
#include "lease.bpf.h"
#include "xdp_pkt.h"

#define IKE_PORT	bpf_htons(500)
#define NATT_PORT	bpf_htons(4500)

static __always_inline int ipso_verdict(__u32 stat, int action)
{
	ipso_count(stat);
	return action;
}

/* A packet the NIC decrypted: trust the handle only as far as it goes. */
static __always_inline int ipso_rx_hw(struct xdp_md *ctx,
				      const struct ipso_xdp_meta *m,
				      const struct ipso_pkt *pkt, int parsed,
				      const struct ipso_config *cfg)
{
	struct ipso_sa_counters *ctr;
	struct ipso_handle_val *hv;
	struct ipso_flow fl;
	struct ipso_sa *sa;
	__u32 handle = m->handle;
	int r;

	ctr = ipso_sa_ctr(handle);
	if (m->syndrome != IPSO_SYN_OK) {
		if (ctr)
			ctr->rx_drop_syndrome++;
		return ipso_verdict(IPSO_STAT_RX_DROP_SYNDROME, XDP_DROP);
	}
	hv = bpf_map_lookup_elem(&ipso_handles, &handle);
	if (!hv || hv->ifindex != ctx->ingress_ifindex)
		return ipso_verdict(IPSO_STAT_RX_DROP_UNKNOWN_HANDLE, XDP_DROP);
	sa = bpf_map_lookup_elem(&ipso_sad, &hv->sa);
	if (!sa) {
		/*
		 * A live handle whose SA the mirror lacks: a stale mirror
		 * cannot check the selector, the kernel's policy check can.
		 */
		if (!ipso_mirror_trusted(cfg))
			return ipso_verdict(IPSO_STAT_RX_PASS_STALE, XDP_PASS);
		return ipso_verdict(IPSO_STAT_RX_DROP_UNKNOWN_HANDLE, XDP_DROP);
	}
	if (parsed != IPSO_PARSE_OK || (pkt->flags & IPSO_PKT_F_L4_SHORT))
		return ipso_verdict(IPSO_STAT_RX_MALFORMED, XDP_PASS);

	__builtin_memset(&fl, 0, sizeof(fl));
	ipso_pkt_to_flow(pkt, IPSO_DIR_IN, &fl);
	/* flowi oif on input is the route's device: not known here */
	fl.flags |= IPSO_FLOW_F_IFINDEX_UNKNOWN;
	r = ipso_sel_match(&sa->sel, &fl);
	if (r == IPSO_NO_MATCH) {
		if (ctr)
			ctr->rx_drop_selector++;
		return ipso_verdict(IPSO_STAT_RX_DROP_SELECTOR, XDP_DROP);
	}
	if (r != IPSO_MATCH)
		return ipso_verdict(IPSO_STAT_RX_UNSURE, XDP_PASS);
	if (ctr) {
		ctr->rx_packets++;
		ctr->rx_bytes += ctx->data_end - ctx->data;
	}
	return ipso_verdict(IPSO_STAT_RX_HW_OK, XDP_PASS);
}

/*
 * ESP (or ESP-in-UDP) the NIC did not decrypt goes to the kernel, known
 * SPI or not.  An SPI the mirror lacks is most often a rekey's new SA,
 * installed in the kernel before the daemon mirrored it, and its peer
 * may send on it at once; xfrm_input() drops what it does not know.
 */
static __always_inline int ipso_rx_esp(const struct ipso_pkt *pkt,
				       bool ready)
{
	struct ipso_sa_key k;

	if (!ready)
		return ipso_verdict(IPSO_STAT_RX_UNSURE, XDP_PASS);
	__builtin_memset(&k, 0, sizeof(k));
	k.daddr = pkt->daddr;
	k.spi = pkt->spi;
	k.proto = IPSO_PROTO_ESP;
	k.family = pkt->family;
	if (bpf_map_lookup_elem(&ipso_sad, &k))
		return ipso_verdict(IPSO_STAT_RX_SW_ESP, XDP_PASS);
	return ipso_verdict(IPSO_STAT_RX_PASS_UNKNOWN_SPI, XDP_PASS);
}

/*
 * Which policy direction the kernel will check: IN for local delivery,
 * FWD for forwarding (with the output device as flowi oif).  Returns
 * false when the FIB cannot tell.
 */
static __always_inline bool ipso_rx_dir(struct xdp_md *ctx,
					const struct ipso_pkt *pkt,
					struct ipso_flow *fl,
					struct bpf_fib_lookup *p)
{
	long rc;

	__builtin_memset(p, 0, sizeof(*p));
	p->ifindex = ctx->ingress_ifindex;
	p->l4_protocol = pkt->proto;
	if (pkt->family == IPSO_AF_INET) {
		p->family = IPSO_AF_INET;
		p->ipv4_src = pkt->saddr.a32[0];
		p->ipv4_dst = pkt->daddr.a32[0];
	} else {
		p->family = IPSO_AF_INET6;
		__builtin_memcpy(p->ipv6_src, &pkt->saddr, 16);
		__builtin_memcpy(p->ipv6_dst, &pkt->daddr, 16);
	}
	rc = bpf_fib_lookup(ctx, p, sizeof(*p), 0);
	switch (rc) {
	case BPF_FIB_LKUP_RET_NOT_FWDED:	/* local, broadcast, mcast */
	case BPF_FIB_LKUP_RET_FWD_DISABLED:	/* local or dropped anyway */
		fl->dir = IPSO_DIR_IN;
		fl->flags |= IPSO_FLOW_F_IFINDEX_UNKNOWN;
		return true;
	case BPF_FIB_LKUP_RET_SUCCESS:
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		fl->dir = IPSO_DIR_FWD;
		fl->ifindex = p->ifindex;
		return true;
	default:
		return false;
	}
}

/* Plaintext: drop only what the kernel's inbound check surely rejects. */
static __always_inline int ipso_rx_plain(struct xdp_md *ctx,
					 const struct ipso_pkt *pkt,
					 const struct ipso_config *cfg)
{
	struct ipso_xdp_scratch *sc;
	__u32 zero = 0;

	if (!(cfg->flags & IPSO_CFG_F_RX_ENFORCE))
		return ipso_verdict(IPSO_STAT_RX_PASS, XDP_PASS);
	if (ipso_is_icmp_error(pkt))
		return ipso_verdict(IPSO_STAT_RX_PASS, XDP_PASS);
	/* a stale SPD may still require what the kernel no longer does */
	if (!ipso_mirror_trusted(cfg))
		return ipso_verdict(IPSO_STAT_RX_PASS_STALE, XDP_PASS);
	sc = bpf_map_lookup_elem(&ipso_xdp_scratch, &zero);
	if (!sc)
		return ipso_verdict(IPSO_STAT_RX_UNSURE, XDP_PASS);
	__builtin_memset(&sc->fl, 0, sizeof(sc->fl));
	ipso_pkt_to_flow(pkt, IPSO_DIR_IN, &sc->fl);
	/* netfilter may still set a mark before the policy check */
	sc->fl.flags |= IPSO_FLOW_F_MARK_UNKNOWN;
	if (!ipso_rx_dir(ctx, pkt, &sc->fl, &sc->fib))
		return ipso_verdict(IPSO_STAT_RX_UNSURE, XDP_PASS);
	ipso_classify(&sc->fl, &sc->res, IPSO_CACHE_ON, IPSO_SCAN_XDP);
	if (sc->res.verdict == IPSO_CLS_UNSURE)
		return ipso_verdict(IPSO_STAT_RX_UNSURE, XDP_PASS);
	if (sc->res.verdict == IPSO_CLS_PROTECT &&
	    (sc->res.flags & IPSO_CLS_F_REQUIRE))
		return ipso_verdict(IPSO_STAT_RX_DROP_PLAINTEXT, XDP_DROP);
	return ipso_verdict(IPSO_STAT_RX_PASS, XDP_PASS);
}

SEC("xdp")
int ipso_xdp_rx(struct xdp_md *ctx)
{
	struct ipso_xdp_meta *m;
	struct ipso_config *cfg;
	struct ipso_pkt pkt;
	__u32 zero = 0;
	bool ready;
	int st;

	__builtin_memset(&pkt, 0, sizeof(pkt));
	st = ipso_parse_xdp(ctx, &pkt);
	cfg = bpf_map_lookup_elem(&ipso_config, &zero);
	m = ipso_meta(ctx);
	if (m && (m->flags & IPSO_META_F_DECRYPTED))
		return ipso_rx_hw(ctx, m, &pkt, st, cfg);
	if (st == IPSO_PARSE_NOT_IP)
		return ipso_verdict(IPSO_STAT_RX_PASS, XDP_PASS);
	if (st != IPSO_PARSE_OK || (pkt.flags & IPSO_PKT_F_L4_SHORT))
		return ipso_verdict(IPSO_STAT_RX_MALFORMED, XDP_PASS);

	/* generation 0: the mirror never wrote the maps; know nothing */
	ready = cfg && cfg->generation;

	if (pkt.proto == IPSO_PROTO_ESP) {
		if (pkt.flags & IPSO_PKT_F_FRAG)
			return ipso_verdict(IPSO_STAT_RX_UNSURE, XDP_PASS);
		return ipso_rx_esp(&pkt, ready);
	}
	if (pkt.proto == IPSO_PROTO_UDP && !(pkt.flags & IPSO_PKT_F_FRAG)) {
		if (pkt.udp_dport == IKE_PORT || pkt.udp_sport == IKE_PORT)
			return ipso_verdict(IPSO_STAT_RX_IKE, XDP_PASS);
		if (pkt.udp_dport == NATT_PORT) {
			/* RFC 3948: keepalive 0xff, non-ESP marker 0 */
			if (pkt.l4_payload_len < 8 || pkt.spi == 0)
				return ipso_verdict(IPSO_STAT_RX_IKE,
						    XDP_PASS);
			return ipso_rx_esp(&pkt, ready);
		}
		if (pkt.udp_sport == NATT_PORT)
			return ipso_verdict(IPSO_STAT_RX_IKE, XDP_PASS);
	}
	if (!ready || !cfg)
		return ipso_verdict(IPSO_STAT_RX_PASS, XDP_PASS);
	return ipso_rx_plain(ctx, &pkt, cfg);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

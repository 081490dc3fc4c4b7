/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * What the XDP programs (ipso_xdp_rx, ipso_fastpath) share about a
 * received frame: the parser as a global function, the NIC's metadata
 * (struct ipso_xdp_meta of mark.h) and the ICMP errors the kernel
 * treats apart in its policy checks.
 */
#ifndef IPSO_XDP_PKT_H
#define IPSO_XDP_PKT_H

#include "parse.h"
#include "../include/ipsec_offload/mark.h"

/*
 * Our metadata is the last 16 bytes of the metadata area.  The area is a
 * multiple of 4 and at most 32 bytes (xdp_metalen_invalid()), so the
 * largest fitting length found by fixed-offset checks is its length.
 */
static __always_inline struct ipso_xdp_meta *ipso_meta(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *meta = (void *)(long)ctx->data_meta;
	struct ipso_xdp_meta *m;

	if (ctx->data - ctx->data_meta > 32)
		return NULL;
	if (meta + 32 <= data)
		m = meta + 16;
	else if (meta + 28 <= data)
		m = meta + 12;
	else if (meta + 24 <= data)
		m = meta + 8;
	else if (meta + 20 <= data)
		m = meta + 4;
	else if (meta + 16 <= data)
		m = meta;
	else
		return NULL;
	if ((void *)(m + 1) > data)
		return NULL;
	if (m->magic != IPSO_XDP_META_MAGIC)
		return NULL;
	return m;
}

/*
 * ICMP errors: the kernel's policy checks look them up by the flow they
 * quote as well (xfrm_in_fwd_icmp / XFRM_POLICY_ICMP).
 */
static __always_inline bool ipso_is_icmp_error(const struct ipso_pkt *pkt)
{
	__u8 t = pkt->icmp_type;

	if (pkt->proto == IPSO_PROTO_ICMP)
		return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
	if (pkt->proto == IPSO_PROTO_ICMPV6)
		return t < 128;
	return false;
}

/* A global function: the parser's states are verified once, apart. */
__attribute__((noinline))
int ipso_parse_xdp(struct xdp_md *ctx, struct ipso_pkt *pkt)
{
	if (!pkt)
		return IPSO_PARSE_MALFORMED;
	return ipso_parse((void *)(long)ctx->data,
			  (void *)(long)ctx->data_end, pkt);
}

#endif /* IPSO_XDP_PKT_H */

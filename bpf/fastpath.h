/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The XDP fast path's policy decision (docs/datapath.md, "XDP fast
 * path"): for a forwarded plaintext flow, what the kernel's ip_forward
 * would decide -- the dir fwd check of __xfrm_policy_check(), then the
 * dir out lookup of xfrm_route_forward() and the SA xfrm_state_find()
 * bundles for it -- and whether that SA is offloaded in packet mode on
 * the egress device.  The answer is a handle to send under, or the
 * ipso_stat reason to leave the packet to the kernel.  The packet itself
 * is handled in ipso_fastpath.bpf.c.
 */
#ifndef IPSO_FASTPATH_H
#define IPSO_FASTPATH_H

#include "classify.h"

/* What the decision hands on: the SA, its handle, the policy. */
struct ipso_fp_pick {
	struct ipso_sa *sa;
	__u32 handle;
	__u32 policy_index;
};

/*
 * __xfrm_policy_check(FWD) on plaintext (no secpath): allowed without a
 * policy when the namespace's fwd default is accept (fwd_accept: the
 * loader read it, IPSO_CFG_F_FWD_ACCEPT), by an allow policy, or by a
 * protect policy whose templates are all optional (xfrm_policy_ok():
 * level use); anything else drops.
 */
static __always_inline __u32 ipso_fp_fwd_check(struct ipso_flow *fl,
					       struct ipso_cls_result *res,
					       bool fwd_accept)
{
	fl->dir = IPSO_DIR_FWD;
	ipso_classify(fl, res, IPSO_CACHE_ON, IPSO_SCAN_XDP);
	switch (res->verdict) {
	case IPSO_CLS_NONE:
		if (!fwd_accept)
			return IPSO_STAT_FP_PASS_FWD_POLICY;
		return IPSO_STAT_FP_REDIRECT;
	case IPSO_CLS_BYPASS:
		return IPSO_STAT_FP_REDIRECT;
	case IPSO_CLS_PROTECT:
		if (res->flags & IPSO_CLS_F_REQUIRE)
			return IPSO_STAT_FP_PASS_FWD_POLICY;
		return IPSO_STAT_FP_REDIRECT;
	case IPSO_CLS_BLOCK:
		return IPSO_STAT_FP_PASS_FWD_POLICY;
	default:
		return IPSO_STAT_FP_PASS_UNSURE;
	}
}

/* The dir out verdict: only protect goes on. */
static __always_inline __u32 ipso_fp_out_verdict(const struct ipso_cls_result *res)
{
	switch (res->verdict) {
	case IPSO_CLS_PROTECT:
		break;
	case IPSO_CLS_NONE:
		return IPSO_STAT_FP_PASS_NO_POLICY;
	case IPSO_CLS_BYPASS:
		return IPSO_STAT_FP_PASS_BYPASS;
	case IPSO_CLS_BLOCK:
		return IPSO_STAT_FP_PASS_BLOCK;
	default:
		return IPSO_STAT_FP_PASS_UNSURE;
	}
	/* a bundle needs every template's SA: the kernel builds it */
	if (res->flags & IPSO_CLS_F_MULTI_TMPL)
		return IPSO_STAT_FP_PASS_BUNDLE;
	if (res->flags & IPSO_CLS_F_SA_UNSURE)
		return IPSO_STAT_FP_PASS_UNSURE;
	if (!(res->flags & IPSO_CLS_F_SA_FOUND))
		return IPSO_STAT_FP_PASS_NO_SA;
	return IPSO_STAT_FP_REDIRECT;
}

/*
 * The dir out lookup (fl->ifindex: the egress device, flowi oif of
 * xfrm_decode_session()) and the SA it resolves, which must be an
 * outbound SA OFFLOADED on the egress device in packet mode -- the
 * explicit condition that the device encrypts what it is handed, so a
 * protected flow never reaches a device that would send it in clear.
 */
static __always_inline __u32 ipso_fp_out_pick(struct ipso_flow *fl,
					      struct ipso_cls_result *res,
					      struct ipso_fp_pick *pick)
{
	struct ipso_offload_val *ov;
	struct ipso_sa *sa;
	__u32 stat;

	fl->dir = IPSO_DIR_OUT;
	fl->flags |= IPSO_FLOW_F_RESOLVE;
	ipso_classify(fl, res, IPSO_CACHE_ON, IPSO_SCAN_XDP);
	stat = ipso_fp_out_verdict(res);
	if (stat != IPSO_STAT_FP_REDIRECT)
		return stat;
	sa = bpf_map_lookup_elem(&ipso_sad, &res->sa);
	if (!sa || sa->dir != IPSO_DIR_OUT)
		return IPSO_STAT_FP_PASS_NO_SA;
	/* looked up here, not taken from res: one read of state and flags */
	ov = ipso_offload_find(&res->sa, fl->ifindex);
	if (!ov || ov->state != IPSO_OFL_OFFLOADED ||
	    ov->handle == IPSO_HANDLE_INVALID)
		return IPSO_STAT_FP_PASS_NOT_OFFLOADED;
	if (!(ov->flags & IPSO_OFL_F_PACKET))
		return IPSO_STAT_FP_PASS_NOT_PACKET;
	pick->sa = sa;
	pick->handle = ov->handle;
	pick->policy_index = res->policy_index;
	return IPSO_STAT_FP_REDIRECT;
}

/*
 * The most ESP can add to a packet of this SA: what esp4/6_get_mtu()
 * takes off the route's MTU, with the largest IV and cipher block ESP
 * uses (16 bytes each, AES-CBC), since the mirror does not know the
 * algorithm: outer header (tunnel), UDP (NAT-T), ESP header, IV,
 * padding, pad length and next header, ICV.
 */
static __always_inline __u32 ipso_fp_esp_overhead(const struct ipso_sa *sa)
{
	__u32 n = 8 + 16 + 15 + 2 + (sa->icv_len & 0xff);

	if (sa->mode == IPSO_MODE_TUNNEL)
		n += sa->family == IPSO_AF_INET6 ? 40 : 20;
	if (sa->flags & IPSO_SA_F_NATT)
		n += 8;
	return n;
}

#endif /* IPSO_FASTPATH_H */

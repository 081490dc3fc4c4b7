// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The classifier on a synthetic packet, for tests and `ipsec-offload
 * explain`: run ipso_explain with BPF_PROG_TEST_RUN on an Ethernet frame,
 * parameters in __sk_buff cb[] (see IPSO_EXPLAIN_CB_* in ipso_spd.h); the
 * flow and the result land in the per-CPU map ipso_exp_out, tagged with
 * the caller's nonce; the return value is the verdict.  The mirror
 * also loads this object, with no program, to create the pinned maps.
 */
#include "common.bpf.h"
#include "classify.h"

SEC("tc")
int ipso_explain(struct __sk_buff *skb)
{
	struct ipso_explain_out *out;
	struct ipso_pkt pkt;
	__u32 zero = 0, arg;
	int st;

	out = bpf_map_lookup_elem(&ipso_exp_out, &zero);
	if (!out)
		return -1;
	__builtin_memset(&pkt, 0, sizeof(pkt));
	arg = skb->cb[IPSO_EXPLAIN_CB_DIR];
	out->nonce = skb->cb[IPSO_EXPLAIN_CB_NONCE];
	/* inline, not a global function: a hit costs less */
	st = ipso_parse((void *)(long)skb->data, (void *)(long)skb->data_end,
			&pkt);
	if (st == IPSO_PARSE_OK && (pkt.flags & IPSO_PKT_F_L4_SHORT))
		st = IPSO_PARSE_MALFORMED;
	out->parse = st;
	if (st != IPSO_PARSE_OK) {
		__builtin_memset(&out->flow, 0, sizeof(out->flow));
		__builtin_memset(&out->res, 0, sizeof(out->res));
		return -1;
	}
	/* the flow and its result are built in place in the output */
	out->flow.flags = 0;
	ipso_pkt_to_flow(&pkt, arg & 0xff, &out->flow);
	out->flow.ifindex = skb->cb[IPSO_EXPLAIN_CB_IFINDEX];
	out->flow.mark = skb->cb[IPSO_EXPLAIN_CB_MARK];
	out->flow.if_id = skb->cb[IPSO_EXPLAIN_CB_IF_ID];
	out->flow.flags |= IPSO_FLOW_F_RESOLVE;
	return ipso_classify(&out->flow, &out->res,
			     (arg >> 8) & IPSO_EXPLAIN_F_NO_CACHE ?
			     IPSO_CACHE_OFF : IPSO_CACHE_ON,
			     IPSO_SCAN_EXPLAIN);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The classifier on a synthetic packet, for tests and `ipsec-offload
 * explain`: run ipso_explain with BPF_PROG_TEST_RUN on an Ethernet frame,
 * parameters in __sk_buff cb[] (see IPSO_EXPLAIN_CB_* in ipso_spd.h); the
 * flow and the result land in the per-CPU map ipso_exp_out, tagged with
 * the caller's nonce; the return value is the verdict.
 * ipso_floor_* are the benchmark's floor: one map lookup, nothing else.
 */
#include "common.bpf.h"
#include "classify.h"
#include "tc_egress.h"	/* also ipso_parse_skb() */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipso_tc_test_sp);
} ipso_tc_test_sp SEC(".maps");

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
	/* inline (not the global ipso_parse_skb): a hit costs less */
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

/* The tc egress decision on a secpath given by the test (ipso_spd.h). */
SEC("tc")
int ipso_tc_test(struct __sk_buff *skb)
{
	struct ipso_tc_test_sp *sp;
	struct bpf_xfrm_state x;
	__u32 zero = 0;

	sp = bpf_map_lookup_elem(&ipso_tc_test_sp, &zero);
	if (!sp || !sp->present)
		return ipso_tc_decide(skb, NULL);
	__builtin_memset(&x, 0, sizeof(x));
	x.spi = sp->spi;
	x.reqid = sp->reqid;
	x.family = sp->family;
	__builtin_memcpy(x.remote_ipv6, &sp->saddr, 16);
	return ipso_tc_decide(skb, &x);
}

SEC("tc")
int ipso_floor_tc(struct __sk_buff *skb)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ipso_config, &zero) ? TC_ACT_OK : 1;
}

SEC("xdp")
int ipso_floor_xdp(struct xdp_md *ctx)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ipso_config, &zero) ? XDP_PASS : XDP_DROP;
}

/*
 * The benchmark's cold floor (ipso_floor_tc_cold): one hash lookup keyed
 * by the IPv4 5-tuple at fixed offsets of an untagged frame, in a map the
 * benchmark fills with as many entries as the SPD has policies.  Not
 * pinned; max_entries is set by the loader of the benchmark.
 */
struct ipso_floor_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipso_floor_key);
	__type(value, __u32);
} ipso_floor_flows SEC(".maps");

SEC("tc")
int ipso_floor_tc_cold(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ipso_floor_key k = { 0 };

	/* Ethernet 14, IPv4 without options 20, then the ports */
	if (data + 38 > end)
		return TC_ACT_OK;
	k.proto = *(__u8 *)(data + 23);
	__builtin_memcpy(&k.saddr, data + 26, 8);
	__builtin_memcpy(&k.sport, data + 34, 4);
	return bpf_map_lookup_elem(&ipso_floor_flows, &k) ? 1 : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

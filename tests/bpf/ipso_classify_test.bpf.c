// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Programs only the host tests and the benchmark load, next to the
 * datapath's objects and sharing their pinned maps (classify_test.h):
 * ipso_tc_test, the tc egress decision on a secpath the test gives, and
 * ipso_floor_*, the benchmark's floor of one map lookup and nothing else.
 */
#include "common.bpf.h"
#include "tc_egress.h"
#include "classify_test.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipso_tc_test_sp);
} ipso_tc_test_sp SEC(".maps");

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

/* Not pinned; the benchmark sets max_entries before loading. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipso_floor_key);
	__type(value, __u32);
} ipso_floor_flows SEC(".maps");

/* The cold floor: the IPv4 5-tuple at fixed offsets of an untagged frame. */
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

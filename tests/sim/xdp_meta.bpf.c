// SPDX-License-Identifier: GPL-2.0
/*
 * Test XDP program for the simulated NIC: counts what the NIC put in the
 * metadata area (struct ipso_xdp_meta) and passes every frame.
 *
 * sim_meta_seen[IDX] counts frames:
 *   0 without metadata          1 DECRYPTED, syndrome OK
 *   2 syndrome AUTH_FAIL        3 syndrome REPLAY
 *   4 other syndromes           5 metadata with a wrong magic
 *   6 DECRYPTED with TUNNEL     7 the last handle seen (not a count)
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ipsec_offload/types.h"
#include "ipsec_offload/mark.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} sim_meta_seen SEC(".maps");

static void bump(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&sim_meta_seen, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int sim_xdp_meta(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *meta = (void *)(long)ctx->data_meta;
	struct ipso_xdp_meta *m = meta;
	__u32 last = 7;
	__u64 *h;

	if ((void *)(m + 1) > data) {
		bump(0);
		return XDP_PASS;
	}
	if (m->magic != IPSO_XDP_META_MAGIC) {
		bump(5);
		return XDP_PASS;
	}
	h = bpf_map_lookup_elem(&sim_meta_seen, &last);
	if (h)
		*h = m->handle;
	if (m->syndrome == IPSO_SYN_OK && (m->flags & IPSO_META_F_DECRYPTED)) {
		bump(1);
		if (m->flags & IPSO_META_F_TUNNEL)
			bump(6);
	} else if (m->syndrome == IPSO_SYN_AUTH_FAIL) {
		bump(2);
	} else if (m->syndrome == IPSO_SYN_REPLAY) {
		bump(3);
	} else {
		bump(4);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";

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
 * sim_meta_seen[8] is a setting: when 1, frames without metadata whose
 * first payload byte after an IPv4 header + UDP header is 'T' are
 * bounced back with XDP_TX (index 9 counts them); when 2, frames with
 * the AUTH_FAIL syndrome are, which the NIC must refuse to send.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ipsec_offload/types.h"
#include "ipsec_offload/mark.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 10);
	__type(key, __u32);
	__type(value, __u64);
} sim_meta_seen SEC(".maps");

static __u64 bounce_mode(void)
{
	__u32 mode_key = 8;
	__u64 *mode = bpf_map_lookup_elem(&sim_meta_seen, &mode_key);

	return mode ? *mode : 0;
}

static void bump(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&sim_meta_seen, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* The XDP_TX probe: IPv4 (no options), UDP, payload starting with 'T'. */
static int bounce(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct udphdr *uh = (void *)(iph + 1);
	char *payload = (void *)(uh + 1);

	if (bounce_mode() != 1 || (void *)(payload + 1) > end)
		return 0;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || iph->ihl != 5 ||
	    iph->protocol != 17 || payload[0] != 'T')
		return 0;
	bump(9);
	return 1;
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
		return bounce(ctx) ? XDP_TX : XDP_PASS;
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
		if (bounce_mode() == 2)
			return XDP_TX;
	} else if (m->syndrome == IPSO_SYN_REPLAY) {
		bump(3);
	} else {
		bump(4);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";

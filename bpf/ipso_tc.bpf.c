// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * tc egress (DESIGN §4): the kernel has already chosen policy and SA; this
 * program only carries the choice to the device.  A packet whose secpath
 * names an SA offloaded on this device gets skb->mark = MAGIC | handle; an
 * outbound SA that is not offloaded here is dropped (fail closed: the
 * device must never send it as plaintext); a packet without an SA passes
 * untouched -- policy is never re-decided here.
 */
#include "common.bpf.h"
#include "maps.bpf.h"
#include "mark.bpf.h"

#define IPSO_PROTO_ESP	50

/*
 * The secpath names the SA by source address, SPI, reqid and family (see
 * ipso_sa_bysrc); at most IPSO_SA_IDX_WAYS SAs share those.  Exactly one
 * of them must be offloaded on this device to mark; none offloaded and
 * all inbound: a decrypted packet being forwarded; anything else drops.
 */
struct ipso_tc_pick {
	struct ipso_offload_val *ov;
	__u32 offloaded;
	__u32 inbound;
	__u32 known;
};

static __always_inline void ipso_tc_consider(const struct ipso_sa_key *k,
					     __u32 ifindex,
					     struct ipso_tc_pick *p)
{
	struct ipso_offload_key ok;
	struct ipso_offload_val *ov;
	struct ipso_sa *sa;

	sa = bpf_map_lookup_elem(&ipso_sad, k);
	if (!sa)
		return;
	p->known++;
	if (sa->dir == IPSO_DIR_IN)
		p->inbound++;
	__builtin_memset(&ok, 0, sizeof(ok));
	ok.sa = *k;
	ok.ifindex = ifindex;
	ov = bpf_map_lookup_elem(&ipso_offload, &ok);
	if (ov && ov->state == IPSO_OFL_OFFLOADED &&
	    ov->handle != IPSO_HANDLE_INVALID) {
		p->offloaded++;
		p->ov = ov;
	}
}

SEC("tc")
int ipso_tc_egress(struct __sk_buff *skb)
{
	struct bpf_xfrm_state x;
	struct ipso_sa_src_key sk;
	struct ipso_sa_src_val *cand;
	struct ipso_sa_counters *ctr;
	struct ipso_config *cfg;
	struct ipso_tc_pick pick = {};
	__u32 zero = 0, mark, handle;
	long err;
	int i;

	__builtin_memset(&x, 0, sizeof(x));
	/*
	 * -EINVAL is the helper's only failure once size and flags are
	 * right (they are constants here): no secpath, or no state at 0.
	 */
	err = bpf_skb_get_xfrm_state(skb, 0, &x, sizeof(x), 0);
	if (err < 0) {
		ipso_count(IPSO_STAT_TX_NO_SA);
		return TC_ACT_OK;
	}
	if (x.family != 2 && x.family != 10) {
		/* a state we cannot key: never let it out unmarked */
		ipso_count(IPSO_STAT_TX_MALFORMED);
		return TC_ACT_SHOT;
	}
	__builtin_memset(&sk, 0, sizeof(sk));
	if (x.family == 2)
		sk.saddr.a32[0] = x.remote_ipv4;
	else
		__builtin_memcpy(&sk.saddr, x.remote_ipv6, 16);
	sk.spi = x.spi;
	sk.reqid = x.reqid;
	sk.family = x.family;
	cand = bpf_map_lookup_elem(&ipso_sa_bysrc, &sk);
	if (!cand) {
		ipso_count(IPSO_STAT_TX_DROP_UNKNOWN_SA);
		return TC_ACT_SHOT;
	}
#pragma unroll
	for (i = 0; i < IPSO_SA_IDX_WAYS; i++)
		if (i < cand->count)
			ipso_tc_consider(&cand->sa[i], skb->ifindex, &pick);

	if (pick.offloaded == 1 && cand->count <= IPSO_SA_IDX_WAYS) {
		handle = pick.ov->handle;
		cfg = bpf_map_lookup_elem(&ipso_config, &zero);
		if (!ipso_mark_encode(cfg, skb->mark, handle, &mark)) {
			ipso_count(IPSO_STAT_TX_DROP_NOT_OFFLOADED);
			return TC_ACT_SHOT;
		}
		skb->mark = mark;
		ctr = ipso_sa_ctr(handle);
		if (ctr) {
			ctr->tx_packets++;
			ctr->tx_bytes += skb->len;
		}
		ipso_count(IPSO_STAT_TX_MARKED);
		return TC_ACT_OK;
	}
	if (!pick.known) {
		ipso_count(IPSO_STAT_TX_DROP_UNKNOWN_SA);
		return TC_ACT_SHOT;
	}
	if (!pick.offloaded && pick.inbound == pick.known &&
	    cand->count <= IPSO_SA_IDX_WAYS) {
		/*
		 * A decrypted packet being forwarded keeps its inbound
		 * secpath; the kernel already judged it: not ours to mark.
		 */
		ipso_count(IPSO_STAT_TX_PASS_INBOUND_SA);
		return TC_ACT_OK;
	}
	/* not offloaded here, or ambiguous: never send it unmarked */
	ipso_count(IPSO_STAT_TX_DROP_NOT_OFFLOADED);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

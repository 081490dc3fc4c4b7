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

static __always_inline void ipso_key_from_xfrm(const struct bpf_xfrm_state *x,
					       struct ipso_sa_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->spi = x->spi;
	k->proto = IPSO_PROTO_ESP;
	k->family = x->family;
	if (x->family == 2)	/* AF_INET */
		k->daddr.a32[0] = x->remote_ipv4;
	else
		__builtin_memcpy(&k->daddr, x->remote_ipv6, 16);
}

SEC("tc")
int ipso_tc_egress(struct __sk_buff *skb)
{
	struct bpf_xfrm_state x;
	struct ipso_offload_key ok;
	struct ipso_offload_val *ov;
	struct ipso_sa_counters *ctr;
	struct ipso_config *cfg;
	struct ipso_sa *sa;
	__u32 zero = 0, mark;
	long err;

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
	__builtin_memset(&ok, 0, sizeof(ok));
	ipso_key_from_xfrm(&x, &ok.sa);
	ok.ifindex = skb->ifindex;

	ov = bpf_map_lookup_elem(&ipso_offload, &ok);
	if (ov && ov->state == IPSO_OFL_OFFLOADED &&
	    ov->handle != IPSO_HANDLE_INVALID) {
		cfg = bpf_map_lookup_elem(&ipso_config, &zero);
		if (!ipso_mark_encode(cfg, skb->mark, ov->handle, &mark)) {
			ipso_count(IPSO_STAT_TX_DROP_NOT_OFFLOADED);
			return TC_ACT_SHOT;
		}
		skb->mark = mark;
		ctr = ipso_sa_ctr(ov->handle);
		if (ctr) {
			ctr->tx_packets++;
			ctr->tx_bytes += skb->len;
		}
		ipso_count(IPSO_STAT_TX_MARKED);
		return TC_ACT_OK;
	}
	sa = bpf_map_lookup_elem(&ipso_sad, &ok.sa);
	if (!sa) {
		ipso_count(IPSO_STAT_TX_DROP_UNKNOWN_SA);
		return TC_ACT_SHOT;
	}
	if (sa->dir == IPSO_DIR_IN) {
		/*
		 * A decrypted packet being forwarded keeps its inbound
		 * secpath; the kernel already judged it: not ours to mark.
		 */
		ipso_count(IPSO_STAT_TX_PASS_INBOUND_SA);
		return TC_ACT_OK;
	}
	ipso_count(IPSO_STAT_TX_DROP_NOT_OFFLOADED);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

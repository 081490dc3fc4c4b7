/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The tc egress decision (docs/architecture.md, "TX"), shared by the
 * attached program (ipso_tc_egress, secpath from bpf_skb_get_xfrm_state())
 * and the host test entry (ipso_tc_test in
 * tests/bpf/ipso_classify_test.bpf.c, secpath from a map: a test run
 * cannot give a packet a secpath).
 *
 * The secpath names the SA by source address, SPI, reqid and family (see
 * ipso_sa_bysrc); at most IPSO_SA_IDX_WAYS SAs share those.  Exactly one
 * of them offloaded on this device: mark.  None offloaded and all
 * inbound: a decrypted packet being forwarded, pass.  Anything else
 * drops (fail closed) -- except where the drop is right only if the
 * mirror is current (an SA it does not know, or knows without a
 * direction) and the mirror's lease has run out: then pass.
 *
 * Before any of that: a packet that is already ESP for its secpath's SA
 * passes untouched.  That is the kernel's own crypto-mode offload
 * (`ip xfrm state ... offload dev D`, an IKE daemon's hw_offload): the
 * kernel built the ESP header (esp4/6_gso_encap) and the device encrypts
 * in place; there is no plaintext to hold back and nothing to mark.
 */
#ifndef IPSO_TC_EGRESS_H
#define IPSO_TC_EGRESS_H

#include "maps.bpf.h"
#include "parse.h"
#include "mark.bpf.h"
#include "lease.bpf.h"

struct ipso_tc_pick {
	struct ipso_offload_val *ov;
	__u32 offloaded;
	__u32 inbound;		/* known with dir IN */
	__u32 undirected;	/* known with dir UNKNOWN */
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
	else if (sa->dir == IPSO_DIR_UNKNOWN)
		p->undirected++;
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

static __always_inline int ipso_tc_mark(struct __sk_buff *skb, __u32 handle)
{
	struct ipso_sa_counters *ctr;
	struct ipso_config *cfg;
	__u32 zero = 0, mark;

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

/* A global function: the parser's states are verified once, apart. */
__attribute__((noinline))
int ipso_parse_skb(struct __sk_buff *skb, struct ipso_pkt *pkt)
{
	if (!pkt)
		return IPSO_PARSE_MALFORMED;
	return ipso_parse((void *)(long)skb->data,
			  (void *)(long)skb->data_end, pkt);
}

#define IPSO_NATT_PORT		bpf_htons(4500)
#define IPSO_TC_PULL_LEN	128	/* headers the ESP check may need */

/*
 * Is the parsed packet ESP (RFC 4303) or ESP-in-UDP (RFC 3948, either
 * port 4500) whose SPI is spi?  Requiring the secpath SA's own SPI keeps
 * a packet-mode SA's plaintext that happens to carry other ESP (nested
 * IPsec) on the marking path.  Fragments and cut headers: no.
 */
static __always_inline bool ipso_pkt_is_esp_for(const struct ipso_pkt *pkt,
						__u32 spi)
{
	if (pkt->flags & (IPSO_PKT_F_FRAG | IPSO_PKT_F_L4_SHORT) || !spi)
		return false;
	if (pkt->proto == IPSO_PROTO_ESP)
		return pkt->spi == spi;
	if (pkt->proto != IPSO_PROTO_UDP)
		return false;
	if (pkt->udp_dport != IPSO_NATT_PORT &&
	    pkt->udp_sport != IPSO_NATT_PORT)
		return false;
	/* SPI and sequence number; a first word 0 is IKE's marker */
	return pkt->l4_payload_len >= 8 && pkt->spi == spi;
}

static __always_inline bool ipso_tc_is_esp_for(struct __sk_buff *skb,
					       __u32 spi)
{
	struct ipso_pkt pkt;
	__u32 want;
	int st;

	__builtin_memset(&pkt, 0, sizeof(pkt));
	st = ipso_parse_skb(skb, &pkt);
	if (st == IPSO_PARSE_OK && !(pkt.flags & IPSO_PKT_F_L4_SHORT))
		return ipso_pkt_is_esp_for(&pkt, spi);
	if (st != IPSO_PARSE_MALFORMED && st != IPSO_PARSE_OK)
		return false;
	/* headers cut by the linear area: pull them in and look again */
	want = skb->len < IPSO_TC_PULL_LEN ? skb->len : IPSO_TC_PULL_LEN;
	if ((void *)(long)skb->data + want <= (void *)(long)skb->data_end ||
	    bpf_skb_pull_data(skb, want))
		return false;
	__builtin_memset(&pkt, 0, sizeof(pkt));
	if (ipso_parse_skb(skb, &pkt) != IPSO_PARSE_OK)
		return false;
	return ipso_pkt_is_esp_for(&pkt, spi);
}

/* A mirror-dependent drop: taken only while the lease runs. */
static __always_inline int ipso_tc_drop_if_trusted(__u32 stat)
{
	__u32 zero = 0;

	if (!ipso_mirror_trusted(bpf_map_lookup_elem(&ipso_config, &zero))) {
		ipso_count(IPSO_STAT_TX_PASS_STALE);
		return TC_ACT_OK;
	}
	ipso_count(stat);
	return TC_ACT_SHOT;
}

/* x: the first state of the packet's secpath, NULL when it has none. */
static __always_inline int ipso_tc_decide(struct __sk_buff *skb,
					  const struct bpf_xfrm_state *x)
{
	struct ipso_sa_src_key sk;
	struct ipso_sa_src_val *cand;
	struct ipso_tc_pick pick = {};
	__u32 zero = 0;
	int i;

	/* whatever the verdict, no handle leaves here but one we set */
	skb->mark = ipso_mark_strip(bpf_map_lookup_elem(&ipso_config, &zero),
				    skb->mark);
	if (!x) {
		ipso_count(IPSO_STAT_TX_NO_SA);
		return TC_ACT_OK;
	}
	if (x->family != IPSO_AF_INET && x->family != IPSO_AF_INET6) {
		/* a state we cannot key: never let it out unmarked */
		ipso_count(IPSO_STAT_TX_MALFORMED);
		return TC_ACT_SHOT;
	}
	if (ipso_tc_is_esp_for(skb, x->spi)) {
		ipso_count(IPSO_STAT_TX_PASS_ESP);
		return TC_ACT_OK;
	}
	__builtin_memset(&sk, 0, sizeof(sk));
	if (x->family == IPSO_AF_INET)
		sk.saddr.a32[0] = x->remote_ipv4;
	else
		__builtin_memcpy(&sk.saddr, x->remote_ipv6, 16);
	sk.spi = x->spi;
	sk.reqid = x->reqid;
	sk.family = x->family;
	cand = bpf_map_lookup_elem(&ipso_sa_bysrc, &sk);
	if (!cand)
		return ipso_tc_drop_if_trusted(IPSO_STAT_TX_DROP_UNKNOWN_SA);
#pragma unroll
	for (i = 0; i < IPSO_SA_IDX_WAYS; i++)
		if (i < cand->count)
			ipso_tc_consider(&cand->sa[i], skb->ifindex, &pick);

	if (pick.offloaded == 1 && cand->count <= IPSO_SA_IDX_WAYS)
		return ipso_tc_mark(skb, pick.ov->handle);
	if (!pick.known)
		return ipso_tc_drop_if_trusted(IPSO_STAT_TX_DROP_UNKNOWN_SA);
	if (!pick.offloaded && cand->count <= IPSO_SA_IDX_WAYS) {
		if (pick.inbound == pick.known) {
			/*
			 * A decrypted packet being forwarded keeps its
			 * inbound secpath; the kernel already judged it.
			 */
			ipso_count(IPSO_STAT_TX_PASS_INBOUND_SA);
			return TC_ACT_OK;
		}
		/* inbound or of no known direction: the mirror's word */
		if (pick.inbound + pick.undirected == pick.known)
			return ipso_tc_drop_if_trusted(
				IPSO_STAT_TX_DROP_NOT_OFFLOADED);
	}
	/* outbound not offloaded here, or ambiguous: never send unmarked */
	ipso_count(IPSO_STAT_TX_DROP_NOT_OFFLOADED);
	return TC_ACT_SHOT;
}

#endif /* IPSO_TC_EGRESS_H */

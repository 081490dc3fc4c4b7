/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Private layout of the SPD search structure, the SA template index, the
 * flow cache and the explain interface.  Shared by the BPF programs
 * (bpf/) and the map writer (loader/lib/mirror.c) only; not an ABI for the
 * module.  See docs/datapath.md for the design.
 *
 * SPD: per family an LPM trie keyed by (dir, destination prefix).  Every
 * distinct destination prefix P of a policy of that (family, dir) is a
 * node; the trie maps P to a node id, ipso_spd_node[id] holds the node's
 * own candidates (the policies whose destination prefix is exactly P,
 * sorted by the kernel's preference order, a 64-bit key) and its parent:
 * the node of the longest shorter prefix that contains P.  A lookup takes
 * the longest node containing the flow's destination and walks up the
 * parents; the policies whose destination matches are exactly those of
 * the nodes on that chain.  In each node the scan stops at the first
 * match or at the first candidate not better than the best so far, so the
 * first (lowest order) match over the chain is the kernel's answer.  Each
 * policy is stored once.  A node keeps at most IPSO_SPD_MAX_SCAN
 * candidates and a walk has IPSO_SPD_MAX_DEPTH * (IPSO_SPD_MAX_SCAN + 1)
 * steps (one per candidate or node); beyond that the answer is
 * "unsure", never a guess.
 */
#ifndef IPSO_SPD_H
#define IPSO_SPD_H

#include "../include/ipsec_offload/maps.h"

#define IPSO_SPD_MAX_SCAN	64	/* candidates stored per node */
#define IPSO_SPD_MAX_DEPTH	40	/* walk budget, in full nodes */
#define IPSO_SPD_MAX_NODES	131072	/* trie nodes per family */
#define IPSO_SPD_MAX_NODE_IDS	(2 * IPSO_SPD_MAX_NODES)	/* both */
#define IPSO_SPD_MAX_ENTRIES	262144	/* candidate slots, all nodes */
#define IPSO_SPD_MAX_POLICIES	131072	/* policy slots */
#define IPSO_SA_IDX_MAX		(2 * IPSO_MAX_SA)	/* template index keys: per
						 * source and source-less */
#define IPSO_SA_IDX_WAYS	4	/* SAs kept per template key */
#define IPSO_FLOW_CACHE_SIZE	4096	/* slots per CPU, a power of 2 */
#define IPSO_V6_MAX_EXTHDR	8	/* IPv6 extension headers skipped */

/* LPM keys: prefixlen counts the dir byte and the pad (32 bits) too. */
struct ipso_lpm4_key {
	__u32 prefixlen;	/* 32 + address prefix length */
	__u8 dir;		/* enum ipso_dir */
	__u8 pad[3];		/* zero */
	__u8 addr[4];
};

struct ipso_lpm6_key {
	__u32 prefixlen;	/* 32 + address prefix length */
	__u8 dir;
	__u8 pad[3];
	__u8 addr[16];
};

/*
 * IPv4 first stage (instead of the LPM trie, whose ~17 pointer chases per
 * lookup at 100k nodes were 60% of a new flow's cost): ipso_spd_dir16,
 * indexed by dir << 16 | the destination's top 16 bits, is one 32-byte
 * slot per /16: the longest node of length <= 16 containing it and, when
 * at most IPSO_DIR16_WAYS nodes of length 17..32 lie inside it, those
 * nodes themselves, longest first, so a new flow finds its node in one
 * cache line.  A /16 with more longer nodes marks their lengths in lens
 * instead (and no sub[]); the lookup then probes ipso_spd_pfx4, keyed by
 * (dir, length, prefix), longest first.  The first hit, else the /16's
 * node, is the longest node containing the destination.  IPv6 keeps the
 * LPM trie.  ipso_spd_lpm4 is still written (a later mirror process
 * adopts the nodes from it), and ipso_spd_pfx4 holds every longer node.
 */
#define IPSO_DIR16_WAYS		3

/* sub[] entry: address bits 16..31 << 32 | length << 24 | node id */
#define IPSO_DIR16_SUB(lo, plen, id) \
	((__u64)(lo) << 32 | (__u64)(plen) << 24 | ((id) & 0xffffff))

struct ipso_dir16 {
	__u32 node;		/* 1 + node id, 0 = none */
	__u32 lens;		/* only if sub[] cannot hold them: bit L - 17,
				   nodes of length L inside (probe pfx4) */
	__u64 sub[IPSO_DIR16_WAYS];	/* IPSO_DIR16_SUB(), longest
					   first; 0 = unused */
};

struct ipso_pfx4_key {
	__u8 dir;
	__u8 plen;		/* 17..32 */
	__u16 pad;		/* zero */
	__u8 addr[4];		/* masked to plen */
};

#define IPSO_DIR16_SLOTS	(3 << 16)	/* dir in, out, fwd */

#define IPSO_LIST_F_CUT		0x1	/* more candidates than stored */
#define IPSO_LIST_F_HEAD	0x2	/* head holds candidate 0 (IPv4) */

/*
 * An IPv4 candidate in its node's own cache line: everything
 * ipso_spd_ent holds (the source address in 4 bytes; the priority is
 * order >> 32).
 */
struct ipso_spd_head4 {
	__u64 order;		/* IPSO_ORDER() */
	__u32 saddr;		/* masked to plen_s */
	__u32 mark_v;
	__u32 mark_m;
	__u32 if_id;
	__s32 ifindex;		/* 0 = any */
	__u32 slot;		/* key of ipso_spd_pol */
	__u32 index;		/* kernel policy index */
	__u16 sport;		/* network byte order */
	__u16 sport_mask;
	__u16 dport;
	__u16 dport_mask;
	__u8 plen_s;
	__u8 proto;		/* 0 = any */
	__u8 action;		/* enum ipso_policy_action */
	__u8 flags;		/* IPSO_ENT_F_* */
};

/*
 * ipso_spd_node value (the trie's value is the node id, a u32): one cache
 * line (the array is BPF_F_MMAPABLE, so its values are page-aligned).
 * An IPv4 node carries its first candidate in head (IPSO_LIST_F_HEAD),
 * also stored at ipso_spd_ent[start]: a node with one policy costs a new
 * flow one line.
 */
struct ipso_spd_node {
	__u32 start;		/* first candidate in ipso_spd_ent */
	__u16 count;		/* stored candidates, <= IPSO_SPD_MAX_SCAN */
	__u16 flags;		/* IPSO_LIST_F_* */
	__u32 parent;		/* 1 + id of the enclosing node, 0 = none */
	__u32 pad;
	struct ipso_spd_head4 head;	/* with IPSO_LIST_F_HEAD */
};

#define IPSO_ENT_F_REQUIRE	0x1	/* a non-optional template: plaintext
					   is rejected by the kernel */

/*
 * Kernel preference order of a policy as one number, lower = preferred:
 * priority << 32 | tie class << 30 | link sequence (30 bits).
 */
#define IPSO_ORDER(prio, cls, seq) \
	(((__u64)(prio) << 32) | ((__u64)(cls) << 30) | ((seq) & 0x3fffffff))

/* One candidate: what a policy needs besides its destination. */
struct ipso_spd_ent {
	__u64 order;		/* IPSO_ORDER() */
	union ipso_addr saddr;	/* masked to plen_s */
	__u32 mark_v;
	__u32 mark_m;
	__u32 if_id;
	__s32 ifindex;		/* 0 = any */
	__u32 slot;		/* key of ipso_spd_pol */
	__u32 index;		/* kernel policy index */
	__u32 priority;
	__u16 sport;		/* network byte order */
	__u16 sport_mask;
	__u16 dport;
	__u16 dport_mask;
	__u8 plen_s;
	__u8 proto;		/* 0 = any */
	__u8 action;		/* enum ipso_policy_action */
	__u8 flags;		/* IPSO_ENT_F_* */
};

/* One template, as the SA resolution needs it. */
struct ipso_spd_tmpl {
	union ipso_addr daddr;	/* tunnel: outer dst */
	union ipso_addr saddr;	/* tunnel: outer src, 0 = route's */
	__u32 spi;		/* network byte order, 0 = any */
	__u32 reqid;
	__u8 family;
	__u8 proto;
	__u8 mode;
	__u8 optional;
};

/* ipso_spd_pol value: the whole policy, for SA resolution and show. */
struct ipso_spd_pol {
	__u32 index;
	__u32 priority;
	__u8 dir;
	__u8 action;
	__u8 ntmpl;
	__u8 pad;
	__u32 mark_v;
	__u32 mark_m;
	__u32 if_id;
	struct ipso_selector sel;
	struct ipso_spd_tmpl tmpl[4];
};

/*
 * ipso_sa_idx: the kernel's xfrm_state_find() candidates for a template.
 * Keys: (outer daddr, saddr S) lists the SAs with source S or with a
 * wildcard source (0); (daddr, 0) lists the wildcard-source SAs only;
 * (daddr, 0, wild=1) lists all, for templates whose source the route
 * picks.  Values are ranked as xfrm_state_look_at() ranks them: not
 * dying first, then the newest add_time, then the newest insertion.
 */
struct ipso_sa_idx_key {
	union ipso_addr daddr;	/* SA outer destination */
	union ipso_addr saddr;	/* SA outer source; 0 in the wildcard key */
	__u32 reqid;
	__u8 family;
	__u8 mode;
	__u8 proto;
	__u8 wild;		/* 1: key with saddr 0, for "route's source" */
};

struct ipso_sa_idx_val {
	__u32 count;		/* SAs under this key (may exceed WAYS) */
	__u32 pad;
	struct ipso_sa_key sa[IPSO_SA_IDX_WAYS];	/* best first */
};

/*
 * ipso_sa_reqids: which reqids some ipso_sa_idx key has (bit reqid mod
 * 2^16).  A clear bit means no SA can serve a template with that reqid,
 * and the resolution skips its ipso_sa_idx lookups (two cold hash buckets
 * for a new flow whose policy has no SA yet: trap policies before their
 * first acquire).  The mirror sets bits before it adds index keys and
 * clears them only after it has removed them, so the set is never short;
 * valid 0 (never written): not used.
 */
#define IPSO_REQID_WORDS	1024	/* 2^16 bits */

struct ipso_sa_reqids {
	__u32 valid;
	__u32 pad;
	__u64 w[IPSO_REQID_WORDS];
};

/*
 * ipso_sa_bysrc: the SAs a secpath entry can name.  bpf_skb_get_xfrm_state()
 * reports the state's *source* address (props.saddr, called "remote"
 * because the helper was made for received packets), SPI, reqid and
 * family -- not the destination that keys ipso_sad.  The tc program looks
 * up this index and then asks ipso_offload about each candidate.
 */
struct ipso_sa_src_key {
	union ipso_addr saddr;	/* SA outer source */
	__u32 spi;		/* network byte order */
	__u32 reqid;
	__u8 family;
	__u8 pad[3];		/* zero */
};

struct ipso_sa_src_val {
	__u32 count;		/* SAs under this key (may exceed WAYS) */
	__u32 pad;
	struct ipso_sa_key sa[IPSO_SA_IDX_WAYS];
};

/* The flow as XFRM sees it (struct flowi after decode_session). */
#define IPSO_FLOW_F_MARK_UNKNOWN	0x1	/* mark may change later */
#define IPSO_FLOW_F_IFINDEX_UNKNOWN	0x2	/* flowi oif not known */
#define IPSO_FLOW_F_PORTS_UNKNOWN	0x4	/* fragment: ports unseen */

struct ipso_flow {
	union ipso_addr saddr;
	union ipso_addr daddr;
	__u32 ifindex;		/* flowi oif: out = output device */
	__u32 mark;
	__u32 if_id;
	__u16 sport;		/* xfrm_flowi_sport(): port, ICMP type... */
	__u16 dport;		/* xfrm_flowi_dport(): port, ICMP code... */
	__u8 proto;
	__u8 family;
	__u8 dir;		/* enum ipso_dir */
	__u8 flags;		/* IPSO_FLOW_F_* */
};

enum ipso_cls_verdict {
	IPSO_CLS_NONE = 0,	/* no policy matches */
	IPSO_CLS_BYPASS = 1,	/* allow, no templates */
	IPSO_CLS_BLOCK = 2,
	IPSO_CLS_PROTECT = 3,
	IPSO_CLS_UNSURE = 4,	/* the mirror cannot decide: see flags */
};

#define IPSO_CLS_F_CACHE_HIT	0x0001	/* answered by the flow cache */
#define IPSO_CLS_F_CUT		0x0002	/* unsure: candidate list cut */
#define IPSO_CLS_F_MARK		0x0004	/* unsure: mark-dependent */
#define IPSO_CLS_F_IFINDEX	0x0008	/* unsure: ifindex-dependent */
#define IPSO_CLS_F_PORTS	0x0010	/* unsure: port-dependent fragment */
#define IPSO_CLS_F_REQUIRE	0x0020	/* policy rejects plaintext */
#define IPSO_CLS_F_SA_FOUND	0x0040	/* sa holds the resolved SA */
#define IPSO_CLS_F_SA_UNSURE	0x0080	/* SA choice not decidable here */
#define IPSO_CLS_F_MULTI_TMPL	0x0100	/* >1 template: sa is the first */
#define IPSO_CLS_F_NO_SA	0x0200	/* protect, no valid SA: held */
#define IPSO_CLS_F_NO_CONFIG	0x0400	/* ipso_config missing */

struct ipso_cls_result {
	__u32 verdict;		/* enum ipso_cls_verdict */
	__u32 flags;		/* IPSO_CLS_F_* */
	__u32 policy_index;	/* kernel index; valid unless NONE/UNSURE */
	__u32 policy_slot;
	__u32 priority;
	__u32 action;		/* enum ipso_policy_action */
	struct ipso_sa_key sa;	/* with IPSO_CLS_F_SA_FOUND */
	__u32 ofl_state;	/* enum ipso_offload_state of sa on ifindex */
	__u32 handle;		/* valid when ofl_state is OFFLOADED */
};

/*
 * ipso_flow_cache: a per-CPU direct-mapped array, slot = hash(flow).  An
 * entry is used only if its key is the flow and its generation is the
 * current one; seq is odd while the owning CPU rewrites it (a test run
 * of explain is preemptible and XDP in softirq may interrupt it).
 */
struct ipso_cache_ent {
	__u64 seq;		/* 64-bit: BPF compare-and-swap width */
	__u64 generation;	/* even: read before the search */
	struct ipso_flow key;	/* at offset 16: compared as u64 words */
	__u32 pad2;
	struct ipso_cls_result res;
};

/*
 * Explain (bpf/ipso_classify.bpf.c, program ipso_explain, SEC("tc")):
 * run with BPF_PROG_TEST_RUN on an Ethernet frame; __sk_buff cb[] in
 * ctx_in carries the parameters, the result lands in the per-CPU array
 * ipso_exp_out (key 0) of the CPU that ran it, tagged with the nonce.
 */
#define IPSO_EXPLAIN_CB_DIR	0	/* dir | IPSO_EXPLAIN_F_* << 8 */
#define IPSO_EXPLAIN_CB_IFINDEX	1
#define IPSO_EXPLAIN_CB_MARK	2
#define IPSO_EXPLAIN_CB_IF_ID	3
#define IPSO_EXPLAIN_CB_NONCE	4

#define IPSO_EXPLAIN_F_NO_CACHE	0x1	/* neither read nor fill the cache */
#define IPSO_EXPLAIN_F_CACHE_ALWAYS 0x2	/* no-op: every search fills it */

enum ipso_parse_status {
	IPSO_PARSE_OK = 0,
	IPSO_PARSE_NOT_IP = 1,		/* not IPv4/IPv6 */
	IPSO_PARSE_MALFORMED = 2,	/* truncated or invalid header */
	IPSO_PARSE_TOO_DEEP = 3,	/* more extension headers than bound */
};

struct ipso_explain_out {
	__u32 nonce;
	__s32 parse;		/* enum ipso_parse_status */
	struct ipso_flow flow;	/* 8-byte aligned: classified in place */
	__u32 pad;		/* res 8-byte aligned too */
	struct ipso_cls_result res;
};

#endif /* IPSO_SPD_H */

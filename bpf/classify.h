/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The flow classifier: the policy the kernel's XFRM lookup would pick for
 * a flow in one direction (xfrm_policy_lookup_bytype: selector, family,
 * mark, if_id; priority, then the kernel's tie order, which the mirror
 * bakes into the candidate lists), and for a protect policy the SA that
 * xfrm_state_find would bundle for the first template.  A flow cache
 * (per-CPU, direct-mapped) answers repeated flows; entries carry the
 * ipso_config generation read before the search, and the mirror bumps it
 * around every change (odd while it removes, even when done).
 */
#ifndef IPSO_CLASSIFY_H
#define IPSO_CLASSIFY_H

#include "maps.bpf.h"
#include "parse.h"
#include "../include/ipsec_offload/mark.h"

#define IPSO_FLOW_F_RESOLVE	0x80	/* also resolve the SA (cache key) */

static __always_inline __u32 ipso_mask32(int bits)
{
	if (bits <= 0)
		return 0;
	if (bits >= 32)
		return 0xffffffff;
	return bpf_htonl(~0u << (32 - bits));
}

/* addr_match(): do a and b agree in their first plen bits? */
static __always_inline bool ipso_addr_match(const union ipso_addr *a,
					    const union ipso_addr *b,
					    int plen, __u8 family)
{
	if (family == IPSO_AF_INET)
		return !((a->a32[0] ^ b->a32[0]) & ipso_mask32(plen));
	if ((a->a32[0] ^ b->a32[0]) & ipso_mask32(plen))
		return false;
	if ((a->a32[1] ^ b->a32[1]) & ipso_mask32(plen - 32))
		return false;
	if ((a->a32[2] ^ b->a32[2]) & ipso_mask32(plen - 64))
		return false;
	return !((a->a32[3] ^ b->a32[3]) & ipso_mask32(plen - 96));
}

#define IPSO_NO_MATCH	(-1)
#define IPSO_MATCH	0
/* > 0: IPSO_CLS_F_* bits: the match depends on something not known. */

/*
 * xfrm_selector_match() for the flow's family (the kernel ignores
 * sel->family here).  Unknown inputs make a result unsure, never a
 * mismatch.
 */
static __always_inline int ipso_sel_match(const struct ipso_selector *s,
					  const struct ipso_flow *fl)
{
	int unsure = 0;

	if (!ipso_addr_match(&fl->daddr, &s->daddr, s->prefixlen_d,
			     fl->family))
		return IPSO_NO_MATCH;
	if (!ipso_addr_match(&fl->saddr, &s->saddr, s->prefixlen_s,
			     fl->family))
		return IPSO_NO_MATCH;
	if (s->proto && s->proto != fl->proto)
		return IPSO_NO_MATCH;
	if ((fl->flags & IPSO_FLOW_F_PORTS_UNKNOWN) &&
	    (s->dport_mask || s->sport_mask))
		unsure |= IPSO_CLS_F_PORTS;
	else if (((fl->dport ^ s->dport) & s->dport_mask) ||
		 ((fl->sport ^ s->sport) & s->sport_mask))
		return IPSO_NO_MATCH;
	if (s->ifindex) {
		if (fl->flags & IPSO_FLOW_F_IFINDEX_UNKNOWN)
			unsure |= IPSO_CLS_F_IFINDEX;
		else if ((__u32)s->ifindex != fl->ifindex)
			return IPSO_NO_MATCH;
	}
	return unsure;
}

/*
 * What ipso_spd_ent and ipso_spd_head4 share after the source address:
 * ports, selector device, mark.
 */
#define IPSO_CAND_REST_MATCH(e, fl, unsure)				\
	do {								\
		if (((fl)->flags & IPSO_FLOW_F_PORTS_UNKNOWN) &&	\
		    ((e)->dport_mask || (e)->sport_mask))		\
			(unsure) |= IPSO_CLS_F_PORTS;			\
		else if ((((fl)->dport ^ (e)->dport) & (e)->dport_mask) || \
			 (((fl)->sport ^ (e)->sport) & (e)->sport_mask)) \
			return IPSO_NO_MATCH;				\
		if ((e)->ifindex) {					\
			if ((fl)->flags & IPSO_FLOW_F_IFINDEX_UNKNOWN)	\
				(unsure) |= IPSO_CLS_F_IFINDEX;		\
			else if ((__u32)(e)->ifindex != (fl)->ifindex)	\
				return IPSO_NO_MATCH;			\
		}							\
		if ((e)->mark_m &&					\
		    ((fl)->flags & IPSO_FLOW_F_MARK_UNKNOWN))		\
			(unsure) |= IPSO_CLS_F_MARK;			\
		else if (((fl)->mark & (e)->mark_m) != (e)->mark_v)	\
			return IPSO_NO_MATCH;				\
	} while (0)

/* xfrm_policy_match() minus the destination, which the trie matched. */
static __always_inline int ipso_ent_match(const struct ipso_spd_ent *e,
					  const struct ipso_flow *fl)
{
	int unsure = 0;

	if (e->if_id != fl->if_id)
		return IPSO_NO_MATCH;
	if (e->proto && e->proto != fl->proto)
		return IPSO_NO_MATCH;
	if (!ipso_addr_match(&fl->saddr, &e->saddr, e->plen_s, fl->family))
		return IPSO_NO_MATCH;
	IPSO_CAND_REST_MATCH(e, fl, unsure);
	return unsure;
}

/* A global function: its branches are verified once, not per state of
 * the scan loop (which keeps verification time and 6.1 happy). */
__attribute__((noinline))
int ipso_ent_match_g(const struct ipso_spd_ent *e, const struct ipso_flow *fl)
{
	if (!e || !fl)
		return IPSO_NO_MATCH;
	return ipso_ent_match(e, fl);
}

/* The same for a node's IPv4 head candidate (IPv4 flows only reach it). */
__attribute__((noinline))
int ipso_head_match_g(const struct ipso_spd_head4 *h,
		      const struct ipso_flow *fl)
{
	int unsure = 0;

	if (!h || !fl)
		return IPSO_NO_MATCH;
	if (h->if_id != fl->if_id)
		return IPSO_NO_MATCH;
	if (h->proto && h->proto != fl->proto)
		return IPSO_NO_MATCH;
	if ((fl->saddr.a32[0] ^ h->saddr) & ipso_mask32(h->plen_s))
		return IPSO_NO_MATCH;
	IPSO_CAND_REST_MATCH(h, fl, unsure);
	return unsure;
}

_Static_assert(sizeof(struct ipso_spd_node) == 64, "one cache line");

/*
 * Scan state.  It lives in a per-CPU map, not on the stack: the verifier
 * then sees its fields as unknown numbers and verifies the loop body a
 * few times instead of once per combination of constants.  Slot 0 is the
 * XDP program's, slot 1 the explain entry's (run with preemption off, it
 * can only be interrupted by XDP in softirq, which uses slot 0).
 */
struct ipso_scan_ctx {
	struct ipso_flow fl;
	__u64 best;		/* order of the best match, ~0 = none */
	__u64 unsure;		/* lowest order that could not be judged */
	__u64 last;		/* order of the last candidate looked at */
	__u32 best_index;	/* the best match's kernel index, */
	__u32 best_slot;	/* policy slot, */
	__u32 best_act;		/* action | IPSO_ENT_F_* << 8 */
	__u32 nid;		/* current node id */
	__u32 unsure_flags;	/* IPSO_CLS_F_* behind unsure */
	__u32 start;		/* current node: candidates */
	__u32 count;
	__u32 base;		/* loop index of the node's first candidate */
	__u32 parent;		/* 1 + id, 0 = none */
	__u32 flags;		/* IPSO_LIST_F_* of the current node */
	__u32 done;		/* the walk reached the root */
	__u32 end;		/* current node left early */
	__u32 steps;		/* loop iterations used (cache admission) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct ipso_scan_ctx);
} ipso_scan SEC(".maps");

#define IPSO_SCAN_XDP		0
#define IPSO_SCAN_EXPLAIN	1

struct ipso_scan_arg {
	__u32 slot;
};

static __always_inline void ipso_scan_unsure(struct ipso_scan_ctx *c,
					     __u64 order, __u32 why)
{
	if (order < c->unsure)
		c->unsure = order;
	c->unsure_flags |= why;
}

static __always_inline bool ipso_scan_load(struct ipso_scan_ctx *c, __u32 id)
{
	struct ipso_spd_node *n = bpf_map_lookup_elem(&ipso_spd_node, &id);

	if (!n)
		return false;
	c->nid = id;
	c->start = n->start;
	c->count = n->count;
	c->parent = n->parent;
	c->flags = n->flags;
	c->end = 0;
	c->last = 0;
	return true;
}

/* A candidate matched: keep what the result needs. */
#define IPSO_SCAN_BEST(c, e)						\
	do {								\
		(c)->best = (e)->order;					\
		(c)->best_index = (e)->index;				\
		(c)->best_slot = (e)->slot;				\
		(c)->best_act = (e)->action | (__u32)(e)->flags << 8;	\
	} while (0)

/*
 * Candidate 0 of an IPv4 node, from the node's own line (just read by
 * ipso_scan_load).  Returns 1 to end the loop.
 */
static __always_inline long ipso_scan_head(struct ipso_scan_ctx *c,
					   __u64 bound)
{
	struct ipso_spd_node *n;
	__u32 id = c->nid;
	int r;

	n = bpf_map_lookup_elem(&ipso_spd_node, &id);
	if (!n) {
		ipso_scan_unsure(c, 0, IPSO_CLS_F_CUT);
		return 1;
	}
	if (n->head.order >= bound) {
		c->end = 1;
		return 0;
	}
	c->last = n->head.order;
	r = ipso_head_match_g(&n->head, &c->fl);
	if (r == IPSO_NO_MATCH)
		return 0;
	if (r == IPSO_MATCH)
		IPSO_SCAN_BEST(c, &n->head);
	else
		ipso_scan_unsure(c, n->head.order, r);
	c->end = 1;
	return 0;
}

/* One step: look at one candidate, or move to the parent node. */
static long ipso_scan_one(__u32 i, void *data)
{
	struct ipso_scan_arg *a = data;
	struct ipso_scan_ctx *c;
	struct ipso_spd_ent *e;
	__u32 pos, slot;
	__u64 bound;
	int r;

	c = bpf_map_lookup_elem(&ipso_scan, &a->slot);
	if (!c)
		return 1;
	c->steps = i + 1;
	pos = i - c->base;
	if (c->end || pos >= c->count) {
		/* a cut node: the candidates not stored come after last */
		if (!c->end && (c->flags & IPSO_LIST_F_CUT))
			ipso_scan_unsure(c, c->last, IPSO_CLS_F_CUT);
		if (!c->parent) {
			c->done = 1;
			return 1;
		}
		/* bpf_loop's bound ends an over-long chain: done stays 0 */
		if (!ipso_scan_load(c, c->parent - 1)) {
			ipso_scan_unsure(c, 0, IPSO_CLS_F_CUT);
			return 1;
		}
		c->base = i + 1;
		return 0;
	}
	bound = c->best < c->unsure ? c->best : c->unsure;
	if (pos == 0 && (c->flags & IPSO_LIST_F_HEAD))
		return ipso_scan_head(c, bound);
	slot = c->start + pos;
	e = bpf_map_lookup_elem(&ipso_spd_ent, &slot);
	if (!e) {
		ipso_scan_unsure(c, 0, IPSO_CLS_F_CUT);
		return 1;
	}
	if (e->order >= bound) {
		/* sorted: nothing further in this node can win */
		c->end = 1;
		return 0;
	}
	c->last = e->order;
	r = ipso_ent_match_g(e, &c->fl);
	if (r == IPSO_NO_MATCH)
		return 0;
	if (r == IPSO_MATCH)
		IPSO_SCAN_BEST(c, e);
	else
		ipso_scan_unsure(c, e->order, r);
	c->end = 1;
	return 0;
}

/* IPv4, a /16 with many longer nodes: probe the marked lengths. */
static __always_inline __u32 ipso_spd_probe4(__u8 dir, __u32 a, __u32 lens)
{
	struct ipso_pfx4_key k = { .dir = dir };
	__u32 net, *id;
	int l;

#pragma unroll
	for (l = 32; l >= 17; l--) {
		if (!(lens & (1u << (l - 17))))
			continue;
		k.plen = l;
		net = bpf_htonl(a & (0xffffffffu << (32 - l)));
		__builtin_memcpy(k.addr, &net, 4);
		id = bpf_map_lookup_elem(&ipso_spd_pfx4, &k);
		if (id)
			return *id + 1;
	}
	return 0;
}

/*
 * IPv4: the destination's /16 slot names the longer nodes inside it
 * (longest first: the first that contains the destination is the
 * longest), else marks their lengths for ipso_spd_probe4().
 */
static __always_inline __u32 ipso_spd_node_of4(const struct ipso_flow *fl)
{
	__u32 a = bpf_ntohl(fl->daddr.a32[0]), idx, id;
	struct ipso_dir16 *d;
	int i;

	idx = (__u32)fl->dir << 16 | a >> 16;
	d = bpf_map_lookup_elem(&ipso_spd_dir16, &idx);
	if (!d)
		return 0;
	if (d->lens) {
		id = ipso_spd_probe4(fl->dir, a, d->lens);
		return id ? id : d->node;
	}
#pragma unroll
	for (i = 0; i < IPSO_DIR16_WAYS; i++) {
		__u64 s = d->sub[i];
		__u32 plen = (s >> 24) & 0xff;

		if (!s)
			break;
		/* the low 16 bits agree in the first plen - 16 of them */
		if (!(((a ^ (__u32)(s >> 32)) & 0xffff) >> (32 - plen)))
			return (s & 0xffffff) + 1;
	}
	return d->node;
}

/* 1 + id of the node of the longest prefix containing fl's dst; 0: none */
static __always_inline __u32 ipso_spd_node_of(const struct ipso_flow *fl)
{
	struct ipso_lpm6_key k = { .prefixlen = 160, .dir = fl->dir };
	__u32 *id;

	if (fl->family == IPSO_AF_INET)
		return ipso_spd_node_of4(fl);
	__builtin_memcpy(k.addr, &fl->daddr, 16);
	id = bpf_map_lookup_elem(&ipso_spd_lpm6, &k);
	return id ? *id + 1 : 0;
}

/* Returns how many loop steps the search took (0: no trie node). */
static __always_inline __u32 ipso_spd_search(const struct ipso_flow *fl,
					     struct ipso_cls_result *res,
					     __u32 scan_slot)
{
	struct ipso_scan_arg a = { .slot = scan_slot };
	struct ipso_scan_ctx *c;
	__u32 nid;

	res->verdict = IPSO_CLS_NONE;
	nid = ipso_spd_node_of(fl);
	if (!nid)
		return 0;
	c = bpf_map_lookup_elem(&ipso_scan, &a.slot);
	if (!c) {
		res->verdict = IPSO_CLS_UNSURE;
		res->flags |= IPSO_CLS_F_CUT;
		return 0;
	}
	__builtin_memset(c, 0, sizeof(*c));
	c->fl = *fl;
	c->best = ~0ull;
	c->unsure = ~0ull;
	if (!ipso_scan_load(c, nid - 1)) {
		res->verdict = IPSO_CLS_UNSURE;
		res->flags |= IPSO_CLS_F_CUT;
		return c ? c->steps : 0;
	}
	bpf_loop(IPSO_SPD_MAX_DEPTH * (IPSO_SPD_MAX_SCAN + 1) + 1,
		 ipso_scan_one, &a, 0);
	if (!c->done)
		ipso_scan_unsure(c, 0, IPSO_CLS_F_CUT);
	if (c->unsure < c->best) {
		res->verdict = IPSO_CLS_UNSURE;
		res->flags |= c->unsure_flags;
		return c ? c->steps : 0;
	}
	if (c->best == ~0ull)
		return c ? c->steps : 0;
	res->policy_index = c->best_index;
	res->policy_slot = c->best_slot;
	res->priority = c->best >> 32;	/* IPSO_ORDER() */
	res->action = c->best_act & 0xff;
	if (res->action == IPSO_ACT_BLOCK)
		res->verdict = IPSO_CLS_BLOCK;
	else if (res->action == IPSO_ACT_PROTECT)
		res->verdict = IPSO_CLS_PROTECT;
	else
		res->verdict = IPSO_CLS_BYPASS;
	if ((c->best_act >> 8) & IPSO_ENT_F_REQUIRE)
		res->flags |= IPSO_CLS_F_REQUIRE;
	return c->steps;
}

/* No ipso_sa_idx key has this reqid (ipso_sa_reqids). */
static __always_inline bool ipso_reqid_absent(__u32 reqid)
{
	struct ipso_sa_reqids *b;
	__u32 zero = 0;

	b = bpf_map_lookup_elem(&ipso_sa_reqids, &zero);
	return b && b->valid &&
	       !((b->w[(reqid >> 6) & (IPSO_REQID_WORDS - 1)] >>
		  (reqid & 63)) & 1);
}

/*
 * xfrm_tmpl_resolve_one() + xfrm_state_find() for the first template:
 * candidates come from ipso_sa_idx (family, reqid, mode, proto, outer
 * addresses), best first as xfrm_state_look_at() ranks them (not dying,
 * then newest); the first whose selector matches the flow wins.
 */
static __always_inline void ipso_resolve_sa(const struct ipso_flow *fl,
					    struct ipso_cls_result *res)
{
	struct ipso_sa_idx_key k;
	struct ipso_sa_idx_val *v;
	struct ipso_spd_pol *pol;
	struct ipso_spd_tmpl *t;
	int i;

	pol = bpf_map_lookup_elem(&ipso_spd_pol, &res->policy_slot);
	if (!pol) {
		res->flags |= IPSO_CLS_F_SA_UNSURE;
		return;
	}
	if (pol->ntmpl > 1)
		res->flags |= IPSO_CLS_F_MULTI_TMPL;
	t = &pol->tmpl[0];
	__builtin_memset(&k, 0, sizeof(k));
	k.reqid = t->reqid;
	k.family = t->family;
	k.mode = t->mode;
	k.proto = t->proto;
	if (t->mode == IPSO_MODE_TRANSPORT) {
		k.daddr = fl->daddr;
		k.saddr = fl->saddr;
	} else {
		k.daddr = t->daddr;
		k.saddr = t->saddr;
		if (!(k.saddr.a32[0] | k.saddr.a32[1] | k.saddr.a32[2] |
		      k.saddr.a32[3])) {
			/* the route's source: not known here */
			k.wild = 1;
			res->flags |= IPSO_CLS_F_SA_UNSURE;
		}
	}
	/* no SA has the reqid: no index key can match */
	if (ipso_reqid_absent(k.reqid))
		goto none;
	v = bpf_map_lookup_elem(&ipso_sa_idx, &k);
	if (!v && !k.wild) {
		/* only SAs with a wildcard source (saddr 0) may apply */
		__builtin_memset(&k.saddr, 0, sizeof(k.saddr));
		v = bpf_map_lookup_elem(&ipso_sa_idx, &k);
	}
	if (!v)
		goto none;
#pragma unroll
	for (i = 0; i < IPSO_SA_IDX_WAYS; i++) {
		struct ipso_sa *sa;
		int r;

		if (i >= v->count)
			break;
		sa = bpf_map_lookup_elem(&ipso_sad, &v->sa[i]);
		if (!sa)
			continue;
		if (t->spi && t->spi != sa->spi)
			continue;
		if (sa->sel.family) {
			if (sa->sel.family != fl->family)
				continue;
			r = ipso_sel_match(&sa->sel, fl);
			if (r == IPSO_NO_MATCH)
				continue;
			if (r != IPSO_MATCH)
				res->flags |= IPSO_CLS_F_SA_UNSURE;
		}
		res->sa = v->sa[i];
		res->flags |= IPSO_CLS_F_SA_FOUND;
		return;
	}
	if (v->count > IPSO_SA_IDX_WAYS) {
		res->flags |= IPSO_CLS_F_SA_UNSURE;
		return;
	}
none:
	if (!t->optional)
		res->flags |= IPSO_CLS_F_NO_SA;
}

/* The offload entry of SA sa on device ifindex, if any. */
static __always_inline struct ipso_offload_val *
ipso_offload_find(const struct ipso_sa_key *sa, __u32 ifindex)
{
	struct ipso_offload_key ok;

	__builtin_memset(&ok, 0, sizeof(ok));
	ok.sa = *sa;
	ok.ifindex = ifindex;
	return bpf_map_lookup_elem(&ipso_offload, &ok);
}

/* Offload state of the resolved SA on the flow's device (not cached:
 * the module changes it without a generation bump). */
static __always_inline void ipso_offload_state(const struct ipso_flow *fl,
					       struct ipso_cls_result *res)
{
	struct ipso_offload_val *ov;

	res->ofl_state = IPSO_OFL_NONE;
	res->handle = IPSO_HANDLE_INVALID;
	if (!(res->flags & IPSO_CLS_F_SA_FOUND))
		return;
	ov = ipso_offload_find(&res->sa, fl->ifindex);
	if (!ov)
		return;
	res->ofl_state = ov->state;
	if (ov->state == IPSO_OFL_OFFLOADED)
		res->handle = ov->handle;
}

static __always_inline __u64 ipso_generation(bool *ready)
{
	__u32 zero = 0;
	struct ipso_config *cfg = bpf_map_lookup_elem(&ipso_config, &zero);

	if (!cfg) {
		*ready = false;
		return 0;
	}
	*ready = true;
	return *(volatile __u64 *)&cfg->generation;
}

#define IPSO_CACHE_OFF		0
#define IPSO_CACHE_ON		1

#define ipso_barrier()	asm volatile("" ::: "memory")

/*
 * Slot of a flow in the direct-mapped cache: a multiply-add over its
 * 8-byte words (independent multiplies, no dependent chain), folded.
 * k must be 8-byte aligned.
 */
static __always_inline __u32 ipso_flow_slot(const struct ipso_flow *k)
{
	const __u64 *w = (const void *)k;
	const __u32 *t = (const void *)k;
	__u64 h;

	/* the words differ in different bits: a rotation before folding */
	h = w[0] ^ (w[1] << 17 | w[1] >> 47) ^ w[2] ^
	    (w[3] << 17 | w[3] >> 47) ^ w[4] ^ (w[5] << 29 | w[5] >> 35) ^
	    ((__u64)t[12] << 7);
	h *= 0x9e3779b97f4a7c15ull;
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return (h >> 40) & (IPSO_FLOW_CACHE_SIZE - 1);
}

_Static_assert(sizeof(struct ipso_flow) == 52, "ipso_flow_slot/eq layout");

static __always_inline bool ipso_flow_eq(const struct ipso_flow *a,
					 const struct ipso_flow *b)
{
	const __u64 *x = (const void *)a, *y = (const void *)b;
	const __u32 *x4 = (const void *)a, *y4 = (const void *)b;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
		 (x[3] ^ y[3]) | (x[4] ^ y[4]) | (x[5] ^ y[5]) |
		 (__u64)(x4[12] ^ y4[12]));
}

/* 56 bytes as 7 u64 words (struct ipso_cls_result is only 4-aligned). */
static __always_inline void ipso_copy_res(struct ipso_cls_result *d,
					  const struct ipso_cls_result *s)
{
	__u64 *x = (void *)d;
	const __u64 *y = (const void *)s;

	x[0] = y[0];
	x[1] = y[1];
	x[2] = y[2];
	x[3] = y[3];
	x[4] = y[4];
	x[5] = y[5];
	x[6] = y[6];
}

_Static_assert(sizeof(struct ipso_cls_result) == 56, "ipso_copy_res");

/*
 * A hit needs the same flow and the current generation, which is even:
 * the mirror makes it odd for a commit's removals, so no entry is used
 * while (or after) what it names is being removed.  seq guards against
 * a rewrite of the slot by a nested run on this CPU.
 */
static __always_inline bool ipso_cache_get(struct ipso_cache_ent *e,
					   const struct ipso_flow *k,
					   __u64 gen,
					   struct ipso_cls_result *res)
{
	__u64 seq = *(volatile __u64 *)&e->seq;

	if (seq & 1)
		return false;
	ipso_barrier();
	if (e->generation != gen || !ipso_flow_eq(&e->key, k))
		return false;
	ipso_copy_res(res, &e->res);
	ipso_barrier();
	return *(volatile __u64 *)&e->seq == seq;
}

/*
 * Claim the slot by moving seq from even to odd with a compare-and-swap:
 * a writer that finds it odd, or loses the swap, skips the fill, so two
 * writers never interleave (a preempted test run and XDP in softirq on
 * the same CPU) and a reader that saw the same even seq before and after
 * its copy saw one writer's data.
 */
static __always_inline void ipso_cache_put(struct ipso_cache_ent *e,
					   const struct ipso_flow *k, __u64 gen,
					   const struct ipso_cls_result *res)
{
	__u64 seq = *(volatile __u64 *)&e->seq;

	if ((seq & 1) ||
	    __sync_val_compare_and_swap(&e->seq, seq, seq + 1) != seq)
		return;
	ipso_barrier();
	e->generation = gen;
	e->key = *k;
	ipso_copy_res(&e->res, res);
	ipso_barrier();
	*(volatile __u64 *)&e->seq = seq + 2;
}

/*
 * The search behind a cache miss (or with the cache off), filling the
 * cache.  A global function: verified once, on its own.  Its pointer
 * arguments are plain memory, which 6.1 does not accept as map keys or
 * values: every map key below is built on the stack.
 */
__attribute__((noinline))
int ipso_classify_slow(const struct ipso_flow *fl,
		       struct ipso_cls_result *out, int use_cache,
		       int scan_slot)
{
	/* on the stack: its fields are used as map keys (6.1) */
	struct ipso_cls_result r __attribute__((aligned(8))), *res = &r;
	struct ipso_cache_ent *e = NULL;
	__u32 slot;
	__u64 gen;
	bool ready;

	if (!fl || !out)
		return -1;
	gen = ipso_generation(&ready);
	__builtin_memset(res, 0, sizeof(*res));
	if (!ready)
		res->flags |= IPSO_CLS_F_NO_CONFIG;
	/* an odd generation: a commit is removing entries, cache nothing */
	if (use_cache && ready && !(gen & 1)) {
		slot = ipso_flow_slot(fl);
		e = bpf_map_lookup_elem(&ipso_flow_cache, &slot);
	}
	ipso_spd_search(fl, res, scan_slot);
	if (res->verdict == IPSO_CLS_PROTECT &&
	    (fl->flags & IPSO_FLOW_F_RESOLVE))
		ipso_resolve_sa(fl, res);
	if (e)
		ipso_cache_put(e, fl, gen, res);
	if (fl->flags & IPSO_FLOW_F_RESOLVE)
		ipso_offload_state(fl, res);
	ipso_copy_res(out, res);
	return res->verdict;
}

/* The flow cache's answer for fl, if it has a current one. */
static __always_inline bool ipso_cache_lookup(const struct ipso_flow *fl,
					      struct ipso_cls_result *res)
{
	struct ipso_cache_ent *e;
	__u32 slot;
	__u64 gen;
	bool ready;

	gen = ipso_generation(&ready);
	/* an odd generation: a commit is removing entries, search afresh */
	if (!ready || (gen & 1))
		return false;
	slot = ipso_flow_slot(fl);
	e = bpf_map_lookup_elem(&ipso_flow_cache, &slot);
	return e && ipso_cache_get(e, fl, gen, res);
}

/*
 * Classify fl (its flags select SA resolution) into res; returns the
 * verdict.  use_cache: IPSO_CACHE_*, reading and filling the flow cache.
 * fl must be 8-byte aligned (the cache hashes and compares u64 words).
 * A hit is answered inline, without a call.
 */
static __always_inline int ipso_classify(const struct ipso_flow *fl,
					 struct ipso_cls_result *res,
					 int use_cache, int scan_slot)
{
	if (use_cache && ipso_cache_lookup(fl, res)) {
		res->flags |= IPSO_CLS_F_CACHE_HIT;
		if (fl->flags & IPSO_FLOW_F_RESOLVE)
			ipso_offload_state(fl, res);
		return res->verdict;
	}
	return ipso_classify_slow(fl, res, use_cache, scan_slot);
}

#endif /* IPSO_CLASSIFY_H */

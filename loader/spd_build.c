// SPDX-License-Identifier: GPL-2.0
/*
 * Candidate-list compiler for the SPD trie; see spd_build.h and
 * docs/datapath.md.  Nodes are walked in prefix pre-order with a stack of
 * ancestors, so list(node) = merge(list(parent), own(node)), each already
 * sorted by kernel order (input rank) and cut at IPSO_SPD_MAX_SCAN: the
 * first MAX_SCAN of a merge only need the first MAX_SCAN of each side.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "spd_build.h"

struct spd_key {
	__u8 addr[16];
	__u8 plen;
	__u32 rank;
};

static int spd_key_cmp(const void *a, const void *b)
{
	const struct spd_key *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);

	if (c)
		return c;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return 0;
}

void spd_mask_addr(__u8 *out, const __u8 *in, int plen, int family)
{
	int len = family == AF_INET ? 4 : 16;
	int i;

	memset(out, 0, 16);
	for (i = 0; i < len; i++) {
		int bits = plen - i * 8;

		if (bits >= 8)
			out[i] = in[i];
		else if (bits > 0)
			out[i] = in[i] & (__u8)(0xff << (8 - bits));
	}
}

/* Does prefix (a, alen) contain prefix (b, blen)? */
static int spd_contains(const __u8 *a, int alen, const __u8 *b, int blen,
			int family)
{
	__u8 m[16];

	if (alen > blen)
		return 0;
	spd_mask_addr(m, b, alen, family);
	return !memcmp(m, a, 16);
}

void spd_make_ent(const struct ipso_policy_desc *d, __u32 slot,
		  struct ipso_spd_ent *e)
{
	int i;

	memset(e, 0, sizeof(*e));
	spd_mask_addr(e->saddr.a8, d->sel.saddr.a8, d->sel.prefixlen_s,
		      d->sel.family);
	e->mark_v = d->mark_v;
	e->mark_m = d->mark_m;
	e->if_id = d->if_id;
	e->ifindex = d->sel.ifindex;
	e->slot = slot;
	e->index = d->index;
	e->priority = d->priority;
	e->sport = d->sel.sport;
	e->sport_mask = d->sel.sport_mask;
	e->dport = d->sel.dport;
	e->dport_mask = d->sel.dport_mask;
	e->plen_s = d->sel.prefixlen_s;
	e->proto = d->sel.proto;
	e->action = d->action;
	if (d->action == IPSO_ACT_PROTECT)
		for (i = 0; i < d->ntmpl && i < IPSO_MAX_TMPL; i++)
			if (!d->tmpl[i].optional)
				e->flags |= IPSO_ENT_F_REQUIRE;
}

/* Merge two rank lists (ascending), cut at IPSO_SPD_MAX_SCAN. */
static __u32 spd_merge(const __u32 *a, __u32 na, const __u32 *b, __u32 nb,
		       __u32 *out, int *cut)
{
	__u32 i = 0, j = 0, n = 0;

	while ((i < na || j < nb) && n < IPSO_SPD_MAX_SCAN) {
		if (j >= nb || (i < na && a[i] < b[j]))
			out[n++] = a[i++];
		else
			out[n++] = b[j++];
	}
	if (i < na || j < nb)
		*cut = 1;
	return n;
}

int spd_build(int family, const struct spd_in *in, size_t n,
	      struct spd_out *out)
{
	struct spd_key *keys = NULL;
	__u32 *ranks = NULL, *own = NULL;
	size_t *stack = NULL, sp = 0, nn = 0, i, j, total = 0;
	struct spd_node *nodes = NULL;
	__u32 *lists_off = NULL, *lists_n = NULL;
	int err = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!n)
		return 0;
	keys = calloc(n, sizeof(*keys));
	own = calloc(n, sizeof(*own));
	if (!keys || !own)
		goto fail;
	for (i = 0; i < n; i++) {
		spd_mask_addr(keys[i].addr, in[i].d->sel.daddr.a8,
			      in[i].d->sel.prefixlen_d, family);
		keys[i].plen = in[i].d->sel.prefixlen_d;
		keys[i].rank = i;
	}
	qsort(keys, n, sizeof(*keys), spd_key_cmp);

	/* distinct prefixes -> nodes; own lists are runs of keys */
	nodes = calloc(n, sizeof(*nodes));
	lists_off = calloc(n, sizeof(*lists_off));
	lists_n = calloc(n, sizeof(*lists_n));
	stack = calloc(n, sizeof(*stack));
	ranks = calloc(n * IPSO_SPD_MAX_SCAN, sizeof(*ranks));
	if (!nodes || !lists_off || !lists_n || !stack || !ranks)
		goto fail;
	for (i = 0; i < n; i = j) {
		struct spd_node *nd = &nodes[nn];
		__u32 own_n = 0, parent_n = 0, *parent = NULL;
		int cut = 0;

		for (j = i; j < n && keys[j].plen == keys[i].plen &&
		     !memcmp(keys[j].addr, keys[i].addr, 16); j++)
			own[own_n++] = keys[j].rank;
		memcpy(nd->addr, keys[i].addr, 16);
		nd->plen = keys[i].plen;
		while (sp && !spd_contains(nodes[stack[sp - 1]].addr,
					   nodes[stack[sp - 1]].plen,
					   nd->addr, nd->plen, family))
			sp--;
		if (sp) {
			size_t p = stack[sp - 1];

			parent = ranks + lists_off[p];
			parent_n = lists_n[p];
			if (nodes[p].flags & IPSO_LIST_F_CUT)
				cut = 1;
		}
		lists_off[nn] = total;
		lists_n[nn] = spd_merge(parent, parent_n, own, own_n,
					ranks + total, &cut);
		total += lists_n[nn];
		nd->flags = cut ? IPSO_LIST_F_CUT : 0;
		nd->count = lists_n[nn];
		stack[sp++] = nn;
		nn++;
	}
	out->pool = calloc(total ? total : 1, sizeof(*out->pool));
	if (!out->pool)
		goto fail;
	for (i = 0; i < nn; i++) {
		nodes[i].ents = out->pool + lists_off[i];
		for (j = 0; j < lists_n[i]; j++) {
			const struct spd_in *p = &in[ranks[lists_off[i] + j]];

			spd_make_ent(p->d, p->slot, &nodes[i].ents[j]);
		}
	}
	out->nodes = nodes;
	out->nnodes = nn;
	nodes = NULL;
	err = 0;
fail:
	free(keys);
	free(own);
	free(nodes);
	free(lists_off);
	free(lists_n);
	free(stack);
	free(ranks);
	return err;
}

void spd_out_free(struct spd_out *out)
{
	free(out->nodes);
	free(out->pool);
	memset(out, 0, sizeof(*out));
}

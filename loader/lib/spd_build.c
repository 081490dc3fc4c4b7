// SPDX-License-Identifier: GPL-2.0
/*
 * Node compiler for the SPD trie; see spd_build.h and docs/datapath.md.
 * Policies are sorted by (destination prefix, kernel order); each run of
 * one prefix is a node.  Sorted by (masked address, length), a prefix
 * comes before every prefix it contains, so a stack of open ancestors
 * gives each node its parent in one pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "spd_build.h"

struct spd_key {
	__u8 addr[16];
	__u8 plen;
	__u64 order;
	size_t in;		/* index into the input */
};

static int spd_key_cmp(const void *a, const void *b)
{
	const struct spd_key *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);

	if (c)
		return c;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
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

void spd_make_ent(const struct ipso_policy_desc *d, __u64 order,
		  __u32 slot, struct ipso_spd_ent *e)
{
	int i;

	memset(e, 0, sizeof(*e));
	e->order = order;
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

int spd_build(int family, const struct spd_in *in, size_t n,
	      struct spd_out *out)
{
	struct spd_key *keys;
	struct spd_node *nodes;
	size_t *stack, sp = 0, nn = 0, np = 0, i, j, k;
	int err = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!n)
		return 0;
	keys = calloc(n, sizeof(*keys));
	nodes = calloc(n, sizeof(*nodes));
	stack = calloc(n, sizeof(*stack));
	out->pool = calloc(n, sizeof(*out->pool));
	if (!keys || !nodes || !stack || !out->pool)
		goto fail;
	for (i = 0; i < n; i++) {
		spd_mask_addr(keys[i].addr, in[i].d->sel.daddr.a8,
			      in[i].d->sel.prefixlen_d, family);
		keys[i].plen = in[i].d->sel.prefixlen_d;
		keys[i].order = in[i].order;
		keys[i].in = i;
	}
	qsort(keys, n, sizeof(*keys), spd_key_cmp);
	for (i = 0; i < n; i = j) {
		struct spd_node *nd = &nodes[nn];

		for (j = i; j < n && keys[j].plen == keys[i].plen &&
		     !memcmp(keys[j].addr, keys[i].addr, 16); j++)
			;
		memcpy(nd->addr, keys[i].addr, 16);
		nd->plen = keys[i].plen;
		nd->ents = out->pool + np;
		for (k = i; k < j && k - i < IPSO_SPD_MAX_SCAN; k++) {
			const struct spd_in *p = &in[keys[k].in];

			spd_make_ent(p->d, p->order, p->slot,
				     &nd->ents[nd->count++]);
		}
		np += nd->count;
		if (j - i > IPSO_SPD_MAX_SCAN)
			nd->flags |= IPSO_LIST_F_CUT;
		while (sp && !spd_contains(nodes[stack[sp - 1]].addr,
					   nodes[stack[sp - 1]].plen,
					   nd->addr, nd->plen, family))
			sp--;
		nd->parent = sp ? (long)stack[sp - 1] : -1;
		stack[sp++] = nn;
		nn++;
	}
	out->nodes = nodes;
	out->nnodes = nn;
	nodes = NULL;
	err = 0;
fail:
	free(keys);
	free(nodes);
	free(stack);
	if (err) {
		free(out->pool);
		out->pool = NULL;
	}
	return err;
}

void spd_out_free(struct spd_out *out)
{
	free(out->nodes);
	free(out->pool);
	memset(out, 0, sizeof(*out));
}

// SPDX-License-Identifier: GPL-2.0
/* The shadow SAD and SPD (shadow.h); SA direction from the policies. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/xfrm.h>

#include "shadow.h"

/*
 * reqid indexes: an SA of reqid r can only be accepted by templates of
 * reqid r or 0, so direction lookups and policy-change rechecks visit
 * those instead of every policy / every SA (100k x 100k otherwise).
 */
struct shadow_bucket {
	struct htab_node node;
	__u32 reqid;
	size_t n, cap;
	void **v;
};

static int idx_init(struct shadow_idx *x)
{
	return htab_init(&x->h, offsetof(struct shadow_bucket, reqid),
			 sizeof(__u32));
}

static struct shadow_bucket *idx_get(const struct shadow_idx *x, __u32 reqid)
{
	return htab_find(&x->h, &reqid);
}

static int idx_add(struct shadow_idx *x, __u32 reqid, void *p)
{
	struct shadow_bucket *b = htab_get(&x->h, &reqid, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i] == p)
			return 0;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4;
		void **v = realloc(b->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n++] = p;
	return 0;
}

static void idx_del(struct shadow_idx *x, __u32 reqid, void *p)
{
	struct shadow_bucket *b = idx_get(x, reqid);

	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i] == p) {
			b->v[i] = b->v[--b->n];
			break;
		}
	if (!b->n) {
		htab_del(&x->h, &reqid);
		free(b->v);
		free(b);
	}
}

static void idx_clear(struct shadow_idx *x)
{
	struct htab_node *n, *next;
	size_t i;

	for (n = htab_first(&x->h, &i); n; n = next) {
		next = htab_next(&x->h, n, &i);
		free(((struct shadow_bucket *)n)->v);
		free(n);
	}
	memset(x->h.b, 0, x->h.nbuckets * sizeof(*x->h.b));
	x->h.count = 0;
}

static void pol_index(struct shadow *sh, struct shadow_pol *p, bool add)
{
	for (int i = 0; i < p->d.ntmpl && i < IPSO_MAX_TMPL; i++) {
		if (add)
			idx_add(&sh->pol_by_reqid, p->d.tmpl[i].reqid, p);
		else
			idx_del(&sh->pol_by_reqid, p->d.tmpl[i].reqid, p);
	}
}

int shadow_init(struct shadow *sh)
{
	memset(sh, 0, sizeof(*sh));
	if (htab_init(&sh->sas, offsetof(struct shadow_sa, key),
		      sizeof(struct ipso_sa_key)) ||
	    htab_init(&sh->pols, offsetof(struct shadow_pol, id),
		      sizeof(struct shadow_pol_id)) ||
	    idx_init(&sh->sa_by_reqid) || idx_init(&sh->pol_by_reqid)) {
		shadow_free(sh);
		return -ENOMEM;
	}
	return 0;
}

static void free_all(struct htab *h)
{
	struct htab_node *n, *next;
	size_t i;

	if (!h->b)
		return;
	for (n = htab_first(h, &i); n; n = next) {
		next = htab_next(h, n, &i);
		free(n);
	}
	htab_free(h);
}

void shadow_free(struct shadow *sh)
{
	free_all(&sh->sas);
	free_all(&sh->pols);
	if (sh->sa_by_reqid.h.b)
		idx_clear(&sh->sa_by_reqid);
	if (sh->pol_by_reqid.h.b)
		idx_clear(&sh->pol_by_reqid);
	htab_free(&sh->sa_by_reqid.h);
	htab_free(&sh->pol_by_reqid.h);
}

/* The table's key: the maps' (no pad, nothing past an IPv4 address). */
static struct ipso_sa_key canonical(const struct ipso_sa_key *key)
{
	struct ipso_sa_key k = *key;

	k.pad = 0;
	if (k.family == AF_INET)
		memset(&k.daddr.a8[4], 0, 12);
	return k;
}

struct shadow_sa *shadow_lookup_sa(const struct shadow *sh,
				   const struct ipso_sa_key *key)
{
	struct ipso_sa_key k = canonical(key);

	return htab_find(&sh->sas, &k);
}

struct shadow_pol *shadow_lookup_pol(const struct shadow *sh, __u8 dir,
				     __u32 index)
{
	struct shadow_pol_id id = { .dir = dir, .index = index };

	return htab_find(&sh->pols, &id);
}

struct shadow_sa *shadow_find_sa(const struct shadow *sh,
				 const struct ipso_sa_key *key)
{
	struct shadow_sa *s = shadow_lookup_sa(sh, key);

	return s && s->in_kernel ? s : NULL;
}

struct shadow_pol *shadow_find_pol(const struct shadow *sh, __u8 dir,
				   __u32 index)
{
	struct shadow_pol *p = shadow_lookup_pol(sh, dir, index);

	return p && p->in_kernel ? p : NULL;
}

struct shadow_sa *shadow_get_sa(struct shadow *sh,
				const struct ipso_sa_key *key)
{
	struct ipso_sa_key k = canonical(key);

	return htab_get(&sh->sas, &k, sizeof(struct shadow_sa));
}

struct shadow_pol *shadow_get_pol(struct shadow *sh, __u8 dir, __u32 index)
{
	struct shadow_pol_id id = { .dir = dir, .index = index };

	return htab_get(&sh->pols, &id, sizeof(struct shadow_pol));
}

struct shadow_sa *shadow_put_sa(struct shadow *sh,
				const struct ipso_sa_desc *d, __u32 mark_v,
				const char *alg)
{
	struct shadow_sa *s = shadow_get_sa(sh, &d->key);

	if (!s)
		return NULL;
	if (s->in_kernel)
		idx_del(&sh->sa_by_reqid, s->d.reqid, s);
	if (idx_add(&sh->sa_by_reqid, d->reqid, s)) {
		if (s->in_kernel)
			sh->nsa--;
		s->in_kernel = false;
		shadow_release_sa(sh, s);
		return NULL;
	}
	if (!s->in_kernel)
		sh->nsa++;
	s->in_kernel = true;
	s->seen = true;
	s->d = *d;
	s->d.key = s->key;
	s->kernel_dir = d->dir;
	s->mark_v = mark_v;
	memset(s->alg, 0, sizeof(s->alg));
	if (alg)
		strncpy(s->alg, alg, sizeof(s->alg) - 1);
	if (s->dying)
		s->d.flags |= IPSO_SA_F_DYING;
	s->d.dir = shadow_sa_dir(sh, s);
	return s;
}

struct shadow_pol *shadow_put_pol(struct shadow *sh,
				  const struct ipso_policy_desc *d)
{
	struct shadow_pol *p = shadow_get_pol(sh, d->dir, d->index);

	if (!p)
		return NULL;
	if (p->in_kernel)
		pol_index(sh, p, false);
	else
		sh->npol++;
	p->in_kernel = true;
	p->seen = true;
	p->d = *d;
	pol_index(sh, p, true);
	return p;
}

void shadow_release_sa(struct shadow *sh, struct shadow_sa *s)
{
	if (s->in_kernel || s->live || s->installed)
		return;
	htab_del(&sh->sas, &s->key);
	free(s);
}

void shadow_release_pol(struct shadow *sh, struct shadow_pol *p)
{
	if (p->in_kernel || p->live || p->installed)
		return;
	htab_del(&sh->pols, &p->id);
	free(p);
}

void shadow_forget_sa(struct shadow *sh, struct shadow_sa *s)
{
	if (s->in_kernel) {
		idx_del(&sh->sa_by_reqid, s->d.reqid, s);
		s->in_kernel = false;
		s->dying = false;
		sh->nsa--;
	}
	shadow_release_sa(sh, s);
}

void shadow_forget_pol(struct shadow *sh, struct shadow_pol *p)
{
	if (p->in_kernel) {
		pol_index(sh, p, false);
		p->in_kernel = false;
		sh->npol--;
	}
	shadow_release_pol(sh, p);
}

static struct shadow_sa *kernel_sa_from(const struct shadow *sh,
					struct htab_node *n, size_t *i)
{
	while (n && !((struct shadow_sa *)n)->in_kernel)
		n = htab_next(&sh->sas, n, i);
	return (struct shadow_sa *)n;
}

struct shadow_sa *shadow_first_sa(const struct shadow *sh, size_t *i)
{
	return kernel_sa_from(sh, htab_first(&sh->sas, i), i);
}

struct shadow_sa *shadow_next_sa(const struct shadow *sh,
				 const struct shadow_sa *s, size_t *i)
{
	return kernel_sa_from(sh, htab_next(&sh->sas,
					    (struct htab_node *)&s->node, i),
			      i);
}

static bool addr_zero(const union ipso_addr *a)
{
	return !(a->a32[0] | a->a32[1] | a->a32[2] | a->a32[3]);
}

static bool prefix_match(const union ipso_addr *net, const union ipso_addr *a,
			 unsigned int plen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (memcmp(net->a8, a->a8, bytes))
		return false;
	if (!bits)
		return true;
	return !((net->a8[bytes] ^ a->a8[bytes]) & (0xff00 >> bits));
}

bool shadow_tmpl_accepts(const struct ipso_policy_desc *p,
		     const struct ipso_tmpl_desc *t,
		     const struct ipso_sa_desc *s)
{
	if (t->proto != s->key.proto || t->mode != s->mode)
		return false;
	if (t->reqid && t->reqid != s->reqid)
		return false;
	if (t->spi && t->spi != s->key.spi)
		return false;
	if (t->mode == XFRM_MODE_TRANSPORT) {
		/* Transport: the SA's addresses are the flow's addresses. */
		if (p->sel.family && p->sel.family != s->key.family)
			return false;
		return prefix_match(&p->sel.daddr, &s->key.daddr,
				    p->sel.prefixlen_d) &&
		       prefix_match(&p->sel.saddr, &s->saddr,
				    p->sel.prefixlen_s);
	}
	if (t->family != s->key.family)
		return false;
	if (!addr_zero(&t->daddr) &&
	    memcmp(&t->daddr, &s->key.daddr, sizeof(t->daddr)))
		return false;
	if (!addr_zero(&t->saddr) &&
	    memcmp(&t->saddr, &s->saddr, sizeof(t->saddr)))
		return false;
	return true;
}

/* 1: some template of p accepts s. */
static bool policy_accepts(const struct ipso_policy_desc *p,
			   const struct ipso_sa_desc *s)
{
	for (int i = 0; i < p->ntmpl; i++)
		if (shadow_tmpl_accepts(p, &p->tmpl[i], s))
			return true;
	return false;
}

/* Fold the policies of one reqid bucket into in/out; true once both. */
static bool scan_bucket(const struct shadow_bucket *b, const struct shadow_sa *sa,
			bool *in, bool *out)
{
	for (size_t i = 0; b && i < b->n; i++) {
		const struct shadow_pol *p = b->v[i];

		/* Unseen: stale during a resync, about to be forgotten. */
		if (!p->seen || !policy_accepts(&p->d, &sa->d))
			continue;
		if (p->d.dir == IPSO_DIR_OUT)
			*out = true;
		else
			*in = true;
		if (*in && *out)
			return true;
	}
	return false;
}

__u8 shadow_sa_dir(const struct shadow *sh, const struct shadow_sa *sa)
{
	bool in = false, out = false;

	if (sa->kernel_dir == IPSO_DIR_IN || sa->kernel_dir == IPSO_DIR_OUT)
		return sa->kernel_dir;
	if (scan_bucket(idx_get(&sh->pol_by_reqid, sa->d.reqid), sa, &in, &out))
		return IPSO_DIR_UNKNOWN;
	if (sa->d.reqid &&
	    scan_bucket(idx_get(&sh->pol_by_reqid, 0), sa, &in, &out))
		return IPSO_DIR_UNKNOWN;
	if (out)
		return IPSO_DIR_OUT;
	if (in)
		return IPSO_DIR_IN;
	return IPSO_DIR_UNKNOWN;
}

static void redirect_one(struct shadow *sh, struct shadow_sa *s,
			 const struct ipso_policy_desc *p,
			 void (*cb)(struct shadow_sa *, __u8, void *), void *ctx)
{
	__u8 dir, old = s->d.dir;

	if (p && !policy_accepts(p, &s->d))
		return;
	dir = shadow_sa_dir(sh, s);
	if (dir != old) {
		s->d.dir = dir;
		cb(s, old, ctx);
	}
}

void shadow_redirect(struct shadow *sh, const struct ipso_policy_desc *p,
		     void (*cb)(struct shadow_sa *, __u8, void *), void *ctx)
{
	struct shadow_sa *s;
	bool any = !p;
	size_t i;

	if (p && !p->ntmpl)
		return;
	for (int t = 0; p && t < p->ntmpl && t < IPSO_MAX_TMPL; t++)
		if (!p->tmpl[t].reqid)
			any = true;
	if (any) {
		for (s = shadow_first_sa(sh, &i); s; s = shadow_next_sa(sh, s, &i))
			redirect_one(sh, s, p, cb, ctx);
		return;
	}
	/* Only SAs of the templates' reqids can be affected. */
	for (int t = 0; t < p->ntmpl && t < IPSO_MAX_TMPL; t++) {
		struct shadow_bucket *b = idx_get(&sh->sa_by_reqid,
					      p->tmpl[t].reqid);

		for (size_t k = 0; b && k < b->n; k++)
			redirect_one(sh, b->v[k], p, cb, ctx);
	}
}

// SPDX-License-Identifier: GPL-2.0
/* The loader's view of SAs and policies; SA direction from policies. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/xfrm.h>

#include "kview.h"

/*
 * reqid indexes: an SA of reqid r can only be accepted by templates of
 * reqid r or 0, so direction lookups and policy-change rechecks visit
 * those instead of every policy / every SA (100k x 100k otherwise).
 */
struct kv_bucket {
	struct htab_node node;
	__u32 reqid;
	size_t n, cap;
	void **v;
};

static int idx_init(struct kv_idx *x)
{
	return htab_init(&x->h, offsetof(struct kv_bucket, reqid),
			 sizeof(__u32));
}

static struct kv_bucket *idx_get(const struct kv_idx *x, __u32 reqid)
{
	return htab_find(&x->h, &reqid);
}

static int idx_add(struct kv_idx *x, __u32 reqid, void *p)
{
	struct kv_bucket *b = idx_get(x, reqid);

	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return -ENOMEM;
		b->reqid = reqid;
		if (htab_add(&x->h, &b->node)) {
			free(b);
			return -ENOMEM;
		}
	}
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

static void idx_del(struct kv_idx *x, __u32 reqid, void *p)
{
	struct kv_bucket *b = idx_get(x, reqid);

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

static void idx_clear(struct kv_idx *x)
{
	struct htab_node *n, *next;
	size_t i;

	for (n = htab_first(&x->h, &i); n; n = next) {
		next = htab_next(&x->h, n, &i);
		free(((struct kv_bucket *)n)->v);
		free(n);
	}
	memset(x->h.b, 0, x->h.nbuckets * sizeof(*x->h.b));
	x->h.count = 0;
}

static void pol_index(struct kview *kv, struct kv_pol *p, bool add)
{
	for (int i = 0; i < p->d.ntmpl && i < IPSO_MAX_TMPL; i++) {
		if (add)
			idx_add(&kv->pol_by_reqid, p->d.tmpl[i].reqid, p);
		else
			idx_del(&kv->pol_by_reqid, p->d.tmpl[i].reqid, p);
	}
}

int kv_init(struct kview *kv)
{
	memset(kv, 0, sizeof(*kv));
	if (htab_init(&kv->sas, offsetof(struct kv_sa, key),
		      sizeof(struct ipso_sa_key)) ||
	    htab_init(&kv->pols, offsetof(struct kv_pol, id),
		      sizeof(struct kv_pol_id)) ||
	    idx_init(&kv->sa_by_reqid) || idx_init(&kv->pol_by_reqid)) {
		htab_free(&kv->sas);
		htab_free(&kv->pols);
		htab_free(&kv->sa_by_reqid.h);
		return -ENOMEM;
	}
	return 0;
}

static void free_all(struct htab *h)
{
	struct htab_node *n, *next;
	size_t i;

	for (n = htab_first(h, &i); n; n = next) {
		next = htab_next(h, n, &i);
		free(n);
	}
	memset(h->b, 0, h->nbuckets * sizeof(*h->b));
	h->count = 0;
}

void kv_free(struct kview *kv)
{
	free_all(&kv->sas);
	free_all(&kv->pols);
	idx_clear(&kv->sa_by_reqid);
	idx_clear(&kv->pol_by_reqid);
	htab_free(&kv->sas);
	htab_free(&kv->pols);
	htab_free(&kv->sa_by_reqid.h);
	htab_free(&kv->pol_by_reqid.h);
}

struct kv_sa *kv_find_sa(struct kview *kv, const struct ipso_sa_key *key)
{
	return htab_find(&kv->sas, key);
}

struct kv_sa *kv_put_sa(struct kview *kv, const struct xnl_event *ev)
{
	struct kv_sa *s = htab_find(&kv->sas, &ev->sa.key);

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return NULL;
		s->key = ev->sa.key;
		if (htab_add(&kv->sas, &s->node)) {
			free(s);
			return NULL;
		}
	} else {
		idx_del(&kv->sa_by_reqid, s->d.reqid, s);
	}
	s->d = ev->sa;
	if (idx_add(&kv->sa_by_reqid, s->d.reqid, s)) {
		kv_del_sa(kv, &s->key);
		return NULL;
	}
	s->kernel_dir = ev->sa.dir;
	s->mark_v = ev->sa_mark_v;
	s->seen = true;
	memcpy(s->alg, ev->alg, sizeof(s->alg));
	if (s->dying)
		s->d.flags |= IPSO_SA_F_DYING;
	s->d.dir = kv_sa_dir(kv, s);
	return s;
}

struct kv_pol *kv_put_pol(struct kview *kv, const struct ipso_policy_desc *p)
{
	struct kv_pol_id id = { .dir = p->dir, .index = p->index };
	struct kv_pol *e = htab_find(&kv->pols, &id);

	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return NULL;
		e->id = id;
		if (htab_add(&kv->pols, &e->node)) {
			free(e);
			return NULL;
		}
	} else {
		pol_index(kv, e, false);
	}
	e->d = *p;
	e->seen = true;
	pol_index(kv, e, true);
	return e;
}

bool kv_del_sa(struct kview *kv, const struct ipso_sa_key *key)
{
	struct kv_sa *s = htab_del(&kv->sas, key);

	if (s)
		idx_del(&kv->sa_by_reqid, s->d.reqid, s);
	free(s);
	return s != NULL;
}

bool kv_del_pol(struct kview *kv, __u8 dir, __u32 index)
{
	struct kv_pol_id id = { .dir = dir, .index = index };
	struct kv_pol *e = htab_del(&kv->pols, &id);

	if (e)
		pol_index(kv, e, false);
	free(e);
	return e != NULL;
}

void kv_flush_sas(struct kview *kv)
{
	free_all(&kv->sas);
	idx_clear(&kv->sa_by_reqid);
}

void kv_flush_pols(struct kview *kv)
{
	free_all(&kv->pols);
	idx_clear(&kv->pol_by_reqid);
}

void kv_mark_unseen(struct kview *kv)
{
	struct htab_node *n;
	size_t i;

	for (n = htab_first(&kv->sas, &i); n; n = htab_next(&kv->sas, n, &i))
		((struct kv_sa *)n)->seen = false;
	for (n = htab_first(&kv->pols, &i); n; n = htab_next(&kv->pols, n, &i))
		((struct kv_pol *)n)->seen = false;
}

void kv_sweep(struct kview *kv, void (*cb)(const struct kv_sa *, void *),
	      void *ctx)
{
	struct htab_node *n, *next;
	size_t i;

	for (n = htab_first(&kv->sas, &i); n; n = next) {
		struct kv_sa *s = (struct kv_sa *)n;

		next = htab_next(&kv->sas, n, &i);
		if (s->seen)
			continue;
		if (cb)
			cb(s, ctx);
		kv_del_sa(kv, &s->key);
	}
	for (n = htab_first(&kv->pols, &i); n; n = next) {
		struct kv_pol *p = (struct kv_pol *)n;

		next = htab_next(&kv->pols, n, &i);
		if (!p->seen)
			kv_del_pol(kv, p->id.dir, p->id.index);
	}
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

bool kv_tmpl_accepts(const struct ipso_policy_desc *p,
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
		if (kv_tmpl_accepts(p, &p->tmpl[i], s))
			return true;
	return false;
}

/* Fold the policies of one reqid bucket into in/out; true once both. */
static bool scan_bucket(const struct kv_bucket *b, const struct kv_sa *sa,
			bool *in, bool *out)
{
	for (size_t i = 0; b && i < b->n; i++) {
		const struct kv_pol *p = b->v[i];

		/* Unseen: stale during a resync, about to be swept. */
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

__u8 kv_sa_dir(const struct kview *kv, const struct kv_sa *sa)
{
	bool in = false, out = false;

	if (sa->kernel_dir == IPSO_DIR_IN || sa->kernel_dir == IPSO_DIR_OUT)
		return sa->kernel_dir;
	if (scan_bucket(idx_get(&kv->pol_by_reqid, sa->d.reqid), sa, &in, &out))
		return IPSO_DIR_UNKNOWN;
	if (sa->d.reqid &&
	    scan_bucket(idx_get(&kv->pol_by_reqid, 0), sa, &in, &out))
		return IPSO_DIR_UNKNOWN;
	if (out)
		return IPSO_DIR_OUT;
	if (in)
		return IPSO_DIR_IN;
	return IPSO_DIR_UNKNOWN;
}

static void redirect_one(struct kview *kv, struct kv_sa *s,
			 const struct ipso_policy_desc *p,
			 void (*cb)(struct kv_sa *, void *), void *ctx)
{
	__u8 dir;

	if (p && !policy_accepts(p, &s->d))
		return;
	dir = kv_sa_dir(kv, s);
	if (dir != s->d.dir) {
		s->d.dir = dir;
		cb(s, ctx);
	}
}

void kv_redirect(struct kview *kv, const struct ipso_policy_desc *p,
		 void (*cb)(struct kv_sa *, void *), void *ctx)
{
	struct htab_node *n;
	bool any = !p;
	size_t i;

	if (p && !p->ntmpl)
		return;
	for (int t = 0; p && t < p->ntmpl && t < IPSO_MAX_TMPL; t++)
		if (!p->tmpl[t].reqid)
			any = true;
	if (any) {
		for (n = htab_first(&kv->sas, &i); n;
		     n = htab_next(&kv->sas, n, &i))
			redirect_one(kv, (struct kv_sa *)n, p, cb, ctx);
		return;
	}
	/* Only SAs of the templates' reqids can be affected. */
	for (int t = 0; t < p->ntmpl && t < IPSO_MAX_TMPL; t++) {
		struct kv_bucket *b = idx_get(&kv->sa_by_reqid,
					      p->tmpl[t].reqid);

		for (size_t k = 0; b && k < b->n; k++)
			redirect_one(kv, b->v[k], p, cb, ctx);
	}
}

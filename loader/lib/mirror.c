// SPDX-License-Identifier: GPL-2.0
/*
 * The mirror (mirror.h): the shadow's SAs and policies (shadow.h),
 * projected into the pinned maps of the datapath (bpf/maps.bpf.h,
 * bpf/ipso_spd.h).  put/del/flush only change the shadow and mark what
 * must be rewritten; ipso_mirror_commit() writes additions and updates,
 * bumps the generation to an odd value, removes what is gone, and bumps
 * it to an even one (the datapath's flow cache is off while it is odd).
 *
 * Kernel preference order of policies (what the candidate lists encode):
 *  - priority, lower first;
 *  - Linux >= 6.12: among equal priorities the one linked first (pos);
 *  - older kernels (6.1): among equal priorities a policy in the exact
 *    hash table (full-length src and dst prefixes) beats an inexact one,
 *    except the first policy of the direction's inexact list (pos 0);
 *    within each class the one linked first.
 * "Linked first" is tracked with a sequence number: new policies get the
 * next one; a full dump arrives newest first, so policies first seen in a
 * sync are numbered in reverse arrival order at end_sync().
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "config_map.h"
#include "mirror.h"
#include "shadow.h"
#include "spd_build.h"
#include "ipso_classify.skel.h"

/* Iterate a table whose entries the body may unlink and free. */
#define htab_for_each_safe(h, i, n, next)				\
	for ((n) = htab_first((h), &(i));				\
	     (n) && ((next) = htab_next((h), (n), &(i)), 1); (n) = (next))

/* --- what the maps hold beyond the shadow's entries ------------------ */

struct nkey {
	__u8 family, dir, plen, pad;
	__u8 addr[16];
};

struct minode {			/* an installed trie node */
	struct htab_node n;
	struct nkey key;
	__u32 id;		/* ipso_spd_node key */
	__u32 start, count, parent;
	__u16 flags;
	__u8 seen;
	__u8 dead;		/* queued for removal */
	struct ipso_spd_ent *ents;	/* NULL: content unknown */
};

struct midx {			/* an installed ipso_sa_idx entry */
	struct htab_node n;
	struct ipso_sa_idx_key key;
	struct ipso_sa_idx_val val;
	__u8 seen;
};

struct msrc {			/* an installed ipso_sa_bysrc entry */
	struct htab_node n;
	struct ipso_sa_src_key key;
	struct ipso_sa_src_val val;
	__u8 seen;
};

struct u32vec {
	__u32 *v;
	size_t n, cap;
};

static int vec_push(struct u32vec *v, __u32 x)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		__u32 *nv = realloc(v->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

struct ipso_mirror {
	int fd_config, fd_sad, fd_lpm[2], fd_node, fd_ent, fd_pol, fd_idx;
	int fd_bysrc, fd_dir16, fd_pfx4, fd_reqids;
	struct ipso_config *config;	/* ipso_config, mapped */
	/* ipso_sa_reqids as written, and the live SAs' after this commit */
	struct ipso_sa_reqids reqids, reqids_next;
	/* IPv4 first stage as written, per dir; unknown until first written */
	struct ipso_dir16 *dir16[3];
	int tie_pos;		/* kernel orders ties by pos; -1: not
				   asked yet (ties_by_pos()) */
	struct shadow sh;	/* the SAs and policies */
	struct htab nodes, idx, bysrc;
	__u64 seq;
	bool syncing;
	__u32 arrivals;
	bool group_dirty[2][3];
	bool sa_dirty;
	size_t npol_live, nsa_live;
	/* policy slots, trie node ids */
	struct u32vec slot_free, slot_pending;
	__u32 slot_next;
	struct u32vec nid_free, nid_pending;
	__u32 nid_next;
	/* candidate-list regions of ipso_spd_ent, by size */
	struct u32vec ent_free[IPSO_SPD_MAX_SCAN + 1];
	struct u32vec ent_pending[IPSO_SPD_MAX_SCAN + 1];
	__u32 ent_next;
	/* SA ids */
	struct u32vec said_free;
	__u32 said_next;
	/*
	 * Legacy order: the inexact policy with pos 0 per dir.  6.1 numbers
	 * pos only when it inserts an inexact policy, so after deletions
	 * the head may have no pos 0 at all.  Stale: an inexact insert
	 * happened since it was last computed.
	 */
	struct shadow_pol *pos0[3];
	bool pos0_stale[3];
};

static int fam_idx(int family)
{
	return family == AF_INET6;
}

static int addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* --- opening ------------------------------------------------------------ */

static int open_pinned(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return bpf_obj_get(path);
}

/* Create every pinned map that is missing (the skeleton holds them all). */
static int create_maps(const char *pin_dir)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct ipso_classify *skel;
	struct bpf_program *p;
	int err;

	skel = ipso_classify__open_opts(&opts);
	if (!skel)
		return -errno;
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, false);
	err = ipso_classify__load(skel);
	ipso_classify__destroy(skel);
	return err;
}

static int open_fds(struct ipso_mirror *m, const char *dir)
{
	struct {
		int *fd;
		const char *name;
		__u32 key_size, value_size;
	} t[] = {
		{ &m->fd_config, "ipso_config", 4, sizeof(struct ipso_config) },
		{ &m->fd_sad, "ipso_sad", sizeof(struct ipso_sa_key),
		  sizeof(struct ipso_sa) },
		{ &m->fd_lpm[0], "ipso_spd_lpm4", sizeof(struct ipso_lpm4_key),
		  4 },
		{ &m->fd_lpm[1], "ipso_spd_lpm6", sizeof(struct ipso_lpm6_key),
		  4 },
		{ &m->fd_node, "ipso_spd_node", 4,
		  sizeof(struct ipso_spd_node) },
		{ &m->fd_ent, "ipso_spd_ent", 4, sizeof(struct ipso_spd_ent) },
		{ &m->fd_pol, "ipso_spd_pol", 4, sizeof(struct ipso_spd_pol) },
		{ &m->fd_idx, "ipso_sa_idx", sizeof(struct ipso_sa_idx_key),
		  sizeof(struct ipso_sa_idx_val) },
		{ &m->fd_bysrc, "ipso_sa_bysrc", sizeof(struct ipso_sa_src_key),
		  sizeof(struct ipso_sa_src_val) },
		{ &m->fd_dir16, "ipso_spd_dir16", 4, sizeof(struct ipso_dir16) },
		{ &m->fd_pfx4, "ipso_spd_pfx4", sizeof(struct ipso_pfx4_key), 4 },
		{ &m->fd_reqids, "ipso_sa_reqids", 4,
		  sizeof(struct ipso_sa_reqids) },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);

		*t[i].fd = open_pinned(dir, t[i].name);
		if (*t[i].fd < 0)
			return -errno;
		/* a map pinned by another build: never read it blindly */
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(*t[i].fd, &info, &len))
			return -errno;
		if (info.key_size != t[i].key_size ||
		    info.value_size != t[i].value_size) {
			fprintf(stderr, "ipso mirror: %s/%s has key/value size "
				"%u/%u, this build expects %u/%u: stale pin, "
				"remove it\n", dir, t[i].name, info.key_size,
				info.value_size, t[i].key_size,
				t[i].value_size);
			return -EINVAL;
		}
	}
	return 0;
}

/* Asked only when a policy is written: readers need no probe. */
static bool ties_by_pos(struct ipso_mirror *m)
{
	if (m->tie_pos < 0)
		m->tie_pos = ipso_tie_order(NULL) == IPSO_TIE_POS;
	return m->tie_pos;
}

void ipso_mirror_set_tie_order(struct ipso_mirror *m,
			       enum ipso_tie_order order)
{
	m->tie_pos = order == IPSO_TIE_POS;
}

static void pol_to_desc(const struct ipso_spd_pol *v,
			struct ipso_policy_desc *d)
{
	int i;

	memset(d, 0, sizeof(*d));
	d->index = v->index;
	d->priority = v->priority;
	d->dir = v->dir;
	d->action = v->action;
	d->ntmpl = v->ntmpl;
	d->mark_v = v->mark_v;
	d->mark_m = v->mark_m;
	d->if_id = v->if_id;
	d->sel = v->sel;
	for (i = 0; i < IPSO_MAX_TMPL; i++) {
		d->tmpl[i].daddr = v->tmpl[i].daddr;
		d->tmpl[i].saddr = v->tmpl[i].saddr;
		d->tmpl[i].spi = v->tmpl[i].spi;
		d->tmpl[i].reqid = v->tmpl[i].reqid;
		d->tmpl[i].family = v->tmpl[i].family;
		d->tmpl[i].proto = v->tmpl[i].proto;
		d->tmpl[i].mode = v->tmpl[i].mode;
		d->tmpl[i].optional = v->tmpl[i].optional;
	}
}

static void desc_to_pol(const struct ipso_policy_desc *d,
			struct ipso_spd_pol *v)
{
	int i;

	memset(v, 0, sizeof(*v));
	v->index = d->index;
	v->priority = d->priority;
	v->dir = d->dir;
	v->action = d->action;
	v->ntmpl = d->ntmpl;
	v->mark_v = d->mark_v;
	v->mark_m = d->mark_m;
	v->if_id = d->if_id;
	v->sel = d->sel;
	for (i = 0; i < IPSO_MAX_TMPL && i < d->ntmpl; i++) {
		v->tmpl[i].daddr = d->tmpl[i].daddr;
		v->tmpl[i].saddr = d->tmpl[i].saddr;
		v->tmpl[i].spi = d->tmpl[i].spi;
		v->tmpl[i].reqid = d->tmpl[i].reqid;
		v->tmpl[i].family = d->tmpl[i].family;
		v->tmpl[i].proto = d->tmpl[i].proto;
		v->tmpl[i].mode = d->tmpl[i].mode;
		v->tmpl[i].optional = d->tmpl[i].optional;
	}
}

/*
 * The IPv4 first stage as pinned, so a commit writes only what changes
 * (a full write of one dir is 65536 slots, ~14 ms).  On failure the
 * shadow stays unknown and the next commit of that dir writes it all.
 */
static void read_dir16(struct ipso_mirror *m)
{
	__u32 n = IPSO_DIR16_SLOTS, out_batch, *keys;
	struct ipso_dir16 *vals;
	int d;

	keys = malloc(n * sizeof(*keys));
	vals = malloc(n * sizeof(*vals));
	if (keys && vals &&
	    !bpf_map_lookup_batch(m->fd_dir16, NULL, &out_batch, keys, vals,
				  &n, NULL) && n == IPSO_DIR16_SLOTS)
		for (d = 0; d < 3; d++) {
			m->dir16[d] = malloc((1 << 16) * sizeof(*vals));
			if (m->dir16[d])
				memcpy(m->dir16[d], vals + (d << 16),
				       (1 << 16) * sizeof(*vals));
		}
	free(keys);
	free(vals);
}

/* What another process committed: known as installed, not yet live. */
static int adopt_existing(struct ipso_mirror *m)
{
	union {
		struct ipso_lpm4_key k4;
		struct ipso_lpm6_key k6;
		struct ipso_sa_key sk;
		struct ipso_sa_idx_key ik;
		__u32 slot;
	} k, nk;
	struct ipso_spd_node l;
	struct ipso_spd_pol pv;
	__u32 id;
	int f, err;

	for (f = 0; f < 2; f++) {
		void *prev = NULL;

		while (!bpf_map_get_next_key(m->fd_lpm[f], prev, &nk)) {
			struct minode *n;
			__u8 *addr = f ? nk.k6.addr : nk.k4.addr;
			__u32 plen = f ? nk.k6.prefixlen : nk.k4.prefixlen;
			__u8 dir = f ? nk.k6.dir : nk.k4.dir;

			k = nk;
			prev = &k;
			if (bpf_map_lookup_elem(m->fd_lpm[f], &k, &id) ||
			    bpf_map_lookup_elem(m->fd_node, &id, &l))
				continue;
			n = calloc(1, sizeof(*n));
			if (!n)
				return -ENOMEM;
			n->key.family = f ? AF_INET6 : AF_INET;
			n->key.dir = dir;
			n->key.plen = plen - 32;
			memcpy(n->key.addr, addr, f ? 16 : 4);
			n->id = id;
			n->start = l.start;
			n->count = l.count;
			n->flags = l.flags & ~IPSO_LIST_F_HEAD;
			n->parent = l.parent;
			if (htab_add(&m->nodes, &n->n)) {
				free(n);
				return -ENOMEM;
			}
			if (id >= m->nid_next)
				m->nid_next = id + 1;
			if (l.start + l.count > m->ent_next)
				m->ent_next = l.start + l.count;
		}
	}
	{
		void *prev = NULL;

		while (!bpf_map_get_next_key(m->fd_pol, prev, &nk)) {
			struct shadow_pol_id pid;
			struct shadow_pol *p;

			k = nk;
			prev = &k;
			if (bpf_map_lookup_elem(m->fd_pol, &k, &pv))
				continue;
			pid.dir = pv.dir;
			pid.index = pv.index;
			if (htab_find(&m->sh.pols, &pid))
				continue;	/* duplicate: leave the slot */
			p = shadow_get_pol(&m->sh, pv.dir, pv.index);
			if (!p)
				return -ENOMEM;
			pol_to_desc(&pv, &p->d);
			p->slot = k.slot;
			p->installed = 1;
			if (k.slot >= m->slot_next)
				m->slot_next = k.slot + 1;
		}
	}
	{
		void *prev = NULL;

		while (!bpf_map_get_next_key(m->fd_sad, prev, &nk)) {
			struct shadow_sa *s;
			struct ipso_sa v;

			k = nk;
			prev = &k;
			if (bpf_map_lookup_elem(m->fd_sad, &k, &v))
				continue;
			s = shadow_get_sa(&m->sh, &k.sk);
			if (!s)
				return -ENOMEM;
			s->sa_id = v.sa_id;
			s->installed = 1;
			if (s->sa_id >= m->said_next)
				m->said_next = s->sa_id + 1;
		}
	}
	{
		void *prev = NULL;

		while (!bpf_map_get_next_key(m->fd_idx, prev, &nk)) {
			struct midx *x;

			k = nk;
			prev = &k;
			x = calloc(1, sizeof(*x));
			if (!x)
				return -ENOMEM;
			x->key = k.ik;
			err = bpf_map_lookup_elem(m->fd_idx, &k, &x->val);
			if (err) {
				free(x);
				continue;
			}
			if (htab_add(&m->idx, &x->n)) {
				free(x);
				return -ENOMEM;
			}
		}
	}
	{
		struct ipso_sa_src_key sk, nsk, *sprev = NULL;

		while (!bpf_map_get_next_key(m->fd_bysrc, sprev, &nsk)) {
			struct msrc *x;

			sk = nsk;
			sprev = &sk;
			x = calloc(1, sizeof(*x));
			if (!x)
				return -ENOMEM;
			x->key = sk;
			if (bpf_map_lookup_elem(m->fd_bysrc, &sk, &x->val) ||
			    htab_add(&m->bysrc, &x->n)) {
				free(x);
				continue;
			}
		}
	}
	return 0;
}

static void reqid_set(struct ipso_sa_reqids *b, __u32 reqid)
{
	b->w[(reqid >> 6) % IPSO_REQID_WORDS] |= 1ull << (reqid & 63);
}

static int write_reqids(struct ipso_mirror *m, const struct ipso_sa_reqids *b)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(m->fd_reqids, &zero, b, BPF_ANY))
		return -errno;
	m->reqids = *b;
	return 0;
}

/*
 * At open: what is pinned (if valid) and the reqids of the adopted index
 * keys, so the set covers every key before this process changes any.
 */
static int adopt_reqids(struct ipso_mirror *m)
{
	struct ipso_sa_reqids b;
	struct htab_node *n, *next;
	__u32 zero = 0;
	size_t i;

	if (bpf_map_lookup_elem(m->fd_reqids, &zero, &b) || !b.valid)
		memset(&b, 0, sizeof(b));
	htab_for_each_safe(&m->idx, i, n, next)
		reqid_set(&b, ((struct midx *)n)->key.reqid);
	b.valid = 1;
	return write_reqids(m, &b);
}

struct ipso_mirror *ipso_mirror_open(const char *pin_dir)
{
	struct ipso_mirror *m = calloc(1, sizeof(*m));
	int err;

	if (!m) {
		errno = ENOMEM;
		return NULL;
	}
	m->fd_config = m->fd_sad = m->fd_ent = m->fd_pol = m->fd_idx = -1;
	m->fd_node = m->fd_bysrc = m->fd_dir16 = m->fd_pfx4 = -1;
	m->fd_reqids = -1;
	m->fd_lpm[0] = m->fd_lpm[1] = -1;
	m->tie_pos = -1;
	m->said_next = 1;
	if (shadow_init(&m->sh) ||
	    htab_init(&m->nodes, offsetof(struct minode, key),
		    sizeof(struct nkey)) ||
	    htab_init(&m->idx, offsetof(struct midx, key),
		    sizeof(struct ipso_sa_idx_key)) ||
	    htab_init(&m->bysrc, offsetof(struct msrc, key),
		    sizeof(struct ipso_sa_src_key))) {
		err = -ENOMEM;
		goto fail;
	}
	err = open_fds(m, pin_dir);
	if (err == -ENOENT) {
		err = create_maps(pin_dir);
		if (!err)
			err = open_fds(m, pin_dir);
	}
	if (err)
		goto fail;
	m->config = ipso_config_map(m->fd_config);
	if (!m->config) {
		err = -errno;
		if (err == -EINVAL)
			fprintf(stderr, "ipso mirror: %s/ipso_config is not "
				"mmapable: stale pin, remove it\n", pin_dir);
		goto fail;
	}
	err = adopt_existing(m);
	if (!err)
		err = adopt_reqids(m);
	if (err)
		goto fail;
	read_dir16(m);
	/* the first commit rebuilds what an earlier process left */
	if (m->nodes.count || m->sh.pols.count) {
		int f, d;

		for (f = 0; f < 2; f++)
			for (d = 0; d < 3; d++)
				m->group_dirty[f][d] = true;
	}
	if (m->sh.sas.count || m->idx.count || m->bysrc.count)
		m->sa_dirty = true;
	return m;
fail:
	ipso_mirror_close(m);
	errno = -err;
	return NULL;
}

void ipso_mirror_close(struct ipso_mirror *m)
{
	struct htab_node *n, *next;
	size_t i;
	int j;

	if (!m)
		return;
	if (m->nodes.b)
		htab_for_each_safe(&m->nodes, i, n, next)
			free(((struct minode *)n)->ents);
	shadow_free(&m->sh);
	if (m->nodes.b)
		htab_for_each_safe(&m->nodes, i, n, next)
			free(n);
	if (m->idx.b)
		htab_for_each_safe(&m->idx, i, n, next)
			free(n);
	if (m->bysrc.b)
		htab_for_each_safe(&m->bysrc, i, n, next)
			free(n);
	free(m->bysrc.b);
	free(m->nodes.b);
	free(m->idx.b);
	free(m->slot_free.v);
	free(m->slot_pending.v);
	free(m->nid_free.v);
	free(m->nid_pending.v);
	free(m->said_free.v);
	for (j = 0; j <= IPSO_SPD_MAX_SCAN; j++) {
		free(m->ent_free[j].v);
		free(m->ent_pending[j].v);
	}
	for (j = 0; j < 2; j++)
		if (m->fd_lpm[j] >= 0)
			close(m->fd_lpm[j]);
	ipso_config_unmap(m->config);
	if (m->fd_config >= 0)
		close(m->fd_config);
	if (m->fd_sad >= 0)
		close(m->fd_sad);
	if (m->fd_ent >= 0)
		close(m->fd_ent);
	if (m->fd_node >= 0)
		close(m->fd_node);
	if (m->fd_pol >= 0)
		close(m->fd_pol);
	if (m->fd_idx >= 0)
		close(m->fd_idx);
	if (m->fd_bysrc >= 0)
		close(m->fd_bysrc);
	if (m->fd_dir16 >= 0)
		close(m->fd_dir16);
	if (m->fd_pfx4 >= 0)
		close(m->fd_pfx4);
	if (m->fd_reqids >= 0)
		close(m->fd_reqids);
	for (j = 0; j < 3; j++)
		free(m->dir16[j]);
	free(m);
}

/* --- staging: policies --------------------------------------------------- */

static int check_sel(const struct ipso_selector *s)
{
	if (s->family == AF_INET)
		return s->prefixlen_d <= 32 && s->prefixlen_s <= 32 ? 0 :
		       -EINVAL;
	if (s->family == AF_INET6)
		return s->prefixlen_d <= 128 && s->prefixlen_s <= 128 ? 0 :
		       -EINVAL;
	return -EAFNOSUPPORT;
}

static bool pol_exact(const struct ipso_policy_desc *d)
{
	int full = d->sel.family == AF_INET ? 32 : 128;

	return d->sel.prefixlen_d == full && d->sel.prefixlen_s == full;
}

/* First of the dir's inexact list: lowest (priority, link sequence). */
static struct shadow_pol *inexact_head(struct ipso_mirror *m, int dir)
{
	struct shadow_pol *head = NULL;
	struct htab_node *n, *next;
	size_t i;

	htab_for_each_safe(&m->sh.pols, i, n, next) {
		struct shadow_pol *p = (struct shadow_pol *)n;

		if (!p->live || p->d.dir != dir || pol_exact(&p->d))
			continue;
		if (!head || p->d.priority < head->d.priority ||
		    (p->d.priority == head->d.priority && p->seq < head->seq))
			head = p;
	}
	return head;
}

static void mark_group(struct ipso_mirror *m, const struct ipso_policy_desc *d)
{
	if (d->dir > IPSO_DIR_FWD)
		return;
	m->group_dirty[fam_idx(d->sel.family)][d->dir] = true;
	/* legacy order couples the families of a direction (pos 0) */
	if (!ties_by_pos(m))
		m->group_dirty[!fam_idx(d->sel.family)][d->dir] = true;
}

static void pol_new_seq(struct ipso_mirror *m, struct shadow_pol *p)
{
	if (m->syncing) {
		p->renumber = 1;
		p->arrival = m->arrivals++;
	} else {
		p->seq = ++m->seq;
	}
	/* IPSO_ORDER() keeps 30 bits of it: ~10^9 links per process */
}

/* What the maps cannot take; the shadow keeps it all the same. */
static int pol_check(const struct ipso_mirror *m, const struct shadow_pol *p,
		     const struct ipso_policy_desc *d)
{
	int err;

	if (d->dir > IPSO_DIR_FWD || d->action > IPSO_ACT_PROTECT ||
	    d->ntmpl > IPSO_MAX_TMPL)
		return -EINVAL;
	err = check_sel(&d->sel);
	if (err)
		return err;
	if (!(p && p->live) && m->npol_live >= IPSO_SPD_MAX_POLICIES)
		return -ENOSPC;
	return 0;
}

static void pol_kill(struct ipso_mirror *m, struct shadow_pol *p)
{
	int dir = p->d.dir;

	if (!p->live)
		return;
	if (!pol_exact(&p->d) && dir <= IPSO_DIR_FWD) {
		/* pos as numbered at the last insert, p still there */
		if (m->pos0_stale[dir] && !m->syncing) {
			m->pos0[dir] = inexact_head(m, dir);
			m->pos0_stale[dir] = false;
		}
		if (m->pos0[dir] == p)
			m->pos0[dir] = NULL;
	}
	p->live = 0;
	m->npol_live--;
	mark_group(m, &p->d);
}

int ipso_mirror_put_policy(struct ipso_mirror *m,
			   const struct ipso_policy_desc *d)
{
	struct shadow_pol *p = shadow_lookup_pol(&m->sh, d->dir, d->index);
	struct ipso_policy_desc prev;
	bool was_live = p && p->live;
	int err = pol_check(m, p, d);

	if (was_live) {
		prev = p->d;
		if (err)	/* nothing stale stays in the maps */
			pol_kill(m, p);
	}
	p = shadow_put_pol(&m->sh, d);
	if (!p)
		return -ENOMEM;
	if (err)
		return err;
	if (was_live && !memcmp(&prev, d, sizeof(*d)))
		return 0;
	/* relinked by the kernel: a new pos, unless legacy keeps it */
	if (!was_live || ties_by_pos(m) || prev.priority != d->priority)
		pol_new_seq(m, p);
	if (was_live)
		mark_group(m, &prev);
	if (!p->live)
		m->npol_live++;
	p->live = 1;
	p->dirty = 1;
	mark_group(m, d);
	if (!pol_exact(d))	/* the kernel renumbers pos on this insert */
		m->pos0_stale[d->dir] = true;
	return 0;
}

int ipso_mirror_del_policy(struct ipso_mirror *m, __u8 dir, __u32 index)
{
	struct shadow_pol *p = shadow_lookup_pol(&m->sh, dir, index);
	bool was_live;

	if (!p)
		return -ENOENT;
	was_live = p->live;
	pol_kill(m, p);
	shadow_forget_pol(&m->sh, p);
	return was_live ? 0 : -ENOENT;
}

int ipso_mirror_flush_policies(struct ipso_mirror *m)
{
	struct htab_node *n, *next;
	size_t i;

	htab_for_each_safe(&m->sh.pols, i, n, next) {
		pol_kill(m, (struct shadow_pol *)n);
		shadow_forget_pol(&m->sh, (struct shadow_pol *)n);
	}
	return 0;
}

/* --- staging: SAs ---------------------------------------------------- */

static void sa_from_desc(const struct ipso_sa_desc *d, __u32 sa_id,
			 struct ipso_sa *v)
{
	memset(v, 0, sizeof(*v));
	v->sa_id = sa_id;
	v->reqid = d->reqid;
	v->spi = d->key.spi;
	v->family = d->key.family;
	v->mode = d->mode;
	v->dir = d->dir;
	v->proto = d->key.proto;
	v->saddr = d->saddr;
	v->daddr = d->key.daddr;
	v->sel = d->sel;
	v->flags = d->flags;
	v->encap_sport = d->encap_sport;
	v->encap_dport = d->encap_dport;
	v->icv_len = d->icv_len;
	v->add_time = d->add_time;
}

static __u32 said_alloc(struct ipso_mirror *m)
{
	if (m->said_free.n)
		return m->said_free.v[--m->said_free.n];
	return m->said_next++;
}

static int sa_check_desc(const struct ipso_sa_desc *d)
{
	if (d->key.family != AF_INET && d->key.family != AF_INET6)
		return -EAFNOSUPPORT;
	if (d->mode > IPSO_MODE_TUNNEL || d->dir > IPSO_DIR_UNKNOWN)
		return -EINVAL;
	return 0;
}

static void sa_kill(struct ipso_mirror *m, struct shadow_sa *s)
{
	if (!s->live)
		return;
	s->live = 0;
	m->nsa_live--;
	m->sa_dirty = true;
	if (!s->installed && s->sa_id) {
		vec_push(&m->said_free, s->sa_id);
		s->sa_id = 0;
	}
}

/* Stage s->d for ipso_sad; old is what was staged while s->live. */
static void sa_stage(struct ipso_mirror *m, struct shadow_sa *s,
		     const struct ipso_sa_desc *old)
{
	if (s->live) {
		struct ipso_sa a, b;

		sa_from_desc(old, s->sa_id, &a);
		sa_from_desc(&s->d, s->sa_id, &b);
		if (!memcmp(&a, &b, sizeof(a)))
			return;
	}
	if (!s->sa_id)
		s->sa_id = said_alloc(m);
	if (!s->live) {
		m->nsa_live++;
		s->seq = ++m->seq;
	}
	s->live = 1;
	s->dirty = 1;
	m->sa_dirty = true;
}

/* s->d changed from old: stage it, or take it out of the maps. */
static int sa_restage(struct ipso_mirror *m, struct shadow_sa *s,
		      const struct ipso_sa_desc *old)
{
	int err = sa_check_desc(&s->d);

	if (!err && !s->live && m->nsa_live >= IPSO_MAX_SA)
		err = -ENOSPC;
	if (err) {
		sa_kill(m, s);
		return err;
	}
	sa_stage(m, s, old);
	return 0;
}

int ipso_mirror_put_sa(struct ipso_mirror *m, const struct ipso_sa_desc *d)
{
	struct ipso_sa_desc old;
	struct shadow_sa *s;
	int err = sa_check_desc(d);

	if (err)
		return err;
	s = shadow_get_sa(&m->sh, &d->key);
	if (!s)
		return -ENOMEM;
	if (!s->live && m->nsa_live >= IPSO_MAX_SA) {
		shadow_release_sa(&m->sh, s);
		return -ENOSPC;
	}
	old = s->d;
	s = shadow_put_sa(&m->sh, d, s->mark_v, NULL);
	if (!s)
		return -ENOMEM;
	/* the direction as given, not derived */
	s->d = *d;
	s->d.key = s->key;
	sa_stage(m, s, &old);
	return 0;
}

int ipso_mirror_put_kernel_sa(struct ipso_mirror *m,
			      const struct ipso_sa_desc *d, __u32 mark_v,
			      const char *alg, struct shadow_sa **out)
{
	struct shadow_sa *s = shadow_get_sa(&m->sh, &d->key);
	struct ipso_sa_desc old;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	old = s->d;
	s = shadow_put_sa(&m->sh, d, mark_v, alg);
	if (!s)
		return -ENOMEM;
	*out = s;
	return sa_restage(m, s, &old);
}

int ipso_mirror_sa_dying(struct ipso_mirror *m, const struct ipso_sa_key *key)
{
	struct shadow_sa *s = shadow_find_sa(&m->sh, key);
	struct ipso_sa_desc old;

	if (!s)
		return -ENOENT;
	old = s->d;
	s->dying = true;
	s->d.flags |= IPSO_SA_F_DYING;
	return sa_restage(m, s, &old);
}

struct redirect_ctx {
	struct ipso_mirror *m;
	void (*cb)(struct shadow_sa *s, int err, void *ctx);
	void *ctx;
};

static void restage_redirected(struct shadow_sa *s, __u8 old_dir, void *data)
{
	struct redirect_ctx *c = data;
	struct ipso_sa_desc old = s->d;
	int err;

	old.dir = old_dir;
	err = sa_restage(c->m, s, &old);
	if (c->cb)
		c->cb(s, err, c->ctx);
}

void ipso_mirror_redirect(struct ipso_mirror *m,
			  const struct ipso_policy_desc *p,
			  void (*cb)(struct shadow_sa *s, int err, void *ctx),
			  void *ctx)
{
	struct redirect_ctx c = { .m = m, .cb = cb, .ctx = ctx };

	shadow_redirect(&m->sh, p, restage_redirected, &c);
}

int ipso_mirror_del_sa(struct ipso_mirror *m, const struct ipso_sa_key *key)
{
	struct shadow_sa *s = shadow_lookup_sa(&m->sh, key);
	bool was_live;

	if (!s)
		return -ENOENT;
	was_live = s->live;
	sa_kill(m, s);
	shadow_forget_sa(&m->sh, s);
	return was_live ? 0 : -ENOENT;
}

int ipso_mirror_flush_sas(struct ipso_mirror *m)
{
	struct htab_node *n, *next;
	size_t i;

	htab_for_each_safe(&m->sh.sas, i, n, next) {
		sa_kill(m, (struct shadow_sa *)n);
		shadow_forget_sa(&m->sh, (struct shadow_sa *)n);
	}
	return 0;
}

struct shadow *ipso_mirror_shadow(struct ipso_mirror *m)
{
	return &m->sh;
}

/* --- reconciliation ---------------------------------------------------- */

void ipso_mirror_begin_sync(struct ipso_mirror *m)
{
	struct htab_node *n, *next;
	size_t i;

	htab_for_each_safe(&m->sh.pols, i, n, next)
		((struct shadow_pol *)n)->seen = 0;
	htab_for_each_safe(&m->sh.sas, i, n, next)
		((struct shadow_sa *)n)->seen = 0;
	m->syncing = true;
	m->arrivals = 0;
}

void ipso_mirror_end_sync(struct ipso_mirror *m)
{
	struct htab_node *n, *next;
	size_t i;

	htab_for_each_safe(&m->sh.pols, i, n, next) {
		struct shadow_pol *p = (struct shadow_pol *)n;

		if (p->renumber) {
			/* the dump lists the most recently linked first */
			p->seq = m->seq + (m->arrivals - p->arrival);
			p->renumber = 0;
		}
	}
	m->seq += m->arrivals;
	htab_for_each_safe(&m->sh.pols, i, n, next) {
		struct shadow_pol *p = (struct shadow_pol *)n;

		if (p->seen)
			continue;
		pol_kill(m, p);
		shadow_forget_pol(&m->sh, p);
	}
	htab_for_each_safe(&m->sh.sas, i, n, next) {
		struct shadow_sa *s = (struct shadow_sa *)n;

		if (s->seen)
			continue;
		sa_kill(m, s);
		shadow_forget_sa(&m->sh, s);
	}
	m->syncing = false;
	/* a dump says nothing about the last insert: take the head now */
	for (i = 0; i < 3; i++)
		m->pos0_stale[i] = true;
}

/* --- commit: allocation of slots and list regions ----------------------- */

static int slot_alloc(struct ipso_mirror *m, __u32 *slot)
{
	if (m->slot_free.n) {
		*slot = m->slot_free.v[--m->slot_free.n];
		return 0;
	}
	if (m->slot_next >= IPSO_SPD_MAX_POLICIES)
		return -ENOSPC;
	*slot = m->slot_next++;
	return 0;
}

static int nid_alloc(struct ipso_mirror *m, __u32 *id)
{
	if (m->nid_free.n) {
		*id = m->nid_free.v[--m->nid_free.n];
		return 0;
	}
	if (m->nid_next >= IPSO_SPD_MAX_NODE_IDS)
		return -ENOSPC;
	*id = m->nid_next++;
	return 0;
}

static int region_alloc(struct ipso_mirror *m, __u32 count, __u32 *start)
{
	__u32 c;

	if (m->ent_free[count].n) {
		*start = m->ent_free[count].v[--m->ent_free[count].n];
		return 0;
	}
	if (m->ent_next + count <= IPSO_SPD_MAX_ENTRIES) {
		*start = m->ent_next;
		m->ent_next += count;
		return 0;
	}
	/* split a larger free region; the tail goes back by its size */
	for (c = count + 1; c <= IPSO_SPD_MAX_SCAN; c++) {
		if (!m->ent_free[c].n)
			continue;
		*start = m->ent_free[c].v[--m->ent_free[c].n];
		return vec_push(&m->ent_free[c - count], *start + count);
	}
	return -ENOSPC;
}

/* Freed regions and slots may still be read by a running program: they
 * are reused only from the next commit on. */
static void region_release(struct ipso_mirror *m, __u32 start, __u32 count)
{
	if (count && count <= IPSO_SPD_MAX_SCAN)
		vec_push(&m->ent_pending[count], start);
}

static void release_pending(struct ipso_mirror *m)
{
	size_t i;
	int c;

	for (c = 1; c <= IPSO_SPD_MAX_SCAN; c++) {
		for (i = 0; i < m->ent_pending[c].n; i++)
			vec_push(&m->ent_free[c], m->ent_pending[c].v[i]);
		m->ent_pending[c].n = 0;
	}
	for (i = 0; i < m->slot_pending.n; i++)
		vec_push(&m->slot_free, m->slot_pending.v[i]);
	m->slot_pending.n = 0;
	for (i = 0; i < m->nid_pending.n; i++)
		vec_push(&m->nid_free, m->nid_pending.v[i]);
	m->nid_pending.n = 0;
}

/* --- commit: map writes -------------------------------------------------- */

static int write_ents(struct ipso_mirror *m, __u32 start,
		      const struct ipso_spd_ent *e, __u32 count)
{
	__u32 keys[IPSO_SPD_MAX_SCAN], n = count, i;
	int err;

	for (i = 0; i < count; i++)
		keys[i] = start + i;
	err = bpf_map_update_batch(m->fd_ent, keys, e, &n, NULL);
	if (!err)
		return 0;
	for (i = 0; i < count; i++) {
		err = bpf_map_update_elem(m->fd_ent, &keys[i], &e[i], BPF_ANY);
		if (err)
			return -errno;
	}
	return 0;
}

static void lpm_key(const struct nkey *k, void *out)
{
	if (k->family == AF_INET) {
		struct ipso_lpm4_key *l = out;

		memset(l, 0, sizeof(*l));
		l->prefixlen = 32 + k->plen;
		l->dir = k->dir;
		memcpy(l->addr, k->addr, 4);
	} else {
		struct ipso_lpm6_key *l = out;

		memset(l, 0, sizeof(*l));
		l->prefixlen = 32 + k->plen;
		l->dir = k->dir;
		memcpy(l->addr, k->addr, 16);
	}
}

int ipso_mirror_set_fwd_accept(struct ipso_mirror *m, bool accept)
{
	if (!m)
		return -EINVAL;
	ipso_config_set_flags(m->config, IPSO_CFG_F_FWD_ACCEPT, accept);
	return 0;
}

int ipso_mirror_set_lease(struct ipso_mirror *m, __u64 until_ns)
{
	if (!m)
		return -EINVAL;
	ipso_config_set_lease(m->config, until_ns);
	return 0;
}

/* Tie classes of the live policies (legacy order; 0 for all with pos). */
static void assign_classes(struct ipso_mirror *m)
{
	struct htab_node *n, *next;
	size_t i;

	for (i = 0; i < 3 && !ties_by_pos(m); i++)
		if (m->pos0_stale[i]) {
			m->pos0[i] = inexact_head(m, i);
			m->pos0_stale[i] = false;
		}
	htab_for_each_safe(&m->sh.pols, i, n, next) {
		struct shadow_pol *p = (struct shadow_pol *)n;

		p->cls = 0;
		if (!p->live || ties_by_pos(m))
			continue;
		if (pol_exact(&p->d))
			p->cls = 1;
		else if (p == m->pos0[p->d.dir])
			p->cls = 0;	/* pos 0 ties with exact, and wins */
		else
			p->cls = 2;
	}
}

static int queue_dead(struct minode *x, struct minode ***dead, size_t *ndead,
		      size_t *cap)
{
	if (*ndead == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct minode **nv = realloc(*dead, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*dead = nv;
		*cap = nc;
	}
	(*dead)[(*ndead)++] = x;
	return 0;
}

static void *pfx4_key(const struct nkey *k, struct ipso_pfx4_key *pk)
{
	memset(pk, 0, sizeof(*pk));
	pk->dir = k->dir;
	pk->plen = k->plen;
	memcpy(pk->addr, k->addr, 4);
	return pk;
}

static int plen_cmp(const void *a, const void *b)
{
	const struct minode *x = *(const struct minode *const *)a;
	const struct minode *y = *(const struct minode *const *)b;

	return (int)x->key.plen - (int)y->key.plen;
}

/* Write the slots of nv that differ from what was written (all: unknown). */
static int write_dir16(struct ipso_mirror *m, int dir,
		       const struct ipso_dir16 *nv)
{
	const struct ipso_dir16 *old = m->dir16[dir];
	struct ipso_dir16 *vals = malloc((1 << 16) * sizeof(*vals));
	__u32 *keys = malloc((1 << 16) * sizeof(*keys));
	__u32 i, n = 0, cnt;
	int err = 0;

	if (!vals || !keys) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < 1u << 16; i++) {
		if (old && !memcmp(&old[i], &nv[i], sizeof(nv[i])))
			continue;
		keys[n] = (__u32)dir << 16 | i;
		vals[n++] = nv[i];
	}
	cnt = n;
	if (!n || !bpf_map_update_batch(m->fd_dir16, keys, vals, &cnt, NULL))
		goto out;
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(m->fd_dir16, &keys[i], &vals[i],
					BPF_ANY)) {
			err = -errno;
			break;
		}
out:
	free(vals);
	free(keys);
	return err;
}

/* Longer nodes of one /16 together, longest first. */
static int sub_cmp(const void *a, const void *b)
{
	const struct minode *x = *(const struct minode *const *)a;
	const struct minode *y = *(const struct minode *const *)b;
	__u32 tx = (__u32)x->key.addr[0] << 8 | x->key.addr[1];
	__u32 ty = (__u32)y->key.addr[0] << 8 | y->key.addr[1];

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return (int)y->key.plen - (int)x->key.plen;
}

/* A /16's longer nodes: in the slot if they fit, else their lengths. */
static void fill_sub(struct ipso_dir16 *slot, struct minode **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct minode *x = v[i];
		__u32 lo = (__u32)x->key.addr[2] << 8 | x->key.addr[3];

		if (n > IPSO_DIR16_WAYS)
			slot->lens |= 1u << (x->key.plen - 17);
		else
			slot->sub[i] = IPSO_DIR16_SUB(lo, x->key.plen, x->id);
	}
}

static int vec_add(struct minode ***v, size_t *cnt, size_t *cap,
		   struct minode *x)
{
	if (*cnt == *cap) {
		size_t nc = *cap ? 2 * *cap : 256;
		struct minode **nw = realloc(*v, nc * sizeof(**v));

		if (!nw)
			return -ENOMEM;
		*v = nw;
		*cap = nc;
	}
	(*v)[(*cnt)++] = x;
	return 0;
}

/*
 * Recompute the IPv4 first stage of one dir from the live nodes (dead
 * ones excluded: they go after the bump) and write the slots that
 * changed.  Runs with the additions, so every node it names is installed
 * and none it names is removed before it stops naming it.
 */
static int commit_dir16(struct ipso_mirror *m, int dir)
{
	struct ipso_dir16 *nv = calloc(1 << 16, sizeof(*nv));
	struct minode **v = NULL, **lv = NULL;
	struct htab_node *n, *next;
	size_t i, j, cnt = 0, cap = 0, lcnt = 0, lcap = 0;
	int err = -ENOMEM;

	if (!nv)
		return -ENOMEM;
	htab_for_each_safe(&m->nodes, i, n, next) {
		struct minode *x = (struct minode *)n;

		if (x->key.family != AF_INET || x->key.dir != dir || x->dead)
			continue;
		if (x->key.plen > 16 ? vec_add(&lv, &lcnt, &lcap, x) :
				       vec_add(&v, &cnt, &cap, x))
			goto out;
	}
	/* shorter prefixes first: a longer one paints over them */
	if (cnt)
		qsort(v, cnt, sizeof(*v), plen_cmp);
	for (i = 0; i < cnt; i++) {
		__u32 top = (__u32)v[i]->key.addr[0] << 8 | v[i]->key.addr[1];
		__u32 span = 1u << (16 - v[i]->key.plen), j;

		top &= ~(span - 1);
		for (j = 0; j < span; j++)
			nv[top + j].node = v[i]->id + 1;
	}
	if (lcnt)
		qsort(lv, lcnt, sizeof(*lv), sub_cmp);
	for (i = 0; i < lcnt; i = j) {
		__u32 top = (__u32)lv[i]->key.addr[0] << 8 | lv[i]->key.addr[1];

		for (j = i; j < lcnt && ((__u32)lv[j]->key.addr[0] << 8 |
					  lv[j]->key.addr[1]) == top; j++)
			;
		fill_sub(&nv[top], lv + i, j - i);
	}
	err = write_dir16(m, dir, nv);
	if (err) {
		/* partly written: rewrite it all next time */
		free(m->dir16[dir]);
		m->dir16[dir] = NULL;
		goto out;
	}
	free(m->dir16[dir]);
	m->dir16[dir] = nv;
	nv = NULL;
	err = 0;
out:
	free(nv);
	free(v);
	free(lv);
	return err;
}

/* Candidate 0 of an IPv4 node, in the node's own cache line. */
static void node_head4(const struct ipso_spd_ent *e, struct ipso_spd_node *v)
{
	struct ipso_spd_head4 *h = &v->head;

	h->order = e->order;
	memcpy(&h->saddr, e->saddr.a8, 4);
	h->mark_v = e->mark_v;
	h->mark_m = e->mark_m;
	h->if_id = e->if_id;
	h->ifindex = e->ifindex;
	h->slot = e->slot;
	h->index = e->index;
	h->sport = e->sport;
	h->sport_mask = e->sport_mask;
	h->dport = e->dport;
	h->dport_mask = e->dport_mask;
	h->plen_s = e->plen_s;
	h->proto = e->proto;
	h->action = e->action;
	h->flags = e->flags;
	v->flags |= IPSO_LIST_F_HEAD;
}

/* Install one built node (its parent is installed already). */
static int commit_node(struct ipso_mirror *m, int f, int dir,
		       const struct spd_node *nd, __u32 parent,
		       __u32 *id_out)
{
	int family = f ? AF_INET6 : AF_INET;
	size_t bytes = nd->count * sizeof(*nd->ents);
	struct ipso_spd_node v = { 0 };
	union {
		struct ipso_lpm4_key k4;
		struct ipso_lpm6_key k6;
	} lk;
	struct nkey k = { 0 };
	struct ipso_pfx4_key pk;
	struct ipso_spd_ent *copy = NULL;
	struct minode *x;
	bool same_ents, fresh = false;
	int err;

	k.family = family;
	k.dir = dir;
	k.plen = nd->plen;
	memcpy(k.addr, nd->addr, addr_len(family));
	x = htab_find(&m->nodes, &k);
	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x)
			return -ENOMEM;
		err = nid_alloc(m, &x->id);
		if (err) {
			free(x);
			return err;
		}
		x->key = k;
		if (htab_add(&m->nodes, &x->n)) {
			vec_push(&m->nid_free, x->id);
			free(x);
			return -ENOMEM;
		}
		fresh = true;
	}
	*id_out = x->id;
	x->seen = 1;
	same_ents = !fresh && x->ents && x->count == nd->count &&
		    x->flags == nd->flags && !memcmp(x->ents, nd->ents, bytes);
	if (same_ents && x->parent == parent)
		return 0;
	v.start = x->start;
	v.count = nd->count;
	v.flags = nd->flags;
	v.parent = parent;
	if (family == AF_INET && nd->count)
		node_head4(&nd->ents[0], &v);
	if (!same_ents) {
		err = region_alloc(m, nd->count, &v.start);
		if (err)
			return err;
		err = write_ents(m, v.start, nd->ents, nd->count);
		if (err)
			return err;
		copy = malloc(bytes);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, nd->ents, bytes);
	}
	if (bpf_map_update_elem(m->fd_node, &x->id, &v, BPF_ANY)) {
		free(copy);
		return -errno;
	}
	if (fresh) {
		lpm_key(&k, &lk);
		if (bpf_map_update_elem(m->fd_lpm[f], &lk, &x->id, BPF_ANY) ||
		    (family == AF_INET && k.plen > 16 &&
		     bpf_map_update_elem(m->fd_pfx4, pfx4_key(&k, &pk), &x->id,
					 BPF_ANY))) {
			free(copy);
			return -errno;
		}
	}
	if (!same_ents) {
		if (!fresh)
			region_release(m, x->start, x->count);
		free(x->ents);
		x->ents = copy;
	}
	x->start = v.start;
	x->count = v.count;
	x->flags = nd->flags;
	x->parent = parent;
	return 0;
}

/* Rewrite the changed nodes of one (family, dir). */
static int commit_group(struct ipso_mirror *m, int f, int dir,
			struct minode ***dead, size_t *ndead, size_t *cap)
{
	int family = f ? AF_INET6 : AF_INET;
	struct spd_in *in = NULL;
	__u32 *ids = NULL;
	struct spd_out out = { 0 };
	struct htab_node *n, *next;
	size_t cnt = 0, i;
	int err = -ENOMEM;

	in = calloc(m->sh.pols.count + 1, sizeof(*in));
	if (!in)
		goto out;
	htab_for_each_safe(&m->sh.pols, i, n, next) {
		struct shadow_pol *p = (struct shadow_pol *)n;

		if (!p->live || p->d.dir != dir || p->d.sel.family != family)
			continue;
		in[cnt].d = &p->d;
		in[cnt].slot = p->slot;
		in[cnt].order = IPSO_ORDER(p->d.priority, p->cls, p->seq);
		cnt++;
	}
	err = spd_build(family, in, cnt, &out);
	if (err)
		goto out;
	ids = calloc(out.nnodes + 1, sizeof(*ids));
	if (!ids) {
		err = -ENOMEM;
		goto out;
	}
	htab_for_each_safe(&m->nodes, i, n, next) {
		struct minode *x = (struct minode *)n;

		if (x->key.family == family && x->key.dir == dir)
			x->seen = 0;
	}
	/* parents come first in out.nodes */
	for (i = 0; i < out.nnodes; i++) {
		const struct spd_node *nd = &out.nodes[i];
		__u32 parent = nd->parent < 0 ? 0 : ids[nd->parent] + 1;

		err = commit_node(m, f, dir, nd, parent, &ids[i]);
		if (err)
			goto out;
	}
	/* nodes no policy needs any more: removed after the bump */
	htab_for_each_safe(&m->nodes, i, n, next) {
		struct minode *x = (struct minode *)n;

		if (x->key.family != family || x->key.dir != dir || x->seen)
			continue;
		x->seen = 1;	/* queued once */
		x->dead = 1;
		err = queue_dead(x, dead, ndead, cap);
		if (err)
			goto out;
	}
	err = family == AF_INET ? commit_dir16(m, dir) : 0;
out:
	spd_out_free(&out);
	free(ids);
	free(in);
	return err;
}

/* --- commit: the SA template index --------------------------------------- */

static int sa_group_cmp(const struct ipso_sa_desc *a,
			const struct ipso_sa_desc *b)
{
	int c;

	if (a->key.family != b->key.family)
		return a->key.family < b->key.family ? -1 : 1;
	c = memcmp(&a->key.daddr, &b->key.daddr, sizeof(a->key.daddr));
	if (c)
		return c;
	if (a->reqid != b->reqid)
		return a->reqid < b->reqid ? -1 : 1;
	if (a->mode != b->mode)
		return a->mode < b->mode ? -1 : 1;
	if (a->key.proto != b->key.proto)
		return a->key.proto < b->key.proto ? -1 : 1;
	return 0;
}

/* xfrm_state_look_at(): not dying first, then newest add_time. */
static int sa_rank_cmp(const struct shadow_sa *x, const struct shadow_sa *y)
{
	int dx = !!(x->d.flags & IPSO_SA_F_DYING);
	int dy = !!(y->d.flags & IPSO_SA_F_DYING);

	if (dx != dy)
		return dx < dy ? -1 : 1;
	if (x->d.add_time != y->d.add_time)
		return x->d.add_time > y->d.add_time ? -1 : 1;
	if (x->seq != y->seq)	/* hash chains: newest inserted first */
		return x->seq > y->seq ? -1 : 1;
	return 0;
}

static int sa_sort_cmp(const void *a, const void *b)
{
	const struct shadow_sa *x = *(const struct shadow_sa * const *)a;
	const struct shadow_sa *y = *(const struct shadow_sa * const *)b;
	int c = sa_group_cmp(&x->d, &y->d);

	if (c)
		return c;
	c = memcmp(&x->d.saddr, &y->d.saddr, sizeof(x->d.saddr));
	if (c)
		return c;
	return sa_rank_cmp(x, y);
}

static bool addr_zero(const union ipso_addr *a)
{
	return !(a->a32[0] | a->a32[1] | a->a32[2] | a->a32[3]);
}

/* Write one desired index entry: the best IPSO_SA_IDX_WAYS of list. */
static int idx_put(struct ipso_mirror *m, const struct shadow_sa *g,
		   const union ipso_addr *saddr, __u8 wild,
		   struct shadow_sa **list, size_t n)
{
	struct ipso_sa_idx_key k;
	struct ipso_sa_idx_val v;
	struct midx *x;
	size_t i;

	memset(&k, 0, sizeof(k));
	k.daddr = g->d.key.daddr;
	k.saddr = *saddr;
	k.reqid = g->d.reqid;
	k.family = g->d.key.family;
	k.mode = g->d.mode;
	k.proto = g->d.key.proto;
	k.wild = wild;
	memset(&v, 0, sizeof(v));
	v.count = n;
	for (i = 0; i < n && i < IPSO_SA_IDX_WAYS; i++)
		v.sa[i] = list[i]->key;
	x = htab_find(&m->idx, &k);
	if (x && !memcmp(&x->val, &v, sizeof(v))) {
		x->seen = 1;
		return 0;
	}
	if (bpf_map_update_elem(m->fd_idx, &k, &v, BPF_ANY))
		return -errno;
	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x)
			return -ENOMEM;
		x->key = k;
		if (htab_add(&m->idx, &x->n)) {
			free(x);
			return -ENOMEM;
		}
	}
	x->val = v;
	x->seen = 1;
	return 0;
}

static int merge_ranked(struct shadow_sa **a, size_t na, struct shadow_sa **b, size_t nb,
			struct shadow_sa **out)
{
	size_t i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		if (j >= nb || (i < na && sa_rank_cmp(a[i], b[j]) <= 0))
			out[n++] = a[i++];
		else
			out[n++] = b[j++];
	}
	return n;
}

/*
 * The additions half of ipso_sa_reqids: written before any index key is
 * added, the union of what is there and what will be.
 */
static int reqids_grow(struct ipso_mirror *m, struct shadow_sa **all, size_t cnt)
{
	struct ipso_sa_reqids u;
	size_t i;

	memset(&m->reqids_next, 0, sizeof(m->reqids_next));
	m->reqids_next.valid = 1;
	for (i = 0; i < cnt; i++)
		reqid_set(&m->reqids_next, all[i]->d.reqid);
	u = m->reqids;
	for (i = 0; i < IPSO_REQID_WORDS; i++)
		u.w[i] |= m->reqids_next.w[i];
	u.valid = 1;
	if (!memcmp(&u, &m->reqids, sizeof(u)))
		return 0;
	return write_reqids(m, &u);
}

static int commit_sa_index(struct ipso_mirror *m)
{
	struct shadow_sa **all, **tmp, **zero;
	struct htab_node *n, *next;
	size_t cnt = 0, i, j, k;
	int err = -ENOMEM;

	all = calloc(m->sh.sas.count + 1, sizeof(*all));
	tmp = calloc(m->sh.sas.count + 1, sizeof(*tmp));
	zero = calloc(m->sh.sas.count + 1, sizeof(*zero));
	if (!all || !tmp || !zero)
		goto out;
	htab_for_each_safe(&m->sh.sas, i, n, next)
		if (((struct shadow_sa *)n)->live)
			all[cnt++] = (struct shadow_sa *)n;
	qsort(all, cnt, sizeof(*all), sa_sort_cmp);
	htab_for_each_safe(&m->idx, i, n, next)
		((struct midx *)n)->seen = 0;

	err = reqids_grow(m, all, cnt);
	for (i = 0; i < cnt && !err; i = j) {
		size_t nzero = 0;
		union ipso_addr z = { 0 };

		for (j = i; j < cnt && !sa_group_cmp(&all[i]->d,
						     &all[j]->d); j++)
			if (addr_zero(&all[j]->d.saddr))
				zero[nzero++] = all[j];
		/* per source: its SAs plus the wildcard-source ones */
		for (k = i; k < j && !err; ) {
			size_t e = k, nt;

			while (e < j && !memcmp(&all[e]->d.saddr,
						&all[k]->d.saddr,
						sizeof(z)))
				e++;
			if (!addr_zero(&all[k]->d.saddr)) {
				nt = merge_ranked(all + k, e - k, zero, nzero,
						  tmp);
				err = idx_put(m, all[k], &all[k]->d.saddr,
					      0, tmp, nt);
			} else {
				err = idx_put(m, all[k], &z, 0, zero, nzero);
			}
			k = e;
		}
		/* all SAs of the group, for a template without source */
		for (k = i; k < j; k++)
			tmp[k - i] = all[k];
		if (!err) {
			size_t a, b;

			/* insertion sort by rank: groups are small */
			for (a = 1; a < j - i; a++)
				for (b = a; b > 0 &&
				     sa_rank_cmp(tmp[b], tmp[b - 1]) < 0; b--) {
					struct shadow_sa *t = tmp[b];

					tmp[b] = tmp[b - 1];
					tmp[b - 1] = t;
				}
			err = idx_put(m, all[i], &z, 1, tmp, j - i);
		}
	}
out:
	free(all);
	free(tmp);
	free(zero);
	return err;
}

static void src_key_of(const struct shadow_sa *s, struct ipso_sa_src_key *k)
{
	memset(k, 0, sizeof(*k));
	k->saddr = s->d.saddr;
	if (s->d.key.family == AF_INET)
		memset(&k->saddr.a8[4], 0, 12);
	k->spi = s->d.key.spi;
	k->reqid = s->d.reqid;
	k->family = s->d.key.family;
}

static int src_key_cmp(const void *a, const void *b)
{
	struct ipso_sa_src_key x, y;

	src_key_of(*(const struct shadow_sa * const *)a, &x);
	src_key_of(*(const struct shadow_sa * const *)b, &y);
	return memcmp(&x, &y, sizeof(x));
}

/* ipso_sa_bysrc: what tc egress can find from a secpath entry. */
static int commit_sa_bysrc(struct ipso_mirror *m)
{
	struct shadow_sa **all;
	struct htab_node *n, *next;
	size_t cnt = 0, i, j, k;
	int err = 0;

	all = calloc(m->sh.sas.count + 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	htab_for_each_safe(&m->sh.sas, i, n, next)
		if (((struct shadow_sa *)n)->live)
			all[cnt++] = (struct shadow_sa *)n;
	qsort(all, cnt, sizeof(*all), src_key_cmp);
	htab_for_each_safe(&m->bysrc, i, n, next)
		((struct msrc *)n)->seen = 0;
	for (i = 0; i < cnt && !err; i = j) {
		struct ipso_sa_src_key key;
		struct ipso_sa_src_val v;
		struct msrc *x;

		for (j = i + 1; j < cnt && !src_key_cmp(&all[i], &all[j]); j++)
			;
		src_key_of(all[i], &key);
		memset(&v, 0, sizeof(v));
		v.count = j - i;
		for (k = i; k < j && k - i < IPSO_SA_IDX_WAYS; k++)
			v.sa[k - i] = all[k]->key;
		x = htab_find(&m->bysrc, &key);
		if (x && !memcmp(&x->val, &v, sizeof(v))) {
			x->seen = 1;
			continue;
		}
		if (bpf_map_update_elem(m->fd_bysrc, &key, &v, BPF_ANY)) {
			err = -errno;
			break;
		}
		if (!x) {
			x = calloc(1, sizeof(*x));
			if (!x) {
				err = -ENOMEM;
				break;
			}
			x->key = key;
			if (htab_add(&m->bysrc, &x->n)) {
				free(x);
				err = -ENOMEM;
				break;
			}
		}
		x->val = v;
		x->seen = 1;
	}
	free(all);
	return err;
}

static int delete_unseen_idx(struct ipso_mirror *m)
{
	struct htab_node *n, *next;
	size_t i;

	htab_for_each_safe(&m->idx, i, n, next) {
		struct midx *x = (struct midx *)n;

		if (x->seen)
			continue;
		if (bpf_map_delete_elem(m->fd_idx, &x->key) && errno != ENOENT)
			return -errno;
		htab_del(&m->idx, &x->key);
		free(x);
	}
	htab_for_each_safe(&m->bysrc, i, n, next) {
		struct msrc *x = (struct msrc *)n;

		if (x->seen)
			continue;
		if (bpf_map_delete_elem(m->fd_bysrc, &x->key) &&
		    errno != ENOENT)
			return -errno;
		htab_del(&m->bysrc, &x->key);
		free(x);
	}
	return 0;
}

/* --- commit ------------------------------------------------------------ */

static int commit_additions(struct ipso_mirror *m, struct minode ***dead,
			    size_t *ndead, size_t *cap)
{
	struct htab_node *n, *next;
	size_t i;
	int f, d, err;

	htab_for_each_safe(&m->sh.sas, i, n, next) {
		struct shadow_sa *s = (struct shadow_sa *)n;
		struct ipso_sa v;

		if (!s->live || !s->dirty)
			continue;
		sa_from_desc(&s->d, s->sa_id, &v);
		if (bpf_map_update_elem(m->fd_sad, &s->key, &v, BPF_ANY))
			return -errno;
		s->installed = 1;
		s->dirty = 0;
	}
	htab_for_each_safe(&m->sh.pols, i, n, next) {
		struct shadow_pol *p = (struct shadow_pol *)n;
		struct ipso_spd_pol v;

		if (!p->live || !p->dirty)
			continue;
		if (!p->installed) {
			err = slot_alloc(m, &p->slot);
			if (err)
				return err;
		}
		desc_to_pol(&p->d, &v);
		if (bpf_map_update_elem(m->fd_pol, &p->slot, &v, BPF_ANY))
			return -errno;
		p->installed = 1;
		p->dirty = 0;
	}
	assign_classes(m);
	for (f = 0; f < 2; f++)
		for (d = 0; d < 3; d++) {
			if (!m->group_dirty[f][d])
				continue;
			err = commit_group(m, f, d, dead, ndead, cap);
			if (err)
				return err;
			m->group_dirty[f][d] = false;
		}
	if (m->sa_dirty) {
		err = commit_sa_index(m);
		if (!err)
			err = commit_sa_bysrc(m);
		if (err)
			return err;
	}
	return 0;
}

static int commit_removals(struct ipso_mirror *m, struct minode **dead,
			   size_t ndead)
{
	struct htab_node *n, *next;
	size_t i;
	int err;

	for (i = 0; i < ndead; i++) {
		struct minode *x = dead[i];
		union {
			struct ipso_lpm4_key k4;
			struct ipso_lpm6_key k6;
		} lk;

		lpm_key(&x->key, &lk);
		if (bpf_map_delete_elem(m->fd_lpm[fam_idx(x->key.family)],
					&lk) && errno != ENOENT)
			return -errno;
		if (x->key.family == AF_INET && x->key.plen > 16) {
			struct ipso_pfx4_key pk;

			if (bpf_map_delete_elem(m->fd_pfx4,
						pfx4_key(&x->key, &pk)) &&
			    errno != ENOENT)
				return -errno;
		}
		region_release(m, x->start, x->count);
		vec_push(&m->nid_pending, x->id);
		htab_del(&m->nodes, &x->key);
		free(x->ents);
		free(x);
	}
	if (m->sa_dirty) {
		err = delete_unseen_idx(m);
		/* the keys are gone: their bits may go */
		if (!err && memcmp(&m->reqids_next, &m->reqids,
				   sizeof(m->reqids)))
			err = write_reqids(m, &m->reqids_next);
		if (err)
			return err;
	}
	htab_for_each_safe(&m->sh.pols, i, n, next) {
		struct shadow_pol *p = (struct shadow_pol *)n;

		if (p->live || !p->installed)
			continue;
		if (bpf_map_delete_elem(m->fd_pol, &p->slot) &&
		    errno != ENOENT)
			return -errno;
		vec_push(&m->slot_pending, p->slot);
		p->installed = 0;
		shadow_release_pol(&m->sh, p);
	}
	htab_for_each_safe(&m->sh.sas, i, n, next) {
		struct shadow_sa *s = (struct shadow_sa *)n;

		if (s->live || !s->installed)
			continue;
		if (bpf_map_delete_elem(m->fd_sad, &s->key) && errno != ENOENT)
			return -errno;
		vec_push(&m->said_free, s->sa_id);
		s->sa_id = 0;
		s->installed = 0;
		shadow_release_sa(&m->sh, s);
	}
	m->sa_dirty = false;
	return 0;
}

int ipso_mirror_commit(struct ipso_mirror *m)
{
	struct minode **dead = NULL;
	size_t ndead = 0, cap = 0;
	int err;

	release_pending(m);
	err = commit_additions(m, &dead, &ndead, &cap);
	/*
	 * Removals run under an odd generation (the datapath neither uses
	 * nor fills its flow cache), then an even one; every move
	 * invalidates all cached flows, even after an error.
	 */
	if (!err) {
		ipso_config_bump_generation(m->config, true);
		err = commit_removals(m, dead, ndead);
	}
	ipso_config_bump_generation(m->config, false);
	free(dead);
	return err;
}

/* --- read back ------------------------------------------------------------ */

size_t ipso_mirror_policy_count(const struct ipso_mirror *m)
{
	return m->npol_live;
}

size_t ipso_mirror_sa_count(const struct ipso_mirror *m)
{
	return m->nsa_live;
}

int ipso_mirror_for_each_policy(const struct ipso_mirror *m,
				int (*cb)(const struct ipso_policy_desc *p,
					  void *ctx),
				void *ctx)
{
	struct ipso_policy_desc d;
	struct ipso_spd_pol v;
	__u32 k, nk, *prev = NULL;
	int ret;

	while (!bpf_map_get_next_key(m->fd_pol, prev, &nk)) {
		k = nk;
		prev = &k;
		if (bpf_map_lookup_elem(m->fd_pol, &k, &v))
			continue;
		pol_to_desc(&v, &d);
		ret = cb(&d, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

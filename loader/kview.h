/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loader's own view of the kernel SAD and SPD: what the daemon needs
 * beyond the maps, i.e. the policies that tell an SA's direction on
 * kernels without XFRMA_SA_DIR, and per-SA facts for offload decisions.
 */
#ifndef IPSO_KVIEW_H
#define IPSO_KVIEW_H

#include <stdbool.h>

#include "htab.h"
#include "xfrm_nl.h"

struct kv_sa {
	struct htab_node node;
	struct ipso_sa_key key;
	struct ipso_sa_desc d;	/* d.dir is the derived direction */
	__u8 kernel_dir;	/* from XFRMA_SA_DIR, else UNKNOWN */
	__u32 mark_v;		/* XFRMA_MARK value: the module finds it by */
	bool seen;
	bool dying;
	char alg[64];
};

struct kv_pol_id {
	__u32 dir;
	__u32 index;
};

struct kv_pol {
	struct htab_node node;
	struct kv_pol_id id;
	struct ipso_policy_desc d;
	bool seen;
};

/* reqid -> the SAs / policies (by template) that carry it. */
struct kv_idx {
	struct htab h;		/* struct kv_bucket by reqid */
};

struct kview {
	struct htab sas;
	struct htab pols;
	struct kv_idx sa_by_reqid;	/* SA reqid */
	struct kv_idx pol_by_reqid;	/* template reqids; 0 = any */
};

int kv_init(struct kview *kv);
void kv_free(struct kview *kv);

/* Insert or replace; returns the entry or NULL on ENOMEM. */
struct kv_sa *kv_put_sa(struct kview *kv, const struct xnl_event *ev);
struct kv_pol *kv_put_pol(struct kview *kv, const struct ipso_policy_desc *p);
struct kv_sa *kv_find_sa(struct kview *kv, const struct ipso_sa_key *key);
bool kv_del_sa(struct kview *kv, const struct ipso_sa_key *key);
bool kv_del_pol(struct kview *kv, __u8 dir, __u32 index);
void kv_flush_sas(struct kview *kv);
void kv_flush_pols(struct kview *kv);

/* Reconciliation helpers for a full dump. */
void kv_mark_unseen(struct kview *kv);
/* Remove entries not seen since kv_mark_unseen(); SAs removed are passed
 * to cb first (may be NULL). */
void kv_sweep(struct kview *kv, void (*cb)(const struct kv_sa *, void *),
	      void *ctx);

/*
 * Direction of an SA: the kernel's own word when it gives one, else from
 * the policies whose templates the SA can satisfy: out-policy -> OUT,
 * in/fwd-policy -> IN, both or none -> UNKNOWN.  Never "both".
 */
__u8 kv_sa_dir(const struct kview *kv, const struct kv_sa *sa);

/* Does template t of policy p accept SA s (as the kernel resolves it)? */
bool kv_tmpl_accepts(const struct ipso_policy_desc *p,
		     const struct ipso_tmpl_desc *t,
		     const struct ipso_sa_desc *s);

/*
 * Recompute the direction of SAs a policy change may affect; cb gets every
 * SA whose direction changed (the caller re-puts it into the mirror).
 */
void kv_redirect(struct kview *kv, const struct ipso_policy_desc *p,
		 void (*cb)(struct kv_sa *, void *), void *ctx);

#endif /* IPSO_KVIEW_H */

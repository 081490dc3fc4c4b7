/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shadow of the kernel SAD and SPD: one entry per SA and per policy,
 * each kind in one hash table, with reqid indexes that give an SA its
 * direction from the policies whose templates accept it (kernels without
 * XFRMA_SA_DIR).  The mirror (mirror.h) projects it into the pinned maps
 * and keeps its bookkeeping in the same entries, so the daemon holds one
 * copy of each SA and policy.
 *
 * An entry stays while the kernel has it (in_kernel), even when the maps
 * cannot take it (a BEET SA, a policy without a selector family, a full
 * map): its direction and offload decisions still need it.  The mirror
 * also keeps entries it has written to the maps until they are removed
 * from them.
 */
#ifndef IPSO_SHADOW_H
#define IPSO_SHADOW_H

#include <stdbool.h>
#include <linux/types.h>

#include "ipsec_offload/maps.h"
#include "htab.h"

#define IPSO_MAX_TMPL	4	/* XFRM_MAX_DEPTH is 6; more is refused */

/* One template of a protect policy (struct xfrm_user_tmpl). */
struct ipso_tmpl_desc {
	union ipso_addr daddr;	/* tunnel: outer dst; transport: 0 */
	union ipso_addr saddr;	/* tunnel: outer src; transport: 0 */
	__u32 spi;		/* network byte order, 0 = any */
	__u32 reqid;		/* 0 = any */
	__u8 family;		/* outer family */
	__u8 proto;		/* IPPROTO_ESP / IPPROTO_AH / IPPROTO_COMP */
	__u8 mode;		/* enum ipso_mode */
	__u8 optional;		/* 1 = level use */
};

/* One policy (struct xfrm_userpolicy_info + templates + mark + if_id). */
struct ipso_policy_desc {
	__u32 index;		/* kernel policy index: identity per dir */
	__u32 priority;
	__u8 dir;		/* enum ipso_dir: IN, OUT, FWD */
	__u8 action;		/* enum ipso_policy_action */
	__u8 ntmpl;
	__u8 pad;
	__u32 mark_v;
	__u32 mark_m;
	__u32 if_id;
	__u64 add_time;		/* kernel curlft.add_time, 0 if unknown */
	struct ipso_selector sel;
	struct ipso_tmpl_desc tmpl[IPSO_MAX_TMPL];
};

/* One SA (struct xfrm_usersa_info minus the keys). */
struct ipso_sa_desc {
	struct ipso_sa_key key;	/* (daddr, spi, proto, family) */
	union ipso_addr saddr;	/* outer source */
	struct ipso_selector sel;
	__u32 reqid;
	__u8 mode;		/* enum ipso_mode */
	__u8 dir;		/* enum ipso_dir, UNKNOWN if the kernel is silent */
	__u16 encap_sport;	/* network byte order, NAT-T only */
	__u16 encap_dport;
	__u16 pad;
	__u32 flags;		/* IPSO_SA_F_* */
	__u32 icv_len;
	__u64 add_time;		/* kernel curlft.add_time */
};

struct shadow_sa {
	struct htab_node node;
	struct ipso_sa_key key;	/* pad and unused IPv4 bytes zero */
	struct ipso_sa_desc d;	/* d.key == key; d.dir: kernel's or derived */
	__u32 mark_v;		/* XFRMA_MARK value: the module finds it by */
	__u8 kernel_dir;	/* from XFRMA_SA_DIR, else UNKNOWN */
	bool in_kernel;
	bool seen;		/* put since the last shadow_mark_unseen() */
	bool dying;		/* soft-expired */
	char alg[64];
	/* the mirror's: the entry of ipso_sad */
	__u64 seq;
	__u32 sa_id;
	__u8 live;		/* staged for the maps */
	__u8 installed;		/* written to ipso_sad */
	__u8 dirty;		/* ipso_sad value must be rewritten */
};

struct shadow_pol_id {
	__u32 dir;
	__u32 index;
};

struct shadow_pol {
	struct htab_node node;
	struct shadow_pol_id id;
	struct ipso_policy_desc d;
	bool in_kernel;
	bool seen;
	/* the mirror's: the slot in ipso_spd_pol and the tie order */
	__u64 seq;
	__u32 slot;
	__u32 arrival;		/* order within a sync */
	__u8 live;		/* staged for the maps */
	__u8 installed;		/* slot holds it in ipso_spd_pol */
	__u8 dirty;		/* ipso_spd_pol value must be rewritten */
	__u8 renumber;		/* seq assigned at end_sync */
	__s8 cls;		/* tie class (legacy order) */
};

/* reqid -> the entries that carry it (struct shadow_bucket). */
struct shadow_idx {
	struct htab h;
};

struct shadow {
	struct htab sas;		/* struct shadow_sa by key */
	struct htab pols;		/* struct shadow_pol by id */
	struct shadow_idx sa_by_reqid;	/* SA reqid */
	struct shadow_idx pol_by_reqid;	/* template reqids; 0 = any */
	size_t nsa, npol;		/* entries in_kernel */
};

int shadow_init(struct shadow *sh);
void shadow_free(struct shadow *sh);	/* and every entry */

/* Entries the kernel has, or NULL. */
struct shadow_sa *shadow_find_sa(const struct shadow *sh,
				 const struct ipso_sa_key *key);
struct shadow_pol *shadow_find_pol(const struct shadow *sh, __u8 dir,
				   __u32 index);
/* Any entry of that identity, the kernel's or not (get: created). */
struct shadow_sa *shadow_lookup_sa(const struct shadow *sh,
				   const struct ipso_sa_key *key);
struct shadow_pol *shadow_lookup_pol(const struct shadow *sh, __u8 dir,
				     __u32 index);
struct shadow_sa *shadow_get_sa(struct shadow *sh,
				const struct ipso_sa_key *key);
struct shadow_pol *shadow_get_pol(struct shadow *sh, __u8 dir, __u32 index);

/*
 * What the kernel reports.  put_sa takes d->dir as the kernel's word and
 * derives the direction when it is UNKNOWN; both return the entry, or
 * NULL when out of memory.
 */
struct shadow_sa *shadow_put_sa(struct shadow *sh,
				const struct ipso_sa_desc *d, __u32 mark_v,
				const char *alg);
struct shadow_pol *shadow_put_pol(struct shadow *sh,
				  const struct ipso_policy_desc *d);
/* The kernel no longer has it; the entry is freed unless still used. */
void shadow_forget_sa(struct shadow *sh, struct shadow_sa *s);
void shadow_forget_pol(struct shadow *sh, struct shadow_pol *p);
/* Free an entry neither the kernel nor the maps hold any more. */
void shadow_release_sa(struct shadow *sh, struct shadow_sa *s);
void shadow_release_pol(struct shadow *sh, struct shadow_pol *p);

/* The kernel's SAs: for (s = shadow_first_sa(sh, &i); s;
 *			  s = shadow_next_sa(sh, s, &i)) */
struct shadow_sa *shadow_first_sa(const struct shadow *sh, size_t *i);
struct shadow_sa *shadow_next_sa(const struct shadow *sh,
				 const struct shadow_sa *s, size_t *i);

/*
 * Direction of an SA: the kernel's own word when it gives one, else from
 * the policies whose templates the SA can satisfy: out-policy -> OUT,
 * in/fwd-policy -> IN, both or none -> UNKNOWN.  Never "both".
 */
__u8 shadow_sa_dir(const struct shadow *sh, const struct shadow_sa *sa);

/* Does template t of policy p accept SA s (as the kernel resolves it)? */
bool shadow_tmpl_accepts(const struct ipso_policy_desc *p,
			 const struct ipso_tmpl_desc *t,
			 const struct ipso_sa_desc *s);

/*
 * Recompute the direction of the SAs a change of policy p (NULL: of all
 * policies) may affect; cb gets every SA whose direction changed, after
 * s->d.dir is set, with the direction it had.
 */
void shadow_redirect(struct shadow *sh, const struct ipso_policy_desc *p,
		     void (*cb)(struct shadow_sa *s, __u8 old_dir, void *ctx),
		     void *ctx);

#endif /* IPSO_SHADOW_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shadow database: the loader's in-memory copy of the kernel SAD and
 * SPD, and its projection into the pinned BPF maps.
 *
 * Callers (sync, daemon, tests) describe SAs and policies as the kernel
 * reports them; the mirror owns every map layout detail (SPD search
 * structures, flow-cache generation).  Changes are staged and applied by
 * ipso_mirror_commit(), which writes additions and updates before it
 * removes anything, then bumps the generation, so a live SA or policy is
 * never missing from the maps and no cached flow outlives a change.
 */
#ifndef IPSO_MIRROR_H
#define IPSO_MIRROR_H

#include <stdbool.h>
#include <linux/types.h>
#include "../include/ipsec_offload/maps.h"

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

struct ipso_mirror;

/* Open (creating if needed) the pinned maps under pin_dir. */
struct ipso_mirror *ipso_mirror_open(const char *pin_dir);
void ipso_mirror_close(struct ipso_mirror *m);

/* Stage changes.  -errno on bad input (nothing staged) or when full. */
int ipso_mirror_put_policy(struct ipso_mirror *m,
			   const struct ipso_policy_desc *p);
int ipso_mirror_del_policy(struct ipso_mirror *m, __u8 dir, __u32 index);
int ipso_mirror_put_sa(struct ipso_mirror *m, const struct ipso_sa_desc *sa);
int ipso_mirror_del_sa(struct ipso_mirror *m, const struct ipso_sa_key *key);
/* Drop every staged and mirrored entry (XFRM flush). */
int ipso_mirror_flush_policies(struct ipso_mirror *m);
int ipso_mirror_flush_sas(struct ipso_mirror *m);

/*
 * Reconciliation after a full dump: begin_sync() marks everything unseen,
 * put_*() marks an entry seen, end_sync() stages the deletion of the rest.
 */
void ipso_mirror_begin_sync(struct ipso_mirror *m);
void ipso_mirror_end_sync(struct ipso_mirror *m);

/* Apply staged changes to the maps; returns -errno, maps still coherent. */
int ipso_mirror_commit(struct ipso_mirror *m);

/* Read back (for show and tests). */
size_t ipso_mirror_policy_count(const struct ipso_mirror *m);
size_t ipso_mirror_sa_count(const struct ipso_mirror *m);
const struct ipso_sa *ipso_mirror_find_sa(const struct ipso_mirror *m,
					  const struct ipso_sa_key *key);

/*
 * Appended by the loader (show policy, tests): walk the mirrored policies
 * as committed to the maps, in any order; a new process that opened the
 * pinned maps sees what the daemon committed.  A non-zero return of cb
 * stops the walk and is returned.  The loader carries a weak fallback that
 * returns -EOPNOTSUPP until the mirror library implements it.
 */
int ipso_mirror_for_each_policy(const struct ipso_mirror *m,
				int (*cb)(const struct ipso_policy_desc *p,
					  void *ctx),
				void *ctx);

/*
 * Appended (liveness lease): write ipso_config.live_until_ns, keeping the
 * other fields.  until_ns is CLOCK_MONOTONIC ns (bpf_ktime_get_ns()); the
 * datapath trusts the mirrored SAD/SPD for its mirror-dependent drops
 * only while now < until_ns.  0 = no lease (trusted as is, the default);
 * 1 = expired.  A maintainer refreshes it periodically (e.g. now + 5 s
 * every tick) and sets 1 before it stops.  Returns 0 or -errno.
 */
int ipso_mirror_set_lease(struct ipso_mirror *m, __u64 until_ns);

#endif /* IPSO_MIRROR_H */

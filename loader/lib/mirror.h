/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shadow database: the loader's in-memory copy of the kernel SAD and
 * SPD, and its projection into the pinned BPF maps.
 *
 * Callers (sync, daemon, tests) describe SAs and policies as the kernel
 * reports them; the mirror keeps them in its shadow (shadow.h), the one
 * copy the process holds, and owns every map layout detail (SPD search
 * structures, flow-cache generation).  Changes are staged and applied by
 * ipso_mirror_commit(), which writes additions and updates before it
 * removes anything, then bumps the generation, so a live SA or policy is
 * never missing from the maps and no cached flow outlives a change.
 */
#ifndef IPSO_MIRROR_H
#define IPSO_MIRROR_H

#include <stdbool.h>
#include <linux/types.h>
#include "ipsec_offload/maps.h"
#include "shadow.h"
#include "tie_order.h"

struct ipso_mirror;

/* Open (creating if needed) the pinned maps under pin_dir. */
struct ipso_mirror *ipso_mirror_open(const char *pin_dir);
void ipso_mirror_close(struct ipso_mirror *m);

/*
 * Stage changes.  -errno on bad input or when full; the shadow keeps a
 * policy the maps refuse (the kernel has it), put_sa stages nothing on
 * bad input.  put_sa mirrors sa->dir as given.
 */
int ipso_mirror_put_policy(struct ipso_mirror *m,
			   const struct ipso_policy_desc *p);
int ipso_mirror_del_policy(struct ipso_mirror *m, __u8 dir, __u32 index);
int ipso_mirror_put_sa(struct ipso_mirror *m, const struct ipso_sa_desc *sa);
int ipso_mirror_del_sa(struct ipso_mirror *m, const struct ipso_sa_key *key);

/*
 * An SA as the kernel reports it: sa->dir is the kernel's word, derived
 * from the shadow's policies when UNKNOWN.  *out is the shadow's entry,
 * kept even when the maps refuse the SA (-errno); NULL on -ENOMEM.
 */
int ipso_mirror_put_kernel_sa(struct ipso_mirror *m,
			      const struct ipso_sa_desc *sa, __u32 mark_v,
			      const char *alg, struct shadow_sa **out);
/* Soft expiry: the SA stays, marked IPSO_SA_F_DYING. */
int ipso_mirror_sa_dying(struct ipso_mirror *m, const struct ipso_sa_key *key);
/*
 * Re-derive and restage the directions a change of policy p (NULL: all)
 * may affect; cb (may be NULL) gets each SA whose direction changed and
 * whether the maps took it (0 or -errno).
 */
void ipso_mirror_redirect(struct ipso_mirror *m,
			  const struct ipso_policy_desc *p,
			  void (*cb)(struct shadow_sa *s, int err, void *ctx),
			  void *ctx);
/* The SAs and policies as the kernel has them (read; change them here). */
struct shadow *ipso_mirror_shadow(struct ipso_mirror *m);
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

/*
 * Walk the mirrored policies as committed to the maps, in any order (show
 * policy, tests): a new process that opened the pinned maps sees what the
 * daemon committed.  A non-zero return of cb stops the walk and is
 * returned.
 */
int ipso_mirror_for_each_policy(const struct ipso_mirror *m,
				int (*cb)(const struct ipso_policy_desc *p,
					  void *ctx),
				void *ctx);

/*
 * The liveness lease: write ipso_config.live_until_ns, keeping the
 * other fields.  until_ns is CLOCK_MONOTONIC ns (bpf_ktime_get_ns()); the
 * datapath trusts the mirrored SAD/SPD for its mirror-dependent drops
 * only while now < until_ns.  0 = no lease (trusted as is, the default);
 * 1 = expired.  A maintainer refreshes it periodically (e.g. now + 5 s
 * every tick) and sets 1 before it stops.  Returns 0 or -errno.
 */
int ipso_mirror_set_lease(struct ipso_mirror *m, __u64 until_ns);

/*
 * The tie order to encode, instead of ipso_tie_order()'s (tests that
 * model another kernel).  Call before the first policy is written.
 */
void ipso_mirror_set_tie_order(struct ipso_mirror *m,
			       enum ipso_tie_order order);

/* Record the kernel's fwd default (IPSO_CFG_F_FWD_ACCEPT).  0 or -errno. */
int ipso_mirror_set_fwd_accept(struct ipso_mirror *m, bool accept);

#endif /* IPSO_MIRROR_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Full reconciliation of the kernel SAD/SPD into the mirror: dump, stage
 * every entry, stage the deletion of what vanished, commit.  Additions and
 * updates land before removals (ipso_mirror_commit), so a live SA or
 * policy is never missing from the maps.
 */
#ifndef IPSO_SYNC_H
#define IPSO_SYNC_H

#include "mirror.h"

struct sync_stats {
	size_t policies;
	size_t sas;
	size_t skipped;		/* entries the mirror refused */
	int first_err;		/* first refusal, -errno */
};

/*
 * Dump and reconcile the mirror and its shadow.  Returns
 * 0 or -errno; entries the mirror refuses are counted in st->skipped and
 * the first refusal is returned after everything else was committed.
 */
int ipso_sync(struct ipso_mirror *m, struct sync_stats *st);

/*
 * Read the kernel's fwd default policy into the mirror's config; what
 * cannot be read counts as block (the fast path then leaves unmatched
 * forwarded packets to the kernel).  ipso_sync() calls it; the daemon
 * also every tick, since setting a default notifies nobody.
 */
int ipso_sync_defaults(struct ipso_mirror *m);

#endif /* IPSO_SYNC_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Full reconciliation of the kernel SAD/SPD into the mirror: dump, stage
 * every entry, stage the deletion of what vanished, commit.  Additions and
 * updates land before removals (ipso_mirror_commit), so a live SA or
 * policy is never missing from the maps.
 */
#ifndef IPSO_SYNC_H
#define IPSO_SYNC_H

#include "kview.h"
#include "mirror.h"

struct sync_stats {
	size_t policies;
	size_t sas;
	size_t skipped;		/* entries the mirror refused */
	int first_err;		/* first refusal, -errno */
};

/*
 * Dump and reconcile.  kv is updated to the kernel's state too.  Returns
 * 0 or -errno; entries the mirror refuses are counted in st->skipped and
 * the first refusal is returned after everything else was committed.
 */
int ipso_sync(struct ipso_mirror *m, struct kview *kv, struct sync_stats *st);

#endif /* IPSO_SYNC_H */

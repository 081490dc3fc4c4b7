/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Offload requests: which (SA, device) pairs the daemon asked the bridge
 * module for, their state as the module reports it, and the hand-over of
 * maps and mark layout.  Works without the module: every SA then stays
 * "not offloaded (module not loaded)" and mirroring goes on.
 */
#ifndef IPSO_OFFLOAD_H
#define IPSO_OFFLOAD_H

#include <stdbool.h>

#include "devperm.h"
#include "genl.h"
#include "htab.h"
#include "shadow.h"
#include "pinned.h"

#define OFL_MAX_DEVS	32

struct ofl_dev {
	__u32 ifindex;
	char name[IF_NAMESIZE];
};

struct ofl_mgr {
	const char *pin_dir;
	const struct devperm *perm;
	struct ipso_genl g;
	bool connected;
	int ev_fd;		/* genl events, -1 if none */
	struct pinned pm;
	struct htab req;	/* struct ofl_req by (SA, ifindex) */
	struct ofl_dev devs[OFL_MAX_DEVS];	/* eligible devices */
	int ndevs;
	bool (*is_attached)(__u32 ifindex, const char *pin_dir);
};

/* Open maps; try the module.  Never fails because the module is absent. */
int ofl_init(struct ofl_mgr *om, const char *pin_dir,
	     const struct devperm *perm);
void ofl_fini(struct ofl_mgr *om);

/*
 * Connect to the module if not yet connected (hand over maps, read the
 * mark layout, subscribe, adopt its current offloads) and refresh the
 * eligible devices: registered with the module and attached by us.
 * Devices that left are evicted; new ones are offered every SA in sh.
 * Returns true when connected.
 */
bool ofl_refresh(struct ofl_mgr *om, const struct shadow *sh);

/* Offer an SA on every permitted eligible device it is not yet on. */
void ofl_offer(struct ofl_mgr *om, const struct shadow_sa *sa);
/* The kernel deleted the SA: forget requests, drop stale PENDING marks. */
void ofl_forget(struct ofl_mgr *om, const struct ipso_sa_key *key);
/* Read module notifications. */
void ofl_read_events(struct ofl_mgr *om);
/*
 * Withdraw every offload we hold and wait (up to timeout_ms) until the
 * module reports them gone.  Returns how many are still present.
 */
int ofl_withdraw_all(struct ofl_mgr *om, int timeout_ms);

#endif /* IPSO_OFFLOAD_H */

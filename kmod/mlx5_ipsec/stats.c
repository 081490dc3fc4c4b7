// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware counters and lifetimes.  Every poll_ms a work item on the
 * ordered workqueue asks the driver for each live offload's cumulative
 * counters, writes them into the loader's ipso_hw_stats array (indexed by
 * handle), and, for packet-mode offloads (the kernel never sees those
 * packets), adds the deltas to the state's curlft and runs
 * xfrm_state_check_expire(): soft and hard byte/packet limits then fire
 * exactly as for software SAs, with the kernel's own EXPIRE messages (the
 * hard expiry deletes the state and our KM hook tears the offload down).
 * Crypto-mode offloads are counted by the kernel's own xfrm_output /
 * xfrm_input, so feeding them would count twice.
 *
 * The same walk is the backstop for SA deletions no key manager hears of:
 * an entry whose state is dead is torn down.
 */
#include <linux/jiffies.h>
#include <linux/workqueue.h>
#include <net/xfrm.h>

#include "ipso.h"

static void ipso_stats_work_fn(struct work_struct *w);
static DECLARE_DELAYED_WORK(ipso_stats_work, ipso_stats_work_fn);
static bool ipso_stats_stopping;

static u64 ipso_delta(u64 now, u64 last)
{
	return now >= last ? now - last : now;	/* counter reset */
}

void ipso_stats_feed(struct ipso_offload *o,
		     const struct ipso_sa_hw_stats *now)
{
	u64 dbytes = ipso_delta(now->bytes, o->last.bytes);
	u64 dpackets = ipso_delta(now->packets, o->last.packets);

	struct xfrm_state *x = o->x;

	o->last = *now;
	if (!o->packet_mode || (!dbytes && !dpackets))
		return;
	/* x->lock, as xfrm_output_one() and xfrm_input() hold it here. */
	spin_lock_bh(&x->lock);
	x->curlft.bytes += dbytes;
	x->curlft.packets += dpackets;
	if (x->km.state == XFRM_STATE_VALID)
		xfrm_state_check_expire(x);
	spin_unlock_bh(&x->lock);
}

static void ipso_stats_read(struct ipso_offload *o)
{
	struct ipso_sa_hw_stats now = {};

	if (!o->driver_has_it || !o->nd->ops->sa_stats)
		return;
	if (o->nd->ops->sa_stats(o->dev, o->handle, &now))
		return;
	ipso_maps_write_hw_stats(o, &now);
	ipso_stats_feed(o, &now);
}

static void ipso_stats_poll_one(struct ipso_offload *o)
{
	if (READ_ONCE(o->live))
		ipso_stats_read(o);
}

/* Teardown, before sa_del: the last packets count towards the lifetime. */
void ipso_stats_final(struct ipso_offload *o)
{
	ipso_stats_read(o);
}

static void ipso_stats_work_fn(struct work_struct *w)
{
	struct ipso_offload *o;

	/* Entries are freed only on this (ordered) workqueue: stable walk. */
	list_for_each_entry_rcu(o, &ipso_ofl_list, node, true) {
		if (READ_ONCE(o->dying))
			continue;
		if (READ_ONCE(o->x->km.state) == XFRM_STATE_DEAD) {
			ipso_ofl_teardown(o, -ENOENT);
			continue;
		}
		ipso_stats_poll_one(o);
		cond_resched();
	}
	if (!READ_ONCE(ipso_stats_stopping))
		queue_delayed_work(ipso_wq, &ipso_stats_work,
				   msecs_to_jiffies(ipso_poll_ms));
}

void ipso_stats_init(void)
{
	queue_delayed_work(ipso_wq, &ipso_stats_work,
			   msecs_to_jiffies(ipso_poll_ms));
}

void ipso_stats_exit(void)
{
	WRITE_ONCE(ipso_stats_stopping, true);
	cancel_delayed_work_sync(&ipso_stats_work);
}

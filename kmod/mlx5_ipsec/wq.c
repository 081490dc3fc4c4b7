// SPDX-License-Identifier: GPL-2.0
/*
 * The ordered workqueue.  Every driver op runs here (drivers may sleep;
 * SA and device events arrive in atomic context), one at a time and in
 * the order the events happened: an install queued before a teardown of
 * the same entry always runs first.
 */
#include <linux/netdevice.h>
#include <linux/slab.h>

#include "ipso.h"

struct workqueue_struct *ipso_wq;

/* What the device must support for this SA, as IPSO_CAP_* bits. */
static u32 ipso_caps_needed(const struct xfrm_state *x)
{
	u32 need = 0;

	switch (x->props.mode) {
	case XFRM_MODE_TRANSPORT:
		need |= IPSO_CAP_TRANSPORT;
		break;
	case XFRM_MODE_TUNNEL:
		need |= IPSO_CAP_TUNNEL;
		break;
	default:
		return U32_MAX;		/* BEET and friends: never */
	}
	if (x->props.family == AF_INET6 || x->sel.family == AF_INET6)
		need |= IPSO_CAP_IPV6;
	if (x->props.flags & XFRM_STATE_ESN)
		need |= IPSO_CAP_ESN;
	if (x->encap)
		need |= IPSO_CAP_NATT;
	return need;
}

static int ipso_check_caps(const struct ipso_offload *o)
{
	u32 need = ipso_caps_needed(o->x);
	u32 have = o->nd->caps.caps;

	if (need == U32_MAX || (need & have) != need)
		return -EOPNOTSUPP;
	if (!(have & (IPSO_CAP_PACKET | IPSO_CAP_CRYPTO)))
		return -EOPNOTSUPP;
	return 0;
}

static void ipso_install_reject(struct ipso_offload *o, int err)
{
	spin_lock_bh(&ipso_lock);
	o->state = IPSO_OFL_REJECTED;
	o->reason = err;
	spin_unlock_bh(&ipso_lock);
	ipso_maps_reject(o);
	ipso_genl_notify(o, IPSO_OFL_REJECTED, err);
	netdev_dbg(o->dev, "ipsec_offload: SA spi 0x%08x rejected: %d\n",
		   ntohl(o->key.spi), err);
}

void ipso_install_work(struct work_struct *w)
{
	struct ipso_offload *o = container_of(w, struct ipso_offload,
					      install_work);
	struct ipso_sa_desc desc = { .x = o->x, .dir = o->dir };
	int handle, err;

	if (READ_ONCE(o->dying))
		return;		/* the teardown queued behind us cleans up */
	err = ipso_check_caps(o);
	if (err)
		goto reject;
	handle = ipso_handle_alloc(o);
	if (handle < 0) {
		err = handle;
		goto reject;
	}
	desc.handle = handle;
	err = o->nd->ops->sa_add(o->dev, &desc);
	if (err) {
		ipso_handle_free(handle);
		goto reject;
	}
	o->driver_has_it = true;

	/*
	 * The driver holds the SA: the handle becomes valid for the
	 * driver's TX check and for RX, then the maps tell the tc program,
	 * and only then may the TX hook send plaintext towards the device.
	 */
	spin_lock_bh(&ipso_lock);
	o->handle = handle;
	o->state = IPSO_OFL_OFFLOADED;
	o->reason = 0;
	if (!o->dying)
		WRITE_ONCE(o->live, true);
	spin_unlock_bh(&ipso_lock);
	ipso_maps_publish(o);
	if (o->packet_mode)
		ipso_tx_takeover(o);
	ipso_genl_notify(o, IPSO_OFL_OFFLOADED, 0);
	return;

reject:
	ipso_install_reject(o, err);
}

void ipso_teardown_work(struct work_struct *w)
{
	struct ipso_offload *o = container_of(w, struct ipso_offload,
					      teardown_work);

	/* tx_active and live went false when the teardown was queued. */
	ipso_maps_unpublish_offload(o);
	/*
	 * Wait for the TX hook, the tc program and RX lookups that still
	 * saw the entry: after this no new packet can pick this handle, and
	 * the driver drops queued packets that carry it (not live).
	 */
	synchronize_net();
	if (o->driver_has_it) {
		ipso_stats_final(o);
		o->nd->ops->sa_del(o->dev, o->handle);
		o->driver_has_it = false;
	}
	if (o->handle) {
		ipso_maps_unpublish_handle(o);
		ipso_handle_free(o->handle);
	}
	ipso_ofl_unlink(o);
	ipso_genl_notify(o, IPSO_OFL_NONE, o->reason);
	netdev_dbg(o->dev, "ipsec_offload: SA spi 0x%08x removed (%d)\n",
		   ntohl(o->key.spi), o->reason);
	xfrm_state_put(o->x);
	netdev_put(o->dev, &o->dev_tracker);
	kfree_rcu(o, rcu);
}

/* After SET_MAPS: write every settled entry into the new maps. */
static void ipso_resync_work(struct work_struct *w)
{
	struct ipso_offload *o;

	/* Entries are freed only on this workqueue: the walk is stable. */
	list_for_each_entry_rcu(o, &ipso_ofl_list, node, true) {
		if (READ_ONCE(o->dying))
			continue;
		if (READ_ONCE(o->state) == IPSO_OFL_OFFLOADED)
			ipso_maps_publish(o);
		else if (READ_ONCE(o->state) == IPSO_OFL_REJECTED)
			ipso_maps_reject(o);
	}
	kfree(w);
}

void ipso_maps_resync(void)
{
	struct work_struct *w = kzalloc(sizeof(*w), GFP_KERNEL);

	if (!w)
		return;		/* the allocator has warned; maps stay as they are */
	INIT_WORK(w, ipso_resync_work);
	queue_work(ipso_wq, w);
}

int ipso_wq_init(void)
{
	ipso_wq = alloc_ordered_workqueue("ipsec_offload", WQ_MEM_RECLAIM);
	return ipso_wq ? 0 : -ENOMEM;
}

void ipso_wq_exit(void)
{
	destroy_workqueue(ipso_wq);
}

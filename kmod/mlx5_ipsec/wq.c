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

/* The first capability in need that have lacks, in words. */
static const char *ipso_caps_missing(u32 need, u32 have)
{
	u32 miss = need & ~have;

	if (need == U32_MAX)
		return "only transport and tunnel mode SAs are offloaded";
	if (!(have & (IPSO_CAP_PACKET | IPSO_CAP_CRYPTO)))
		return "the device offers neither packet nor crypto offload";
	if (miss & IPSO_CAP_TRANSPORT)
		return "the device does not offload transport mode";
	if (miss & IPSO_CAP_TUNNEL)
		return "the device does not offload tunnel mode";
	if (miss & IPSO_CAP_IPV6)
		return "the device does not offload IPv6";
	if (miss & IPSO_CAP_ESN)
		return "the device does not offload ESN";
	if (miss & IPSO_CAP_NATT)
		return "the device does not offload UDP encapsulation (NAT-T)";
	return NULL;
}

static int ipso_check_caps(const struct ipso_offload *o,
			   struct netlink_ext_ack *extack)
{
	const char *why = ipso_caps_missing(ipso_caps_needed(o->x),
					    o->nd->caps.caps);

	if (!why)
		return 0;
	/* extack keeps the pointer: these strings are static. */
	extack->_msg = why;
	return -EOPNOTSUPP;
}

static void ipso_install_reject(struct ipso_offload *o, int err,
				const struct netlink_ext_ack *ext)
{
	spin_lock_bh(&ipso_lock);
	o->state = IPSO_OFL_REJECTED;
	o->reason = err;
	strscpy(o->reason_msg, ext->_msg ?: "", sizeof(o->reason_msg));
	spin_unlock_bh(&ipso_lock);
	ipso_maps_reject(o);
	ipso_genl_notify(o, IPSO_OFL_REJECTED, err);
	netdev_dbg(o->dev, "ipsec_offload: SA spi 0x%08x rejected: %d\n",
		   ntohl(o->key.spi), err);
}

/* What must hold before the driver is asked. */
static int ipso_install_check(struct ipso_offload *o,
			      struct netlink_ext_ack *ext)
{
	bool elsewhere;
	int err;

	/* Deleted since the request: the poll tears the entry down. */
	if (READ_ONCE(o->x->km.state) == XFRM_STATE_DEAD) {
		NL_SET_ERR_MSG_MOD(ext, "the SA was deleted");
		return -ENOENT;
	}
	err = ipso_check_caps(o, ext);
	if (err)
		return err;
	rcu_read_lock();
	elsewhere = ipso_ofl_held_elsewhere_rcu(o);
	rcu_read_unlock();
	if (elsewhere) {
		NL_SET_ERR_MSG_MOD(ext, "offloaded on another device already");
		return -EBUSY;
	}
	return 0;
}

void ipso_install_work(struct work_struct *w)
{
	struct ipso_offload *o = container_of(w, struct ipso_offload,
					      install_work);
	struct netlink_ext_ack ext = {};
	struct ipso_sa_desc desc = { .x = o->x, .dir = o->dir, .extack = &ext };
	int handle, err;
	bool dying;

	if (READ_ONCE(o->dying))
		return;		/* the teardown queued behind us cleans up */
	err = ipso_install_check(o, &ext);
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
	o->reason_msg[0] = '\0';
	dying = o->dying;
	if (!dying)
		WRITE_ONCE(o->live, true);
	spin_unlock_bh(&ipso_lock);
	/* A teardown queued meanwhile must not find OFFLOADED in the maps. */
	if (dying)
		return;
	ipso_maps_publish(o);
	if (o->packet_mode)
		ipso_tx_takeover(o);
	if (READ_ONCE(o->tx_active) && (o->nd->caps.caps & IPSO_CAP_XDP_TX))
		ipso_maps_publish_fastpath(o);
	ipso_genl_notify(o, IPSO_OFL_OFFLOADED, 0);
	return;

reject:
	ipso_install_reject(o, err, &ext);
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

int ipso_wq_init(void)
{
	ipso_wq = alloc_ordered_workqueue("ipsec_offload", WQ_MEM_RECLAIM);
	return ipso_wq ? 0 : -ENOMEM;
}

void ipso_wq_exit(void)
{
	destroy_workqueue(ipso_wq);
}

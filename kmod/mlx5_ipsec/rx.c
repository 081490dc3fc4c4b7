// SPDX-License-Identifier: GPL-2.0
/*
 * Datapath helpers for drivers (ipso_bridge.h): handle checks on TX and
 * the RX secpath.  RCU only, any context.
 */
#include <linux/refcount.h>
#include <net/xfrm.h>

#include "ipso.h"

static struct ipso_offload *ipso_live_rcu(const struct net_device *dev,
					  u32 handle)
{
	struct ipso_offload *o = ipso_ofl_by_handle_rcu(handle);

	if (!o || o->dev != dev || !READ_ONCE(o->live))
		return NULL;
	return o;
}

bool ipso_handle_is_live(const struct net_device *dev, u32 handle)
{
	bool live;

	rcu_read_lock();
	live = !!ipso_live_rcu(dev, handle);
	rcu_read_unlock();
	return live;
}
EXPORT_SYMBOL_GPL(ipso_handle_is_live);

u32 ipso_tx_handle_from_secpath(const struct sk_buff *skb,
				const struct net_device *dev)
{
	const struct sec_path *sp = skb_sec_path(skb);
	struct ipso_offload *o;
	u32 handle = IPSO_HANDLE_INVALID;

	if (!sp || !sp->len)
		return handle;
	rcu_read_lock();
	o = ipso_ofl_find_rcu(sp->xvec[sp->len - 1], dev->ifindex);
	/* An inbound state (decrypted, now forwarded) names nothing to do. */
	if (o && o->dev == dev && o->dir == IPSO_DIR_OUT && READ_ONCE(o->live))
		handle = o->handle;
	rcu_read_unlock();
	return handle;
}
EXPORT_SYMBOL_GPL(ipso_tx_handle_from_secpath);

static struct ipso_offload *ipso_rx_entry_rcu(const struct net_device *dev,
					      u32 handle)
{
	struct ipso_offload *o = ipso_ofl_by_handle_rcu(handle);

	if (!o || o->dev != dev || o->dir != IPSO_DIR_IN)
		return NULL;
	if (READ_ONCE(o->live))
		return o;
	/*
	 * Withdrawn while the NIC was decrypting this packet: it was
	 * started under a live handle, and the state, if still valid,
	 * accepts it as software would.  The teardown waits for RCU
	 * readers before the driver's sa_del, so the handle still names
	 * this entry.
	 */
	if (READ_ONCE(o->dying) &&
	    READ_ONCE(o->x->km.state) == XFRM_STATE_VALID)
		return o;
	return NULL;
}

/*
 * Attach the kernel state to a packet the NIC decrypted and decapsulated,
 * so the kernel's inbound (and forward) policy check accepts it: that check
 * only compares the secpath's states with the policy's templates.
 *
 * Unlike mlx5e in crypto mode (ESP still present, xfrm_input() to run), we
 * add no xfrm_offload slot (CRYPTO_DONE / CRYPTO_SUCCESS): nothing runs
 * xfrm_input() on a decapsulated packet, and on 6.1 a slot on a state the
 * kernel itself does not offload (xso.dir != XFRM_DEV_OFFLOAD_IN) makes
 * validate_xmit_xfrm() treat a forwarded packet as one to encrypt and
 * dereference the state's missing type_offload (seen in the guest: NULL
 * pointer oops forwarding a tunnel-mode packet).  Without the slot the
 * packet looks like one software IPsec decrypted.
 *
 * The entry may be torn down concurrently: take the state only while its
 * refcount is non-zero (xfrm states are freed after an RCU grace period).
 */
int ipso_rx_attach_secpath(struct sk_buff *skb, const struct net_device *dev,
			   u32 handle)
{
	struct ipso_offload *o;
	struct xfrm_state *x;
	struct sec_path *sp;

	rcu_read_lock();
	o = ipso_rx_entry_rcu(dev, handle);
	x = o ? o->x : NULL;
	if (x && !refcount_inc_not_zero(&x->refcnt))
		x = NULL;
	rcu_read_unlock();
	if (!x)
		return -ENOENT;

	sp = secpath_set(skb);
	if (!sp || sp->len >= XFRM_MAX_DEPTH) {
		xfrm_state_put(x);
		return sp ? -EINVAL : -ENOMEM;
	}
	sp->xvec[sp->len++] = x;	/* our reference moves into the skb */
	return 0;
}
EXPORT_SYMBOL_GPL(ipso_rx_attach_secpath);

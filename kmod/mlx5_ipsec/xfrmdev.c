// SPDX-License-Identifier: GPL-2.0
/*
 * The xfrmdev backend: offers a NIC that implements the kernel's
 * xfrmdev_ops (mlx5e, and the simulated NIC's crypto face) to the bridge,
 * and drives it with the kernel's own semantics (docs/kmod.md, "The
 * xfrmdev backend").
 *
 * A software state is bound in crypto mode the way xfrm_dev_state_add()
 * binds one: xso.dev (and real_dev before 6.16) set before the driver's
 * add, under xfrm_cfg_mutex as for xfrm_user; packets that meet the
 * binding before the driver set offload_handle are dropped by the
 * driver.  From then on the binding
 * belongs to the state, as it does for a state created with `offload dev`:
 * the kernel calls xdo_dev_state_delete when the state is deleted and
 * xdo_dev_state_free when it is destroyed, that is once no skb holds it.
 * Withdrawing the offload, stopping the daemon or unloading the bridge
 * therefore leaves the binding in place: undoing it on a live state would
 * free the driver's context while the NIC's TX ring may still name it.
 *
 * The one safe moment to undo a binding is NETDEV_DOWN, when the driver
 * has stopped its queues.  The bridge's notifier runs before xfrm's
 * (netdev.c), so the bindings we made go back to software there instead
 * of being deleted with the state by xfrm_dev_down().
 *
 * States the kernel already offloads on the device (IKE's hw_offload) are
 * adopted as they are, in their own mode and direction, and never unbound.
 *
 * Only devices whose driver is on the allow-list (module parameter
 * xfrmdev_drivers) are claimed: other drivers' xdo_dev_state_add may read
 * fields that this binding order sets later.
 */
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/xarray.h>
#include <net/xfrm.h>

#include "ipso.h"

static bool ipso_xfrmdev_enable;
module_param_named(xfrmdev_backend, ipso_xfrmdev_enable, bool, 0444);
MODULE_PARM_DESC(xfrmdev_backend, "offer NICs with kernel xfrm offload (mlx5e) to the bridge");

static char *ipso_xfrmdev_drivers = "mlx5_core,ipsecsim";
module_param_named(xfrmdev_drivers, ipso_xfrmdev_drivers, charp, 0444);
MODULE_PARM_DESC(xfrmdev_drivers, "comma-separated drivers (or rtnl kinds) the xfrmdev backend may claim");

#if IS_ENABLED(CONFIG_XFRM_OFFLOAD)

/* What the bridge asked for, by handle. */
struct ipso_xd_sa {
	struct xfrm_state *x;	/* the bridge's entry holds the reference */
	bool packet;		/* adopted in packet mode: the NIC counts */
};

/* A crypto binding we made, until the state dies or the device goes down. */
struct ipso_xd_binding {
	struct hlist_node node;
	struct xfrm_state *x;	/* reference held */
	struct net_device *dev;	/* x->xso holds the device reference */
};

static DEFINE_XARRAY(ipso_xd_sas);	/* handle -> ipso_xd_sa */
/* Serialises binding, unbinding and the stats hook against each other. */
static DEFINE_MUTEX(ipso_xd_mutex);
static DEFINE_HASHTABLE(ipso_xd_bindings, 8);
/* Taken with BH off: the key manager notifies from the expiry timer. */
static DEFINE_SPINLOCK(ipso_xd_bindings_lock);

/* Before 6.3 drivers cannot say why they refuse: the errno is all. */
static int ipso_xd_drv_add(struct net_device *dev, struct xfrm_state *x,
			   struct netlink_ext_ack *extack)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	return dev->xfrmdev_ops->xdo_dev_state_add(dev, x, extack);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	return dev->xfrmdev_ops->xdo_dev_state_add(x, extack);
#else
	return dev->xfrmdev_ops->xdo_dev_state_add(x);
#endif
}

static void ipso_xd_drv_delete(struct net_device *dev, struct xfrm_state *x)
{
	if (!dev->xfrmdev_ops->xdo_dev_state_delete)
		return;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	dev->xfrmdev_ops->xdo_dev_state_delete(dev, x);
#else
	dev->xfrmdev_ops->xdo_dev_state_delete(x);
#endif
}

static void ipso_xd_drv_free(struct net_device *dev, struct xfrm_state *x)
{
	if (!dev->xfrmdev_ops->xdo_dev_state_free)
		return;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	dev->xfrmdev_ops->xdo_dev_state_free(dev, x);
#else
	dev->xfrmdev_ops->xdo_dev_state_free(x);
#endif
}

/*
 * Packet-mode states only: the NIC counts them and the kernel asks it
 * when it needs the figures.  For crypto states the kernel counts every
 * packet itself, and mlx5e's hook would add its flow counter on top.
 * Called under x->lock, which mlx5e asserts.
 */
static void ipso_xd_drv_update_stats(struct xfrm_state *x)
{
	if (x->xso.type != XFRM_DEV_OFFLOAD_PACKET)
		return;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	xfrm_dev_state_update_stats(x);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	xfrm_dev_state_update_curlft(x);
#endif
}

/*
 * xfrmdev_ops cannot be asked what a device supports, beyond ESN (a
 * driver without advance_esn cannot keep the high bits).  Everything else
 * is the driver's call in xdo_dev_state_add, as it is for xfrm_user.
 */
static void ipso_xd_caps(struct net_device *dev, struct ipso_dev_caps *caps)
{
	caps->caps = IPSO_CAP_CRYPTO | IPSO_CAP_TRANSPORT | IPSO_CAP_TUNNEL |
		     IPSO_CAP_IPV6 | IPSO_CAP_NATT;
	if (dev->xfrmdev_ops->xdo_dev_state_advance_esn)
		caps->caps |= IPSO_CAP_ESN;
	caps->max_sa = 0;	/* the driver does not say */
}

static struct ipso_xd_binding *ipso_xd_binding_find(struct xfrm_state *x)
{
	struct ipso_xd_binding *b;

	hash_for_each_possible(ipso_xd_bindings, b, node, (unsigned long)x)
		if (b->x == x)
			return b;
	return NULL;
}

static int ipso_xd_binding_record(struct net_device *dev,
				  struct xfrm_state *x)
{
	struct ipso_xd_binding *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return -ENOMEM;
	xfrm_state_hold(x);
	b->x = x;
	b->dev = dev;
	spin_lock_bh(&ipso_xd_bindings_lock);
	hash_add(ipso_xd_bindings, &b->node, (unsigned long)x);
	spin_unlock_bh(&ipso_xd_bindings_lock);
	return 0;
}

static void ipso_xd_binding_free(struct ipso_xd_binding *b)
{
	xfrm_state_put(b->x);
	kfree(b);
}

static void ipso_xd_binding_drop(struct xfrm_state *x)
{
	struct ipso_xd_binding *b;

	spin_lock_bh(&ipso_xd_bindings_lock);
	b = ipso_xd_binding_find(x);
	if (b)
		hash_del(&b->node);
	spin_unlock_bh(&ipso_xd_bindings_lock);
	if (b)
		ipso_xd_binding_free(b);
}

/*
 * Before 6.16 validate_xmit_xfrm() passes a packet on untouched,
 * unencrypted, when xso.dev is not the device but xso.real_dev is (it
 * takes it for one an upper device validated), and xfrm_dev_state_add()
 * sets real_dev to the device.  From 6.16 real_dev is the bonding
 * driver's alone (include/net/xfrm.h): the core neither sets nor reads
 * it (net/xfrm/xfrm_device.c), and drivers are handed the device.
 */
static void ipso_xd_set_real_dev(struct xfrm_dev_offload *xso,
				 struct net_device *dev)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)
	/* after dev (the caller published it): who sees real_dev sees dev */
	smp_store_release(&xso->real_dev, dev);
#endif
}

/*
 * The device's index, kept by xfrm_dev_state_add() where the kernel has
 * the field (7.x): state dumps report it (xfrm_user.c,
 * copy_user_state_offload), not xso.dev's.  Kbuild asks the headers.
 */
static void ipso_xd_set_ifindex(struct xfrm_dev_offload *xso, int ifindex)
{
#ifdef IPSO_XSO_IFINDEX
	WRITE_ONCE(xso->ifindex, ifindex);
#endif
}

/*
 * Take the binding off a live state.  Where the kernel still looks at
 * real_dev (above), it goes first; while only dev is left, the driver
 * finds no offload_handle and drops (mlx5e: ipsec_tx_drop_no_state).
 */
static void ipso_xd_clear_xso(struct xfrm_dev_offload *xso)
{
	ipso_xd_set_real_dev(xso, NULL);
	WRITE_ONCE(xso->offload_handle, 0);
	smp_wmb();		/* before the datapath can see dev NULL */
	WRITE_ONCE(xso->dev, NULL);
	ipso_xd_set_ifindex(xso, 0);
	xso->dir = 0;
	xso->type = XFRM_DEV_OFFLOAD_UNSPECIFIED;
}

/* The checks xfrm_dev_state_add() makes before it asks the driver. */
static int ipso_xd_bind_allowed(struct xfrm_state *x, u8 dir,
				struct netlink_ext_ack *extack)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	u8 sa_dir = dir == IPSO_DIR_IN ? XFRM_SA_DIR_IN : XFRM_SA_DIR_OUT;

	if (x->dir && x->dir != sa_dir) {
		NL_SET_ERR_MSG_MOD(extack, "the SA's direction is not the offload's");
		return -EINVAL;
	}
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	if (dir == IPSO_DIR_IN && x->if_id) {
		NL_SET_ERR_MSG_MOD(extack, "inbound SAs of an XFRM interface are not offloaded");
		return -EOPNOTSUPP;
	}
	/*
	 * From 6.16 xfrm_user gives a new state its offload type only if
	 * esp4_offload/esp6_offload is loaded, and loads it only for states
	 * created for offload (xfrm_state_construct, net/xfrm/xfrm_user.c).
	 * Taken here as xfrm_user would have; kept if the driver refuses:
	 * xfrm_dev_state_add() drops it only on states not yet visible, and
	 * ours is live.  The module reference goes at destroy.
	 */
	if (!x->type_offload)
		xfrm_set_type_offload(x, true);
#endif
	if (!x->type_offload) {
		NL_SET_ERR_MSG_MOD(extack, "esp4_offload/esp6_offload is not loaded");
		return -EOPNOTSUPP;
	}
	if (x->tfcpad) {
		NL_SET_ERR_MSG_MOD(extack, "TFC padding cannot be offloaded");
		return -EINVAL;
	}
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	/* Later kernels leave encapsulation to the driver. */
	if (x->encap) {
		NL_SET_ERR_MSG_MOD(extack, "UDP encapsulation cannot be offloaded on this kernel");
		return -EINVAL;
	}
#endif
	return 0;
}

/* Bind a software state to dev in crypto mode (xfrm_dev_state_add()). */
static int ipso_xd_bind(struct net_device *dev, struct xfrm_state *x, u8 dir,
			struct netlink_ext_ack *extack)
{
	struct xfrm_dev_offload *xso = &x->xso;
	int err;

	err = ipso_xd_bind_allowed(x, dir, extack);
	if (err)
		return err;
	err = ipso_xd_binding_record(dev, x);
	if (err)
		return err;
	xso->dir = dir == IPSO_DIR_IN ? XFRM_DEV_OFFLOAD_IN :
					XFRM_DEV_OFFLOAD_OUT;
	xso->type = XFRM_DEV_OFFLOAD_CRYPTO;
	netdev_hold(dev, &xso->dev_tracker, GFP_KERNEL);
	/*
	 * dev before real_dev, and both before the driver's add, as
	 * xfrm_dev_state_add() sets them: drivers read either in add (from
	 * 6.16 they are handed dev), and real_dev alone would make
	 * validate_xmit_xfrm() send packets on unencrypted before 6.16.
	 * Until the driver sets offload_handle, packets that see the
	 * binding are dropped by the driver, never sent in clear.
	 */
	smp_store_release(&xso->dev, dev);
	ipso_xd_set_ifindex(xso, dev->ifindex);
	ipso_xd_set_real_dev(xso, dev);
	err = ipso_xd_drv_add(dev, x, extack);
	if (err) {
		ipso_xd_clear_xso(xso);
		netdev_put(dev, &xso->dev_tracker);
		ipso_xd_binding_drop(x);
		return err;
	}
	return 0;
}

/*
 * Undo a binding of ours on a device whose queues are stopped, in the
 * order xfrm_dev_state_free() uses: 6.1's mlx5e reads x->xso.dev in its
 * free.  xfrm_cfg_mutex keeps xfrm_user from deleting the state between
 * our delete and our free; a state the kernel already deleted is the
 * kernel's to free at destroy.
 */
static void ipso_xd_unbind(struct net_device *dev, struct xfrm_state *x)
{
	struct xfrm_dev_offload *xso = &x->xso;
	bool ours = false;

	spin_lock_bh(&x->lock);
	if (x->km.state != XFRM_STATE_DEAD && xso->dev == dev &&
	    xso->type == XFRM_DEV_OFFLOAD_CRYPTO) {
		ipso_xd_drv_delete(dev, x);
		ours = true;
	}
	spin_unlock_bh(&x->lock);
	if (!ours)
		return;
	ipso_xd_drv_free(dev, x);
	ipso_xd_clear_xso(xso);
	netdev_put(dev, &xso->dev_tracker);
}

/* A state the bridge offers us that the kernel already offloads on dev. */
static int ipso_xd_adopt(struct net_device *dev, const struct ipso_sa_desc *sa,
			 struct ipso_xd_sa *rec)
{
	struct xfrm_dev_offload *xso = &sa->x->xso;
	u8 want = sa->dir == IPSO_DIR_IN ? XFRM_DEV_OFFLOAD_IN :
					   XFRM_DEV_OFFLOAD_OUT;

	if (xso->dir != want) {
		NL_SET_ERR_MSG_MOD(sa->extack, "offloaded in the other direction");
		return -EINVAL;
	}
	switch (xso->type) {
	case XFRM_DEV_OFFLOAD_CRYPTO:
		return 0;
	case XFRM_DEV_OFFLOAD_PACKET:
		rec->packet = true;
		return 0;
	default:
		NL_SET_ERR_MSG_MOD(sa->extack, "unknown offload type");
		return -EOPNOTSUPP;
	}
}

static int ipso_xd_sa_attach(struct net_device *dev,
			     const struct ipso_sa_desc *sa,
			     struct ipso_xd_sa *rec)
{
	struct xfrm_state *x = sa->x;
	struct net_device *bound = READ_ONCE(x->xso.dev);
	struct ipso_xd_binding *b;

	if (bound && bound != dev) {
		NL_SET_ERR_MSG_MOD(sa->extack, "offloaded on another device");
		return -EBUSY;
	}
	if (!bound)
		return ipso_xd_bind(dev, x, sa->dir, sa->extack);
	spin_lock_bh(&ipso_xd_bindings_lock);
	b = ipso_xd_binding_find(x);
	spin_unlock_bh(&ipso_xd_bindings_lock);
	if (b)
		return 0;		/* our own binding, offered again */
	return ipso_xd_adopt(dev, sa, rec);
}

static int ipso_xd_sa_add(struct net_device *dev,
			  const struct ipso_sa_desc *sa)
{
	struct ipso_xd_sa *rec;
	int err;

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	rec->x = sa->x;
	mutex_lock(&ipso_xd_mutex);
	/* As for xfrm_user's own add: no delete while the driver adds. */
	mutex_lock(&xs_net(sa->x)->xfrm.xfrm_cfg_mutex);
	if (READ_ONCE(sa->x->km.state) == XFRM_STATE_DEAD) {
		NL_SET_ERR_MSG_MOD(sa->extack, "the SA was deleted");
		err = -ENOENT;
	} else {
		err = ipso_xd_sa_attach(dev, sa, rec);
	}
	mutex_unlock(&xs_net(sa->x)->xfrm.xfrm_cfg_mutex);
	if (!err)
		err = xa_err(xa_store(&ipso_xd_sas, sa->handle, rec,
				      GFP_KERNEL));
	mutex_unlock(&ipso_xd_mutex);
	if (err)
		kfree(rec);
	return err;
}

/* The binding stays with the state: see the top of this file. */
static void ipso_xd_sa_del(struct net_device *dev, u32 handle)
{
	struct ipso_xd_sa *rec;

	mutex_lock(&ipso_xd_mutex);
	rec = xa_erase(&ipso_xd_sas, handle);
	mutex_unlock(&ipso_xd_mutex);
	kfree(rec);
}

/* The kernel's own counters are the device's counters. */
static int ipso_xd_sa_stats(struct net_device *dev, u32 handle,
			    struct ipso_sa_hw_stats *st)
{
	struct ipso_xd_sa *rec;
	struct xfrm_state *x;

	mutex_lock(&ipso_xd_mutex);
	rec = xa_load(&ipso_xd_sas, handle);
	if (!rec) {
		mutex_unlock(&ipso_xd_mutex);
		return -ENOENT;
	}
	x = rec->x;
	spin_lock_bh(&x->lock);
	if (rec->packet && READ_ONCE(x->xso.dev) == dev)
		ipso_xd_drv_update_stats(x);
	st->packets = x->curlft.packets;
	st->bytes = x->curlft.bytes;
	st->auth_fail = x->stats.integrity_failed;
	st->replay_drop = x->stats.replay;
	st->no_sa_drop = 0;
	spin_unlock_bh(&x->lock);
	mutex_unlock(&ipso_xd_mutex);
	return 0;
}

static const struct ipso_driver_ops ipso_xd_ops = {
	.caps = ipso_xd_caps,
	.sa_add = ipso_xd_sa_add,
	.sa_del = ipso_xd_sa_del,
	.sa_stats = ipso_xd_sa_stats,
};

static const char *ipso_xd_driver_name(const struct net_device *dev)
{
	if (dev->dev.parent && dev->dev.parent->driver)
		return dev->dev.parent->driver->name;
	if (dev->rtnl_link_ops)
		return dev->rtnl_link_ops->kind;
	return NULL;
}

static bool ipso_xd_driver_allowed(const struct net_device *dev)
{
	const char *name = ipso_xd_driver_name(dev);
	const char *p = ipso_xfrmdev_drivers;
	size_t len;

	if (!name || !p)
		return false;
	len = strlen(name);
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == len && !strncmp(p, name, n))
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

/* NETDEV_REGISTER (RTNL held), also replayed for existing devices. */
void ipso_xfrmdev_probe(struct net_device *dev)
{
	int err;

	if (!ipso_xfrmdev_enable || !dev->xfrmdev_ops ||
	    !dev->xfrmdev_ops->xdo_dev_state_add ||
	    !(dev->features & NETIF_F_HW_ESP))
		return;
	if (!ipso_xd_driver_allowed(dev)) {
		netdev_info(dev, "ipsec_offload: driver %s not in xfrmdev_drivers, not claimed\n",
			    ipso_xd_driver_name(dev) ?: "(unknown)");
		return;
	}
	err = ipso_register_netdev(dev, &ipso_xd_ops, "xfrmdev");
	if (err && err != -EEXIST)
		netdev_warn(dev, "ipsec_offload: xfrmdev backend not registered: %d\n",
			    err);
}

/* Move the bindings matching (dev, net, deadness) out of the table onto @out. */
static void ipso_xd_bindings_take(const struct net_device *dev,
				  const struct net *net, bool only_dead,
				  struct hlist_head *out)
{
	struct ipso_xd_binding *b;
	struct hlist_node *tmp;
	int bkt;

	spin_lock_bh(&ipso_xd_bindings_lock);
	hash_for_each_safe(ipso_xd_bindings, bkt, tmp, b, node) {
		if (dev && b->dev != dev)
			continue;
		if (net && !net_eq(xs_net(b->x), net))
			continue;
		if (only_dead && READ_ONCE(b->x->km.state) != XFRM_STATE_DEAD)
			continue;
		hash_del(&b->node);
		hlist_add_head(&b->node, out);
	}
	spin_unlock_bh(&ipso_xd_bindings_lock);
}

/*
 * NETDEV_DOWN, before xfrm_dev_down() deletes every state bound to the
 * device: our bindings go back to software and the states live on.
 */
void ipso_xfrmdev_dev_down(struct net_device *dev)
{
	struct net *net = dev_net(dev);
	struct ipso_xd_binding *b;
	struct hlist_node *tmp;
	HLIST_HEAD(mine);

	mutex_lock(&ipso_xd_mutex);
	ipso_xd_bindings_take(dev, NULL, false, &mine);
	mutex_lock(&net->xfrm.xfrm_cfg_mutex);
	hlist_for_each_entry_safe(b, tmp, &mine, node) {
		ipso_xd_unbind(dev, b->x);
		ipso_xd_binding_free(b);
	}
	mutex_unlock(&net->xfrm.xfrm_cfg_mutex);
	mutex_unlock(&ipso_xd_mutex);
}

/* The kernel deleted x: its binding, if ours, is the kernel's to free. */
void ipso_xfrmdev_state_dead(struct xfrm_state *x)
{
	ipso_xd_binding_drop(x);
}

/*
 * Namespace exit and module unload (net NULL: every namespace), or a
 * flush (only_dead): drop our references so the states can be destroyed;
 * the kernel frees their bindings through the driver.
 */
void ipso_xfrmdev_forget(const struct net *net, bool only_dead)
{
	struct ipso_xd_binding *b;
	struct hlist_node *tmp;
	HLIST_HEAD(mine);

	ipso_xd_bindings_take(NULL, net, only_dead, &mine);
	hlist_for_each_entry_safe(b, tmp, &mine, node)
		ipso_xd_binding_free(b);
}

#else /* !CONFIG_XFRM_OFFLOAD */

void ipso_xfrmdev_probe(struct net_device *dev)
{
}

void ipso_xfrmdev_dev_down(struct net_device *dev)
{
}

void ipso_xfrmdev_state_dead(struct xfrm_state *x)
{
}

void ipso_xfrmdev_forget(const struct net *net, bool only_dead)
{
}

#endif

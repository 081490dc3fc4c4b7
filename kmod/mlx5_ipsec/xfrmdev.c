// SPDX-License-Identifier: GPL-2.0
/*
 * The mlx5 backend: an adapter that offers a device implementing the
 * kernel's xfrmdev_ops (mlx5e, and any other inline-crypto NIC) to the
 * bridge, so the loader can offload SAs on it like on the simulated NIC.
 *
 * On 6.1 the kernel has crypto offload only (the kernel builds ESP, the
 * NIC encrypts/decrypts in place, mlx5e looks the SA up by the object it
 * returned in xso.offload_handle).  sa_add binds an existing software
 * state to the device the way xfrm_dev_state_add() does, except that
 * x->xso.dev, the field the datapath reads (xfrm_dev_offload_ok()), is
 * published last, after the driver has programmed the SA.  A state the
 * kernel already offloads on this device (IKE's hw_offload, `ip xfrm
 * state ... offload dev D dir out`) is adopted as is and never unbound by
 * us.  The kernel counts crypto-offloaded packets itself, so the bridge
 * does not feed lifetimes for these devices (no IPSO_CAP_PACKET).
 *
 * Native packet offload (>= 6.2) and policy offload need the state and
 * policy to be created offloaded by their owner (xfrm_user): such states
 * are adopted too; the TX hook leaves them to the kernel.
 *
 * This file cannot run here (no such NIC): it compiles against 6.1, and
 * the API differences of newer kernels are version-guarded from reading
 * their sources.  docs/kmod.md lists exactly what was and was not checked.
 *
 * Off unless the module parameter xfrmdev_backend=1: a NIC driver that
 * registers with the bridge itself must not be claimed twice.
 */
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

#if IS_ENABLED(CONFIG_XFRM_OFFLOAD)

struct ipso_xd_sa {
	struct xfrm_state *x;	/* the bridge holds the reference */
	bool bound_by_us;	/* else adopted from the kernel */
};

static DEFINE_XARRAY(ipso_xd_sas);	/* handle -> ipso_xd_sa */

static int ipso_xd_drv_add(struct net_device *dev, struct xfrm_state *x)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	return dev->xfrmdev_ops->xdo_dev_state_add(dev, x, NULL);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	return dev->xfrmdev_ops->xdo_dev_state_add(x, NULL);
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

/* Refresh curlft from the NIC where the kernel has a hook for it. */
static void ipso_xd_drv_update_stats(struct net_device *dev,
				     struct xfrm_state *x)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	if (dev->xfrmdev_ops->xdo_dev_state_update_stats)
		dev->xfrmdev_ops->xdo_dev_state_update_stats(x);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	if (dev->xfrmdev_ops->xdo_dev_state_update_curlft)
		dev->xfrmdev_ops->xdo_dev_state_update_curlft(x);
#endif
}

static void ipso_xd_caps(struct net_device *dev, struct ipso_dev_caps *caps)
{
	caps->caps = IPSO_CAP_CRYPTO | IPSO_CAP_TRANSPORT | IPSO_CAP_TUNNEL |
		     IPSO_CAP_IPV6;
	if (dev->xfrmdev_ops->xdo_dev_state_advance_esn)
		caps->caps |= IPSO_CAP_ESN;
	caps->max_sa = 0;	/* the driver does not say */
}

/* Bind a software state to dev in crypto mode (xfrm_dev_state_add()). */
static int ipso_xd_bind(struct net_device *dev, struct xfrm_state *x, u8 dir)
{
	struct xfrm_dev_offload *xso = &x->xso;
	int err;

	if (!x->type_offload)
		return -EOPNOTSUPP;	/* esp4_offload / esp6_offload missing */
	if (x->encap || x->tfcpad)
		return -EOPNOTSUPP;	/* as xfrm_dev_state_add() on 6.1 */
	xso->real_dev = dev;
	xso->dir = dir == IPSO_DIR_IN ? XFRM_DEV_OFFLOAD_IN :
					XFRM_DEV_OFFLOAD_OUT;
	xso->type = XFRM_DEV_OFFLOAD_CRYPTO;
	err = ipso_xd_drv_add(dev, x);
	if (err) {
		xso->real_dev = NULL;
		xso->dir = 0;
		xso->type = XFRM_DEV_OFFLOAD_UNSPECIFIED;
		return err;
	}
	netdev_hold(dev, &xso->dev_tracker, GFP_KERNEL);
	/* The datapath may use the binding from here on. */
	smp_store_release(&xso->dev, dev);
	return 0;
}

/*
 * Undo ipso_xd_bind().  Under x->lock, as __xfrm_state_delete() calls
 * xdo_dev_state_delete: if the kernel deleted the state first, it has
 * called delete already and will call free when the state is destroyed.
 * Packets still queued see xso.dev == NULL and esp_xmit() falls back to
 * software crypto (CRYPTO_FALLBACK).
 */
static void ipso_xd_unbind(struct net_device *dev, struct xfrm_state *x)
{
	struct xfrm_dev_offload *xso = &x->xso;
	bool ours = false;

	spin_lock_bh(&x->lock);
	if (x->km.state != XFRM_STATE_DEAD && xso->dev == dev) {
		ipso_xd_drv_delete(dev, x);
		WRITE_ONCE(xso->dev, NULL);
		ours = true;
	}
	spin_unlock_bh(&x->lock);
	if (!ours)
		return;
	synchronize_net();	/* drivers' xmit that saw the binding */
	ipso_xd_drv_free(dev, x);
	xso->real_dev = NULL;
	xso->offload_handle = 0;
	xso->dir = 0;
	xso->type = XFRM_DEV_OFFLOAD_UNSPECIFIED;
	netdev_put(dev, &xso->dev_tracker);
}

static int ipso_xd_sa_add(struct net_device *dev,
			  const struct ipso_sa_desc *sa)
{
	struct xfrm_state *x = sa->x;
	struct net_device *bound = READ_ONCE(x->xso.dev);
	struct ipso_xd_sa *rec;
	int err;

	if (bound && bound != dev)
		return -EBUSY;		/* the kernel offloads it elsewhere */
	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	rec->x = x;
	if (!bound) {
		err = ipso_xd_bind(dev, x, sa->dir);
		if (err) {
			kfree(rec);
			return err;
		}
		rec->bound_by_us = true;
	}
	err = xa_err(xa_store(&ipso_xd_sas, sa->handle, rec, GFP_KERNEL));
	if (err) {
		if (rec->bound_by_us)
			ipso_xd_unbind(dev, x);
		kfree(rec);
	}
	return err;
}

static void ipso_xd_sa_del(struct net_device *dev, u32 handle)
{
	struct ipso_xd_sa *rec = xa_erase(&ipso_xd_sas, handle);

	if (!rec)
		return;
	if (rec->bound_by_us)
		ipso_xd_unbind(dev, rec->x);
	kfree(rec);
}

/* Crypto mode: the kernel's own counters are the device's counters. */
static int ipso_xd_sa_stats(struct net_device *dev, u32 handle,
			    struct ipso_sa_hw_stats *st)
{
	struct ipso_xd_sa *rec = xa_load(&ipso_xd_sas, handle);
	struct xfrm_state *x;

	if (!rec)
		return -ENOENT;
	x = rec->x;
	ipso_xd_drv_update_stats(dev, x);
	spin_lock_bh(&x->lock);
	st->packets = x->curlft.packets;
	st->bytes = x->curlft.bytes;
	st->auth_fail = x->stats.integrity_failed;
	st->replay_drop = x->stats.replay;
	st->no_sa_drop = 0;
	spin_unlock_bh(&x->lock);
	return 0;
}

static const struct ipso_driver_ops ipso_xd_ops = {
	.caps = ipso_xd_caps,
	.sa_add = ipso_xd_sa_add,
	.sa_del = ipso_xd_sa_del,
	.sa_stats = ipso_xd_sa_stats,
};

/* NETDEV_REGISTER (RTNL held), also replayed for existing devices. */
void ipso_xfrmdev_probe(struct net_device *dev)
{
	int err;

	if (!ipso_xfrmdev_enable || !dev->xfrmdev_ops ||
	    !dev->xfrmdev_ops->xdo_dev_state_add ||
	    !(dev->features & NETIF_F_HW_ESP))
		return;
	err = ipso_register_netdev(dev, &ipso_xd_ops, "xfrmdev");
	if (err && err != -EEXIST)
		netdev_warn(dev, "ipsec_offload: xfrmdev backend not registered: %d\n",
			    err);
}

#else /* !CONFIG_XFRM_OFFLOAD */

void ipso_xfrmdev_probe(struct net_device *dev)
{
}

#endif

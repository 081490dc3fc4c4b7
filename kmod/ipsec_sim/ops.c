// SPDX-License-Identifier: GPL-2.0
/*
 * The driver ops table registered with the bridge for the host end.  The
 * bridge calls these only from its ordered workqueue (process context;
 * sa_tx_start, sa_tx_share, sa_tx_stop and sa_rx_stop with the state's
 * lock held).
 */
#include "ipsim.h"

static void ipsim_op_caps(struct net_device *dev, struct ipso_dev_caps *c)
{
	c->caps = IPSO_CAP_PACKET | IPSO_CAP_TUNNEL | IPSO_CAP_TRANSPORT |
		  IPSO_CAP_IPV6 | IPSO_CAP_ESN | IPSO_CAP_NATT |
		  IPSO_CAP_XDP_META | IPSO_CAP_XDP_TX;
	c->max_sa = READ_ONCE(ipsim_max_sa);
}

static int ipsim_op_sa_add(struct net_device *dev,
			   const struct ipso_sa_desc *d)
{
	struct ipsim_priv *p = netdev_priv(dev);
	int err;

	err = ipsim_fault_before_add();
	if (err) {
		ipsim_count(p, IPSIM_FAULT_ADD_FAIL);
		ipsim_note_error(dev, d->handle, err, "sa_add (injected)");
		return err;
	}
	err = ipsim_sat_add(dev, d, IPSIM_SA_BRIDGE, NULL);
	if (err) {
		ipsim_count(p, IPSIM_ADD_REJECTED);
		ipsim_note_error(dev, d->handle, err, "sa_add");
		return err;
	}
	ipsim_fault_after_add();
	return 0;
}

static void ipsim_op_sa_del(struct net_device *dev, u32 handle)
{
	ipsim_sat_del(dev, handle);
}

/* Policies live in the kernel; the model has no policy table. */
static int ipsim_op_sp_add(struct net_device *dev,
			   const struct ipso_policy_desc *sp)
{
	return -EOPNOTSUPP;
}

static void ipsim_op_sp_del(struct net_device *dev,
			    const struct ipso_policy_desc *sp)
{
}

const struct ipso_driver_ops ipsim_driver_ops = {
	.caps		= ipsim_op_caps,
	.sa_add		= ipsim_op_sa_add,
	.sa_del		= ipsim_op_sa_del,
	.sp_add		= ipsim_op_sp_add,
	.sp_del		= ipsim_op_sp_del,
	.sa_stats	= ipsim_sa_stats,
	.sa_tx_start	= ipsim_sat_tx_start,
	.sa_tx_share	= ipsim_sat_tx_share,
	.sa_tx_stop	= ipsim_sat_tx_stop,
	.sa_rx_stop	= ipsim_sat_rx_stop,
};

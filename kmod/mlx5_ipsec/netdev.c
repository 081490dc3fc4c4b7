// SPDX-License-Identifier: GPL-2.0
/*
 * Device and namespace lifetime.  NETDEV_DOWN and NETDEV_UNREGISTER
 * remove every offload on the device (the SAs go back to software and
 * the loader is notified); a device really going away (not just changing
 * namespace) also loses its driver registration.  The notifier runs
 * before xfrm's, so that the crypto bindings we made are undone before
 * xfrm_dev_down() would delete their states (xfrmdev.c).  A namespace going away
 * loses its offloads before its SAs are flushed, because our pernet exit
 * runs before xfrm's (exits run in reverse registration order).
 */
#include <linux/netdevice.h>
#include <net/net_namespace.h>

#include "ipso.h"

static bool ipso_match_dev(struct ipso_offload *o, const void *dev)
{
	return o->dev == dev;
}

static bool ipso_match_net(struct ipso_offload *o, const void *net)
{
	return net_eq(read_pnet(&o->net), net);
}

static int ipso_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	switch (event) {
	case NETDEV_REGISTER:
		ipso_xfrmdev_probe(dev);
		break;
	case NETDEV_DOWN:
		ipso_xfrmdev_dev_down(dev);
		ipso_ofl_withdraw_matching(ipso_match_dev, dev, -ENETDOWN);
		break;
	case NETDEV_UNREGISTER:
		ipso_xfrmdev_dev_down(dev);
		ipso_ofl_withdraw_matching(ipso_match_dev, dev, -ENODEV);
		/* Namespace moves keep reg_state REGISTERED. */
		if (dev->reg_state == NETREG_UNREGISTERING)
			ipso_netdev_forget(dev);
		break;
	default:
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block ipso_netdev_nb = {
	.notifier_call = ipso_netdev_event,
	.priority = 1,		/* xfrm's device notifier has 0 */
};

static void __net_exit ipso_net_exit(struct net *net)
{
	ipso_xfrmdev_forget(net, false);
	if (ipso_ofl_teardown_matching(ipso_match_net, net, -ENOENT))
		flush_workqueue(ipso_wq);
}

static struct pernet_operations ipso_net_ops = {
	.exit = ipso_net_exit,
};

int ipso_netdev_init(void)
{
	int err;

	err = register_pernet_subsys(&ipso_net_ops);
	if (err)
		return err;
	/* Replays NETDEV_REGISTER for existing devices (xfrmdev probe). */
	err = register_netdevice_notifier(&ipso_netdev_nb);
	if (err)
		unregister_pernet_subsys(&ipso_net_ops);
	return err;
}

void ipso_netdev_exit(void)
{
	unregister_netdevice_notifier(&ipso_netdev_nb);
	unregister_pernet_subsys(&ipso_net_ops);
}

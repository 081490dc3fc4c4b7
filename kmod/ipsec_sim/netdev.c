// SPDX-License-Identifier: GPL-2.0
/*
 * The netdev pair: rtnl_link_ops "ipsecsim", transmit to the peer (the
 * "wire"), receive into the stack, carrier and counters.
 *
 *   ip link add sim0 type ipsecsim        # peer is named sim0p
 *   ip link set sim0p netns ns2 name sim1
 *
 * Stock iproute2 cannot pass a peer for an unknown link kind, so the peer
 * is named after the host end ("<name>p", or "ipsecsim%d" when that does
 * not fit); a netlink client may still send IPSIM_INFO_PEER, laid out like
 * VETH_INFO_PEER (ifinfomsg + IFLA_* attributes).  Deleting either end
 * deletes both.
 *
 * The host end can do TSO like mlx5e (scatter-gather, checksum, TCP
 * segmentation): devices created while the module parameter tso=1 is
 * set turn it on, the others only offer it in hw_features, so that by
 * default one frame handed over is one frame on the wire.  The
 * "hardware" segments first and then encapsulates each segment.  (Crypto
 * mode adds NETIF_F_HW_ESP, see crypto_mode.c.)  The wire takes linear
 * frames up to the MTU plus the ESP overhead; no MTU check on delivery.
 */
#include <linux/version.h>
#include <linux/etherdevice.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/rtnetlink.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>		/* skb_gso_segment() moved here */
#endif
#include "ipsim.h"

enum {
	IPSIM_INFO_UNSPEC,
	IPSIM_INFO_PEER,	/* same layout as VETH_INFO_PEER */
	__IPSIM_INFO_MAX,
};

#define IPSIM_INFO_MAX (__IPSIM_INFO_MAX - 1)

/* ipsim_hw_devs: every host end, for debugfs and unplug */
DEFINE_MUTEX(ipsim_hw_lock);
LIST_HEAD(ipsim_hw_devs);
struct workqueue_struct *ipsim_wq;

/* One frame to the hardware and the wire; rcu_read_lock held. */
static void ipsim_xmit_one(struct ipsim_priv *p, struct net_device *peer,
			   struct sk_buff *skb)
{
	unsigned int len;

	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto drop;
	/* the hardware works on whole frames; the wire never sees frags */
	if (skb_linearize(skb))
		goto drop;
	if (p->has_hw) {
		skb = ipsim_hw_xmit(p, skb);
		if (!skb) {
			atomic64_inc(&p->tx_dropped);
			return;
		}
	}
	len = skb->len;
	atomic64_inc(&p->tx_packets);
	atomic64_add(len, &p->tx_bytes);
	ipsim_wire_deliver(p->dev, peer, skb);
	return;
drop:
	atomic64_inc(&p->tx_dropped);
	kfree_skb(skb);
}

/*
 * A TSO super-packet: the "hardware" cuts it into MSS-sized frames (each
 * with its own checksum) and then treats each like any other, so packet
 * mode encrypts every segment under its own sequence number.
 */
static void ipsim_xmit_gso(struct ipsim_priv *p, struct net_device *peer,
			   struct sk_buff *skb)
{
	struct sk_buff *segs, *seg, *next;

	ipsim_count(p, IPSIM_TX_GSO);
	atomic_long_add(skb->len, &p->stat[IPSIM_TX_GSO_BYTES]);
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		atomic64_inc(&p->tx_dropped);
		kfree_skb(skb);
		return;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		ipsim_count(p, IPSIM_TX_GSO_SEGS);
		ipsim_xmit_one(p, peer, seg);
	}
}

static netdev_tx_t ipsim_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct net_device *peer;

	rcu_read_lock();
	peer = rcu_dereference(p->peer);
	if (unlikely(!peer)) {
		atomic64_inc(&p->tx_dropped);
		kfree_skb(skb);
	} else if (skb_is_gso(skb)) {
		ipsim_xmit_gso(p, peer, skb);
	} else {
		ipsim_xmit_one(p, peer, skb);
	}
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

static int ipsim_open(struct net_device *dev)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(p->peer);

	if (!peer)
		return -ENOTCONN;
	ipsim_crypto_open(dev);
	if (peer->flags & IFF_UP) {
		netif_carrier_on(dev);
		netif_carrier_on(peer);
	}
	return 0;
}

static int ipsim_close(struct net_device *dev)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(p->peer);

	netif_carrier_off(dev);
	if (peer)
		netif_carrier_off(peer);
	ipsim_crypto_stop(dev);
	return 0;
}

static void ipsim_get_stats64(struct net_device *dev,
			      struct rtnl_link_stats64 *s)
{
	struct ipsim_priv *p = netdev_priv(dev);

	s->rx_packets = atomic64_read(&p->rx_packets);
	s->rx_bytes = atomic64_read(&p->rx_bytes);
	s->rx_dropped = atomic64_read(&p->rx_dropped);
	s->tx_packets = atomic64_read(&p->tx_packets);
	s->tx_bytes = atomic64_read(&p->tx_bytes);
	s->tx_dropped = atomic64_read(&p->tx_dropped);
}

static int ipsim_get_iflink(const struct net_device *dev)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct net_device *peer;
	int iflink;

	rcu_read_lock();
	peer = rcu_dereference(p->peer);
	iflink = peer ? peer->ifindex : 0;
	rcu_read_unlock();
	return iflink;
}

static int ipsim_dev_init(struct net_device *dev)
{
	struct ipsim_priv *p = netdev_priv(dev);
	int err;

	err = xdp_rxq_info_reg(&p->xdp_rxq, dev, 0, 0);
	if (err)
		return err;
	err = xdp_rxq_info_reg_mem_model(&p->xdp_rxq, MEM_TYPE_PAGE_SHARED,
					 NULL);
	if (err)
		xdp_rxq_info_unreg(&p->xdp_rxq);
	return err;
}

static void ipsim_dev_uninit(struct net_device *dev)
{
	struct ipsim_priv *p = netdev_priv(dev);

	ipsim_crypto_uninit(dev);
	xdp_rxq_info_unreg(&p->xdp_rxq);
}

static const struct net_device_ops ipsim_netdev_ops = {
	.ndo_init		= ipsim_dev_init,
	.ndo_uninit		= ipsim_dev_uninit,
	.ndo_open		= ipsim_open,
	.ndo_stop		= ipsim_close,
	.ndo_start_xmit		= ipsim_xmit,
	.ndo_get_stats64	= ipsim_get_stats64,
	.ndo_get_iflink		= ipsim_get_iflink,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_bpf		= ipsim_ndo_bpf,
	.ndo_xdp_xmit		= ipsim_xdp_xmit,
};

/*
 * Registers the host end with the bridge after newlink returned.  RTNL is
 * taken only around the check and the call, so the registration cannot
 * race with an unregistration in progress: a device deleted before this
 * ran is not handed over, and one deleted after is seen by the bridge's
 * NETDEV_UNREGISTER handler, which drops it.  (The bridge takes its own
 * locks under RTNL at NETDEV_REGISTER too, so the order is the same.)
 */
static void ipsim_reg_work(struct work_struct *w)
{
	struct ipsim_priv *p = container_of(w, struct ipsim_priv, reg_work);
	int err = -ENODEV;

	rtnl_lock();
	if (p->dev->reg_state == NETREG_REGISTERED)
		err = ipso_register_netdev(p->dev, &ipsim_driver_ops,
					   IPSIM_BACKEND);
	if (!err)
		p->registered = true;
	rtnl_unlock();
	if (err)
		netdev_warn(p->dev, "ipsec_offload registration failed: %d\n",
			    err);
	dev_put(p->dev);
}

/*
 * Runs after the last reference is gone, without RTNL: the bridge has
 * already dropped this device (its netdev notifier saw the unregister),
 * so every offload and with it every sa_del is done.
 */
static void ipsim_destructor(struct net_device *dev)
{
	struct ipsim_priv *p = netdev_priv(dev);

	if (!p->has_hw)
		return;
	if (p->registered)
		ipso_unregister_netdev(dev);
	ipsim_sat_flush(&p->sat);
	mutex_lock(&ipsim_hw_lock);
	list_del(&p->hw_node);
	mutex_unlock(&ipsim_hw_lock);
}

static void ipsim_setup(struct net_device *dev)
{
	struct ipsim_priv *p = netdev_priv(dev);

	ether_setup(dev);
	p->wire_rx = ipsim_rx_to_stack;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	dev->netdev_ops = &ipsim_netdev_ops;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	dev->lltx = true;		/* NETIF_F_LLTX became a device flag */
#else
	dev->features |= NETIF_F_LLTX;
#endif
	dev->hw_features = 0;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	/* devmaps redirect only to devices that say so (xdp_tx.c) */
	dev->xdp_features = NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_NDO_XMIT;
#endif
	dev->needs_free_netdev = true;
	dev->priv_destructor = ipsim_destructor;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU - 256;	/* room for ESP on the wire */
	p->dev = dev;
	INIT_LIST_HEAD(&p->hw_node);
	ipsim_sat_init(&p->sat);
	/* every host end: the debugfs listing walks its (empty) policy table */
	ipsim_pkt_setup(p);
	INIT_WORK(&p->reg_work, ipsim_reg_work);
}

static const struct nla_policy ipsim_policy[IPSIM_INFO_MAX + 1] = {
	[IPSIM_INFO_PEER] = { .len = sizeof(struct ifinfomsg) },
};

static int ipsim_validate(struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN)
			return -EINVAL;
		if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS])))
			return -EADDRNOTAVAIL;
	}
	return 0;
}

static void ipsim_peer_name(struct net_device *dev, struct nlattr *tb[],
			    char *name)
{
	char base[IFNAMSIZ];

	if (tb[IFLA_IFNAME]) {
		nla_strscpy(base, tb[IFLA_IFNAME], IFNAMSIZ);
		if (!strchr(base, '%') && strlen(base) + 1 < IFNAMSIZ) {
			snprintf(name, IFNAMSIZ, "%sp", base);
			return;
		}
	}
	snprintf(name, IFNAMSIZ, IPSIM_KIND "%%d");
}

static int ipsim_configure(struct net_device *dev, struct ifinfomsg *ifm)
{
#ifdef IPSIM_CONFIGURE_LINK_NLH
	return rtnl_configure_link(dev, ifm, 0, NULL);
#else
	return rtnl_configure_link(dev, ifm);
#endif
}

static int ipsim_newlink_net(struct net *src_net, struct net_device *dev,
			     struct nlattr *tb[], struct nlattr *data[],
			     struct netlink_ext_ack *extack)
{
	struct nlattr *peer_tb[IFLA_MAX + 1] = {}, **tbp = peer_tb;
	struct ipsim_priv *p = netdev_priv(dev), *q;
	unsigned char name_type = NET_NAME_ENUM;
	struct ifinfomsg *ifmp = NULL;
	char ifname[IFNAMSIZ];
	struct net_device *peer;
	struct net *net;
	int err;

	if (data && data[IPSIM_INFO_PEER]) {
		ifmp = nla_data(data[IPSIM_INFO_PEER]);
		err = rtnl_nla_parse_ifinfomsg(peer_tb, data[IPSIM_INFO_PEER],
					       extack);
		if (err < 0)
			return err;
		err = ipsim_validate(peer_tb, NULL, extack);
		if (err < 0)
			return err;
	}
	if (ifmp && tbp[IFLA_IFNAME]) {
		nla_strscpy(ifname, tbp[IFLA_IFNAME], IFNAMSIZ);
		name_type = NET_NAME_USER;
	} else {
		ipsim_peer_name(dev, tb, ifname);
	}

	net = rtnl_link_get_net(src_net, tbp);
	if (IS_ERR(net))
		return PTR_ERR(net);
	peer = rtnl_create_link(net, ifname, name_type, &ipsim_link_ops, tbp,
				extack);
	if (IS_ERR(peer)) {
		put_net(net);
		return PTR_ERR(peer);
	}
	if (!tbp[IFLA_ADDRESS])
		eth_hw_addr_random(peer);
	err = register_netdevice(peer);
	put_net(net);
	if (err < 0)
		goto err_free_peer;
	netif_carrier_off(peer);
	err = ipsim_configure(peer, ifmp);
	if (err < 0)
		goto err_unregister_peer;

	if (!tb[IFLA_ADDRESS])
		eth_hw_addr_random(dev);
	if (tb[IFLA_IFNAME])
		nla_strscpy(dev->name, tb[IFLA_IFNAME], IFNAMSIZ);
	else
		snprintf(dev->name, IFNAMSIZ, IPSIM_KIND "%%d");
	if (READ_ONCE(ipsim_crypto_mode))
		ipsim_crypto_setup(dev);
	dev->hw_features |= IPSIM_TSO_FEATURES;
	if (READ_ONCE(ipsim_tso))
		dev->features |= IPSIM_TSO_FEATURES;
	err = register_netdevice(dev);
	if (err < 0)
		goto err_unregister_peer;
	netif_carrier_off(dev);

	q = netdev_priv(peer);
	p->has_hw = true;
	p->wire_rx = ipsim_hw_receive;	/* before the peer pointers publish it */
	rcu_assign_pointer(p->peer, peer);
	rcu_assign_pointer(q->peer, dev);
	mutex_lock(&ipsim_hw_lock);
	list_add_tail(&p->hw_node, &ipsim_hw_devs);
	mutex_unlock(&ipsim_hw_lock);
	/* crypto mode: the bridge's xfrmdev backend claims the device */
	if (!p->crypto) {
		dev_hold(dev);
		queue_work(ipsim_wq, &p->reg_work);
	}
	return 0;

err_unregister_peer:
	unregister_netdevice(peer);
	return err;
err_free_peer:
	free_netdev(peer);
	return err;
}

/*
 * From 6.15 newlink takes its arguments packed (struct
 * rtnl_newlink_params).  The core resolves a peer's namespace there only
 * for drivers that name their peer attribute (.peer_type); we do not, so
 * peer_net is unset and the peer's IFLA_NET_NS_* are ours to resolve
 * from src_net, as before.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
static int ipsim_newlink(struct net_device *dev,
			 struct rtnl_newlink_params *params,
			 struct netlink_ext_ack *extack)
{
	return ipsim_newlink_net(params->src_net, dev, params->tb,
				 params->data, extack);
}
#else
#define ipsim_newlink	ipsim_newlink_net
#endif

static void ipsim_dellink(struct net_device *dev, struct list_head *head)
{
	struct ipsim_priv *p = netdev_priv(dev), *q;
	struct net_device *peer = rtnl_dereference(p->peer);

	unregister_netdevice_queue(dev, head);
	RCU_INIT_POINTER(p->peer, NULL);
	if (peer) {
		q = netdev_priv(peer);
		RCU_INIT_POINTER(q->peer, NULL);
		unregister_netdevice_queue(peer, head);
	}
}

static struct net *ipsim_get_link_net(const struct net_device *dev)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(p->peer);

	return peer ? dev_net(peer) : dev_net(dev);
}

static unsigned int ipsim_get_num_queues(void)
{
	return 1;
}

struct rtnl_link_ops ipsim_link_ops = {
	.kind			= IPSIM_KIND,
	.priv_size		= sizeof(struct ipsim_priv),
	.setup			= ipsim_setup,
	.validate		= ipsim_validate,
	.newlink		= ipsim_newlink,
	.dellink		= ipsim_dellink,
	.policy			= ipsim_policy,
	.maxtype		= IPSIM_INFO_MAX,
	.get_link_net		= ipsim_get_link_net,
	.get_num_tx_queues	= ipsim_get_num_queues,
	.get_num_rx_queues	= ipsim_get_num_queues,
};

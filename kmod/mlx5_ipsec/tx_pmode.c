// SPDX-License-Identifier: GPL-2.0
/*
 * Packet-mode TX on kernels without it (6.1).  The kernel's XFRM lookup
 * has already chosen policy and SA and put the bundle dst on the packet
 * (locally generated: before LOCAL_OUT; forwarded: xfrm_route_forward()
 * before FORWARD).  When that bundle has a single state which is
 * offloaded in packet mode on the bundle's path device, this hook (last
 * at LOCAL_OUT and FORWARD, IPv4 and IPv6) does what xfrm_output() would
 * do for an offloaded state and skips the transform: the state goes into
 * a fresh secpath, the bundle dst is replaced by its path dst, and the
 * plaintext goes to the device, which does ESP.
 *
 *   transport mode: the path route's normal output (POST_ROUTING, neigh
 *                   of the packet's daddr, which is the SA's daddr);
 *   tunnel mode:    straight to the neighbour of the SA's outer daddr,
 *                   as Linux >= 6.8 does for packet offload
 *                   (xfrm_dev_direct_output), since the inner daddr is
 *                   not an on-link neighbour.
 *
 * Anything else stays on the software path: multi-state bundles, BEET,
 * mixed-family tunnels, states with kernel crypto offload, packets that
 * would not fit the path MTU after encapsulation (software fragments or
 * sends PMTU errors as usual), no neighbour yet, a path device other than
 * the offload's.  Software numbers such a packet itself, so first the
 * device that numbers the SA and the kernel split the number space
 * (ipso_ofl_share_seq_rcu()); the offload stays.  On kernels with native
 * packet offload (>= 6.2) a state the kernel itself offloads in packet
 * mode is left to the kernel.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/version.h>
#include <net/dst.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#include <net/gso.h>		/* skb_gso_validate_network_len() moved */
#endif
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/neighbour.h>
#include <net/net_namespace.h>
#include <net/xfrm.h>

#include "ipso.h"

static bool ipso_tx_fits(struct sk_buff *skb, struct dst_entry *bundle)
{
	/* The bundle's MTU already accounts for the ESP overhead. */
	unsigned int mtu = dst_mtu(bundle);

	if (skb_is_gso(skb))
		return skb_gso_validate_network_len(skb, mtu);
	return skb->len <= mtu;
}

static bool ipso_tx_state_is_ours(const struct xfrm_state *x, u8 pf)
{
	if (x->km.state != XFRM_STATE_VALID)
		return false;
	if (x->props.mode != XFRM_MODE_TRANSPORT &&
	    x->props.mode != XFRM_MODE_TUNNEL)
		return false;
	if (x->props.family != (pf == NFPROTO_IPV4 ? AF_INET : AF_INET6))
		return false;
	if (x->xso.dev)
		return false;	/* the kernel offloads it itself */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	if (x->xso.type == XFRM_DEV_OFFLOAD_PACKET)
		return false;
#endif
	return true;
}

/* Move x into a fresh secpath, as xfrm_output() does for offloaded SAs. */
static bool ipso_tx_attach(struct sk_buff *skb, struct xfrm_state *x)
{
	struct sec_path *sp;

	secpath_reset(skb);
	sp = secpath_set(skb);
	if (!sp)
		return false;
	xfrm_state_hold(x);
	sp->xvec[sp->len++] = x;
	return true;
}

static void ipso_tx_set_dst(struct sk_buff *skb, struct dst_entry *path)
{
	dst_hold(path);
	skb_dst_drop(skb);
	skb_dst_set(skb, path);
}

static unsigned int ipso_tx_tunnel(struct sk_buff *skb, struct xfrm_state *x,
				   struct dst_entry *path, u8 pf)
{
	struct net_device *dev = path->dev;
	struct neighbour *n;

	n = dst_neigh_lookup(path, &x->id.daddr);
	if (!n) {
		ipso_ofl_share_seq_rcu(x);
		return NF_ACCEPT;	/* let software try */
	}
	if (!ipso_tx_attach(skb, x)) {
		neigh_release(n);
		return NF_ACCEPT;
	}
	ipso_tx_set_dst(skb, path);
	skb->dev = dev;
	skb->protocol = pf == NFPROTO_IPV4 ? htons(ETH_P_IP) :
					     htons(ETH_P_IPV6);
	if (skb_cow_head(skb, LL_RESERVED_SPACE(dev))) {
		neigh_release(n);
		kfree_skb(skb);
		return NF_STOLEN;
	}
	rcu_read_lock_bh();
	neigh_output(n, skb, false);
	rcu_read_unlock_bh();
	neigh_release(n);
	return NF_STOLEN;
}

static unsigned int ipso_tx_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct dst_entry *dst = skb_dst(skb), *path;
	struct ipso_offload *o;
	struct xfrm_state *x;

	if (!dst || !dst->xfrm)
		return NF_ACCEPT;
	x = dst->xfrm;
	path = xfrm_dst_path(dst);
	if (xfrm_dst_child(dst) != path || !path->dev)
		return NF_ACCEPT;		/* more than one transform */
	if (!ipso_tx_state_is_ours(x, state->pf))
		return NF_ACCEPT;
	/* nf hooks run under rcu_read_lock() */
	o = ipso_ofl_find_rcu(x, path->dev->ifindex);
	if (!o || o->dev != path->dev || o->dir != IPSO_DIR_OUT ||
	    !READ_ONCE(o->tx_active)) {
		/* routed to another device than the one numbering x */
		ipso_ofl_share_seq_rcu(x);
		return NF_ACCEPT;
	}
	if (!ipso_tx_fits(skb, dst)) {
		ipso_ofl_share_seq_rcu(x);
		return NF_ACCEPT;
	}
	if (x->props.mode == XFRM_MODE_TUNNEL)
		return ipso_tx_tunnel(skb, x, path, state->pf);
	if (!ipso_tx_attach(skb, x))
		return NF_ACCEPT;
	ipso_tx_set_dst(skb, path);
	return NF_ACCEPT;
}

static const struct nf_hook_ops ipso_tx_ops[] = {
	{ .hook = ipso_tx_hook, .pf = NFPROTO_IPV4,
	  .hooknum = NF_INET_LOCAL_OUT, .priority = NF_IP_PRI_LAST },
	{ .hook = ipso_tx_hook, .pf = NFPROTO_IPV4,
	  .hooknum = NF_INET_FORWARD, .priority = NF_IP_PRI_LAST },
	{ .hook = ipso_tx_hook, .pf = NFPROTO_IPV6,
	  .hooknum = NF_INET_LOCAL_OUT, .priority = NF_IP6_PRI_LAST },
	{ .hook = ipso_tx_hook, .pf = NFPROTO_IPV6,
	  .hooknum = NF_INET_FORWARD, .priority = NF_IP6_PRI_LAST },
};

static int __net_init ipso_tx_net_init(struct net *net)
{
	return nf_register_net_hooks(net, ipso_tx_ops,
				     ARRAY_SIZE(ipso_tx_ops));
}

static void __net_exit ipso_tx_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, ipso_tx_ops, ARRAY_SIZE(ipso_tx_ops));
}

static struct pernet_operations ipso_tx_net_ops = {
	.init = ipso_tx_net_init,
	.exit = ipso_tx_net_exit,
};

int ipso_tx_init(void)
{
	return register_pernet_subsys(&ipso_tx_net_ops);
}

void ipso_tx_exit(void)
{
	unregister_pernet_subsys(&ipso_tx_net_ops);
}

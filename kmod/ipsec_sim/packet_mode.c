// SPDX-License-Identifier: GPL-2.0
/*
 * Packet mode on the xfrmdev face (kernels 6.2 and later): the kernel
 * offloads whole states and their policies (`offload packet dev sim0`),
 * the model of mlx5e's packet offload.
 *
 *  - TX: the kernel hands over plaintext with no secpath.  Like mlx5e's
 *    TX steering, the NIC classifies the frame with its own policy table
 *    (selector, lowest priority first) and takes the reqid of the first
 *    match to its SA table; the newest live outbound SA of that reqid
 *    numbers, encrypts and encapsulates it (esp_tx.c).  A frame that a
 *    policy claims but no SA can carry, or that a block policy matches,
 *    is dropped and counted, never sent as it came.  Tunnel mode writes
 *    the Ethernet header from the neighbour of the outer destination, as
 *    the kernel leaves it to the hardware when it forwards.
 *  - RX: esp_rx.c decrypts, checks the replay window and decapsulates;
 *    here the inner packet must match an inbound policy of the SA's reqid
 *    (else dropped, counted) and goes up with the state in its secpath,
 *    CRYPTO_DONE | CRYPTO_SUCCESS, which is what the kernel's policy check
 *    accepts for a packet-offloaded state.
 *  - Counters: the NIC's per-SA counters become x->curlft through
 *    xdo_dev_state_update_stats (update_curlft before 6.7), as deltas
 *    since the last call, the way mlx5e reads its flow counters.
 *
 * The NIC knows nothing of the bridge module here: the kernel drives it.
 */
#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/seq_file.h>
#include <linux/version.h>
#include <net/arp.h>
#include <net/ndisc.h>
#include <net/ipv6.h>
#include "ipsim.h"

/* At creation of every host end (all kernels). */
void ipsim_pkt_setup(struct ipsim_priv *p)
{
	spin_lock_init(&p->pol_lock);
	INIT_LIST_HEAD(&p->pols);
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)

/* One offloaded policy: what the NIC's steering matches on. */
struct ipsim_pol {
	struct list_head node;		/* p->pols, by priority; RCU */
	struct rcu_head rcu;
	struct xfrm_selector sel;
	u32 prio;
	u32 reqid;
	u8 dir;				/* XFRM_DEV_OFFLOAD_IN / OUT */
	u8 action;			/* XFRM_POLICY_ALLOW / BLOCK */
	bool linked;			/* under pol_lock */
};

/* What the policy selector looks at in a frame. */
struct ipsim_flow {
	u16 family;
	u8 proto;
	__be16 sport, dport;
	xfrm_address_t saddr, daddr;
};

static void ipsim_flow_ports(struct sk_buff *skb, unsigned int off,
			     struct ipsim_flow *f)
{
	__be16 ports[2];

	if (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
		return;
	if (skb_copy_bits(skb, off, ports, sizeof(ports)))
		return;
	f->sport = ports[0];
	f->dport = ports[1];
}

/*
 * Parse the IP header after Ethernet; false if not IP.  The L3 type is
 * the skb's: a forwarded tunnel-mode packet comes with an Ethernet header
 * the kernel left for the hardware to fill (xfrm_dev_direct_output).
 */
static bool ipsim_flow_parse(struct sk_buff *skb, struct ipsim_flow *f)
{
	__be16 proto = skb->protocol;

	memset(f, 0, sizeof(*f));
	if (skb_headlen(skb) < ETH_HLEN)
		return false;
	if (proto == htons(ETH_P_IP) &&
	    pskb_may_pull(skb, ETH_HLEN + sizeof(struct iphdr))) {
		const struct iphdr *iph = (void *)(skb->data + ETH_HLEN);

		f->family = AF_INET;
		f->proto = iph->protocol;
		f->saddr.a4 = iph->saddr;
		f->daddr.a4 = iph->daddr;
		if (!ip_is_fragment(iph))
			ipsim_flow_ports(skb, ETH_HLEN + iph->ihl * 4, f);
		return true;
	}
	if (proto == htons(ETH_P_IPV6) &&
	    pskb_may_pull(skb, ETH_HLEN + sizeof(struct ipv6hdr))) {
		const struct ipv6hdr *ip6h = (void *)(skb->data + ETH_HLEN);

		f->family = AF_INET6;
		f->proto = ip6h->nexthdr;
		f->saddr.in6 = ip6h->saddr;
		f->daddr.in6 = ip6h->daddr;
		ipsim_flow_ports(skb, ETH_HLEN + sizeof(*ip6h), f);
		return true;
	}
	return false;
}

static bool ipsim_addr_match(const xfrm_address_t *sel,
			     const xfrm_address_t *a, u8 plen, u16 family)
{
	if (family == AF_INET)
		return addr4_match(a->a4, sel->a4, plen);
	return ipv6_prefix_equal(&a->in6, &sel->in6, plen);
}

static bool ipsim_sel_match(const struct xfrm_selector *s,
			    const struct ipsim_flow *f)
{
	if (s->family != f->family)
		return false;
	if (!ipsim_addr_match(&s->saddr, &f->saddr, s->prefixlen_s, f->family) ||
	    !ipsim_addr_match(&s->daddr, &f->daddr, s->prefixlen_d, f->family))
		return false;
	if (s->proto && s->proto != f->proto)
		return false;
	return !((f->sport ^ s->sport) & s->sport_mask) &&
	       !((f->dport ^ s->dport) & s->dport_mask);
}

/* The first policy of DIR matching the flow.  RCU read side held. */
static struct ipsim_pol *ipsim_pol_lookup(struct ipsim_priv *p, u8 dir,
					  const struct ipsim_flow *f)
{
	struct ipsim_pol *pol;

	list_for_each_entry_rcu(pol, &p->pols, node)
		if (pol->dir == dir && ipsim_sel_match(&pol->sel, f))
			return pol;
	return NULL;
}

/* The newest live outbound packet-mode SA of REQID.  RCU held. */
static struct ipsim_sa *ipsim_sa_by_reqid(struct ipsim_priv *p, u32 reqid,
					  u16 family)
{
	struct ipsim_sa *sa, *best = NULL;
	unsigned long idx;

	xa_for_each(&p->sat.by_handle, idx, sa) {
		if (!sa->kpkt || sa->dir != IPSO_DIR_OUT || READ_ONCE(sa->dead) ||
		    sa->reqid != reqid)
			continue;
		/* transport mode keeps the packet's own IP header */
		if (sa->mode == XFRM_MODE_TRANSPORT && sa->family != family)
			continue;
		best = sa;
	}
	return best;
}

/* Tunnel mode: the outer frame goes to the outer destination's neighbour. */
static void ipsim_pkt_l2(struct ipsim_priv *p, struct ipsim_sa *sa,
			 struct sk_buff *skb)
{
	struct ethhdr *eth = (struct ethhdr *)skb->data;
	struct neighbour *n;

	ether_addr_copy(eth->h_source, p->dev->dev_addr);
	if (sa->family == AF_INET)
		n = __ipv4_neigh_lookup_noref(p->dev, (__force u32)sa->daddr.a4);
	else
		n = __ipv6_neigh_lookup_noref(p->dev, &sa->daddr.in6);
	if (n && (READ_ONCE(n->nud_state) & NUD_VALID))
		neigh_ha_snapshot(eth->h_dest, n, p->dev);
}

/* The Ethernet type esp_tx.c reads, from the skb (see ipsim_flow_parse). */
static int ipsim_pkt_l3_type(struct sk_buff *skb)
{
	if (((struct ethhdr *)skb->data)->h_proto == skb->protocol)
		return 0;
	if (skb_cow_head(skb, 0))
		return -ENOMEM;
	((struct ethhdr *)skb->data)->h_proto = skb->protocol;
	return 0;
}

/*
 * A frame with no crypto-mode work on it.  Returns the frame to put on
 * the wire or NULL when dropped.  rcu_read_lock held, BH off.
 */
struct sk_buff *ipsim_pkt_xmit(struct ipsim_priv *p, struct sk_buff *skb)
{
	struct ipsim_flow f;
	struct ipsim_pol *pol;
	struct ipsim_sa *sa;

	if (list_empty(&p->pols) || !ipsim_flow_parse(skb, &f))
		goto passthrough;
	pol = ipsim_pol_lookup(p, XFRM_DEV_OFFLOAD_OUT, &f);
	if (!pol)
		goto passthrough;
	if (pol->action != XFRM_POLICY_ALLOW) {
		ipsim_count(p, IPSIM_TX_PKT_BLOCK);
		goto drop;
	}
	sa = ipsim_sa_by_reqid(p, pol->reqid, f.family);
	if (!sa) {
		ipsim_count(p, IPSIM_TX_PKT_NO_SA);
		goto drop;
	}
	if (ipsim_pkt_l3_type(skb) || ipsim_esp_encap(sa, skb)) {
		ipsim_count(p, IPSIM_TX_DROP_ERROR);
		goto drop;
	}
	if (sa->mode == XFRM_MODE_TUNNEL)
		ipsim_pkt_l2(p, sa, skb);
	ipsim_count(p, IPSIM_TX_ENCRYPTED);
	return skb;

passthrough:
	ipsim_count(p, IPSIM_TX_PASSTHROUGH);
	return skb;
drop:
	kfree_skb(skb);
	return NULL;
}

/*
 * After decapsulation: the inbound policy check and the secpath the
 * kernel expects from packet offload.  0, or the frame must be dropped.
 * rcu_read_lock held, BH off.
 */
int ipsim_pkt_rx_finish(struct ipsim_priv *p, struct ipsim_sa *sa,
			struct sk_buff *skb)
{
	struct xfrm_state *x = sa->x;
	struct xfrm_offload *xo;
	struct ipsim_pol *pol;
	struct sec_path *sp;
	struct ipsim_flow f;

	if (!ipsim_flow_parse(skb, &f))
		goto policy_drop;
	pol = ipsim_pol_lookup(p, XFRM_DEV_OFFLOAD_IN, &f);
	if (!pol || pol->action != XFRM_POLICY_ALLOW ||
	    (pol->reqid && pol->reqid != sa->reqid))
		goto policy_drop;
	if (!refcount_inc_not_zero(&x->refcnt))
		return -ENOENT;
	sp = secpath_set(skb);
	if (!sp || sp->len >= XFRM_MAX_DEPTH) {
		xfrm_state_put(x);
		ipsim_count(p, IPSIM_RX_DROP_ERROR);
		return -ENOMEM;
	}
	sp->xvec[sp->len++] = x;
	sp->olen++;
	xo = xfrm_offload(skb);
	xo->flags = CRYPTO_DONE;
	xo->status = CRYPTO_SUCCESS;
	return 0;

policy_drop:
	ipsim_count(p, IPSIM_RX_PKT_POLICY);
	return -EPERM;
}

/* xdo_dev_state_add for XFRM_DEV_OFFLOAD_PACKET. */
int ipsim_pkt_state_add(struct net_device *dev, struct xfrm_state *x,
			struct netlink_ext_ack *extack)
{
	struct ipso_sa_desc d = { .x = x };
	struct ipsim_priv *p;
	struct ipsim_sa *sa;
	int err;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	/* a larval state for an acquire: nothing to program (like mlx5e) */
	if (x->xso.flags & XFRM_DEV_OFFLOAD_FLAG_ACQ)
		return 0;
#endif
	if (!dev || dev->xfrmdev_ops != &ipsim_xfrmdev_ops)
		return -EINVAL;
	p = netdev_priv(dev);
	if (!p->crypto)
		return -EOPNOTSUPP;
	err = ipsim_mlx5e_validate_packet(x, extack);
	if (err)
		return err;
	d.dir = x->xso.dir == XFRM_DEV_OFFLOAD_IN ? IPSO_DIR_IN : IPSO_DIR_OUT;
	d.handle = ipsim_kernel_handle(p);
	err = ipsim_sat_add(dev, &d, IPSIM_SA_KERNEL_PACKET, &sa);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "the NIC could not take the SA");
		return err;
	}
	x->xso.offload_handle = (unsigned long)sa;
	return 0;
}

/*
 * The NIC's counters into the kernel state, as deltas since the last
 * call.  Called with x->lock held, or under the xfrm config mutex or
 * state lock (dumps).
 */
void ipsim_pkt_update_stats(struct xfrm_state *x)
{
	struct ipsim_sa *sa = (struct ipsim_sa *)x->xso.offload_handle;
	u64 pk, by, auth, replay;

	if (!sa || !sa->kpkt)
		return;		/* crypto mode: the kernel counts itself */
	spin_lock_bh(&sa->lock);
	pk = atomic64_read(&sa->stats.packets);
	by = atomic64_read(&sa->stats.bytes);
	auth = atomic64_read(&sa->stats.auth_fail);
	replay = atomic64_read(&sa->stats.replay_drop);
	x->curlft.packets += pk - sa->told.packets;
	x->curlft.bytes += by - sa->told.bytes;
	if (sa->dir == IPSO_DIR_IN) {
		x->stats.integrity_failed += auth - sa->told.auth_fail;
		x->stats.replay += replay - sa->told.replay_drop;
		XFRM_ADD_STATS(xs_net(x), LINUX_MIB_XFRMINSTATEPROTOERROR,
			       auth - sa->told.auth_fail);
		XFRM_ADD_STATS(xs_net(x), LINUX_MIB_XFRMINSTATESEQERROR,
			       replay - sa->told.replay_drop);
	}
	sa->told.packets = pk;
	sa->told.bytes = by;
	sa->told.auth_fail = auth;
	sa->told.replay_drop = replay;
	spin_unlock_bh(&sa->lock);
}

static void ipsim_pol_insert(struct ipsim_priv *p, struct ipsim_pol *pol)
{
	struct ipsim_pol *pos;

	spin_lock_bh(&p->pol_lock);
	/* by priority; among equals the older first, as the kernel does */
	list_for_each_entry(pos, &p->pols, node)
		if (pos->prio > pol->prio)
			break;
	list_add_tail_rcu(&pol->node, &pos->node);
	pol->linked = true;
	spin_unlock_bh(&p->pol_lock);
}

static void ipsim_pol_unlink(struct ipsim_priv *p, struct ipsim_pol *pol)
{
	spin_lock_bh(&p->pol_lock);
	if (pol->linked) {
		list_del_rcu(&pol->node);
		pol->linked = false;
	}
	spin_unlock_bh(&p->pol_lock);
}

int ipsim_pkt_policy_add(struct xfrm_policy *xp,
			 struct netlink_ext_ack *extack)
{
	struct net_device *dev = xp->xdo.dev;
	struct ipsim_pol *pol;
	struct ipsim_priv *p;
	int err;

	if (!dev || dev->xfrmdev_ops != &ipsim_xfrmdev_ops)
		return -EINVAL;
	p = netdev_priv(dev);
	if (!p->crypto)
		return -EOPNOTSUPP;
	err = ipsim_mlx5e_validate_policy(xp, extack);
	if (err)
		return err;
	pol = kzalloc(sizeof(*pol), GFP_KERNEL);
	if (!pol)
		return -ENOMEM;
	pol->sel = xp->selector;
	pol->prio = xp->priority;
	pol->reqid = xp->xfrm_vec[0].reqid;
	pol->dir = xp->xdo.dir;
	pol->action = xp->action;
	ipsim_pol_insert(p, pol);
	xp->xdo.offload_handle = (unsigned long)pol;
	return 0;
}

/* Atomic context (policy timers, flushes): unlink only. */
void ipsim_pkt_policy_delete(struct xfrm_policy *xp)
{
	struct ipsim_pol *pol = (struct ipsim_pol *)xp->xdo.offload_handle;

	if (pol && xp->xdo.dev)
		ipsim_pol_unlink(netdev_priv(xp->xdo.dev), pol);
}

void ipsim_pkt_policy_free(struct xfrm_policy *xp)
{
	struct ipsim_pol *pol = (struct ipsim_pol *)xp->xdo.offload_handle;

	if (!pol)
		return;
	xp->xdo.offload_handle = 0;
	if (xp->xdo.dev)
		ipsim_pol_unlink(netdev_priv(xp->xdo.dev), pol);
	kfree_rcu(pol, rcu);
}

void ipsim_pkt_policies_show(struct seq_file *m, struct ipsim_priv *p)
{
	struct ipsim_pol *pol;

	rcu_read_lock();
	list_for_each_entry_rcu(pol, &p->pols, node)
		seq_printf(m, "policy dir %s prio %u reqid %u family %u action %s\n",
			   pol->dir == XFRM_DEV_OFFLOAD_IN ? "in" : "out",
			   pol->prio, pol->reqid, pol->sel.family,
			   pol->action == XFRM_POLICY_ALLOW ? "allow" : "block");
	rcu_read_unlock();
}

#else /* before 6.2: no packet offload through the kernel */

struct sk_buff *ipsim_pkt_xmit(struct ipsim_priv *p, struct sk_buff *skb)
{
	ipsim_count(p, IPSIM_TX_PASSTHROUGH);
	return skb;
}

int ipsim_pkt_rx_finish(struct ipsim_priv *p, struct ipsim_sa *sa,
			struct sk_buff *skb)
{
	return -EOPNOTSUPP;
}

void ipsim_pkt_policies_show(struct seq_file *m, struct ipsim_priv *p)
{
}

#endif

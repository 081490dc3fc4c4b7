// SPDX-License-Identifier: GPL-2.0
/*
 * The wire between the two ends of a pair, and the hand-over of received
 * frames to the stack.  A frame put on the wire goes to the other end's
 * receive entry (ipsim_priv.wire_rx): the stack for the peer end, the
 * receive "hardware" (esp_rx.c) for the host end.  The wire does not know
 * which: netdev.c sets the entry when it makes an end.
 */
#include <linux/etherdevice.h>
#include "ipsim.h"

void ipsim_rx_to_stack(struct net_device *dev, struct sk_buff *skb)
{
	struct ipsim_priv *p = netdev_priv(dev);
	unsigned int len;

	skb->protocol = eth_type_trans(skb, dev);
	len = skb->len + ETH_HLEN;
	if (netif_rx(skb) == NET_RX_SUCCESS) {
		atomic64_inc(&p->rx_packets);
		atomic64_add(len, &p->rx_bytes);
	} else {
		atomic64_inc(&p->rx_dropped);
	}
}

void ipsim_rx_dropped(struct net_device *dev, struct sk_buff *skb)
{
	struct ipsim_priv *p = netdev_priv(dev);

	atomic64_inc(&p->rx_dropped);
	kfree_skb(skb);
}

/* Put a frame on the wire from one end to the other. */
void ipsim_wire_deliver(struct net_device *from, struct net_device *to,
			struct sk_buff *skb)
{
	struct ipsim_priv *q = netdev_priv(to);

	if (unlikely(!(to->flags & IFF_UP)) ||
	    skb_orphan_frags(skb, GFP_ATOMIC)) {
		ipsim_rx_dropped(to, skb);
		return;
	}
	/* the wire carries bytes only: no dst, secpath, conntrack, mark */
	skb_scrub_packet(skb, !net_eq(dev_net(from), dev_net(to)));
	skb->mark = 0;
	skb->priority = 0;
	skb->dev = to;
	skb_reset_mac_header(skb);
	q->wire_rx(to, skb);
}

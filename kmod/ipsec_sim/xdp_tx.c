// SPDX-License-Identifier: GPL-2.0
/*
 * Frames redirected to the host end by XDP (ndo_xdp_xmit).  The gateway
 * fast path (docs/datapath.md, "XDP fast path") hands over forwarded
 * plaintext with struct ipso_xdp_meta right before the frame: our magic,
 * the handle of the outbound SA, IPSO_META_F_ENCRYPT.  The "hardware"
 * builds ESP for it as for a frame from the TX hook.  A frame without
 * that metadata goes out as it is, as from any NIC.
 *
 * A frame whose metadata names an SA this device does not send on now is
 * dropped, never sent in plaintext: an unknown or inbound handle, a crypto
 * or kernel packet-mode SA (their TX is the kernel's), or an SA the bridge
 * has not taken over from software yet (no floor: numbering it from zero
 * would reuse software's sequence numbers, so AES-GCM nonces) or has
 * handed back (ipsim_esp_encap() refuses it).
 *
 * Whoever can redirect into this device with metadata can load XDP
 * programs in its namespace (CAP_BPF and CAP_NET_ADMIN), as can whoever
 * configures its SAs.
 */
#include <linux/etherdevice.h>
#include <net/xdp.h>
#include "ipsim.h"

static const struct ipso_xdp_meta *ipsim_xdp_tx_meta(const struct xdp_frame *f)
{
	const struct ipso_xdp_meta *m;

	if (f->metasize < sizeof(*m))
		return NULL;
	m = f->data - sizeof(*m);
	if (m->magic != IPSO_XDP_META_MAGIC ||
	    !(m->flags & IPSO_META_F_ENCRYPT))
		return NULL;
	return m;
}

/* The SA to encrypt under, NULL to send as is, ERR_PTR to drop. */
static struct ipsim_sa *ipsim_xdp_tx_sa(struct ipsim_priv *p,
					const struct xdp_frame *f)
{
	const struct ipso_xdp_meta *m = ipsim_xdp_tx_meta(f);
	struct ipsim_sa *sa;

	if (!m)
		return NULL;
	sa = ipsim_tx_live(p, m->handle);
	if (!sa || sa->crypto || sa->kpkt || !READ_ONCE(sa->tx_floor))
		return ERR_PTR(-ENOENT);
	return sa;
}

/* A private copy: the frame goes back to its pool at once. */
static struct sk_buff *ipsim_xdp_tx_skb(struct net_device *dev,
					const struct xdp_frame *f)
{
	struct sk_buff *skb;

	if (f->len < ETH_HLEN)
		return NULL;
	skb = netdev_alloc_skb(dev, f->len);
	if (!skb)
		return NULL;
	skb_put_data(skb, f->data, f->len);
	skb_reset_mac_header(skb);
	skb->dev = dev;
	return skb;
}

static void ipsim_xdp_tx_one(struct ipsim_priv *p, struct net_device *peer,
			     struct xdp_frame *f)
{
	struct ipsim_sa *sa = ipsim_xdp_tx_sa(p, f);
	struct sk_buff *skb;

	if (IS_ERR(sa)) {
		ipsim_count(p, IPSIM_XDP_TX_DROP_NO_SA);
		goto drop;
	}
	skb = ipsim_xdp_tx_skb(p->dev, f);
	if (!skb) {
		ipsim_count(p, IPSIM_XDP_TX_DROP_ERROR);
		goto drop;
	}
	if (sa && ipsim_esp_encap(sa, skb)) {
		ipsim_count(p, IPSIM_XDP_TX_DROP_ERROR);
		kfree_skb(skb);
		goto drop;
	}
	ipsim_count(p, sa ? IPSIM_XDP_TX_ENCRYPTED : IPSIM_XDP_TX_PASSTHROUGH);
	atomic64_inc(&p->tx_packets);
	atomic64_add(skb->len, &p->tx_bytes);
	ipsim_wire_deliver(p->dev, peer, skb);
	xdp_return_frame(f);
	return;
drop:
	atomic64_inc(&p->tx_dropped);
	xdp_return_frame(f);
}

/*
 * Every frame is consumed (sent or dropped and counted), so all n are
 * reported done and the caller frees none.
 */
int ipsim_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames,
		   u32 flags)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct net_device *peer;
	int i;

	if (unlikely(flags & ~XDP_XMIT_FLAGS_MASK))
		return -EINVAL;
	rcu_read_lock();
	peer = rcu_dereference(p->peer);
	if (unlikely(!peer || !p->has_hw || p->crypto)) {
		rcu_read_unlock();
		return -ENXIO;
	}
	for (i = 0; i < n; i++)
		ipsim_xdp_tx_one(p, peer, frames[i]);
	rcu_read_unlock();
	return n;
}

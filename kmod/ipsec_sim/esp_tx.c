// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit side of the simulated NIC: select the SA for a frame, and
 * hand it to the ESP builder (esp_encap.c).
 *
 * A frame leaving the host end is in one of three cases:
 *  - it carries the handle of a live outbound SA in skb->mark (the tc
 *    egress program marked it) and its secpath names that SA's state:
 *    encapsulate with that SA;
 *  - no such mark, but a secpath (the kernel handed it over in packet
 *    mode): ask the bridge for the handle (slow path, counted) or drop;
 *  - a mark but no secpath: drop (fail closed, counted stale);
 *  - neither (ESP the kernel already built, IKE, ARP, ...): send as is.
 * A frame that carries an offloaded SA is never sent in plaintext.
 */
#include "ipsim.h"

struct ipsim_sa *ipsim_tx_live(struct ipsim_priv *p, u32 handle)
{
	struct ipsim_sa *sa;

	if (handle == IPSO_HANDLE_INVALID ||
	    !ipso_handle_is_live(p->dev, handle))
		return NULL;
	sa = ipsim_sat_by_handle(&p->sat, handle);
	return sa && sa->dir == IPSO_DIR_OUT ? sa : NULL;
}

/*
 * The SA for this frame, NULL to send it unchanged, or ERR_PTR to drop.
 * RCU read side held by the caller.
 */
static struct ipsim_sa *ipsim_tx_select(struct ipsim_priv *p,
					struct sk_buff *skb)
{
	const struct sec_path *sp = skb_sec_path(skb);
	u32 handle = ipso_mark_to_handle(skb->mark);
	struct ipsim_sa *sa;

	/*
	 * The mark is only a shortcut to the SA the packet's own secpath
	 * names: a mark alone, set by whoever can set marks, must not pick
	 * an SA's key and peer for a packet the kernel never gave it.
	 */
	sa = ipsim_tx_live(p, handle);
	if (sa && sp && sp->len && sp->xvec[sp->len - 1] == sa->x)
		return sa;
	if (!sp || !sp->len) {
		if (handle == IPSO_HANDLE_INVALID)
			return NULL;
		/* a mark without a secpath names no SA of this packet */
		sa = ipsim_sat_by_handle(&p->sat, handle);
		if (sa)
			atomic64_inc(&sa->stats.no_sa_drop);
		ipsim_count(p, IPSIM_TX_DROP_STALE);
		return ERR_PTR(-ENOENT);
	}
	ipsim_count(p, IPSIM_TX_SLOWPATH);
	sa = ipsim_tx_live(p, ipso_tx_handle_from_secpath(skb, p->dev));
	if (sa)
		return sa;
	ipsim_count(p, IPSIM_TX_DROP_STALE);
	return ERR_PTR(-ENOENT);
}

/*
 * The host end's transmit "hardware".  Returns the frame to put on the
 * wire, or NULL when it was dropped.  Called under rcu_read_lock, BH off.
 */
struct sk_buff *ipsim_hw_xmit(struct ipsim_priv *p, struct sk_buff *skb)
{
	struct ipsim_sa *sa;
	int err;

	if (p->crypto)
		return ipsim_crypto_xmit(p, skb);
	sa = ipsim_tx_select(p, skb);
	if (!sa) {
		ipsim_count(p, IPSIM_TX_PASSTHROUGH);
		return skb;
	}
	if (IS_ERR(sa))
		goto drop;
	err = ipsim_esp_encap(sa, skb);
	if (err == -ESTALE) {
		ipsim_count(p, IPSIM_TX_DROP_STALE);
		goto drop;
	}
	if (err) {
		ipsim_count(p, IPSIM_TX_DROP_ERROR);
		net_dbg_ratelimited("%s: ESP encapsulation failed: %d\n",
				    p->dev->name, err);
		goto drop;
	}
	ipsim_count(p, IPSIM_TX_ENCRYPTED);
	skb->mark = 0;
	return skb;
drop:
	kfree_skb(skb);
	return NULL;
}

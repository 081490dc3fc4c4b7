// SPDX-License-Identifier: GPL-2.0
/*
 * Native XDP on the host end (ndo_bpf), run by the receive "hardware" on
 * a linear skb, the way veth runs XDP on skbs: the xdp_buff is laid over
 * the skb's head, the program may move data, data_end and data_meta, and
 * the skb follows.  For frames the NIC decrypted (or rejected) the
 * metadata area holds struct ipso_xdp_meta right before the packet.
 *
 * Verdicts: PASS continues to the stack, DROP and ABORTED drop, TX sends
 * the frame back to the peer (raw, no ESP), REDIRECT is not supported
 * (dropped with the kernel's warning about an invalid action).
 */
#include <linux/bpf_trace.h>
#include "ipsim.h"

u32 ipsim_xdp_run(struct ipsim_priv *p, struct bpf_prog *prog,
		  struct sk_buff *skb, const struct ipso_xdp_meta *meta)
{
	struct xdp_buff xdp;
	void *orig_data, *orig_end;
	u32 frame_sz, metalen;
	int off;
	u32 act;

	frame_sz = skb_end_pointer(skb) - skb->head +
		   SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	xdp_init_buff(&xdp, frame_sz, &p->xdp_rxq);
	xdp_prepare_buff(&xdp, skb->head, skb_headroom(skb), skb_headlen(skb),
			 true);
	if (meta) {
		xdp.data_meta = xdp.data - sizeof(*meta);
		memcpy(xdp.data_meta, meta, sizeof(*meta));
	}
	orig_data = xdp.data;
	orig_end = xdp.data_end;

	act = bpf_prog_run_xdp(prog, &xdp);

	off = orig_data - xdp.data;
	if (off > 0)
		__skb_push(skb, off);
	else if (off < 0)
		__skb_pull(skb, -off);
	off = xdp.data_end - orig_end;
	if (off > 0)
		__skb_put(skb, off);
	else if (off < 0)
		__skb_trim(skb, skb->len + off);
	metalen = xdp.data - xdp.data_meta;
	if (metalen)
		skb_metadata_set(skb, metalen);
	else
		skb_metadata_clear(skb);
	return act;
}

/* Everything but XDP_PASS ends here; the skb is consumed. */
void ipsim_xdp_verdict(struct ipsim_priv *p, struct bpf_prog *prog,
		       struct sk_buff *skb, u32 act)
{
	struct net_device *peer;

	switch (act) {
	case XDP_TX:
		peer = rcu_dereference(p->peer);
		if (peer) {
			ipsim_count(p, IPSIM_XDP_TX);
			skb_metadata_clear(skb);
			ipsim_wire_deliver(p->dev, peer, skb);
			return;
		}
		break;
	case XDP_DROP:
		break;
	default:
		bpf_warn_invalid_xdp_action(p->dev, prog, act);
		fallthrough;
	case XDP_ABORTED:
		trace_xdp_exception(p->dev, prog, act);
		break;
	}
	ipsim_count(p, IPSIM_XDP_DROP);
	ipsim_rx_dropped(p->dev, skb);
}

int ipsim_ndo_bpf(struct net_device *dev, struct netdev_bpf *bpf)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct bpf_prog *old;

	switch (bpf->command) {
	case XDP_SETUP_PROG:
		if (!p->has_hw) {
			NL_SET_ERR_MSG_MOD(bpf->extack,
					   "native XDP runs on the host end only");
			return -EOPNOTSUPP;
		}
		/*
		 * dev_xdp_install() took the reference we keep while the
		 * program is installed; we drop the one of the program it
		 * replaces (NULL at unregister).
		 */
		old = rtnl_dereference(p->xdp_prog);
		rcu_assign_pointer(p->xdp_prog, bpf->prog);
		if (old)
			bpf_prog_put(old);
		return 0;
	default:
		return -EINVAL;
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware counters: per SA (the sa_stats driver op) and per device.
 *
 * Byte accounting follows XFRM's lifetime counters exactly, so the
 * bridge can feed deltas into the kernel SA's lifetime and `ip -s xfrm
 * state` on the peer shows the same numbers: xfrm_output_one() and
 * xfrm_input() add skb->len at the point where skb->data is the ESP
 * payload, i.e.
 *   transport mode: the upper-layer bytes (IP payload, no IP header),
 *   tunnel mode:    the whole inner IP packet,
 * and never the ESP header, IV, padding, pad length, next header or ICV.
 * A packet counts once it was encrypted (TX) or authenticated and
 * decapsulated (RX); failures only count in auth_fail / replay_drop /
 * no_sa_drop.
 */
#include <linux/seq_file.h>
#include "ipsim.h"

void ipsim_sa_count(struct ipsim_sa *sa, unsigned int payload_bytes)
{
	atomic64_inc(&sa->stats.packets);
	atomic64_add(payload_bytes, &sa->stats.bytes);
}

int ipsim_sa_stats(struct net_device *dev, u32 handle,
		   struct ipso_sa_hw_stats *st)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct ipsim_sa *sa;
	int err = 0;

	rcu_read_lock();
	sa = ipsim_sat_by_handle(&p->sat, handle);
	if (sa) {
		st->packets = atomic64_read(&sa->stats.packets);
		st->bytes = atomic64_read(&sa->stats.bytes);
		st->auth_fail = atomic64_read(&sa->stats.auth_fail);
		st->replay_drop = atomic64_read(&sa->stats.replay_drop);
		st->no_sa_drop = atomic64_read(&sa->stats.no_sa_drop);
		if (sa->dir == IPSO_DIR_OUT) {
			spin_lock_bh(&sa->lock);
			st->oseq = sa->oseq;
			spin_unlock_bh(&sa->lock);
		}
	} else {
		err = -ENOENT;
	}
	rcu_read_unlock();
	return err;
}

static const char *const ipsim_stat_names[IPSIM_STAT__MAX] = {
	[IPSIM_TX_ENCRYPTED]	= "tx_encrypted",
	[IPSIM_TX_PASSTHROUGH]	= "tx_passthrough",
	[IPSIM_TX_SLOWPATH]	= "tx_slowpath",
	[IPSIM_TX_DROP_STALE]	= "tx_drop_stale",
	[IPSIM_TX_DROP_ERROR]	= "tx_drop_error",
	[IPSIM_RX_DECRYPTED]	= "rx_decrypted",
	[IPSIM_RX_NO_SA]	= "rx_no_sa",
	[IPSIM_RX_AUTH_FAIL]	= "rx_auth_fail",
	[IPSIM_RX_REPLAY]	= "rx_replay",
	[IPSIM_RX_BAD_TRAILER]	= "rx_bad_trailer",
	[IPSIM_RX_DROP_ERROR]	= "rx_drop_error",
	[IPSIM_RX_NOT_LIVE]	= "rx_not_live",
	[IPSIM_XDP_PASS]	= "xdp_pass",
	[IPSIM_XDP_DROP]	= "xdp_drop",
	[IPSIM_XDP_TX]		= "xdp_tx",
	[IPSIM_FAULT_ADD_FAIL]	= "fault_add_fail",
	[IPSIM_ADD_REJECTED]	= "add_rejected",
	[IPSIM_TX_PKT_BLOCK]	= "tx_pkt_block",
	[IPSIM_TX_PKT_NO_SA]	= "tx_pkt_no_sa",
	[IPSIM_RX_PKT_POLICY]	= "rx_pkt_policy",
	[IPSIM_XDP_TX_ENCRYPTED]	= "xdp_tx_encrypted",
	[IPSIM_XDP_TX_PASSTHROUGH]	= "xdp_tx_passthrough",
	[IPSIM_XDP_TX_DROP_NO_SA]	= "xdp_tx_drop_no_sa",
	[IPSIM_XDP_TX_DROP_ERROR]	= "xdp_tx_drop_error",
	[IPSIM_TX_GSO]		= "tx_gso",
	[IPSIM_TX_GSO_BYTES]	= "tx_gso_bytes",
	[IPSIM_TX_GSO_SEGS]	= "tx_gso_segs",
};

void ipsim_dev_stats_show(struct seq_file *m, struct ipsim_priv *p)
{
	int i;

	for (i = 0; i < IPSIM_STAT__MAX; i++)
		seq_printf(m, "%s %ld\n", ipsim_stat_names[i],
			   atomic_long_read(&p->stat[i]));
}

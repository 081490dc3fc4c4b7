/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel API of the bridge module (ipsec_offload.ko) for NIC drivers:
 * the if_ipsec_accel_methods analogue.  A driver registers a net_device
 * with an ops table; the bridge calls the ops only from its ordered
 * workqueue, never from the datapath: in process context (may sleep),
 * except sa_tx_start (atomic, see there).
 */
#ifndef IPSO_BRIDGE_H
#define IPSO_BRIDGE_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/xfrm.h>
#include "../../include/ipsec_offload/types.h"
#include "../../include/ipsec_offload/genl.h"

/* What a driver needs to program one SA.  Keys are read from sa->x. */
struct ipso_sa_desc {
	struct xfrm_state *x;	/* held by the bridge for the offload's life */
	u32 handle;		/* allocated by the bridge, never 0 */
	u8 dir;			/* IPSO_DIR_IN or IPSO_DIR_OUT, never both */
	/* sa_add may say why it refuses (NL_SET_ERR_MSG_MOD) */
	struct netlink_ext_ack *extack;
};

struct ipso_sa_hw_stats {
	u64 packets;
	u64 bytes;
	u64 auth_fail;
	u64 replay_drop;
	u64 no_sa_drop;
	/*
	 * Outbound SAs: the last ESP sequence number the NIC used (its
	 * low 32 bits without ESN); 0 when the NIC leaves sequence numbers
	 * to the kernel.  Lets the bridge hand the SA back to software
	 * without reusing a number the peer has seen.
	 */
	u64 oseq;
};

struct ipso_dev_caps {
	u32 caps;		/* IPSO_CAP_* */
	u32 max_sa;		/* 0 = unknown */
};

struct ipso_policy_desc;	/* reserved for sp_add/sp_del */

struct ipso_driver_ops {
	void (*caps)(struct net_device *dev, struct ipso_dev_caps *caps);
	/* 0 = acked (OFFLOADED), -errno = rejected with that reason */
	int (*sa_add)(struct net_device *dev, const struct ipso_sa_desc *sa);
	void (*sa_del)(struct net_device *dev, u32 handle);
	int (*sp_add)(struct net_device *dev, const struct ipso_policy_desc *sp);
	void (*sp_del)(struct net_device *dev, const struct ipso_policy_desc *sp);
	int (*sa_stats)(struct net_device *dev, u32 handle,
			struct ipso_sa_hw_stats *stats);
	/*
	 * Packet mode, outbound SA: the bridge is about to hand the device
	 * plaintext for handle.  Every sequence number the device uses
	 * from now on must be greater than floor: the kernel's software
	 * path sent on this SA up to here (after sa_add read the state's
	 * counter, too).  Called with the state's lock held and BHs off:
	 * must not sleep.  Required with IPSO_CAP_PACKET.
	 */
	void (*sa_tx_start)(struct net_device *dev, u32 handle, u64 floor);
	/*
	 * Packet mode, outbound SA: software is about to number a packet
	 * on the SA while the device keeps it.  Atomically: base = the
	 * greater of sw_oseq (the kernel's last number) and the device's
	 * last number; every number the device uses from now on is above
	 * base + gap.  Returns base, from which software goes on.  Called
	 * with the state's lock held and BHs off: must not sleep.
	 * Required with IPSO_CAP_PACKET.
	 */
	u64 (*sa_tx_share)(struct net_device *dev, u32 handle, u64 sw_oseq,
			   u64 gap);
	/*
	 * Packet mode, outbound SA: software takes the SA back.  The device
	 * numbers no packet for handle from now on (it drops what it is
	 * still handed) and returns the last sequence number it used, so
	 * that software goes on from exactly there.  Called with the
	 * state's lock held and BHs off: must not sleep.  Required with
	 * IPSO_CAP_PACKET.
	 */
	u64 (*sa_tx_stop)(struct net_device *dev, u32 handle);
	/*
	 * Packet mode, inbound SA: ESP for it reached the kernel around
	 * the device, and software takes the replay window back.  The
	 * device writes its window into the state and accepts no more ESP
	 * for handle (it passes it on as is).  Called with the state's
	 * lock held and BHs off: must not sleep.  Required with
	 * IPSO_CAP_PACKET.
	 */
	void (*sa_rx_stop)(struct net_device *dev, u32 handle);
};

/* Registration (process context, RTNL not held). */
int ipso_register_netdev(struct net_device *dev,
			 const struct ipso_driver_ops *ops, const char *backend);
void ipso_unregister_netdev(struct net_device *dev);

/*
 * TX slow path, for a packet without a valid mark: the handle under which
 * the state in the skb's secpath is offloaded on dev for output, or
 * IPSO_HANDLE_INVALID (then the driver must drop).  A secpath holding an
 * inbound state (a decrypted packet being forwarded) yields INVALID too.
 * RCU, any context.
 */
u32 ipso_tx_handle_from_secpath(const struct sk_buff *skb,
				const struct net_device *dev);

/*
 * True when handle is currently offloaded on dev.  RCU, any context.
 * Drivers use it to refuse a stale mark.
 */
bool ipso_handle_is_live(const struct net_device *dev, u32 handle);

/*
 * RX: the NIC decrypted and decapsulated skb with the (inbound) SA behind
 * handle.  Attach the kernel state as secpath so the kernel's inbound and
 * forward policy checks accept the plaintext.  No xfrm_offload slot is
 * added (no CRYPTO_DONE): nothing runs xfrm_input() on a decapsulated
 * packet, and on 6.1 such a slot crashes validate_xmit_xfrm() when the
 * packet is forwarded (see rx.c).  Drivers decrypt only while
 * ipso_handle_is_live(); a packet begun then is still accepted if the
 * offload was withdrawn meanwhile and the state is valid.  0 or -errno
 * (then drop).  Call within the RCU read section the decryption began in.
 */
int ipso_rx_attach_secpath(struct sk_buff *skb, const struct net_device *dev,
			   u32 handle);

/* Decode / encode the TX mark with the module's configured layout. */
u32 ipso_mark_to_handle(u32 mark);
u32 ipso_mark_encode(u32 mark, u32 handle);

#endif /* IPSO_BRIDGE_H */

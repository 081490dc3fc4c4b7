/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipsec_sim: a software model of an inline-IPsec NIC (docs/sim-nic.md).
 *
 * A pair of net_devices joined like veth.  The end created by
 * `ip link add NAME type ipsecsim` (the "host" end) has the hardware: an
 * SA table, inline ESP on transmit, ESP decapsulation, anti-replay and
 * native XDP with {handle, syndrome} metadata on receive.  The peer end is
 * a plain wire end.  Internal header shared by the files of the module.
 */
#ifndef IPSIM_H
#define IPSIM_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <linux/hashtable.h>
#include <linux/filter.h>
#include <net/xdp.h>
#include <net/xfrm.h>
#include "../mlx5_ipsec/ipso_bridge.h"
#include "../../include/ipsec_offload/mark.h"
#include "../../include/ipsec_offload/maps.h"

#define IPSIM_KIND		"ipsecsim"
#define IPSIM_BACKEND		"sim"

#define IPSIM_ESP_HLEN		8	/* SPI + sequence number */
#define IPSIM_IV_LEN		8	/* RFC 4106 explicit IV */
#define IPSIM_REPLAY_MAX	1024	/* bits of the hardware window */
#define IPSIM_RX_HASH_BITS	8
/* what a host end offers for TSO, as mlx5e does (netdev.c) */
#define IPSIM_TSO_FEATURES	(NETIF_F_SG | NETIF_F_HW_CSUM | \
				 NETIF_F_TSO | NETIF_F_TSO6)

/* Device-wide counters, shown in debugfs. */
enum ipsim_dev_stat {
	IPSIM_TX_ENCRYPTED,	/* ESP built by the "hardware" */
	IPSIM_TX_PASSTHROUGH,	/* no mark, no secpath: sent as is */
	IPSIM_TX_SLOWPATH,	/* handle resolved from the secpath */
	IPSIM_TX_DROP_STALE,	/* mark and secpath name no live SA */
	IPSIM_TX_DROP_ERROR,	/* could not encapsulate (no memory...) */
	IPSIM_RX_DECRYPTED,	/* ESP removed, delivered with handle */
	IPSIM_RX_NO_SA,		/* ESP for an SPI we do not hold: as is */
	IPSIM_RX_AUTH_FAIL,
	IPSIM_RX_REPLAY,
	IPSIM_RX_BAD_TRAILER,
	IPSIM_RX_DROP_ERROR,	/* secpath attach or memory failure */
	IPSIM_RX_NOT_LIVE,	/* SA being offloaded or withdrawn: as is */
	IPSIM_XDP_PASS,
	IPSIM_XDP_DROP,		/* DROP, ABORTED, and the unsupported verdicts */
	IPSIM_XDP_TX,
	IPSIM_FAULT_ADD_FAIL,	/* sa_add failed by fault injection */
	IPSIM_ADD_REJECTED,	/* sa_add refused (capacity, unsupported) */
	IPSIM_TX_PKT_BLOCK,	/* packet mode: a block policy matched */
	IPSIM_TX_PKT_NO_SA,	/* packet mode: a policy matched, no SA */
	IPSIM_RX_PKT_POLICY,	/* packet mode: no inbound policy allows it */
	IPSIM_XDP_TX_ENCRYPTED,	/* redirected plaintext, ESP built */
	IPSIM_XDP_TX_PASSTHROUGH, /* redirected without our metadata: as is */
	IPSIM_XDP_TX_DROP_NO_SA, /* metadata names no SA we send on now */
	IPSIM_XDP_TX_DROP_ERROR, /* could not copy or encapsulate */
	IPSIM_TX_GSO,		/* TSO super-packets handed over */
	IPSIM_TX_GSO_BYTES,	/* their bytes, headers included */
	IPSIM_TX_GSO_SEGS,	/* the frames they were cut into */
	IPSIM_STAT__MAX,
};

/* Per-SA hardware counters (see stats.c for the byte accounting). */
struct ipsim_sa_stats {
	atomic64_t packets;
	atomic64_t bytes;
	atomic64_t auth_fail;
	atomic64_t replay_drop;
	atomic64_t no_sa_drop;
};

/*
 * Who judges replays of an inbound SA: the kernel until the bridge makes
 * the handle live, the NIC while it is, the kernel again once it is not.
 */
enum ipsim_rx_phase {
	IPSIM_RX_SOFTWARE,
	IPSIM_RX_HARDWARE,
	IPSIM_RX_HANDED_BACK,
};

/* One SA in the "hardware" table. */
struct ipsim_sa {
	struct hlist_node rx_node;	/* RX hash by (family, daddr, spi) */
	struct xfrm_state *x;		/* our reference, for write-back */
	struct crypto_aead *tfm;	/* rfc4106(gcm(aes)), key set */
	u32 handle;
	u8 dir;				/* IPSO_DIR_IN or IPSO_DIR_OUT */
	u8 mode;			/* XFRM_MODE_TRANSPORT / TUNNEL */
	u16 family;			/* outer family */
	u8 icv_len;			/* bytes */
	bool esn;
	bool natt;			/* ESP in UDP (RFC 3948), IPv4 */
	bool crypto;			/* crypto mode: x not held, kernel does ESP */
	bool kpkt;			/* packet mode through xfrmdev_ops */
	bool dead;			/* xfrmdev: xdo_dev_state_delete ran */
	bool tx_stopped;		/* software took the counter back */
	u8 rx_phase;			/* enum ipsim_rx_phase, under lock */
	rwlock_t rx_lock;		/* decrypt (read) vs hand-back */
	__be16 encap_sport;		/* NAT-T ports, network order */
	__be16 encap_dport;
	__be32 spi;
	u32 reqid;			/* packet mode: what policies name */
	xfrm_address_t saddr;		/* outer source (tunnel TX) */
	xfrm_address_t daddr;		/* outer destination */

	spinlock_t lock;		/* oseq, replay window */
	u64 oseq;			/* TX: last sequence number used */
	u64 tx_floor;			/* TX: every number used is above it */
	u64 rx_top;			/* RX: highest authenticated seq */
	u32 window;			/* RX: replay window in bits, 0 = off */
	DECLARE_BITMAP(bitmap, IPSIM_REPLAY_MAX);

	struct ipsim_sa_stats stats;
	struct {			/* packet mode: given to x->curlft */
		u64 packets, bytes, auth_fail, replay_drop;
	} told;				/* under lock */
};

/* Who owns an SA of the table and drives it. */
enum ipsim_sa_kind {
	IPSIM_SA_BRIDGE,		/* the bridge's ops (ops.c) */
	IPSIM_SA_KERNEL_CRYPTO,		/* xfrmdev_ops, crypto offload */
	IPSIM_SA_KERNEL_PACKET,		/* xfrmdev_ops, packet offload */
};

struct ipsim_sa_table {
	struct mutex lock;		/* writers; readers use RCU */
	struct xarray by_handle;	/* handle -> SA (TX and RX) */
	DECLARE_HASHTABLE(rx_hash, IPSIM_RX_HASH_BITS);
	unsigned int count;
};

struct ipsim_priv {
	struct net_device __rcu *peer;
	struct net_device *dev;
	bool has_hw;			/* host end: SA table, ESP, XDP */
	/* where the wire hands this end a frame (wire.c) */
	void (*wire_rx)(struct net_device *dev, struct sk_buff *skb);
	bool registered;		/* with the bridge */
	struct ipsim_sa_table sat;
	struct bpf_prog __rcu *xdp_prog;
	struct xdp_rxq_info xdp_rxq;
	struct work_struct reg_work;	/* registers with the bridge */
	bool crypto;			/* crypto mode (xfrmdev_ops) host end */
	atomic_t crypto_next;		/* private handles in crypto mode */
	struct napi_struct napi;	/* crypto mode RX goes through GRO */
	struct sk_buff_head napi_q;
	spinlock_t pol_lock;		/* packet mode: writers of pols */
	struct list_head pols;		/* offloaded policies, RCU */
	struct list_head hw_node;	/* ipsim_hw_devs, for debugfs */
	atomic_long_t stat[IPSIM_STAT__MAX];
	atomic64_t rx_packets, rx_bytes, rx_dropped;
	atomic64_t tx_packets, tx_bytes, tx_dropped;
};

static inline void ipsim_count(struct ipsim_priv *p, enum ipsim_dev_stat s)
{
	atomic_long_inc(&p->stat[s]);
}

/* main.c: module parameters and fault injection */
extern unsigned int ipsim_max_sa;
extern bool ipsim_crypto_mode;
extern bool ipsim_tso;
int ipsim_fault_before_add(void);
void ipsim_fault_after_add(void);
void ipsim_note_error(struct net_device *dev, u32 handle, int err,
		      const char *what);

/* netdev.c */
extern struct rtnl_link_ops ipsim_link_ops;
extern struct mutex ipsim_hw_lock;
extern struct list_head ipsim_hw_devs;
extern struct workqueue_struct *ipsim_wq;

/* wire.c */
void ipsim_wire_deliver(struct net_device *from, struct net_device *to,
			struct sk_buff *skb);
void ipsim_rx_to_stack(struct net_device *dev, struct sk_buff *skb);
void ipsim_rx_dropped(struct net_device *dev, struct sk_buff *skb);

/* xdp.c */
u32 ipsim_xdp_run(struct ipsim_priv *p, struct bpf_prog *prog,
		  struct sk_buff *skb, const struct ipso_xdp_meta *meta);
void ipsim_xdp_verdict(struct ipsim_priv *p, struct bpf_prog *prog,
		       struct sk_buff *skb, u32 act);
int ipsim_ndo_bpf(struct net_device *dev, struct netdev_bpf *bpf);

/* sa_table.c */
u32 ipsim_kernel_handle(struct ipsim_priv *p);
void ipsim_sat_init(struct ipsim_sa_table *t);
void ipsim_sat_flush(struct ipsim_sa_table *t);
int ipsim_sat_add(struct net_device *dev, const struct ipso_sa_desc *d,
		  enum ipsim_sa_kind kind, struct ipsim_sa **out);
void ipsim_sat_del(struct net_device *dev, u32 handle);
void ipsim_sat_tx_start(struct net_device *dev, u32 handle, u64 floor);
u64 ipsim_sat_tx_share(struct net_device *dev, u32 handle, u64 sw_oseq,
		       u64 gap);
u64 ipsim_sat_tx_stop(struct net_device *dev, u32 handle);
void ipsim_sat_rx_stop(struct net_device *dev, u32 handle);
bool ipsim_sa_rx_begin(struct ipsim_sa *sa, const struct net_device *dev);
void ipsim_sa_rx_end(struct ipsim_sa *sa);
struct ipsim_sa *ipsim_sat_by_handle(struct ipsim_sa_table *t, u32 handle);
struct ipsim_sa *ipsim_sat_rx_lookup(struct ipsim_sa_table *t, u16 family,
				     const xfrm_address_t *daddr, __be32 spi);
void ipsim_sat_show(struct seq_file *m, struct ipsim_sa_table *t);

/* crypto_mode.c */
extern const struct xfrmdev_ops ipsim_xfrmdev_ops;
void ipsim_crypto_setup(struct net_device *dev);
void ipsim_crypto_open(struct net_device *dev);
void ipsim_crypto_stop(struct net_device *dev);
void ipsim_crypto_uninit(struct net_device *dev);
struct sk_buff *ipsim_crypto_xmit(struct ipsim_priv *p, struct sk_buff *skb);
void ipsim_crypto_receive(struct ipsim_priv *p, struct ipsim_sa *sa,
			  struct sk_buff *skb, unsigned int esp_off,
			  unsigned int end);

/* packet_mode.c (the xfrmdev packet face exists from 6.2 on) */
void ipsim_pkt_setup(struct ipsim_priv *p);
struct sk_buff *ipsim_pkt_xmit(struct ipsim_priv *p, struct sk_buff *skb);
int ipsim_pkt_rx_finish(struct ipsim_priv *p, struct ipsim_sa *sa,
			struct sk_buff *skb);
void ipsim_pkt_policies_show(struct seq_file *m, struct ipsim_priv *p);
int ipsim_pkt_state_add(struct net_device *dev, struct xfrm_state *x,
			struct netlink_ext_ack *extack);
void ipsim_pkt_update_stats(struct xfrm_state *x);
int ipsim_pkt_policy_add(struct xfrm_policy *xp,
			 struct netlink_ext_ack *extack);
void ipsim_pkt_policy_delete(struct xfrm_policy *xp);
void ipsim_pkt_policy_free(struct xfrm_policy *xp);

/* mlx5e_rules.c */
int ipsim_mlx5e_validate_crypto(const struct xfrm_state *x,
				struct netlink_ext_ack *extack);
int ipsim_mlx5e_validate_packet(const struct xfrm_state *x,
				struct netlink_ext_ack *extack);
int ipsim_mlx5e_validate_policy(const struct xfrm_policy *xp,
				struct netlink_ext_ack *extack);

/* esp_crypto.c */
int ipsim_esp_crypt(struct ipsim_sa *sa, u8 *esph, unsigned int len,
		    u32 seq_hi, bool encrypt);

/* esp_encap.c */
int ipsim_esp_encap(struct ipsim_sa *sa, struct sk_buff *skb);

/* esp_tx.c */
struct ipsim_sa *ipsim_tx_live(struct ipsim_priv *p, u32 handle);
struct sk_buff *ipsim_hw_xmit(struct ipsim_priv *p, struct sk_buff *skb);

/* xdp_tx.c */
int ipsim_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames,
		   u32 flags);

/* esp_rx.c */
void ipsim_hw_receive(struct net_device *dev, struct sk_buff *skb);

/* replay.c */
u32 ipsim_replay_seq_hi(struct ipsim_sa *sa, u32 seq_lo);
int ipsim_replay_check(struct ipsim_sa *sa, u64 seq);
int ipsim_replay_advance(struct ipsim_sa *sa, u64 seq);

/* stats.c */
extern const struct ipso_driver_ops ipsim_driver_ops;
void ipsim_sa_count(struct ipsim_sa *sa, unsigned int payload_bytes);
int ipsim_sa_stats(struct net_device *dev, u32 handle,
		   struct ipso_sa_hw_stats *st);
void ipsim_dev_stats_show(struct seq_file *m, struct ipsim_priv *p);

#endif /* IPSIM_H */

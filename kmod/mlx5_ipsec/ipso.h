/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations of the bridge module (ipsec_offload.ko), shared
 * between its files.  Not an API for other modules: that is ipso_bridge.h.
 *
 * Locking in one place (docs/kmod.md has the long version):
 *   ipso_lock (spinlock, BH)  membership of the offload list/hash, the
 *                             handle IDR and every flag of an entry;
 *                             taken from atomic context (KM notify runs
 *                             under x->lock, so never take x->lock while
 *                             holding ipso_lock).
 *   ipso_dev_mutex            the list of registered devices (writers).
 *   ipso_maps_mutex           the BPF maps handed over by the loader.
 *   RCU                       every datapath lookup; entries and device
 *                             records are freed with kfree_rcu.
 *   ordered workqueue         every driver op, every install/teardown,
 *                             the stats poll.  Only work items on it
 *                             unlink and free offload entries.
 */
#ifndef IPSO_H
#define IPSO_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/xfrm.h>

#include "ipso_bridge.h"
#include "../../include/ipsec_offload/maps.h"
#include "../../include/ipsec_offload/mark.h"

#define IPSO_BACKEND_LEN	16

/* A net_device whose driver registered an ops table. */
struct ipso_netdev {
	struct list_head node;		/* ipso_devs, RCU */
	struct net_device *dev;		/* held while registered */
	netdevice_tracker tracker;
	const struct ipso_driver_ops *ops;
	struct ipso_dev_caps caps;
	char backend[IPSO_BACKEND_LEN];
	bool gone;			/* no new offloads (ipso_lock) */
	struct rcu_head rcu;
};

/* One SA on one device. */
/* Room for a driver's extack message, which is usually one short line. */
#define IPSO_REASON_MSG_LEN	96

struct ipso_offload {
	struct hlist_node hnode;	/* ipso_ofl_hash by (x, ifindex), RCU */
	struct list_head node;		/* ipso_ofl_list, RCU */
	struct xfrm_state *x;		/* reference held for the entry's life */
	struct ipso_netdev *nd;		/* outlives the entry (see netdev.c) */
	struct net_device *dev;		/* reference held */
	netdevice_tracker dev_tracker;
	possible_net_t net;
	struct ipso_sa_key key;		/* the SA as maps and messages name it */
	int ifindex;
	u8 dir;				/* IPSO_DIR_IN / IPSO_DIR_OUT */
	bool packet_mode;		/* device does all of ESP (else crypto) */
	/* ipso_lock protects the fields below; RCU readers use READ_ONCE */
	u8 state;			/* enum ipso_offload_state */
	bool live;			/* handle valid for driver and RX */
	bool tx_active;			/* packet-mode TX hook may use it */
	bool dying;			/* teardown queued */
	int reason;			/* -errno of a rejection / teardown */
	char reason_msg[IPSO_REASON_MSG_LEN];	/* the driver's words */
	u32 handle;
	/* only the workqueue touches these */
	bool driver_has_it;		/* sa_add succeeded, sa_del owed */
	bool maps_written;
	struct ipso_sa_hw_stats last;	/* last poll, for lifetime deltas */
	u64 tx_floor;			/* the NIC's numbers start above it */
	struct work_struct install_work;
	struct work_struct teardown_work;
	struct rcu_head rcu;
};

/*
 * Sequence numbers left to software at a takeover by the NIC: packets that
 * passed the TX hook before it turned to the NIC but get their number
 * from xfrm_output() only after the bridge read the counter.  That span
 * does not sleep; a preempted sender may sit in it, so the gap bounds
 * the number of such senders.  ESP receivers accept gaps.
 */
#define IPSO_SEQ_TAKEOVER_GAP	64

/* main.c: the configured mark layout and module parameters */
extern u32 ipso_mark_magic, ipso_mark_magic_mask, ipso_mark_handle_mask;
extern unsigned int ipso_poll_ms;
u32 ipso_handle_max(void);

/* wq.c */
extern struct workqueue_struct *ipso_wq;
int ipso_wq_init(void);
void ipso_wq_exit(void);
void ipso_install_work(struct work_struct *w);
void ipso_teardown_work(struct work_struct *w);

/* db.c: devices */
extern spinlock_t ipso_lock;
struct ipso_netdev *ipso_netdev_find_rcu(const struct net_device *dev);
void ipso_netdev_forget(struct net_device *dev);
void ipso_netdevs_release_all(void);
int ipso_netdev_dump(struct sk_buff *skb, struct netlink_callback *cb,
		     const struct genl_family *family);
/* db.c: offloads */
extern struct list_head ipso_ofl_list;
struct ipso_offload *ipso_ofl_find_rcu(const struct xfrm_state *x,
				       int ifindex);
struct ipso_offload *ipso_ofl_by_handle_rcu(u32 handle);
int ipso_handle_alloc(struct ipso_offload *o);
void ipso_handle_free(u32 handle);
void ipso_ofl_unlink(struct ipso_offload *o);

/* What a request reply reports about an entry. */
struct ipso_ofl_snapshot {
	u8 state;
	bool dying;
	u32 handle;
	int reason;
};

int ipso_ofl_request(struct net *net, struct xfrm_state *x,
		     struct net_device *dev, u8 dir,
		     struct ipso_ofl_snapshot *snap);
bool ipso_ofl_teardown(struct ipso_offload *o, int reason);
bool ipso_ofl_withdraw(struct ipso_offload *o, int reason);
bool ipso_ofl_held_elsewhere_rcu(const struct ipso_offload *o);
void ipso_ofl_share_seq_rcu(struct xfrm_state *x);
void ipso_ofl_rx_hand_back(struct xfrm_state *x);
/* Workqueue: an installed packet-mode offload starts carrying TX. */
void ipso_tx_takeover(struct ipso_offload *o);
unsigned int ipso_ofl_withdraw_matching(bool (*match)(struct ipso_offload *,
						      const void *),
					const void *arg, int reason);
unsigned int ipso_ofl_teardown_matching(bool (*match)(struct ipso_offload *,
						      const void *),
					const void *arg, int reason);
unsigned int ipso_ofl_teardown_state(const struct xfrm_state *x, int reason);
void ipso_ofl_fill_key(const struct xfrm_state *x, struct ipso_sa_key *k);
int ipso_db_init(void);
void ipso_db_exit(void);

/* genl.c */
int ipso_genl_init(void);
void ipso_genl_exit(void);
void ipso_genl_notify(const struct ipso_offload *o, u8 state, int reason);

/* xfrm_km.c */
void ipso_km_init(void);
void ipso_km_exit(void);

/* netdev.c */
int ipso_netdev_init(void);
void ipso_netdev_exit(void);

/* xfrmdev.c: the backend for devices with kernel xfrmdev_ops (mlx5e) */
void ipso_xfrmdev_probe(struct net_device *dev);
void ipso_xfrmdev_dev_down(struct net_device *dev);
void ipso_xfrmdev_state_dead(struct xfrm_state *x);
void ipso_xfrmdev_forget(const struct net *net, bool only_dead);

/* tx_pmode.c */
int ipso_tx_init(void);
void ipso_tx_exit(void);

/* rx_guard.c */
int ipso_rx_guard_init(void);
void ipso_rx_guard_exit(void);

/* maps.c */
int ipso_maps_set(struct net *net, int offload_fd, int handle_fd, int stats_fd,
		  struct netlink_ext_ack *extack);
void ipso_maps_publish(struct ipso_offload *o);
void ipso_maps_publish_fastpath(struct ipso_offload *o);
void ipso_maps_reject(struct ipso_offload *o);
void ipso_maps_unpublish_offload(struct ipso_offload *o);
void ipso_maps_unpublish_handle(struct ipso_offload *o);
void ipso_maps_write_hw_stats(struct ipso_offload *o,
			      const struct ipso_sa_hw_stats *s);
int ipso_maps_init(void);
void ipso_maps_exit(void);

/* stats.c */
void ipso_stats_init(void);
void ipso_stats_exit(void);
void ipso_stats_final(struct ipso_offload *o);
void ipso_stats_feed(struct ipso_offload *o,
		     const struct ipso_sa_hw_stats *now);

#endif /* IPSO_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The offload database: one entry per (SA, device) with its state, the
 * handle allocator, and the registered devices.  Lookups are RCU-safe
 * for the datapath; every change of an entry's flags happens under
 * ipso_lock; entries are unlinked and freed only by work items on the
 * ordered workqueue (wq.c), which is what lets that workqueue walk the
 * list while calling drivers that may sleep.
 */
#include <linux/hashtable.h>
#include <linux/idr.h>
#include <linux/slab.h>

#include "ipso.h"

DEFINE_SPINLOCK(ipso_lock);
LIST_HEAD(ipso_ofl_list);
static DEFINE_HASHTABLE(ipso_ofl_hash, 12);	/* by xfrm_state pointer */
static DEFINE_IDR(ipso_handle_idr);		/* handle -> entry */

static LIST_HEAD(ipso_devs);
static DEFINE_MUTEX(ipso_dev_mutex);

/* ---- registered devices ---- */

struct ipso_netdev *ipso_netdev_find_rcu(const struct net_device *dev)
{
	struct ipso_netdev *nd;

	list_for_each_entry_rcu(nd, &ipso_devs, node)
		if (nd->dev == dev)
			return nd;
	return NULL;
}

int ipso_register_netdev(struct net_device *dev,
			 const struct ipso_driver_ops *ops, const char *backend)
{
	struct ipso_netdev *nd;

	if (!dev || !ops || !ops->sa_add || !ops->sa_del || !ops->caps)
		return -EINVAL;
	nd = kzalloc(sizeof(*nd), GFP_KERNEL);
	if (!nd)
		return -ENOMEM;
	nd->dev = dev;
	nd->ops = ops;
	strscpy(nd->backend, backend ? backend : "unknown",
		sizeof(nd->backend));
	ops->caps(dev, &nd->caps);
	/* a packet-mode device and software must hand the counter over */
	if ((nd->caps.caps & IPSO_CAP_PACKET) &&
	    (!ops->sa_tx_start || !ops->sa_tx_share || !ops->sa_tx_stop ||
	     !ops->sa_rx_stop)) {
		kfree(nd);
		return -EINVAL;
	}

	mutex_lock(&ipso_dev_mutex);
	rcu_read_lock();
	if (ipso_netdev_find_rcu(dev)) {
		rcu_read_unlock();
		mutex_unlock(&ipso_dev_mutex);
		kfree(nd);
		return -EEXIST;
	}
	rcu_read_unlock();
	netdev_hold(dev, &nd->tracker, GFP_KERNEL);
	list_add_tail_rcu(&nd->node, &ipso_devs);
	mutex_unlock(&ipso_dev_mutex);
	netdev_info(dev, "ipsec_offload: driver registered (backend %s, caps 0x%x, max_sa %u)\n",
		    nd->backend, nd->caps.caps, nd->caps.max_sa);
	return 0;
}
EXPORT_SYMBOL_GPL(ipso_register_netdev);

static bool ipso_match_nd(struct ipso_offload *o, const void *nd)
{
	return o->nd == nd;
}

/*
 * Stop offering dev: no new offloads, every existing one torn down, and
 * once the workqueue has run those teardowns no driver op for dev runs
 * again.  Returns the record to free, or NULL when it was already gone.
 */
static struct ipso_netdev *ipso_netdev_retire(struct net_device *dev,
					      int reason)
{
	struct ipso_netdev *nd;

	mutex_lock(&ipso_dev_mutex);
	rcu_read_lock();
	nd = ipso_netdev_find_rcu(dev);
	rcu_read_unlock();
	if (nd) {
		spin_lock_bh(&ipso_lock);
		nd->gone = true;
		spin_unlock_bh(&ipso_lock);
		list_del_rcu(&nd->node);
	}
	mutex_unlock(&ipso_dev_mutex);
	if (nd)
		ipso_ofl_teardown_matching(ipso_match_nd, nd, reason);
	return nd;
}

static void ipso_netdev_free(struct ipso_netdev *nd)
{
	netdev_info(nd->dev, "ipsec_offload: driver unregistered\n");
	netdev_put(nd->dev, &nd->tracker);
	kfree_rcu(nd, rcu);
}

/*
 * The driver must not call this from one of its ops (they run on our
 * workqueue, which this waits for).
 */
void ipso_unregister_netdev(struct net_device *dev)
{
	struct ipso_netdev *nd = ipso_netdev_retire(dev, -ENODEV);

	/*
	 * Even when NETDEV_UNREGISTER retired the device first, its queued
	 * teardowns still call the driver: wait for them either way.
	 */
	flush_workqueue(ipso_wq);
	if (nd)
		ipso_netdev_free(nd);
}
EXPORT_SYMBOL_GPL(ipso_unregister_netdev);

struct ipso_forget {
	struct work_struct work;
	struct ipso_netdev *nd;
};

static void ipso_forget_work(struct work_struct *w)
{
	struct ipso_forget *f = container_of(w, struct ipso_forget, work);

	ipso_netdev_free(f->nd);
	kfree(f);
}

/*
 * The device is being unregistered without its driver having told us
 * (NETDEV_UNREGISTER, RTNL held): retire it now, free the record after
 * the queued teardowns (the workqueue is ordered).
 */
void ipso_netdev_forget(struct net_device *dev)
{
	struct ipso_netdev *nd;
	struct ipso_forget *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	nd = ipso_netdev_retire(dev, -ENODEV);
	if (!nd) {
		kfree(f);
		return;
	}
	if (!f) {
		/* Cannot defer: wait here (our work never takes RTNL). */
		flush_workqueue(ipso_wq);
		ipso_netdev_free(nd);
		return;
	}
	f->nd = nd;
	INIT_WORK(&f->work, ipso_forget_work);
	queue_work(ipso_wq, &f->work);
}

/* Module exit: backends we own (xfrmdev) may still be registered. */
void ipso_netdevs_release_all(void)
{
	struct ipso_netdev *nd;

	for (;;) {
		mutex_lock(&ipso_dev_mutex);
		nd = list_first_or_null_rcu(&ipso_devs, struct ipso_netdev,
					    node);
		mutex_unlock(&ipso_dev_mutex);
		if (!nd)
			break;
		ipso_unregister_netdev(nd->dev);
	}
}

/* GET_DEVICES: registered devices in the caller's netns. */
int ipso_netdev_dump(struct sk_buff *skb, struct netlink_callback *cb,
		     const struct genl_family *family)
{
	struct net *net = sock_net(skb->sk);
	long idx = 0, skip = cb->args[0];
	struct ipso_netdev *nd;
	int err = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(nd, &ipso_devs, node) {
		void *hdr;

		if (!net_eq(dev_net(nd->dev), net) || idx++ < skip)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, family, NLM_F_MULTI,
				  IPSO_CMD_GET_DEVICES);
		if (!hdr ||
		    nla_put_u32(skb, IPSO_ATTR_IFINDEX, nd->dev->ifindex) ||
		    nla_put_string(skb, IPSO_ATTR_DEV_NAME, nd->dev->name) ||
		    nla_put_string(skb, IPSO_ATTR_BACKEND, nd->backend) ||
		    nla_put_u32(skb, IPSO_ATTR_DEV_CAPS, nd->caps.caps) ||
		    nla_put_u32(skb, IPSO_ATTR_DEV_MAX_SA, nd->caps.max_sa)) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			err = -EMSGSIZE;
			idx--;
			break;
		}
		genlmsg_end(skb, hdr);
	}
	rcu_read_unlock();
	cb->args[0] = idx;
	return err && idx == skip ? err : skb->len;
}

/* ---- offload entries ---- */

void ipso_ofl_fill_key(const struct xfrm_state *x, struct ipso_sa_key *k)
{
	memset(k, 0, sizeof(*k));
	if (x->props.family == AF_INET)
		k->daddr.a32[0] = x->id.daddr.a4;
	else
		memcpy(k->daddr.a8, &x->id.daddr.in6, 16);
	k->spi = x->id.spi;
	k->proto = x->id.proto;
	k->family = x->props.family;
}

static u32 ipso_x_hash(const struct xfrm_state *x)
{
	return hash_ptr(x, 32);
}

struct ipso_offload *ipso_ofl_find_rcu(const struct xfrm_state *x,
				       int ifindex)
{
	struct ipso_offload *o;

	hash_for_each_possible_rcu(ipso_ofl_hash, o, hnode, ipso_x_hash(x))
		if (o->x == x && o->ifindex == ifindex)
			return o;
	return NULL;
}

/*
 * One device at a time per SA: two devices would each number an outbound
 * SA from the same counter (the AES-GCM IV is the sequence number), and
 * each keep its own replay window for an inbound one.
 */
bool ipso_ofl_held_elsewhere_rcu(const struct ipso_offload *o)
{
	struct ipso_offload *e;

	hash_for_each_possible_rcu(ipso_ofl_hash, e, hnode, ipso_x_hash(o->x))
		if (e != o && e->x == o->x && e->dev != o->dev &&
		    READ_ONCE(e->state) == IPSO_OFL_OFFLOADED &&
		    !READ_ONCE(e->dying))
			return true;
	return false;
}

/* The output sequence number the kernel's software path used last. */
static u64 ipso_state_oseq(const struct xfrm_state *x)
{
	if (x->replay_esn)
		return ((u64)x->replay_esn->oseq_hi << 32) | x->replay_esn->oseq;
	return x->replay.oseq;
}

static void ipso_state_set_oseq(struct xfrm_state *x, u64 seq)
{
	if (seq <= ipso_state_oseq(x))
		return;
	if (x->replay_esn) {
		x->replay_esn->oseq = lower_32_bits(seq);
		x->replay_esn->oseq_hi = upper_32_bits(seq);
	} else {
		/* stop at the top: the kernel refuses to wrap, reuse would */
		x->replay.oseq = min_t(u64, seq, U32_MAX);
	}
}

/*
 * A packet on x is about to take the software path (another device, too
 * big, no neighbour) while a device numbers x's packets: under the lock
 * xfrm_output() numbers packets under, the two split the number space so
 * that neither uses a number the other did.  The offload stays.  RCU,
 * any context but under x->lock.
 */
void ipso_ofl_share_seq_rcu(struct xfrm_state *x)
{
	struct ipso_offload *o;
	u64 base;

	hash_for_each_possible_rcu(ipso_ofl_hash, o, hnode, ipso_x_hash(x)) {
		if (o->x != x || o->dir != IPSO_DIR_OUT ||
		    !READ_ONCE(o->tx_active))
			continue;
		spin_lock_bh(&x->lock);
		if (READ_ONCE(o->tx_active)) {
			base = o->nd->ops->sa_tx_share(o->dev, o->handle,
						       ipso_state_oseq(x),
						       IPSO_SEQ_TAKEOVER_GAP);
			ipso_state_set_oseq(x, base);
		}
		spin_unlock_bh(&x->lock);
	}
}

/*
 * ESP for x reached the kernel around the NIC that keeps x's inbound
 * replay window (packet mode): the NIC writes its window into the state,
 * under the lock xfrm_input() checks it under, and stops; the offload is
 * withdrawn.  One window, the kernel's, checks this packet and the next.
 * Any context but under x->lock.
 */
void ipso_ofl_rx_hand_back(struct xfrm_state *x)
{
	struct ipso_offload *o;

	rcu_read_lock();
	hash_for_each_possible_rcu(ipso_ofl_hash, o, hnode, ipso_x_hash(x)) {
		if (o->x != x || o->dir != IPSO_DIR_IN || !o->packet_mode ||
		    !READ_ONCE(o->live))
			continue;
		spin_lock_bh(&x->lock);
		o->nd->ops->sa_rx_stop(o->dev, o->handle);
		spin_unlock_bh(&x->lock);
		ipso_ofl_withdraw(o, -EXDEV);
	}
	rcu_read_unlock();
}

struct ipso_offload *ipso_ofl_by_handle_rcu(u32 handle)
{
	if (handle == IPSO_HANDLE_INVALID)
		return NULL;
	return idr_find(&ipso_handle_idr, handle);
}

/* Allocate a handle for o (workqueue context).  1..ipso_handle_max(). */
int ipso_handle_alloc(struct ipso_offload *o)
{
	int id;

	idr_preload(GFP_KERNEL);
	spin_lock_bh(&ipso_lock);
	id = idr_alloc_cyclic(&ipso_handle_idr, o, 1, ipso_handle_max() + 1,
			      GFP_NOWAIT);
	spin_unlock_bh(&ipso_lock);
	idr_preload_end();
	return id;	/* -ENOSPC: every handle is in use */
}

void ipso_handle_free(u32 handle)
{
	spin_lock_bh(&ipso_lock);
	idr_remove(&ipso_handle_idr, handle);
	spin_unlock_bh(&ipso_lock);
}

/* Unlink an entry (workqueue only); readers may still hold it (RCU). */
void ipso_ofl_unlink(struct ipso_offload *o)
{
	spin_lock_bh(&ipso_lock);
	hash_del_rcu(&o->hnode);
	list_del_rcu(&o->node);
	spin_unlock_bh(&ipso_lock);
}

static void ipso_snapshot(const struct ipso_offload *o,
			  struct ipso_ofl_snapshot *s)
{
	s->state = o->state;
	s->handle = o->handle;
	s->reason = o->reason;
	s->dying = o->dying;
}

/*
 * Record and queue an install of x on dev, or report the entry that
 * already exists for that pair (idempotent).  The caller keeps its own
 * reference on x; the entry takes another.
 */
int ipso_ofl_request(struct net *net, struct xfrm_state *x,
		     struct net_device *dev, u8 dir,
		     struct ipso_ofl_snapshot *snap)
{
	struct ipso_offload *o, *old;
	struct ipso_netdev *nd;
	int err = 0;

	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	o->x = x;
	o->dev = dev;
	o->ifindex = dev->ifindex;
	o->dir = dir;
	o->state = IPSO_OFL_PENDING;
	write_pnet(&o->net, net);
	ipso_ofl_fill_key(x, &o->key);
	INIT_WORK(&o->install_work, ipso_install_work);
	INIT_WORK(&o->teardown_work, ipso_teardown_work);

	rcu_read_lock();
	spin_lock_bh(&ipso_lock);
	old = ipso_ofl_find_rcu(x, dev->ifindex);
	if (old) {
		ipso_snapshot(old, snap);
		err = old->dying ? -EBUSY : 0;
		goto out_unlock;
	}
	nd = ipso_netdev_find_rcu(dev);
	if (!nd || nd->gone) {
		err = -EOPNOTSUPP;
		goto out_unlock;
	}
	o->nd = nd;
	o->packet_mode = !!(nd->caps.caps & IPSO_CAP_PACKET);
	xfrm_state_hold(x);
	netdev_hold(dev, &o->dev_tracker, GFP_ATOMIC);
	hash_add_rcu(ipso_ofl_hash, &o->hnode, ipso_x_hash(x));
	list_add_tail_rcu(&o->node, &ipso_ofl_list);
	ipso_snapshot(o, snap);
	queue_work(ipso_wq, &o->install_work);
	o = NULL;
out_unlock:
	spin_unlock_bh(&ipso_lock);
	rcu_read_unlock();
	kfree(o);
	return err;
}

/*
 * Take o out of the datapath at once and queue its teardown.  Any
 * context.  False when a teardown was already queued.
 */
bool ipso_ofl_teardown(struct ipso_offload *o, int reason)
{
	bool queued = false;

	spin_lock_bh(&ipso_lock);
	if (!o->dying) {
		o->dying = true;
		WRITE_ONCE(o->tx_active, false);
		WRITE_ONCE(o->live, false);
		o->reason = reason;
		queue_work(ipso_wq, &o->teardown_work);
		queued = true;
	}
	spin_unlock_bh(&ipso_lock);
	return queued;
}


/*
 * Turn the TX hook to the device.  Software may have sent on the SA since
 * sa_add read its counter (the SA was in use before the offload, or is a
 * rekeyed one the kernel switched to at once): under the state's lock,
 * which xfrm_output() takes to number a packet, the device is told to
 * start above every number software has used or is about to use, and the
 * hook turns.  Reusing a number would reuse the AES-GCM nonce.
 */
void ipso_tx_takeover(struct ipso_offload *o)
{
	struct xfrm_state *x = o->x;
	u64 floor;

	if (o->dir != IPSO_DIR_OUT)
		return;		/* an inbound SA has no TX to turn */
	spin_lock_bh(&x->lock);
	floor = ipso_state_oseq(x) + IPSO_SEQ_TAKEOVER_GAP;
	WRITE_ONCE(o->tx_floor, floor);
	o->nd->ops->sa_tx_start(o->dev, o->handle, floor);
	spin_lock(&ipso_lock);
	if (!o->dying)
		WRITE_ONCE(o->tx_active, true);
	spin_unlock(&ipso_lock);
	spin_unlock_bh(&x->lock);
}

/*
 * The kernel's software path is about to send on an outbound SA that the
 * NIC was sending on.  Under the state's lock, which xfrm_output() takes
 * to number a packet, the NIC stops numbering and says where it stopped,
 * and the kernel's output sequence number moves there: no number is used
 * twice, so no AES-GCM nonce is.  Without ESN the counter stops at
 * 2^32 - 1, where the kernel refuses to send (the SA must be rekeyed)
 * instead of wrapping.  Process or softirq context, x->lock not held:
 * never from the key manager's callbacks.
 */
static void ipso_seq_handoff(struct ipso_offload *o)
{
	struct xfrm_state *x = o->x;
	u64 last;

	if (o->dir != IPSO_DIR_OUT || !o->packet_mode)
		return;
	spin_lock_bh(&x->lock);
	if (!READ_ONCE(o->tx_active)) {
		spin_unlock_bh(&x->lock);
		return;
	}
	last = o->nd->ops->sa_tx_stop(o->dev, o->handle);
	spin_lock(&ipso_lock);
	WRITE_ONCE(o->tx_active, false);
	spin_unlock(&ipso_lock);
	ipso_state_set_oseq(x, last);
	spin_unlock_bh(&x->lock);
}

/*
 * Withdraw o while its SA lives on in software (loader request, device
 * down, module unload): sequence numbers first, then the teardown.
 */
bool ipso_ofl_withdraw(struct ipso_offload *o, int reason)
{
	ipso_seq_handoff(o);
	return ipso_ofl_teardown(o, reason);
}

static unsigned int ipso_ofl_for_matching(bool (*match)(struct ipso_offload *,
							const void *),
					  const void *arg, int reason,
					  bool (*fn)(struct ipso_offload *, int))
{
	struct ipso_offload *o;
	unsigned int n = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(o, &ipso_ofl_list, node)
		if ((!match || match(o, arg)) && fn(o, reason))
			n++;
	rcu_read_unlock();
	return n;
}

/* Tear down every entry match() accepts (all when match is NULL). */
unsigned int ipso_ofl_teardown_matching(bool (*match)(struct ipso_offload *,
						      const void *),
					const void *arg, int reason)
{
	return ipso_ofl_for_matching(match, arg, reason, ipso_ofl_teardown);
}

/* The same, for entries whose SAs stay alive in software. */
unsigned int ipso_ofl_withdraw_matching(bool (*match)(struct ipso_offload *,
						      const void *),
					const void *arg, int reason)
{
	return ipso_ofl_for_matching(match, arg, reason, ipso_ofl_withdraw);
}

/* Every device's entry for state x: a hash bucket, not a list walk. */
unsigned int ipso_ofl_teardown_state(const struct xfrm_state *x, int reason)
{
	struct ipso_offload *o;
	unsigned int n = 0;

	rcu_read_lock();
	hash_for_each_possible_rcu(ipso_ofl_hash, o, hnode, ipso_x_hash(x))
		if (o->x == x && ipso_ofl_teardown(o, reason))
			n++;
	rcu_read_unlock();
	return n;
}

int ipso_db_init(void)
{
	return 0;
}

void ipso_db_exit(void)
{
	WARN_ON(!list_empty(&ipso_ofl_list));
	idr_destroy(&ipso_handle_idr);
}

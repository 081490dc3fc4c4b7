// SPDX-License-Identifier: GPL-2.0
/*
 * The "hardware" SA table of the host end.
 *
 * Every SA is indexed by its bridge handle (TX selects it by the handle in
 * skb->mark); inbound SAs are also hashed by (family, daddr, SPI), the key
 * the NIC sees in an arriving ESP packet.  Writers (the bridge's ordered
 * workqueue, device teardown) take the table mutex; the datapath reads
 * under RCU and never sleeps.  Crypto runs synchronously (the tfm is
 * allocated with CRYPTO_ALG_ASYNC masked out), so a reader never keeps an
 * SA past its RCU read section and deletion only needs synchronize_rcu().
 */
#include <linux/jhash.h>
#include <linux/seq_file.h>
#include <crypto/aead.h>
#include <linux/udp.h>
#include "ipsim.h"

#define IPSIM_AEAD_NAME "rfc4106(gcm(aes))"

void ipsim_sat_init(struct ipsim_sa_table *t)
{
	mutex_init(&t->lock);
	xa_init(&t->by_handle);
	hash_init(t->rx_hash);
	t->count = 0;
}

static u32 ipsim_rx_key(u16 family, const xfrm_address_t *daddr, __be32 spi)
{
	u32 n = family == AF_INET6 ? 4 : 1;

	return jhash2((const u32 *)daddr->a6, n, (__force u32)spi ^ family);
}

static bool ipsim_addr_eq(u16 family, const xfrm_address_t *a,
			  const xfrm_address_t *b)
{
	if (family == AF_INET6)
		return ipv6_addr_equal(&a->in6, &b->in6);
	return a->a4 == b->a4;
}

struct ipsim_sa *ipsim_sat_by_handle(struct ipsim_sa_table *t, u32 handle)
{
	return xa_load(&t->by_handle, handle);
}

struct ipsim_sa *ipsim_sat_rx_lookup(struct ipsim_sa_table *t, u16 family,
				     const xfrm_address_t *daddr, __be32 spi)
{
	struct ipsim_sa *sa;
	u32 key = ipsim_rx_key(family, daddr, spi);

	hash_for_each_possible_rcu(t->rx_hash, sa, rx_node, key) {
		if (sa->spi == spi && sa->family == family &&
		    ipsim_addr_eq(family, &sa->daddr, daddr))
			return sa;
	}
	return NULL;
}

/* What the model supports; anything else is nacked with the reason. */
static int ipsim_sa_supported(const struct ipso_sa_desc *d)
{
	const struct xfrm_state *x = d->x;
	const struct xfrm_algo_aead *aead = x->aead;

	if (d->handle == IPSO_HANDLE_INVALID)
		return -EINVAL;
	if (d->dir != IPSO_DIR_IN && d->dir != IPSO_DIR_OUT)
		return -EINVAL;
	if (x->id.proto != IPPROTO_ESP)
		return -EPROTONOSUPPORT;
	if (!aead || x->ealg || x->aalg || x->calg)
		return -EOPNOTSUPP;
	if (strcmp(aead->alg_name, IPSIM_AEAD_NAME))
		return -EOPNOTSUPP;
	/* AES key plus the 4-byte salt of RFC 4106 */
	if (aead->alg_key_len != 160 && aead->alg_key_len != 224 &&
	    aead->alg_key_len != 288)
		return -EINVAL;
	if (aead->alg_icv_len != 64 && aead->alg_icv_len != 96 &&
	    aead->alg_icv_len != 128)
		return -EINVAL;
	/* NAT-T: ESP in UDP over IPv4 only (IPv6 would need UDP checksums) */
	if (x->encap && (x->encap->encap_type != UDP_ENCAP_ESPINUDP ||
			 x->props.family != AF_INET))
		return -EOPNOTSUPP;
	if (x->props.mode != XFRM_MODE_TRANSPORT &&
	    x->props.mode != XFRM_MODE_TUNNEL)
		return -EOPNOTSUPP;
	if (x->props.family != AF_INET && x->props.family != AF_INET6)
		return -EAFNOSUPPORT;
	if ((x->props.flags & XFRM_STATE_ESN) && !x->replay_esn)
		return -EINVAL;
	return 0;
}

static struct crypto_aead *ipsim_tfm_new(const struct xfrm_algo_aead *aead)
{
	struct crypto_aead *tfm;
	int err;

	/* Synchronous only: the datapath runs crypto inline, in BH context. */
	tfm = crypto_alloc_aead(IPSIM_AEAD_NAME, 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(tfm))
		return tfm;
	err = crypto_aead_setkey(tfm, aead->alg_key, aead->alg_key_len / 8);
	if (!err)
		err = crypto_aead_setauthsize(tfm, aead->alg_icv_len / 8);
	if (err) {
		crypto_free_aead(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

/* Copy what the hardware needs; sequence state continues the kernel's. */
/* The kernel state's inbound sequence number top.  x->lock held. */
static u64 ipsim_kernel_rx_top(const struct xfrm_state *x)
{
	const struct xfrm_replay_state_esn *r = x->replay_esn;

	if (r)
		return ((u64)r->seq_hi << 32) | r->seq;
	return x->replay.seq;
}

/* The kernel state's last output sequence number.  x->lock held. */
static u64 ipsim_kernel_oseq(const struct xfrm_state *x)
{
	const struct xfrm_replay_state_esn *r = x->replay_esn;

	if (r)
		return ((u64)r->oseq_hi << 32) | r->oseq;
	return x->replay.oseq;
}

static void ipsim_sa_fill(struct ipsim_sa *sa, const struct ipso_sa_desc *d)
{
	struct xfrm_state *x = d->x;

	sa->handle = d->handle;
	sa->dir = d->dir;
	sa->mode = x->props.mode;
	sa->family = x->props.family;
	sa->icv_len = x->aead->alg_icv_len / 8;
	sa->esn = !!(x->props.flags & XFRM_STATE_ESN);
	sa->spi = x->id.spi;
	sa->reqid = x->props.reqid;
	if (x->encap) {
		sa->natt = true;
		sa->encap_sport = x->encap->encap_sport;
		sa->encap_dport = x->encap->encap_dport;
	}
	sa->saddr = x->props.saddr;
	sa->daddr = x->id.daddr;
	spin_lock_init(&sa->lock);
	rwlock_init(&sa->rx_lock);

	spin_lock_bh(&x->lock);
	sa->oseq = ipsim_kernel_oseq(x);
	sa->rx_top = ipsim_kernel_rx_top(x);
	sa->window = x->replay_esn ? x->replay_esn->replay_window :
				     x->props.replay_window;
	spin_unlock_bh(&x->lock);
	/* A smaller window is stricter, never weaker: clamp to the HW's. */
	sa->window = min_t(u32, sa->window, IPSIM_REPLAY_MAX);
	/* Sequence numbers below rx_top were judged by software. */
	bitmap_fill(sa->bitmap, IPSIM_REPLAY_MAX);
}

int ipsim_sat_add(struct net_device *dev, const struct ipso_sa_desc *d,
		  enum ipsim_sa_kind kind, struct ipsim_sa **out)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct ipsim_sa_table *t = &p->sat;
	struct ipsim_sa *sa;
	bool dup;
	int err;

	err = ipsim_sa_supported(d);
	if (err)
		return err;

	sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		return -ENOMEM;
	ipsim_sa_fill(sa, d);
	sa->crypto = kind == IPSIM_SA_KERNEL_CRYPTO;
	sa->kpkt = kind == IPSIM_SA_KERNEL_PACKET;
	sa->tfm = ipsim_tfm_new(d->x->aead);
	if (IS_ERR(sa->tfm)) {
		err = PTR_ERR(sa->tfm);
		kfree(sa);
		return err;
	}

	mutex_lock(&t->lock);
	err = -ENOSPC;
	if (t->count >= READ_ONCE(ipsim_max_sa))
		goto unlock;
	err = -EEXIST;
	rcu_read_lock();
	dup = sa->dir == IPSO_DIR_IN &&
	      ipsim_sat_rx_lookup(t, sa->family, &sa->daddr, sa->spi);
	rcu_read_unlock();
	if (dup)
		goto unlock;
	err = xa_insert(&t->by_handle, sa->handle, sa, GFP_KERNEL);
	if (err)
		goto unlock;
	if (sa->dir == IPSO_DIR_IN)
		hash_add_rcu(t->rx_hash, &sa->rx_node,
			     ipsim_rx_key(sa->family, &sa->daddr, sa->spi));
	/* xfrmdev_ops: the kernel owns x and tells us before freeing it */
	if (kind == IPSIM_SA_BRIDGE)
		xfrm_state_hold(d->x);
	sa->x = d->x;
	t->count++;
	if (out)
		*out = sa;
unlock:
	mutex_unlock(&t->lock);
	if (err) {
		crypto_free_aead(sa->tfm);
		kfree(sa);
	}
	return err;
}

/*
 * Hand the sequence state back to the kernel so the software path that
 * takes over neither reuses an output sequence number nor accepts a
 * replay of what the hardware already received.  The replay bitmap of
 * the kernel is filled: older in-window packets are refused (stricter).
 * x->lock held.
 */
static void ipsim_sa_writeback_locked(struct ipsim_sa *sa)
{
	struct xfrm_state *x = sa->x;
	struct xfrm_replay_state_esn *r = x->replay_esn;
	u64 oseq, top;
	u32 i;

	spin_lock(&sa->lock);
	oseq = sa->oseq;
	top = sa->rx_top;
	spin_unlock(&sa->lock);
	if (r) {
		if (sa->dir == IPSO_DIR_OUT && oseq > ipsim_kernel_oseq(x)) {
			r->oseq = lower_32_bits(oseq);
			r->oseq_hi = upper_32_bits(oseq);
		}
		if (sa->dir == IPSO_DIR_IN && top > ipsim_kernel_rx_top(x)) {
			r->seq = lower_32_bits(top);
			r->seq_hi = upper_32_bits(top);
			for (i = 0; i < r->bmp_len; i++)
				r->bmp[i] = ~0U;
		}
	} else {
		/* Without ESN, stop at the top: a wrap would reuse IVs. */
		if (sa->dir == IPSO_DIR_OUT && oseq > x->replay.oseq)
			x->replay.oseq = min_t(u64, oseq, U32_MAX);
		if (sa->dir == IPSO_DIR_IN && top > x->replay.seq) {
			x->replay.seq = (u32)top;
			x->replay.bitmap = ~0U;
		}
	}
}

/*
 * Inbound: the kernel judges replays from now on.  Waits for the
 * decrypts under our window to finish (ipsim_sa_rx_begin()), so that the
 * window written back holds every packet we accepted, and none starts
 * after it.  x->lock held.
 */
static void ipsim_sa_rx_hand_back_locked(struct ipsim_sa *sa)
{
	write_lock(&sa->rx_lock);
	WRITE_ONCE(sa->rx_phase, IPSIM_RX_HANDED_BACK);
	write_unlock(&sa->rx_lock);
	ipsim_sa_writeback_locked(sa);
}

static void ipsim_sa_writeback(struct ipsim_sa *sa)
{
	spin_lock_bh(&sa->x->lock);
	ipsim_sa_writeback_locked(sa);
	spin_unlock_bh(&sa->x->lock);
}

/*
 * Inbound, on each packet of a packet-mode SA: may the NIC decrypt it?
 * Only while the bridge says the handle is live.  At the first live
 * packet the NIC's window moves up to what software accepted since
 * sa_add read it; at the first packet after the withdraw the NIC's window
 * goes back into the kernel state, before software sees the packet.
 * Either way no sequence number is accepted twice.  BH context.
 */
static bool ipsim_sa_rx_owned(struct ipsim_sa *sa,
			      const struct net_device *dev)
{
	bool live = ipso_handle_is_live(dev, sa->handle);
	struct xfrm_state *x = sa->x;
	u8 want = live ? IPSIM_RX_HARDWARE : IPSIM_RX_HANDED_BACK;
	u64 top;

	if (READ_ONCE(sa->rx_phase) == want ||
	    (!live && READ_ONCE(sa->rx_phase) == IPSIM_RX_SOFTWARE))
		return live;
	spin_lock(&x->lock);
	if (live && sa->rx_phase == IPSIM_RX_SOFTWARE) {
		top = ipsim_kernel_rx_top(x);
		spin_lock(&sa->lock);
		if (top > sa->rx_top) {
			sa->rx_top = top;
			bitmap_fill(sa->bitmap, IPSIM_REPLAY_MAX);
		}
		WRITE_ONCE(sa->rx_phase, IPSIM_RX_HARDWARE);
		spin_unlock(&sa->lock);
	} else if (!live && sa->rx_phase == IPSIM_RX_HARDWARE) {
		ipsim_sa_rx_hand_back_locked(sa);
	}
	spin_unlock(&x->lock);
	return READ_ONCE(sa->rx_phase) == IPSIM_RX_HARDWARE;
}

/*
 * A packet of a (6.1 model) packet-mode SA: true when we decrypt it, with
 * the SA's window held until ipsim_sa_rx_end(); false sends it up as ESP.
 * Checked again under the lock: the window may have gone back since.
 */
bool ipsim_sa_rx_begin(struct ipsim_sa *sa, const struct net_device *dev)
{
	if (!ipsim_sa_rx_owned(sa, dev))
		return false;
	read_lock(&sa->rx_lock);
	if (READ_ONCE(sa->rx_phase) == IPSIM_RX_HARDWARE)
		return true;
	read_unlock(&sa->rx_lock);
	return false;
}

void ipsim_sa_rx_end(struct ipsim_sa *sa)
{
	read_unlock(&sa->rx_lock);
}

/*
 * Software takes the inbound window back now (ESP went around us): ours
 * goes into the state, and we decrypt no more of this SA.  x->lock held.
 */
void ipsim_sat_rx_stop(struct net_device *dev, u32 handle)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct ipsim_sa *sa;

	rcu_read_lock();
	sa = ipsim_sat_by_handle(&p->sat, handle);
	if (sa && sa->dir == IPSO_DIR_IN && !sa->crypto && !sa->kpkt) {
		if (sa->rx_phase == IPSIM_RX_HARDWARE)
			ipsim_sa_rx_hand_back_locked(sa);
		else
			WRITE_ONCE(sa->rx_phase, IPSIM_RX_HANDED_BACK);
	}
	rcu_read_unlock();
}

/*
 * The bridge turns TX to us: continue above every number software used
 * since sa_add read the state's counter.  Atomic context (x->lock).
 */
void ipsim_sat_tx_start(struct net_device *dev, u32 handle, u64 floor)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct ipsim_sa *sa;

	rcu_read_lock();
	sa = ipsim_sat_by_handle(&p->sat, handle);
	if (sa && sa->dir == IPSO_DIR_OUT) {
		spin_lock(&sa->lock);
		sa->tx_floor = max(sa->tx_floor, floor);
		spin_unlock(&sa->lock);
	}
	rcu_read_unlock();
}

/*
 * Software numbers a packet of ours: it goes on from the greater of its
 * and our last number, and we stay gap above that.  Atomic (x->lock).
 */
u64 ipsim_sat_tx_share(struct net_device *dev, u32 handle, u64 sw_oseq,
		       u64 gap)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct ipsim_sa *sa;
	u64 base = sw_oseq;

	rcu_read_lock();
	sa = ipsim_sat_by_handle(&p->sat, handle);
	if (sa && sa->dir == IPSO_DIR_OUT) {
		spin_lock(&sa->lock);
		base = max(sw_oseq, sa->oseq);
		sa->tx_floor = max(sa->tx_floor, base + gap);
		spin_unlock(&sa->lock);
	}
	rcu_read_unlock();
	return base;
}

/*
 * Software takes the SA back: number nothing more, say where we stopped.
 * Atomic context (x->lock).
 */
u64 ipsim_sat_tx_stop(struct net_device *dev, u32 handle)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct ipsim_sa *sa;
	u64 last = 0;

	rcu_read_lock();
	sa = ipsim_sat_by_handle(&p->sat, handle);
	if (sa && sa->dir == IPSO_DIR_OUT) {
		spin_lock(&sa->lock);
		sa->tx_stopped = true;
		last = sa->oseq;
		spin_unlock(&sa->lock);
	}
	rcu_read_unlock();
	return last;
}

static void ipsim_sa_free(struct ipsim_sa *sa)
{
	if (!sa->crypto && !sa->kpkt) {
		ipsim_sa_writeback(sa);
		xfrm_state_put(sa->x);
	}
	crypto_free_aead(sa->tfm);
	kfree(sa);
}

/* Unlink under the mutex; the caller frees after a grace period. */
static void ipsim_sat_unlink(struct ipsim_sa_table *t, struct ipsim_sa *sa)
{
	xa_erase(&t->by_handle, sa->handle);
	if (sa->dir == IPSO_DIR_IN)
		hash_del_rcu(&sa->rx_node);
	t->count--;
}

void ipsim_sat_del(struct net_device *dev, u32 handle)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct ipsim_sa_table *t = &p->sat;
	struct ipsim_sa *sa;

	mutex_lock(&t->lock);
	sa = xa_load(&t->by_handle, handle);
	if (sa)
		ipsim_sat_unlink(t, sa);
	mutex_unlock(&t->lock);
	if (!sa)
		return;
	synchronize_rcu();
	ipsim_sa_free(sa);
}

/* Device teardown: drop whatever the bridge did not delete. */
void ipsim_sat_flush(struct ipsim_sa_table *t)
{
	struct ipsim_sa *sa;
	unsigned long idx;
	struct ipsim_sa **vec;
	unsigned int n = 0, i;

	mutex_lock(&t->lock);
	vec = kcalloc(t->count ?: 1, sizeof(*vec), GFP_KERNEL);
	if (!vec) {
		mutex_unlock(&t->lock);
		return;
	}
	xa_for_each(&t->by_handle, idx, sa) {
		ipsim_sat_unlink(t, sa);
		vec[n++] = sa;
	}
	mutex_unlock(&t->lock);
	if (n)
		synchronize_rcu();
	for (i = 0; i < n; i++)
		ipsim_sa_free(vec[i]);
	kfree(vec);
}

void ipsim_sat_show(struct seq_file *m, struct ipsim_sa_table *t)
{
	struct ipsim_sa *sa;
	unsigned long idx;

	mutex_lock(&t->lock);
	seq_printf(m, "sa_count %u max_sa %u\n", t->count,
		   READ_ONCE(ipsim_max_sa));
	xa_for_each(&t->by_handle, idx, sa) {
		seq_printf(m,
			   "sa handle %u dir %s mode %s family %u spi 0x%08x esn %d natt %d icv %u window %u oseq %llu rx_top %llu",
			   sa->handle, sa->dir == IPSO_DIR_IN ? "in" : "out",
			   sa->mode == XFRM_MODE_TUNNEL ? "tunnel" : "transport",
			   sa->family, ntohl(sa->spi), sa->esn, sa->natt,
			   sa->icv_len,
			   sa->window, sa->oseq, sa->rx_top);
		seq_printf(m,
			   " crypto %d pkt %d packets %lld bytes %lld auth_fail %lld replay_drop %lld no_sa_drop %lld\n",
			   sa->crypto, sa->kpkt,
			   (s64)atomic64_read(&sa->stats.packets),
			   (s64)atomic64_read(&sa->stats.bytes),
			   (s64)atomic64_read(&sa->stats.auth_fail),
			   (s64)atomic64_read(&sa->stats.replay_drop),
			   (s64)atomic64_read(&sa->stats.no_sa_drop));
	}
	mutex_unlock(&t->lock);
}

/*
 * A handle for a state the kernel offloads to us (crypto or packet mode):
 * private to the NIC, never 0 (IPSO_HANDLE_INVALID).
 */
u32 ipsim_kernel_handle(struct ipsim_priv *p)
{
	u32 h = atomic_inc_return(&p->crypto_next) & 0x7fffffff;

	return h ? h : atomic_inc_return(&p->crypto_next) & 0x7fffffff;
}

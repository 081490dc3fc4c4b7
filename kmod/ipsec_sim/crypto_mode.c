// SPDX-License-Identifier: GPL-2.0
/*
 * Crypto mode: the host end as a crypto-offload NIC (xfrmdev_ops), the
 * model of mlx5e and ixgbe on 6.1.  The kernel builds ESP header and
 * trailer and keeps sequence numbers, replay window and lifetimes; the
 * NIC only encrypts (IV, ciphertext, ICV) on transmit and decrypts in
 * place on receive, leaving ESP header, trailer and ICV for the kernel to
 * strip (esp_input_tail via esp4/esp6 GRO, so decrypted frames go through
 * the device's NAPI and napi_gro_receive).
 *
 * Chosen per host end at creation: devices created while the module
 * parameter crypto_mode=1 is set advertise NETIF_F_HW_ESP and these ops,
 * and do not register themselves with the bridge (the bridge's xfrmdev
 * backend, xfrmdev_backend=1, claims them like a real mlx5e).  No ESN,
 * no NAT-T, no XDP metadata in this mode.  From 6.2 on the same ops also
 * take the kernel's packet and policy offload (packet_mode.c): add looks
 * at xso.type first, and frames without crypto-mode work go through
 * packet mode's policy steering.
 */
#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/version.h>
#include <net/ipv6.h>
#include "ipsim.h"

static int ipsim_xdo_add(struct net_device *dev, struct xfrm_state *x,
			 struct netlink_ext_ack *extack)
{
	struct ipso_sa_desc d = { .x = x };
	struct ipsim_priv *p;
	struct ipsim_sa *sa;
	int err;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	if (x->xso.type == XFRM_DEV_OFFLOAD_PACKET)
		return ipsim_pkt_state_add(dev, x, extack);
	if (x->xso.type != XFRM_DEV_OFFLOAD_CRYPTO) {
		NL_SET_ERR_MSG_MOD(extack, "unknown offload type");
		return -EINVAL;
	}
#endif
	if (!dev || dev->xfrmdev_ops != &ipsim_xfrmdev_ops)
		return -EINVAL;
	p = netdev_priv(dev);
	if (!p->crypto)
		return -EOPNOTSUPP;
	err = ipsim_mlx5e_validate_crypto(x, extack);
	if (err)
		return err;
	d.dir = x->xso.dir == XFRM_DEV_OFFLOAD_IN ? IPSO_DIR_IN : IPSO_DIR_OUT;
	d.handle = ipsim_kernel_handle(p);
	err = ipsim_sat_add(dev, &d, IPSIM_SA_KERNEL_CRYPTO, &sa);
	if (err)
		return err;
	x->xso.offload_handle = (unsigned long)sa;
	return 0;
}

/* Under x->lock: only stop using the SA; free unlinks it. */
static void ipsim_xdo_delete(struct xfrm_state *x)
{
	struct ipsim_sa *sa = (struct ipsim_sa *)x->xso.offload_handle;

	if (sa)
		WRITE_ONCE(sa->dead, true);
}

static void ipsim_xdo_free(struct net_device *dev, struct xfrm_state *x)
{
	struct ipsim_sa *sa = (struct ipsim_sa *)x->xso.offload_handle;

	if (!sa || !dev)
		return;
	x->xso.offload_handle = 0;
	ipsim_sat_del(dev, sa->handle);
}

/* Like mlx5e: no IPv4 options, no IPv6 extension headers. */
static bool ipsim_xdo_offload_ok(struct sk_buff *skb, struct xfrm_state *x)
{
	if (x->props.family == AF_INET)
		return ip_hdr(skb)->ihl == 5;
	return !ipv6_ext_hdr(ipv6_hdr(skb)->nexthdr);
}

/*
 * The xfrmdev_ops signatures as each kernel declares them.  From 6.16 the
 * core passes the device and no longer sets xso.real_dev, which is the
 * bonding driver's own (include/net/xfrm.h); before, the device is
 * real_dev, set by xfrm_dev_state_add() (or by a bond for its slave).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define ipsim_xdo_add_op	ipsim_xdo_add

static void ipsim_xdo_delete_op(struct net_device *dev, struct xfrm_state *x)
{
	ipsim_xdo_delete(x);
}

#define ipsim_xdo_free_op	ipsim_xdo_free
#else
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static int ipsim_xdo_add_op(struct xfrm_state *x,
			    struct netlink_ext_ack *extack)
{
	return ipsim_xdo_add(x->xso.real_dev, x, extack);
}
#else
static int ipsim_xdo_add_op(struct xfrm_state *x)
{
	return ipsim_xdo_add(x->xso.real_dev, x, NULL);
}
#endif
#define ipsim_xdo_delete_op	ipsim_xdo_delete

static void ipsim_xdo_free_op(struct xfrm_state *x)
{
	ipsim_xdo_free(x->xso.real_dev, x);
}
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define ipsim_xdo_policy_add_op	ipsim_pkt_policy_add
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static int ipsim_xdo_policy_add_op(struct xfrm_policy *xp)
{
	return ipsim_pkt_policy_add(xp, NULL);
}
#endif

/* Packet mode and policies (packet_mode.c) from 6.2 on, like mlx5e. */
const struct xfrmdev_ops ipsim_xfrmdev_ops = {
	.xdo_dev_state_add	= ipsim_xdo_add_op,
	.xdo_dev_state_delete	= ipsim_xdo_delete_op,
	.xdo_dev_state_free	= ipsim_xdo_free_op,
	.xdo_dev_offload_ok	= ipsim_xdo_offload_ok,
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	.xdo_dev_state_update_stats = ipsim_pkt_update_stats,
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	.xdo_dev_state_update_curlft = ipsim_pkt_update_stats,
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	.xdo_dev_policy_add	= ipsim_xdo_policy_add_op,
	.xdo_dev_policy_delete	= ipsim_pkt_policy_delete,
	.xdo_dev_policy_free	= ipsim_pkt_policy_free,
#endif
};

/*
 * Transmit: a frame the kernel prepared for us (XFRM_XMIT) gets its IV,
 * ciphertext and ICV; anything else goes out as is.  A prepared frame
 * whose SA is gone is dropped: its payload is plaintext.
 */
struct sk_buff *ipsim_crypto_xmit(struct ipsim_priv *p, struct sk_buff *skb)
{
	struct sec_path *sp = skb_sec_path(skb);
	struct xfrm_offload *xo = xfrm_offload(skb);
	unsigned int esp_off;
	struct xfrm_state *x;
	struct ipsim_sa *sa;
	u8 *esph;
	u64 seq;

	/* no crypto-mode work: packet mode's policy steering decides */
	if (!sp || !sp->len || !xo || !(xo->flags & XFRM_XMIT))
		return ipsim_pkt_xmit(p, skb);
	x = sp->xvec[sp->len - 1];
	sa = (struct ipsim_sa *)READ_ONCE(x->xso.offload_handle);
	if (READ_ONCE(x->xso.dev) != p->dev || !sa || READ_ONCE(sa->dead))
		goto drop_stale;
	if (skb_linearize(skb) ||
	    (skb_cloned(skb) && pskb_expand_head(skb, 0, 0, GFP_ATOMIC)))
		goto drop_error;
	esp_off = skb_transport_offset(skb);
	if (esp_off + IPSIM_ESP_HLEN + IPSIM_IV_LEN + sa->icv_len > skb->len)
		goto drop_error;
	esph = skb->data + esp_off;
	if (memcmp(esph, &sa->spi, 4))
		goto drop_error;
	seq = ((u64)xo->seq.hi << 32) | get_unaligned_be32(esph + 4);
	put_unaligned_be64(seq, esph + IPSIM_ESP_HLEN);
	if (ipsim_esp_crypt(sa, esph, skb->len - esp_off, 0, true))
		goto drop_error;
	atomic64_inc(&sa->stats.packets);
	ipsim_count(p, IPSIM_TX_ENCRYPTED);
	return skb;

drop_stale:
	ipsim_count(p, IPSIM_TX_DROP_STALE);
	kfree_skb(skb);
	return NULL;
drop_error:
	ipsim_count(p, IPSIM_TX_DROP_ERROR);
	kfree_skb(skb);
	return NULL;
}

/*
 * Receive: decrypt in place (ESP header, trailer and ICV stay), attach
 * the state with CRYPTO_DONE and the outcome, hand over through GRO.
 * Called under rcu_read_lock with BH disabled; skb is linear, private.
 */
void ipsim_crypto_receive(struct ipsim_priv *p, struct ipsim_sa *sa,
			  struct sk_buff *skb, unsigned int esp_off,
			  unsigned int end)
{
	struct xfrm_state *x = sa->x;
	struct xfrm_offload *xo;
	struct sec_path *sp;
	int err;

	skb_trim(skb, end);
	if (unlikely(!netif_running(p->dev))) {
		ipsim_rx_dropped(p->dev, skb);
		return;
	}
	if (READ_ONCE(sa->dead) || !refcount_inc_not_zero(&x->refcnt)) {
		ipsim_rx_to_stack(p->dev, skb);	/* software may know it */
		return;
	}
	err = ipsim_esp_crypt(sa, skb->data + esp_off, end - esp_off, 0,
			      false);
	if (err) {
		atomic64_inc(&sa->stats.auth_fail);
		ipsim_count(p, IPSIM_RX_AUTH_FAIL);
	} else {
		atomic64_inc(&sa->stats.packets);
		ipsim_count(p, IPSIM_RX_DECRYPTED);
	}
	sp = secpath_set(skb);
	if (!sp || sp->len >= XFRM_MAX_DEPTH) {
		xfrm_state_put(x);
		ipsim_count(p, IPSIM_RX_DROP_ERROR);
		ipsim_rx_dropped(p->dev, skb);
		return;
	}
	sp->xvec[sp->len++] = x;
	sp->olen++;
	xo = xfrm_offload(skb);
	xo->flags = CRYPTO_DONE;
	xo->status = !err ? CRYPTO_SUCCESS :
		     sa->mode == XFRM_MODE_TUNNEL ? CRYPTO_TUNNEL_ESP_AUTH_FAILED :
						    CRYPTO_TRANSPORT_ESP_AUTH_FAILED;
	skb->protocol = eth_type_trans(skb, p->dev);
	skb->ip_summed = CHECKSUM_NONE;
	skb_queue_tail(&p->napi_q, skb);
	napi_schedule(&p->napi);
}

static int ipsim_napi_poll(struct napi_struct *napi, int budget)
{
	struct ipsim_priv *p = container_of(napi, struct ipsim_priv, napi);
	struct sk_buff *skb;
	int done = 0;

	while (done < budget && (skb = skb_dequeue(&p->napi_q))) {
		atomic64_inc(&p->rx_packets);
		atomic64_add(skb->len + ETH_HLEN, &p->rx_bytes);
		napi_gro_receive(napi, skb);
		done++;
	}
	if (done < budget && napi_complete_done(napi, done) &&
	    !skb_queue_empty(&p->napi_q))
		napi_schedule(napi);
	return done;
}

/* At creation, before register_netdevice(). */
void ipsim_crypto_setup(struct net_device *dev)
{
	struct ipsim_priv *p = netdev_priv(dev);

	p->crypto = true;
	skb_queue_head_init(&p->napi_q);
	netif_napi_add(dev, &p->napi, ipsim_napi_poll);
	dev->xfrmdev_ops = &ipsim_xfrmdev_ops;
	dev->features |= NETIF_F_HW_ESP;
	dev->hw_features |= NETIF_F_HW_ESP;
	/* ESP output marks skbs as encapsulated: checked against these */
	dev->hw_enc_features |= NETIF_F_HW_ESP;
}

void ipsim_crypto_open(struct net_device *dev)
{
	struct ipsim_priv *p = netdev_priv(dev);

	if (p->crypto)
		napi_enable(&p->napi);
}

void ipsim_crypto_stop(struct net_device *dev)
{
	struct ipsim_priv *p = netdev_priv(dev);

	if (!p->crypto)
		return;
	napi_disable(&p->napi);
	skb_queue_purge(&p->napi_q);
}

/*
 * Unregister, before the core waits for the last reference: a queued or
 * GRO-held skb carries a state whose xso holds the device, so nothing
 * may stay queued until the destructor.
 */
void ipsim_crypto_uninit(struct net_device *dev)
{
	struct ipsim_priv *p = netdev_priv(dev);

	if (!p->crypto)
		return;
	skb_queue_purge(&p->napi_q);
	netif_napi_del(&p->napi);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Receive side of the simulated NIC: ESP lookup, anti-replay, ICV check,
 * decapsulation, native XDP with metadata, hand-off to the stack.
 *
 * Only ESP directly in IPv4 (not a fragment) or directly after the fixed
 * IPv6 header, and ESP in UDP over IPv4 (RFC 3948: a non-zero SPI where
 * the non-ESP marker would be, for a NAT-T SA on that destination port),
 * is looked at; everything else, and ESP for an SPI the table
 * does not hold, reaches XDP and the stack unchanged and without metadata
 * (the kernel's software path may know the SA).  A packet the hardware
 * rejects (auth failure, replay, bad trailer) is shown to an attached XDP
 * program with the syndrome, then dropped whatever the verdict: the
 * payload behind the ESP header is undefined after a failed ICV check, as
 * the engine decrypts in place.
 */
#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include "ipsim.h"

struct ipsim_rx_pkt {
	u16 family;
	bool natt;			/* ESP in UDP */
	__be16 udp_dport;
	unsigned int ip_len;
	unsigned int hdr_end;		/* where UDP or ESP starts */
	unsigned int esp_off;		/* from skb->data (Ethernet header) */
	xfrm_address_t daddr;
	__be32 spi;
};

/* Linear, private, with headroom for XDP and its metadata. */
static int ipsim_rx_make_private(struct sk_buff *skb, unsigned int headroom)
{
	int dh;

	if (skb_linearize(skb))
		return -ENOMEM;
	dh = max_t(int, 0, (int)headroom - (int)skb_headroom(skb));
	if (dh || skb_cloned(skb))
		return pskb_expand_head(skb, ALIGN(dh, NET_SKB_PAD), 0,
					GFP_ATOMIC);
	return 0;
}

/* UDP that may carry ESP: room for ESP, and not the IKE marker. */
static bool ipsim_rx_udp_esp(struct sk_buff *skb, struct ipsim_rx_pkt *r)
{
	const struct udphdr *uh;
	u32 marker;

	if (skb->len < r->hdr_end + sizeof(*uh) + IPSIM_ESP_HLEN)
		return false;
	uh = (const struct udphdr *)(skb->data + r->hdr_end);
	memcpy(&marker, uh + 1, 4);
	if (!marker)
		return false;		/* IKE (non-ESP marker) */
	r->natt = true;
	r->udp_dport = uh->dest;
	r->esp_off = r->hdr_end + sizeof(*uh);
	return true;
}

static bool ipsim_rx_find_esp(struct sk_buff *skb, struct ipsim_rx_pkt *r)
{
	const struct ethhdr *eth = (const struct ethhdr *)skb->data;
	unsigned int avail = skb->len - ETH_HLEN;

	if (skb->len < ETH_HLEN)
		return false;
	if (eth->h_proto == htons(ETH_P_IP) && avail >= sizeof(struct iphdr)) {
		const struct iphdr *iph = (void *)(skb->data + ETH_HLEN);

		if (iph->version != 4 || iph->ihl < 5 || ip_is_fragment(iph))
			return false;
		r->family = AF_INET;
		r->ip_len = ntohs(iph->tot_len);
		r->hdr_end = ETH_HLEN + iph->ihl * 4;
		r->esp_off = r->hdr_end;
		r->natt = false;
		if (iph->protocol == IPPROTO_UDP) {
			if (!ipsim_rx_udp_esp(skb, r))
				return false;
		} else if (iph->protocol != IPPROTO_ESP) {
			return false;
		}
		memset(&r->daddr, 0, sizeof(r->daddr));
		r->daddr.a4 = iph->daddr;
	} else if (eth->h_proto == htons(ETH_P_IPV6) &&
		   avail >= sizeof(struct ipv6hdr)) {
		const struct ipv6hdr *ip6h = (void *)(skb->data + ETH_HLEN);

		if (ip6h->version != 6 || ip6h->nexthdr != IPPROTO_ESP)
			return false;
		r->family = AF_INET6;
		r->natt = false;
		r->ip_len = sizeof(*ip6h) + ntohs(ip6h->payload_len);
		r->hdr_end = ETH_HLEN + sizeof(*ip6h);
		r->esp_off = r->hdr_end;
		r->daddr.in6 = ip6h->daddr;
	} else {
		return false;
	}
	if (r->ip_len > avail || r->esp_off + IPSIM_ESP_HLEN > ETH_HLEN + r->ip_len)
		return false;
	memcpy(&r->spi, skb->data + r->esp_off, 4);
	return true;
}

/* Transport mode: the IP header stays, now naming the upper layer. */
static void ipsim_rx_strip_transport(struct sk_buff *skb,
				     const struct ipsim_rx_pkt *r, u8 nexthdr,
				     unsigned int payload)
{
	unsigned int gap = r->esp_off + IPSIM_ESP_HLEN + IPSIM_IV_LEN - r->hdr_end;
	unsigned int nh_len = r->hdr_end - ETH_HLEN;
	u8 *nh;

	memmove(skb->data + gap, skb->data, r->hdr_end);
	__skb_pull(skb, gap);
	skb_trim(skb, r->hdr_end + payload);
	nh = skb->data + ETH_HLEN;
	if (r->family == AF_INET) {
		struct iphdr *iph = (struct iphdr *)nh;

		iph->protocol = nexthdr;
		iph->tot_len = htons(nh_len + payload);
		ip_send_check(iph);
	} else {
		struct ipv6hdr *ip6h = (struct ipv6hdr *)nh;

		ip6h->nexthdr = nexthdr;
		ip6h->payload_len = htons(payload);
	}
}

/* Tunnel mode: the outer header goes, the inner packet follows Ethernet. */
static int ipsim_rx_strip_tunnel(struct sk_buff *skb,
				 const struct ipsim_rx_pkt *r, u8 nexthdr,
				 unsigned int payload)
{
	unsigned int inner = r->esp_off + IPSIM_ESP_HLEN + IPSIM_IV_LEN;
	const u8 *ip = skb->data + inner;
	struct ethhdr *eth;
	__be16 proto;

	if (nexthdr == IPPROTO_IPIP && payload >= sizeof(struct iphdr) &&
	    (ip[0] >> 4) == 4)
		proto = htons(ETH_P_IP);
	else if (nexthdr == IPPROTO_IPV6 && payload >= sizeof(struct ipv6hdr) &&
		 (ip[0] >> 4) == 6)
		proto = htons(ETH_P_IPV6);
	else
		return -EINVAL;
	memmove(skb->data + inner - ETH_HLEN, skb->data, ETH_HLEN);
	__skb_pull(skb, inner - ETH_HLEN);
	skb_trim(skb, ETH_HLEN + payload);
	eth = (struct ethhdr *)skb->data;
	eth->h_proto = proto;
	return 0;
}

/* Run the SA's checks and remove ESP; returns the syndrome. */
static u16 ipsim_rx_decap(struct ipsim_priv *p, struct ipsim_sa *sa,
			  struct sk_buff *skb, const struct ipsim_rx_pkt *r)
{
	unsigned int len = ETH_HLEN + r->ip_len - r->esp_off;
	u8 *esph = skb->data + r->esp_off;
	unsigned int clen, payload;
	u32 seq_lo, seq_hi;
	u8 padlen, nexthdr;
	u64 seq;
	int err;

	skb_trim(skb, ETH_HLEN + r->ip_len);	/* link-layer padding */
	if (len < IPSIM_ESP_HLEN + IPSIM_IV_LEN + sa->icv_len + 4)
		goto bad_trailer;
	clen = len - IPSIM_ESP_HLEN - IPSIM_IV_LEN - sa->icv_len;
	if (clen % 4)
		goto bad_trailer;

	seq_lo = get_unaligned_be32(esph + 4);
	seq_hi = ipsim_replay_seq_hi(sa, seq_lo);
	seq = ((u64)seq_hi << 32) | seq_lo;
	if (ipsim_replay_check(sa, seq))
		goto replay;

	err = ipsim_esp_crypt(sa, esph, len, seq_hi, false);
	if (err == -EBADMSG) {
		atomic64_inc(&sa->stats.auth_fail);
		ipsim_count(p, IPSIM_RX_AUTH_FAIL);
		return IPSO_SYN_AUTH_FAIL;
	}
	if (err) {
		ipsim_count(p, IPSIM_RX_DROP_ERROR);
		return IPSO_SYN_BAD_TRAILER;
	}
	if (ipsim_replay_advance(sa, seq))
		goto replay;

	padlen = esph[IPSIM_ESP_HLEN + IPSIM_IV_LEN + clen - 2];
	nexthdr = esph[IPSIM_ESP_HLEN + IPSIM_IV_LEN + clen - 1];
	if (padlen + 2 > clen)
		goto bad_trailer;
	payload = clen - padlen - 2;
	if (sa->mode == XFRM_MODE_TUNNEL) {
		if (ipsim_rx_strip_tunnel(skb, r, nexthdr, payload))
			goto bad_trailer;
	} else {
		ipsim_rx_strip_transport(skb, r, nexthdr, payload);
	}
	skb->ip_summed = CHECKSUM_NONE;
	ipsim_sa_count(sa, payload);
	ipsim_count(p, IPSIM_RX_DECRYPTED);
	return IPSO_SYN_OK;

replay:
	atomic64_inc(&sa->stats.replay_drop);
	ipsim_count(p, IPSIM_RX_REPLAY);
	return IPSO_SYN_REPLAY;
bad_trailer:
	ipsim_count(p, IPSIM_RX_BAD_TRAILER);
	return IPSO_SYN_BAD_TRAILER;
}

/*
 * A frame arrived from the wire at the host end.  Called under
 * rcu_read_lock with BH disabled (from the peer's transmit).
 */
void ipsim_hw_receive(struct net_device *dev, struct sk_buff *skb)
{
	struct ipsim_priv *p = netdev_priv(dev);
	struct bpf_prog *prog = rcu_dereference(p->xdp_prog);
	struct ipso_xdp_meta meta = { .magic = IPSO_XDP_META_MAGIC };
	struct ipsim_sa *sa = NULL;
	struct ipsim_rx_pkt r;
	u32 act;

	if (ipsim_rx_make_private(skb, prog ? XDP_PACKET_HEADROOM : 0))
		goto drop;
	if (ipsim_rx_find_esp(skb, &r)) {
		sa = ipsim_sat_rx_lookup(&p->sat, r.family, &r.daddr, r.spi);
		/* ESP in UDP only for a NAT-T SA on that port, and vice versa */
		if (sa && (sa->natt != r.natt ||
			   (r.natt && sa->encap_dport != r.udp_dport)))
			sa = NULL;
		if (!sa && !r.natt)
			ipsim_count(p, IPSIM_RX_NO_SA);
	}
	if (sa && sa->crypto) {
		ipsim_crypto_receive(p, sa, skb, r.esp_off,
				     ETH_HLEN + r.ip_len);
		return;
	}
	if (sa && sa->kpkt && READ_ONCE(sa->dead))
		sa = NULL;	/* the kernel deleted it: its ESP goes up as is */
	if (sa && !sa->kpkt && !ipsim_sa_rx_begin(sa, dev)) {
		ipsim_count(p, IPSIM_RX_NOT_LIVE);
		sa = NULL;	/* the kernel's software path decrypts it */
	}
	if (sa) {
		meta.handle = sa->handle;
		meta.syndrome = ipsim_rx_decap(p, sa, skb, &r);
		if (!sa->kpkt)
			ipsim_sa_rx_end(sa);
		if (meta.syndrome == IPSO_SYN_OK)
			meta.flags = IPSO_META_F_DECRYPTED |
				(sa->mode == XFRM_MODE_TUNNEL ?
				 IPSO_META_F_TUNNEL : 0);
	}
	if (prog) {
		act = ipsim_xdp_run(p, prog, skb, sa ? &meta : NULL);
		/* decrypted in place, unauthenticated: never back out */
		if (sa && meta.syndrome != IPSO_SYN_OK)
			goto drop;
		if (act != XDP_PASS) {
			ipsim_xdp_verdict(p, prog, skb, act);
			return;
		}
		ipsim_count(p, IPSIM_XDP_PASS);
	}
	if (sa && meta.syndrome != IPSO_SYN_OK)
		goto drop;
	if (sa && sa->kpkt) {
		if (ipsim_pkt_rx_finish(p, sa, skb))
			goto drop;
	} else if (sa) {
		skb->mark = ipso_mark_encode(0, sa->handle);
		if (ipso_rx_attach_secpath(skb, dev, sa->handle)) {
			ipsim_count(p, IPSIM_RX_DROP_ERROR);
			goto drop;
		}
	}
	ipsim_rx_to_stack(dev, skb);
	return;
drop:
	ipsim_rx_dropped(dev, skb);
}

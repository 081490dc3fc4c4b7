// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated NIC's ESP builder: encapsulates a frame inline with an
 * outbound SA, for the mark path (esp_tx.c), packet mode (packet_mode.c)
 * and redirected XDP frames (xdp_tx.c).
 *
 * The result on the wire: transport mode keeps the IP header and inserts
 * ESP after it (IPv6: only when no extension header precedes the upper
 * layer); tunnel mode prepends an outer header from the SA's addresses.
 * A NAT-T SA (IPv4) puts a UDP header with the SA's ports in front of ESP
 * (RFC 3948), checksum zero.
 * The explicit IV is the 64-bit sequence number (unique per key, RFC 4106
 * §3.1); padding makes payload + 2 a multiple of 4 (GCM's block is 1).
 */
#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/dsfield.h>
#include "ipsim.h"

/* Where the plaintext is and what ESP's next header will say. */
struct ipsim_tx_pkt {
	u16 family;		/* of the packet (inner in tunnel mode) */
	unsigned int ip_len;	/* IP packet length */
	unsigned int hdr_len;	/* bytes kept in front (transport) */
	unsigned int payload;	/* bytes protected: XFRM's byte count */
	u8 nexthdr;
	u8 dsfield;
	bool df;
};

static int ipsim_tx_parse4(struct sk_buff *skb, struct ipsim_tx_pkt *t)
{
	const struct iphdr *iph;

	if (!pskb_may_pull(skb, ETH_HLEN + sizeof(*iph)))
		return -EINVAL;
	iph = (const struct iphdr *)(skb->data + ETH_HLEN);
	if (iph->version != 4 || iph->ihl < 5)
		return -EINVAL;
	t->family = AF_INET;
	t->ip_len = ntohs(iph->tot_len);
	t->hdr_len = iph->ihl * 4;
	t->nexthdr = iph->protocol;
	t->dsfield = iph->tos;
	t->df = !!(iph->frag_off & htons(IP_DF));
	/* transport mode cannot protect a fragment: ESP goes first */
	if (ip_is_fragment(iph))
		t->hdr_len = 0;
	return 0;
}

static int ipsim_tx_parse6(struct sk_buff *skb, struct ipsim_tx_pkt *t)
{
	const struct ipv6hdr *ip6h;

	if (!pskb_may_pull(skb, ETH_HLEN + sizeof(*ip6h)))
		return -EINVAL;
	ip6h = (const struct ipv6hdr *)(skb->data + ETH_HLEN);
	if (ip6h->version != 6)
		return -EINVAL;
	t->family = AF_INET6;
	t->ip_len = sizeof(*ip6h) + ntohs(ip6h->payload_len);
	t->hdr_len = sizeof(*ip6h);
	t->nexthdr = ip6h->nexthdr;
	t->dsfield = ipv6_get_dsfield(ip6h);
	t->df = false;
	/* ESP must follow hop-by-hop/routing/fragment headers: not modelled */
	if (ipv6_ext_hdr(t->nexthdr) && t->nexthdr != NEXTHDR_NONE)
		t->hdr_len = 0;
	return 0;
}

static int ipsim_tx_parse(struct ipsim_sa *sa, struct sk_buff *skb,
			  struct ipsim_tx_pkt *t)
{
	const struct ethhdr *eth;
	int err;

	if (skb->len < ETH_HLEN)
		return -EINVAL;
	eth = (const struct ethhdr *)skb->data;
	if (eth->h_proto == htons(ETH_P_IP))
		err = ipsim_tx_parse4(skb, t);
	else if (eth->h_proto == htons(ETH_P_IPV6))
		err = ipsim_tx_parse6(skb, t);
	else
		err = -EPROTONOSUPPORT;
	if (err)
		return err;
	if (t->ip_len > skb->len - ETH_HLEN)
		return -EINVAL;
	if (sa->mode == XFRM_MODE_TUNNEL) {
		t->payload = t->ip_len;
		t->nexthdr = t->family == AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
		t->hdr_len = 0;
		return 0;
	}
	if (t->family != sa->family || !t->hdr_len || t->hdr_len > t->ip_len)
		return -EPROTONOSUPPORT;
	t->payload = t->ip_len - t->hdr_len;
	return 0;
}

/* Linear, private, with room for the headers and trailer we add. */
static int ipsim_tx_make_room(struct sk_buff *skb, unsigned int head,
			      unsigned int tail)
{
	int dh, dt;

	if (skb_linearize(skb))
		return -ENOMEM;
	dh = max_t(int, 0, (int)head - (int)skb_headroom(skb));
	dt = max_t(int, 0, (int)tail - (int)skb_tailroom(skb));
	if (dh || dt || skb_cloned(skb))
		return pskb_expand_head(skb, dh, dt, GFP_ATOMIC);
	return 0;
}

static int ipsim_tx_next_seq(struct ipsim_sa *sa, u64 *seq)
{
	int err = 0;
	u64 next;

	spin_lock(&sa->lock);
	next = max(sa->oseq, sa->tx_floor) + 1;
	if (sa->tx_stopped)
		err = -ESTALE;		/* software numbers this SA now */
	else if (!sa->esn && next > U32_MAX)
		err = -EOVERFLOW;	/* never wrap: the SA must be rekeyed */
	else
		*seq = sa->oseq = next;
	spin_unlock(&sa->lock);
	return err;
}

static void ipsim_tx_outer4(struct ipsim_sa *sa, struct iphdr *iph,
			    const struct ipsim_tx_pkt *t, unsigned int len,
			    u64 seq, u8 proto)
{
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = t->dsfield;
	iph->tot_len = htons(len);
	iph->id = htons((u16)seq);
	iph->frag_off = t->df ? htons(IP_DF) : 0;
	iph->ttl = 64;
	iph->protocol = proto;
	iph->saddr = sa->saddr.a4;
	iph->daddr = sa->daddr.a4;
	ip_send_check(iph);
}

static void ipsim_tx_outer6(struct ipsim_sa *sa, struct ipv6hdr *ip6h,
			    const struct ipsim_tx_pkt *t, unsigned int len)
{
	ip6_flow_hdr(ip6h, t->dsfield, 0);
	ip6h->payload_len = htons(len - sizeof(*ip6h));
	ip6h->nexthdr = IPPROTO_ESP;
	ip6h->hop_limit = 64;
	ip6h->saddr = sa->saddr.in6;
	ip6h->daddr = sa->daddr.in6;
}

/* Point the IP header that stays (transport) at the ESP header. */
static void ipsim_tx_fix_transport(u8 *nh, u16 family, unsigned int len,
				   u8 proto)
{
	if (family == AF_INET) {
		struct iphdr *iph = (struct iphdr *)nh;

		iph->protocol = proto;
		iph->tot_len = htons(len);
		ip_send_check(iph);
	} else {
		struct ipv6hdr *ip6h = (struct ipv6hdr *)nh;

		ip6h->nexthdr = IPPROTO_ESP;
		ip6h->payload_len = htons(len - sizeof(*ip6h));
	}
}

/* RFC 3948: UDP in front of ESP, checksum zero (IPv4). */
static void ipsim_tx_udp(struct ipsim_sa *sa, struct udphdr *uh,
			 unsigned int len)
{
	uh->source = sa->encap_sport;
	uh->dest = sa->encap_dport;
	uh->len = htons(len);
	uh->check = 0;
}

int ipsim_esp_encap(struct ipsim_sa *sa, struct sk_buff *skb)
{
	struct ipsim_tx_pkt t;
	unsigned int outer, udp, gap, padded, padlen, tail, esp_off, i;
	u8 proto = sa->natt ? IPPROTO_UDP : IPPROTO_ESP;
	u8 *esph, *trailer;
	u64 seq;
	int err;

	err = ipsim_tx_parse(sa, skb, &t);
	if (err)
		return err;
	outer = 0;
	if (sa->mode == XFRM_MODE_TUNNEL)
		outer = sa->family == AF_INET ? sizeof(struct iphdr) :
						sizeof(struct ipv6hdr);
	udp = sa->natt ? sizeof(struct udphdr) : 0;
	gap = outer + udp + IPSIM_ESP_HLEN + IPSIM_IV_LEN;
	padded = ALIGN(t.payload + 2, 4);
	padlen = padded - t.payload - 2;
	tail = padlen + 2 + sa->icv_len;
	err = ipsim_tx_make_room(skb, gap, tail);
	if (err)
		return err;
	err = ipsim_tx_next_seq(sa, &seq);
	if (err)
		return err;

	/* drop link-layer padding, then open the gap for the headers */
	skb_trim(skb, ETH_HLEN + t.ip_len);
	esp_off = ETH_HLEN + outer + t.hdr_len + udp;
	skb_push(skb, gap);
	memmove(skb->data, skb->data + gap, ETH_HLEN + t.hdr_len);

	trailer = skb_put(skb, tail);
	for (i = 0; i < padlen; i++)
		trailer[i] = i + 1;	/* RFC 4303 §2.4 default padding */
	trailer[padlen] = padlen;
	trailer[padlen + 1] = t.nexthdr;

	esph = skb->data + esp_off;
	memcpy(esph, &sa->spi, 4);
	put_unaligned_be32(lower_32_bits(seq), esph + 4);
	put_unaligned_be64(seq, esph + IPSIM_ESP_HLEN);
	if (udp)
		ipsim_tx_udp(sa, (struct udphdr *)(esph - udp),
			     skb->len - (esp_off - udp));

	if (outer) {
		struct ethhdr *eth = (struct ethhdr *)skb->data;

		if (sa->family == AF_INET) {
			eth->h_proto = htons(ETH_P_IP);
			ipsim_tx_outer4(sa, (void *)(skb->data + ETH_HLEN), &t,
					skb->len - ETH_HLEN, seq, proto);
		} else {
			eth->h_proto = htons(ETH_P_IPV6);
			ipsim_tx_outer6(sa, (void *)(skb->data + ETH_HLEN), &t,
					skb->len - ETH_HLEN);
		}
	} else {
		ipsim_tx_fix_transport(skb->data + ETH_HLEN, t.family,
				       skb->len - ETH_HLEN, proto);
	}

	err = ipsim_esp_crypt(sa, esph, skb->len - esp_off,
			      upper_32_bits(seq), true);
	if (err)
		return err;
	ipsim_sa_count(sa, t.payload);
	return 0;
}

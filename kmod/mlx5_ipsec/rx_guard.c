// SPDX-License-Identifier: GPL-2.0
/*
 * While a NIC owns an inbound SA in packet mode, its replay window is the
 * SA's window; the kernel's copy is brought up to date only when the
 * ownership changes.  ESP that the NIC did not decrypt (it takes whole
 * packets only: not IPv4 fragments, not IPv6 ESP behind extension
 * headers) would reach xfrm_input() and be checked against that stale
 * copy, so a replayed packet, re-sent as fragments or over another link,
 * would be accepted a second time.  This hook (LOCAL_IN, after IPv4
 * reassembly; IPv6 sees the first fragment) first has the NIC hand the
 * window back (ipso_ofl_rx_hand_back()): the packet, and every one after
 * it, is checked against the one window there is.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/xfrm.h>

#include "ipso.h"

/* The ESP packet's (daddr, SPI), when skb is ESP: 0, else -ENOENT. */
static int ipso_rx_esp_id(struct sk_buff *skb, u8 pf, xfrm_address_t *daddr,
			  __be32 *spi)
{
	unsigned int off;
	__be32 *p, buf;

	memset(daddr, 0, sizeof(*daddr));
	if (pf == NFPROTO_IPV4) {
		if (ip_hdr(skb)->protocol != IPPROTO_ESP)
			return -ENOENT;
		daddr->a4 = ip_hdr(skb)->daddr;
		off = skb_network_offset(skb) + ip_hdrlen(skb);
	} else {
		int frag_flags = 0;
		unsigned short frag_off = 0;

		off = 0;
		if (ipv6_find_hdr(skb, &off, IPPROTO_ESP, &frag_off,
				  &frag_flags) != IPPROTO_ESP || frag_off)
			return -ENOENT;
		daddr->in6 = ipv6_hdr(skb)->daddr;
	}
	p = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!p)
		return -ENOENT;
	*spi = *p;
	return 0;
}

static unsigned int ipso_rx_guard_hook(void *priv, struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	u16 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	struct xfrm_offload *xo = xfrm_offload(skb);
	struct xfrm_state *x;
	xfrm_address_t daddr;
	__be32 spi;

	/* No offload anywhere: no second SA lookup for software ESP. */
	if (list_empty(&ipso_ofl_list))
		return NF_ACCEPT;
	if (xo && (xo->flags & CRYPTO_DONE))
		return NF_ACCEPT;	/* a NIC decrypted it: its own path */
	if (ipso_rx_esp_id(skb, state->pf, &daddr, &spi))
		return NF_ACCEPT;
	x = xfrm_state_lookup(state->net, skb->mark, &daddr, spi, IPPROTO_ESP,
			      family);
	if (!x)
		return NF_ACCEPT;
	ipso_ofl_rx_hand_back(x);
	xfrm_state_put(x);
	return NF_ACCEPT;
}

static const struct nf_hook_ops ipso_rx_guard_ops[] = {
	{ .hook = ipso_rx_guard_hook, .pf = NFPROTO_IPV4,
	  .hooknum = NF_INET_LOCAL_IN, .priority = NF_IP_PRI_FIRST },
	{ .hook = ipso_rx_guard_hook, .pf = NFPROTO_IPV6,
	  .hooknum = NF_INET_LOCAL_IN, .priority = NF_IP6_PRI_FIRST },
};

static int __net_init ipso_rx_guard_net_init(struct net *net)
{
	return nf_register_net_hooks(net, ipso_rx_guard_ops,
				     ARRAY_SIZE(ipso_rx_guard_ops));
}

static void __net_exit ipso_rx_guard_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, ipso_rx_guard_ops,
				ARRAY_SIZE(ipso_rx_guard_ops));
}

static struct pernet_operations ipso_rx_guard_net_ops = {
	.init = ipso_rx_guard_net_init,
	.exit = ipso_rx_guard_net_exit,
};

int ipso_rx_guard_init(void)
{
	return register_pernet_subsys(&ipso_rx_guard_net_ops);
}

void ipso_rx_guard_exit(void)
{
	unregister_pernet_subsys(&ipso_rx_guard_net_ops);
}

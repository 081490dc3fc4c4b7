// SPDX-License-Identifier: GPL-2.0
/* Formatting helpers shared by show and explain. */
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "fmt.h"

const char *fmt_addr(char *buf, int family, const union ipso_addr *a)
{
	if (family != AF_INET && family != AF_INET6) {
		/* Unset selector family: print what is there, as IPv4 if
		 * only the first word is used. */
		family = (a->a32[1] | a->a32[2] | a->a32[3]) ? AF_INET6 :
							       AF_INET;
	}
	if (!inet_ntop(family, a->a8, buf, FMT_ADDR_LEN))
		strcpy(buf, "?");
	return buf;
}

const char *fmt_prefix(char *buf, int family, const union ipso_addr *a,
		       int plen)
{
	size_t len;

	fmt_addr(buf, family, a);
	len = strlen(buf);
	snprintf(buf + len, FMT_ADDR_LEN - len, "/%d", plen);
	return buf;
}

const char *fmt_family(int family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	default:
		return "unspec";
	}
}

const char *fmt_proto(char *buf, int proto)
{
	switch (proto) {
	case 0:
		return "any";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "ipv6-icmp";
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	case IPPROTO_COMP:
		return "comp";
	default:
		snprintf(buf, 8, "%d", proto);
		return buf;
	}
}

const char *fmt_ifname(char *buf, __u32 ifindex)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

const char *fmt_action(int action)
{
	switch (action) {
	case IPSO_ACT_BYPASS:
		return "bypass";
	case IPSO_ACT_BLOCK:
		return "block";
	case IPSO_ACT_PROTECT:
		return "protect";
	default:
		return "unknown";
	}
}

/* SPDX-License-Identifier: GPL-2.0 */
/* Text formatting of addresses, prefixes and selectors for show/explain. */
#ifndef IPSO_FMT_H
#define IPSO_FMT_H

#include <arpa/inet.h>
#include <net/if.h>

#include "ipsec_offload/maps.h"

#define FMT_ADDR_LEN	64

const char *fmt_addr(char *buf, int family, const union ipso_addr *a);
const char *fmt_prefix(char *buf, int family, const union ipso_addr *a,
		       int plen);
const char *fmt_family(int family);
const char *fmt_proto(char *buf, int proto);	/* "any", "tcp", "17" */
const char *fmt_ifname(char *buf, __u32 ifindex);	/* name or "if%u" */
const char *fmt_action(int action);

#endif /* IPSO_FMT_H */

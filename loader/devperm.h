/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device permission per SA (FreeBSD's -hwif / SADB_X_EXT_IF_HW_OFFL):
 * which attached devices may offload which SAs.  Rules come from a file
 * (default /etc/ipsec-offload.conf, optional) and from --dev on the
 * command line; without any rule every attached device is permitted.
 *
 * File syntax, one rule per line, first match wins, '#' comments:
 *   MATCH... dev NAME[,NAME...] | dev all | dev none
 * MATCH is any AND-combination of
 *   reqid N | spi N | src PREFIX | dst PREFIX | dir in|out | any
 * where src/dst are the SA's outer addresses and spi is as `ip xfrm`
 * prints it (host order, decimal or 0x hex).
 */
#ifndef IPSO_DEVPERM_H
#define IPSO_DEVPERM_H

#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>

#include "mirror.h"

#define IPSO_CONF_DEFAULT	"/etc/ipsec-offload.conf"
#define DEVPERM_MAX_DEVS	8

struct devperm_rule {
	unsigned int has;	/* DP_* bits */
	__u32 reqid;
	__u32 spi;		/* network byte order */
	__u8 dir;
	__u8 family_s, family_d;
	__u8 plen_s, plen_d;
	union ipso_addr src, dst;
	bool all;		/* dev all */
	int ndevs;		/* 0 with !all: dev none */
	char devs[DEVPERM_MAX_DEVS][IF_NAMESIZE];
	int line;
};

struct devperm {
	struct devperm_rule *rules;
	int nrules;
	/* --dev: global restriction applied on top of the rules */
	int nglobal;
	char global[DEVPERM_MAX_DEVS][IF_NAMESIZE];
};

/*
 * Parse a rules file.  Missing file with !must_exist is fine.  On a
 * syntax error prints "ipsec-offload: config: FILE:LINE: cause" and
 * returns -EINVAL.
 */
int devperm_load(struct devperm *dp, const char *path, bool must_exist);
/* Parse a comma-separated --dev list into the global restriction. */
int devperm_set_global(struct devperm *dp, const char *list);
void devperm_free(struct devperm *dp);
/* May SA sa be offloaded on device ifname? */
bool devperm_allows(const struct devperm *dp, const struct ipso_sa_desc *sa,
		    const char *ifname);
void devperm_print(const struct devperm *dp, FILE *f);

#endif /* IPSO_DEVPERM_H */

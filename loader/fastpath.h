/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The XDP gateway fast path (bpf/ipso_fastpath.bpf.c) on the inside
 * device of a gateway: load and pin it, fill its devmap, attach,
 * detach, show (docs/loader.md, docs/datapath.md "XDP fast path").
 */
#ifndef IPSO_FASTPATH_H
#define IPSO_FASTPATH_H

#include <stdbool.h>
#include <linux/types.h>

#include "cli.h"
#include "json_print.h"

#define IPSO_PIN_PROG_FASTPATH	"ipso_prog_fastpath"
/* Pinned by hand: see ipso_fp_devmap in bpf/ipso_fastpath.bpf.c. */
#define IPSO_PIN_FP_DEVMAP	"ipso_fp_devmap"

/* `attach DEV fastpath [reload]`; returns an exit code. */
int fastpath_attach(const struct ipso_opts *o, const char *dev,
		    __u32 ifindex, bool reload);
/* Our fast path off DEV if it is there; returns an exit code. */
int fastpath_detach(const struct ipso_opts *o, const char *dev,
		    __u32 ifindex);
/* `show fastpath`: where it is attached and where it may redirect. */
int fastpath_show(const struct ipso_opts *o, struct jprint *p);

#endif /* IPSO_FASTPATH_H */

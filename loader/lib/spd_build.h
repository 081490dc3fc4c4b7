/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compiles the policies of one (family, direction) into the nodes of the
 * SPD trie (bpf/ipso_spd.h): one node per distinct destination prefix,
 * holding the policies with exactly that prefix in the kernel's
 * preference order (cut after IPSO_SPD_MAX_SCAN) and the index of its
 * parent, the node of the longest enclosing prefix.  Pure computation.
 */
#ifndef IPSO_SPD_BUILD_H
#define IPSO_SPD_BUILD_H

#include <stddef.h>
#include "mirror.h"
#include "ipso_spd.h"

/* Input: the group's live policies, any order. */
struct spd_in {
	const struct ipso_policy_desc *d;
	__u64 order;		/* IPSO_ORDER(): kernel preference */
	__u32 slot;		/* ipso_spd_pol key of this policy */
};

struct spd_node {
	__u8 addr[16];		/* destination prefix, masked */
	__u8 plen;
	__u8 pad;
	__u16 flags;		/* IPSO_LIST_F_* */
	__u32 count;		/* entries in ents */
	long parent;		/* index in spd_out.nodes, -1 = none */
	struct ipso_spd_ent *ents;	/* points into spd_out.pool */
};

struct spd_out {
	struct spd_node *nodes;	/* sorted by (addr, plen): parents first */
	size_t nnodes;
	struct ipso_spd_ent *pool;
};

int spd_build(int family, const struct spd_in *in, size_t n,
	      struct spd_out *out);
void spd_out_free(struct spd_out *out);

/* The candidate entry for one policy (also used for show/tests). */
void spd_make_ent(const struct ipso_policy_desc *d, __u64 order,
		  __u32 slot, struct ipso_spd_ent *e);
/* Mask an address of family (2 or 10) to plen bits. */
void spd_mask_addr(__u8 *out, const __u8 *in, int plen, int family);

#endif /* IPSO_SPD_BUILD_H */

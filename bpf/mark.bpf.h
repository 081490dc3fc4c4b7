/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The TX marking of include/ipsec_offload/mark.h, on the BPF side. */
#ifndef IPSO_MARK_BPF_H
#define IPSO_MARK_BPF_H

#include "../include/ipsec_offload/mark.h"

/* Index of the lowest set bit of a non-zero mask, without a loop. */
static __always_inline __u32 ipso_ctz32(__u32 x)
{
	__u32 n = 0;

	if (!(x & 0xffff)) {
		n += 16;
		x >>= 16;
	}
	if (!(x & 0xff)) {
		n += 8;
		x >>= 8;
	}
	if (!(x & 0xf)) {
		n += 4;
		x >>= 4;
	}
	if (!(x & 0x3)) {
		n += 2;
		x >>= 2;
	}
	if (!(x & 0x1))
		n += 1;
	return n;
}

struct ipso_mark_layout {
	__u32 magic, magic_mask, handle_mask;
};

/* The layout the module published, or the default before it has. */
static __always_inline void ipso_mark_layout(const struct ipso_config *cfg,
					     struct ipso_mark_layout *l)
{
	if (cfg && cfg->mark_handle_mask) {
		l->magic = cfg->mark_magic;
		l->magic_mask = cfg->mark_magic_mask;
		l->handle_mask = cfg->mark_handle_mask;
		return;
	}
	l->magic = IPSO_MARK_DEFAULT_MAGIC;
	l->magic_mask = IPSO_MARK_DEFAULT_MAGIC_MASK;
	l->handle_mask = IPSO_MARK_DEFAULT_HANDLE_MASK;
}

/*
 * New mark carrying handle under the configured layout, preserving the
 * bits outside both masks.  Returns false if the handle does not fit.
 */
static __always_inline bool ipso_mark_encode(const struct ipso_config *cfg,
					     __u32 mark, __u32 handle,
					     __u32 *out)
{
	struct ipso_mark_layout l;
	__u32 shift, field;

	ipso_mark_layout(cfg, &l);
	shift = ipso_ctz32(l.handle_mask);
	field = handle << shift;
	if ((field >> shift) != handle || (field & ~l.handle_mask))
		return false;
	*out = (mark & ~(l.magic_mask | l.handle_mask)) |
	       (l.magic & l.magic_mask) | field;
	return true;
}

/*
 * The mark without our magic and handle when it carries the magic.  Only
 * tc egress may hand the NIC a handle: one set by SO_MARK, nftables or a
 * CNI would otherwise pick an unrelated SA's key and peer.
 */
static __always_inline __u32 ipso_mark_strip(const struct ipso_config *cfg,
					     __u32 mark)
{
	struct ipso_mark_layout l;

	ipso_mark_layout(cfg, &l);
	if ((mark & l.magic_mask) != (l.magic & l.magic_mask))
		return mark;
	return mark & ~(l.magic_mask | l.handle_mask);
}

#endif /* IPSO_MARK_BPF_H */

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

/*
 * New mark carrying handle under the configured layout, preserving the
 * bits outside both masks.  Returns false if the handle does not fit.
 */
static __always_inline bool ipso_mark_encode(const struct ipso_config *cfg,
					     __u32 mark, __u32 handle,
					     __u32 *out)
{
	__u32 magic = IPSO_MARK_DEFAULT_MAGIC;
	__u32 magic_mask = IPSO_MARK_DEFAULT_MAGIC_MASK;
	__u32 handle_mask = IPSO_MARK_DEFAULT_HANDLE_MASK;
	__u32 shift, field;

	if (cfg && cfg->mark_handle_mask) {
		magic = cfg->mark_magic;
		magic_mask = cfg->mark_magic_mask;
		handle_mask = cfg->mark_handle_mask;
	}
	shift = ipso_ctz32(handle_mask);
	field = handle << shift;
	if ((field >> shift) != handle || (field & ~handle_mask))
		return false;
	*out = (mark & ~(magic_mask | handle_mask)) | (magic & magic_mask) |
	       field;
	return true;
}

#endif /* IPSO_MARK_BPF_H */

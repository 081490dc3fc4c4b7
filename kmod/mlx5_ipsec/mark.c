// SPDX-License-Identifier: GPL-2.0
/*
 * The TX/RX mark layout (include/ipsec_offload/mark.h), as configured by
 * the module parameters.  The parameters are read-only after load, so the
 * datapath reads them without locking.
 */
#include <linux/bitops.h>
#include <linux/export.h>

#include "ipso.h"

static unsigned int ipso_handle_shift(void)
{
	return __ffs(ipso_mark_handle_mask);
}

u32 ipso_mark_to_handle(u32 mark)
{
	if ((mark & ipso_mark_magic_mask) != ipso_mark_magic)
		return IPSO_HANDLE_INVALID;
	return (mark & ipso_mark_handle_mask) >> ipso_handle_shift();
}
EXPORT_SYMBOL_GPL(ipso_mark_to_handle);

u32 ipso_mark_encode(u32 mark, u32 handle)
{
	u32 keep = mark & ~(ipso_mark_magic_mask | ipso_mark_handle_mask);

	return keep | ipso_mark_magic |
	       ((handle << ipso_handle_shift()) & ipso_mark_handle_mask);
}
EXPORT_SYMBOL_GPL(ipso_mark_encode);

/* The largest handle both the mark and the BPF arrays can carry. */
u32 ipso_handle_max(void)
{
	u32 by_mask = ipso_mark_handle_mask >> ipso_handle_shift();

	return min_t(u32, by_mask, IPSO_MAX_HANDLES - 1);
}

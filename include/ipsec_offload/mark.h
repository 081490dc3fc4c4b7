/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The marking that carries an offload handle from the tc egress program
 * to the driver (skb->mark) and from the NIC to XDP (data_meta).
 *
 * TX: skb->mark = (mark & ~(magic_mask | handle_mask))
 *                 | magic | (handle << ctz(handle_mask))
 * Bits outside both masks are preserved, so a mark used by routing or by
 * an IKE daemon's policies survives.  A mark carries a handle only when
 * (mark & magic_mask) == magic.  The layout is a parameter of the bridge
 * module (mark_magic, mark_magic_mask, mark_handle_mask); the loader reads
 * it from the module and writes it into the ipso_config map.
 */
#ifndef IPSEC_OFFLOAD_MARK_H
#define IPSEC_OFFLOAD_MARK_H

#include "types.h"

#define IPSO_MARK_DEFAULT_MAGIC		0xe5000000u
#define IPSO_MARK_DEFAULT_MAGIC_MASK	0xff000000u
#define IPSO_MARK_DEFAULT_HANDLE_MASK	0x00ffffffu

/* Handle 0 is never valid (FreeBSD drv_spi, mlx5 object ids alike). */
#define IPSO_HANDLE_INVALID		0u

/* First word of struct ipso_xdp_meta: tells our metadata from others'. */
#define IPSO_XDP_META_MAGIC		0x49505345u	/* "IPSE" */

/*
 * What the NIC writes in the XDP metadata area, immediately before the
 * packet data (data_meta .. data).  Host byte order.
 *
 * TX, the same layout the other way: the XDP fast path redirects a
 * plaintext frame to the offload device with a 16-byte metadata area
 * holding {IPSO_XDP_META_MAGIC, handle, syndrome 0,
 * IPSO_META_F_ENCRYPT}: "encrypt under handle" for a device that takes
 * the handle from the frame (the module's 6.1 packet-mode path).  A
 * device that finds the SA by its own policy table (6.12 packet mode)
 * may ignore it.
 */
struct ipso_xdp_meta {
	__u32 magic;		/* IPSO_XDP_META_MAGIC */
	__u32 handle;		/* offload handle of the SA that decrypted */
	__u16 syndrome;		/* enum ipso_syndrome */
	__u16 flags;		/* IPSO_META_F_* */
	__u32 reserved;		/* zero */
};

#define IPSO_META_F_DECRYPTED	0x1	/* ESP removed by the NIC */
#define IPSO_META_F_TUNNEL	0x2	/* outer header removed too */
#define IPSO_META_F_ENCRYPT	0x4	/* TX: plaintext to encrypt (fast path) */

#endif /* IPSEC_OFFLOAD_MARK_H */

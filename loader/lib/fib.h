/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPSO_FIB_H
#define IPSO_FIB_H

#include <stdbool.h>
#include <linux/types.h>
#include "ipsec_offload/maps.h"

/* What `ip route get` answers for an output flow. */
struct fib_route {
	int err;		/* 0, or the kernel's -errno (no route ...) */
	__u8 type;		/* RTN_UNICAST, RTN_LOCAL, ... */
	int oif;		/* output device */
	bool no_xfrm;		/* that device has disable_xfrm: no policy */
};

/*
 * Ask the kernel's FIB of this network namespace about an output flow,
 * as `ip route get DST from SRC mark MARK oif OIF` does.  Returns 0 with
 * *r filled (r->err says whether there is a route), or -errno when the
 * question could not be asked.
 */
int fib_output_route(int family, const union ipso_addr *src,
		     const union ipso_addr *dst, __u32 mark, int oif,
		     struct fib_route *r);

#endif

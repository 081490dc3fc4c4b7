// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the loader's XFRM netlink decoder (xnl_decode), which
 * reads every SA and policy message of dumps and events.  The input is
 * one netlink message (nlmsg_input.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>

#include "nlmsg_input.h"
#include "xfrm_nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh;
	struct xnl_event ev;

	nlh = nlmsg_input(data, size);
	if (!nlh)
		return 0;
	xnl_decode(nlh, &ev);
	free(nlh);
	return 0;
}

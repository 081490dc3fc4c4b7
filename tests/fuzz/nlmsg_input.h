/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fuzz input as one netlink message, for the loader's parsers: its
 * length field is set to the input's length, as libmnl's receive loop
 * checks it against the datagram before any callback.  libmnl walks
 * attributes up to the message's aligned end (mnl_nlmsg_get_payload_tail),
 * which the loader's receive buffer always holds: the copy has that
 * padding, zeroed, and not a byte more, so that ASan sees every other
 * overread.  NULL when the input cannot be a message; free() the rest.
 */
#ifndef IPSO_FUZZ_NLMSG_INPUT_H
#define IPSO_FUZZ_NLMSG_INPUT_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>

static inline struct nlmsghdr *nlmsg_input(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh;

	if (size < NLMSG_HDRLEN || size > 65536)
		return NULL;
	nlh = calloc(1, NLMSG_ALIGN(size));
	if (!nlh)
		return NULL;
	memcpy(nlh, data, size);
	nlh->nlmsg_len = size;
	return nlh;
}
#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loader's one netlink layer over libmnl, in the manner of iproute2's
 * lib/mnl_utils.c: sockets that ask for extended acks, and one receive
 * loop that turns NLMSG_ERROR and NLMSG_DONE into -errno and prints the
 * kernel's message ("Error: <msg>." on stderr, as iproute2 does).  Used by
 * the XFRM client (xfrm_nl.c) and the generic netlink client (genl.c).
 */
#ifndef IPSO_MNL_UTILS_H
#define IPSO_MNL_UTILS_H

#include <stddef.h>
#include <stdio.h>
#include <libmnl/libmnl.h>

/*
 * Opens a netlink socket of bus with socket flags (SOCK_NONBLOCK,
 * SOCK_CLOEXEC), asks for extended acks without the request echoed back
 * (NETLINK_EXT_ACK, NETLINK_CAP_ACK; kernels without them answer without
 * the text), and binds it to the multicast groups.  NULL and errno set
 * on failure.
 */
struct mnl_socket *mnlu_socket_open(int bus, int flags, unsigned int groups);

/* What an NLMSG_ERROR or NLMSG_DONE message carries. */
struct mnlu_ext_ack {
	int error;		/* -errno, 0 for an ack or a clean end */
	const char *msg;	/* NLMSGERR_ATTR_MSG, NULL if none */
	long offset;		/* NLMSGERR_ATTR_OFFS into the request, or -1 */
};

/* 0 with ea filled, -EINVAL when nlh is not a well-formed error or done. */
int mnlu_ext_ack_parse(const struct nlmsghdr *nlh, struct mnlu_ext_ack *ea);

/* "Error: <msg>." (or "Warning: " on success) to f; nothing without a msg. */
void mnlu_ext_ack_print(FILE *f, const struct mnlu_ext_ack *ea);

/*
 * mnl_cb_run() on one received buffer, with NLMSG_ERROR and NLMSG_DONE
 * parsed and their message printed.  Returns MNL_CB_STOP at the ack or
 * the end of a dump, MNL_CB_OK for more to come, MNL_CB_ERROR (-1) with
 * errno set to what the kernel or cb said (0 if cb said nothing).
 */
int mnlu_run(const void *buf, size_t len, unsigned int seq,
	     unsigned int portid, mnl_cb_t cb, void *data);

/*
 * Sends nlh and runs cb on each reply to it until the ack or the end of
 * the dump; buf (size bytes) receives.  0, or -errno (-EPROTO when cb
 * failed without saying why).
 */
int mnlu_transact(struct mnl_socket *nl, struct nlmsghdr *nlh, void *buf,
		  size_t size, mnl_cb_t cb, void *data);

#endif /* IPSO_MNL_UTILS_H */

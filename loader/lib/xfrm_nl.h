/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XFRM netlink: full dumps of the kernel SAD and SPD, the event socket,
 * and strict decoding of every message into the mirror's descriptions.
 * Read-only towards the kernel: nothing here adds, changes or deletes a
 * policy or an SA.  Key material is never copied out of a message.
 */
#ifndef IPSO_XFRM_NL_H
#define IPSO_XFRM_NL_H

#include <linux/netlink.h>
#include <stdbool.h>

#include "mirror.h"

enum xnl_kind {
	XNL_IGNORE,
	XNL_SA_PUT,		/* sa */
	XNL_SA_DEL,		/* key */
	XNL_SA_EXPIRE,		/* key, hard */
	XNL_SA_FLUSH,
	XNL_POL_PUT,		/* pol */
	XNL_POL_DEL,		/* dir, index */
	XNL_POL_FLUSH,
};

struct xnl_event {
	enum xnl_kind kind;
	bool hard;
	__u8 dir;
	__u32 index;
	struct ipso_sa_key key;
	struct ipso_sa_desc sa;
	struct ipso_policy_desc pol;
	/* SA extras not in the mirror but shown to users */
	__u32 sa_mark_v, sa_mark_m, sa_if_id;
	__u32 replay_window;
	char alg[64];		/* algorithm name only, never the key */
	/* lifetimes and software counters (show sa) */
	__u64 lft_soft_bytes, lft_hard_bytes;
	__u64 lft_soft_packets, lft_hard_packets;
	__u64 lft_soft_add, lft_hard_add;	/* seconds */
	__u64 cur_bytes, cur_packets;
};

/*
 * Decode one XFRM message (dump reply or event).  Returns 0 with
 * ev->kind set, XNL_IGNORE for messages the mirror does not need
 * (non-ESP SAs, sub policies, acquires, ...), or -EINVAL when the message
 * is malformed (bad lengths or attributes), in which case ev is unusable.
 */
int xnl_decode(const struct nlmsghdr *nlh, struct xnl_event *ev);

typedef int (*xnl_cb)(const struct xnl_event *ev, void *ctx);

/*
 * Dump the SAD (XFRM_MSG_GETSA) or SPD (XFRM_MSG_GETPOLICY) of the current
 * netns, calling cb for each decoded entry.  Returns 0 or -errno (-EINTR
 * when the dump was interrupted by a concurrent change: retry).
 */
int xnl_dump_sas(xnl_cb cb, void *ctx);
int xnl_dump_policies(xnl_cb cb, void *ctx);
/*
 * The namespace's default for forwarded packets no policy matches
 * (XFRM_MSG_GETDEFAULT): *accept true for accept.  Kernels before 5.16
 * have no default policies (they always accept) and refuse the message
 * type: accept too.  Returns 0 or -errno.
 */
int xnl_get_fwd_default(bool *accept);

struct mnl_socket;
/* Event socket bound to XFRMNLGRP_SA | POLICY | EXPIRE, non-blocking. */
struct mnl_socket *xnl_event_open(int rcvbuf);

/*
 * Read what is queued on the event socket (at most max messages when
 * max > 0) and decode it.  Returns the number of messages handled, 0 if
 * nothing was queued, -ENOBUFS when the kernel dropped events (caller
 * must resync), or another -errno.
 */
int xnl_event_read(struct mnl_socket *nl, xnl_cb cb, void *ctx, int max);

/*
 * Discard everything queued on the event socket.  Called before a resync
 * dump: the dump reflects all of it, and replaying stale events after the
 * dump (a queued flush, say) would undo what the dump just brought.
 */
void xnl_event_drain(struct mnl_socket *nl);

const char *xnl_dir_name(int dir);
const char *xnl_mode_name(int mode);

#endif /* IPSO_XFRM_NL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client of the bridge module's generic netlink family "ipsec_offload"
 * (include/ipsec_offload/genl.h): offload / withdraw requests, state
 * dumps, map hand-over, mark layout, and the "events" multicast group.
 */
#ifndef IPSO_GENL_CLIENT_H
#define IPSO_GENL_CLIENT_H

#include <net/if.h>
#include <stdbool.h>

#include "ipsec_offload/maps.h"

struct mnl_socket;

struct ipso_genl {
	struct mnl_socket *nl;	/* requests */
	struct mnl_socket *ev;	/* multicast events, non-blocking */
	unsigned short family;
	unsigned int mcgrp;	/* 0: the module has no events group */
	unsigned int seq;
	char *buf;
};

/* One (SA, device) as the module reports it. */
/* A rejection message from the module; longer ones are cut. */
#define IPSO_GENL_REASON_MSG_LEN	128

struct genl_offload {
	struct ipso_sa_key sa;
	__u32 mark;		/* the SA's XFRM mark value, 0 = none */
	__u32 ifindex;
	__u8 dir;
	__u8 state;		/* enum ipso_offload_state */
	__u32 handle;
	__s32 reason;
	char reason_msg[IPSO_GENL_REASON_MSG_LEN];	/* the driver's words */
	bool has_hw;
	struct ipso_hw_counters hw;
};

struct genl_config {
	__u32 magic, magic_mask, handle_mask, poll_ms;
};

struct genl_dev {
	__u32 ifindex;
	char name[IF_NAMESIZE];
	char backend[16];
	__u32 caps;
	__u32 max_sa;
};

/* -ENOENT when the family is not registered (module not loaded). */
int genl_open(struct ipso_genl *g);
void genl_close(struct ipso_genl *g);
/* Join the events group; returns the fd to poll, or -errno. */
int genl_subscribe(struct ipso_genl *g);

/* mark: the SA's XFRM mark value (0: none), how the module finds it */
int genl_offload_sa(struct ipso_genl *g, const struct ipso_sa_key *sa,
		    __u32 mark, __u32 ifindex, __u8 dir);
int genl_withdraw_sa(struct ipso_genl *g, const struct ipso_sa_key *sa,
		     __u32 mark, __u32 ifindex);
int genl_set_maps(struct ipso_genl *g, int offload_fd, int handles_fd,
		  int hw_stats_fd);
int genl_get_config(struct ipso_genl *g, struct genl_config *cfg);

typedef int (*genl_offload_cb)(const struct genl_offload *o, void *ctx);
typedef int (*genl_dev_cb)(const struct genl_dev *d, void *ctx);
int genl_dump_offloads(struct ipso_genl *g, genl_offload_cb cb, void *ctx);
int genl_dump_devices(struct ipso_genl *g, genl_dev_cb cb, void *ctx);
/* Drain queued notifications; -ENOBUFS means some were lost. */
int genl_read_events(struct ipso_genl *g, genl_offload_cb cb, void *ctx);

const char *ipso_state_name(int state);

#endif /* IPSO_GENL_CLIENT_H */

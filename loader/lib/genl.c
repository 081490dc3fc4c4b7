// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink client of the bridge module.  Every attribute of a
 * reply is validated for type and length before use; unknown attributes
 * (a newer module) are ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/genetlink.h>
#include <libmnl/libmnl.h>

#include "ipsec_offload/genl.h"
#include "genl.h"
#include "mnl_utils.h"

#define GENL_BUF_SIZE	(32 * 1024)

const char *ipso_state_name(int state)
{
	switch (state) {
	case IPSO_OFL_NONE:
		return "none";
	case IPSO_OFL_PENDING:
		return "pending";
	case IPSO_OFL_OFFLOADED:
		return "offloaded";
	case IPSO_OFL_REJECTED:
		return "rejected";
	default:
		return "invalid";
	}
}

/* ---- family resolution --------------------------------------------- */

struct family_ctx {
	unsigned short id;
	unsigned int mcgrp;
};

static int mcgrp_cb(const struct nlattr *attr, void *data)
{
	struct family_ctx *f = data;
	const struct nlattr *a;
	const char *name = NULL;
	unsigned int id = 0;

	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
		return MNL_CB_ERROR;
	mnl_attr_for_each_nested(a, attr) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				return MNL_CB_ERROR;
			name = mnl_attr_get_str(a);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return MNL_CB_ERROR;
			id = mnl_attr_get_u32(a);
			break;
		}
	}
	if (name && !strcmp(name, IPSO_GENL_MCGRP_EVENTS))
		f->mcgrp = id;
	return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_ctx *f = data;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		f->id = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		return mnl_attr_parse_nested(attr, mcgrp_cb, f);
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb,
			      data);
}

/* ---- request / reply plumbing -------------------------------------- */

static struct nlmsghdr *put_req(struct ipso_genl *g, unsigned short type,
				__u8 cmd, __u16 flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(g->buf);
	struct genlmsghdr *gh;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++g->seq;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = cmd;
	gh->version = type == GENL_ID_CTRL ? 1 : IPSO_GENL_VERSION;
	return nlh;
}

static int transact(struct ipso_genl *g, struct nlmsghdr *nlh,
		    mnl_cb_t cb, void *ctx)
{
	return mnlu_transact(g->nl, nlh, g->buf, GENL_BUF_SIZE, cb, ctx);
}

int genl_open(struct ipso_genl *g)
{
	struct family_ctx f = { 0 };
	struct nlmsghdr *nlh;
	int err;

	memset(g, 0, sizeof(*g));
	g->buf = calloc(1, GENL_BUF_SIZE);	/* attribute padding is sent */
	if (!g->buf)
		return -ENOMEM;
	g->nl = mnlu_socket_open(NETLINK_GENERIC, SOCK_CLOEXEC, 0);
	if (!g->nl) {
		err = -errno;
		goto fail;
	}
	nlh = put_req(g, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, IPSO_GENL_NAME);
	err = transact(g, nlh, family_cb, &f);
	if (!err && !f.id)
		err = -ENOENT;
	if (err)
		goto fail;
	g->family = f.id;
	g->mcgrp = f.mcgrp;
	return 0;
fail:
	genl_close(g);
	return err;
}

void genl_close(struct ipso_genl *g)
{
	if (g->nl)
		mnl_socket_close(g->nl);
	if (g->ev)
		mnl_socket_close(g->ev);
	free(g->buf);
	memset(g, 0, sizeof(*g));
}

int genl_subscribe(struct ipso_genl *g)
{
	int grp = g->mcgrp;

	if (!grp)
		return -ENOENT;
	g->ev = mnlu_socket_open(NETLINK_GENERIC, SOCK_NONBLOCK | SOCK_CLOEXEC,
				 0);
	if (!g->ev)
		return -errno;
	if (mnl_socket_setsockopt(g->ev, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0) {
		int err = -errno;

		mnl_socket_close(g->ev);
		g->ev = NULL;
		return err;
	}
	return mnl_socket_get_fd(g->ev);
}

static void put_sa(struct nlmsghdr *nlh, const struct ipso_sa_key *sa)
{
	mnl_attr_put_u16(nlh, IPSO_ATTR_FAMILY, sa->family);
	mnl_attr_put(nlh, IPSO_ATTR_DADDR, sa->family == AF_INET ? 4 : 16,
		     sa->daddr.a8);
	mnl_attr_put_u32(nlh, IPSO_ATTR_SPI, sa->spi);
	mnl_attr_put_u8(nlh, IPSO_ATTR_PROTO, sa->proto);
}

static int ack_only(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

int genl_offload_sa(struct ipso_genl *g, const struct ipso_sa_key *sa,
		    __u32 mark, __u32 ifindex, __u8 dir)
{
	struct nlmsghdr *nlh = put_req(g, g->family, IPSO_CMD_OFFLOAD_SA,
				       NLM_F_ACK);

	put_sa(nlh, sa);
	if (mark)
		mnl_attr_put_u32(nlh, IPSO_ATTR_SA_MARK, mark);
	mnl_attr_put_u32(nlh, IPSO_ATTR_IFINDEX, ifindex);
	if (dir == IPSO_DIR_IN || dir == IPSO_DIR_OUT)
		mnl_attr_put_u8(nlh, IPSO_ATTR_DIR, dir);
	return transact(g, nlh, ack_only, NULL);
}

int genl_withdraw_sa(struct ipso_genl *g, const struct ipso_sa_key *sa,
		     __u32 mark, __u32 ifindex)
{
	struct nlmsghdr *nlh = put_req(g, g->family, IPSO_CMD_WITHDRAW_SA,
				       NLM_F_ACK);

	put_sa(nlh, sa);
	if (mark)
		mnl_attr_put_u32(nlh, IPSO_ATTR_SA_MARK, mark);
	mnl_attr_put_u32(nlh, IPSO_ATTR_IFINDEX, ifindex);
	return transact(g, nlh, ack_only, NULL);
}

int genl_set_maps(struct ipso_genl *g, int offload_fd, int handles_fd,
		  int hw_stats_fd)
{
	struct nlmsghdr *nlh = put_req(g, g->family, IPSO_CMD_SET_MAPS,
				       NLM_F_ACK);

	mnl_attr_put_u32(nlh, IPSO_ATTR_OFFLOAD_MAP_FD, offload_fd);
	mnl_attr_put_u32(nlh, IPSO_ATTR_HANDLE_MAP_FD, handles_fd);
	mnl_attr_put_u32(nlh, IPSO_ATTR_HW_STATS_MAP_FD, hw_stats_fd);
	return transact(g, nlh, ack_only, NULL);
}

/* ---- attribute decoding of module messages ------------------------- */

struct ipso_tb {
	const struct nlattr *a[IPSO_ATTR_MAX + 1];
};

/* From the family's one description (include/ipsec_offload/genl.h). */
#define IPSO_ATTR_WIRE(name, wire, policy) \
	[IPSO_ATTR_##name] = IPSO_ATTR_WIRE_##wire,
static const enum ipso_attr_wire ipso_attr_wire[IPSO_ATTR_MAX + 1] = {
	IPSO_ATTRS(IPSO_ATTR_WIRE)
};

#undef IPSO_ATTR_WIRE

static int ipso_attr_len_ok(const struct nlattr *attr, int type)
{
	size_t len = mnl_attr_get_payload_len(attr);
	enum mnl_attr_data_type t;

	switch (ipso_attr_wire[type]) {
	case IPSO_ATTR_WIRE_U8:
		t = MNL_TYPE_U8;
		break;
	case IPSO_ATTR_WIRE_U16:
		t = MNL_TYPE_U16;
		break;
	case IPSO_ATTR_WIRE_U32:
		t = MNL_TYPE_U32;
		break;
	case IPSO_ATTR_WIRE_ADDR:
		return len == 4 || len == 16;
	case IPSO_ATTR_WIRE_STRING:
		t = MNL_TYPE_NUL_STRING;
		break;
	case IPSO_ATTR_WIRE_NESTED:
		t = MNL_TYPE_NESTED;
		break;
	default:	/* IPSO_ATTR_PAD, IPSO_ATTR_UNSPEC: not read */
		return 1;
	}
	return mnl_attr_validate(attr, t) >= 0;
}

static int ipso_attr_cb(const struct nlattr *attr, void *data)
{
	struct ipso_tb *tb = data;
	int type = mnl_attr_get_type(attr);

	if (type > IPSO_ATTR_MAX)
		return MNL_CB_OK;
	if (!ipso_attr_len_ok(attr, type))
		return MNL_CB_ERROR;
	tb->a[type] = attr;
	return MNL_CB_OK;
}

static int parse_msg(const struct nlmsghdr *nlh, struct ipso_tb *tb)
{
	memset(tb, 0, sizeof(*tb));
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ipso_attr_cb, tb) < 0)
		return -EINVAL;
	return 0;
}

static __u64 stats_u64(const struct nlattr *nest, int type)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == type &&
		    mnl_attr_validate(a, MNL_TYPE_U64) >= 0)
			return mnl_attr_get_u64(a);
	return 0;
}

static int decode_offload(const struct nlmsghdr *nlh, struct genl_offload *o)
{
	struct ipso_tb tb;
	const struct nlattr *d;

	if (parse_msg(nlh, &tb))
		return -EINVAL;
	memset(o, 0, sizeof(*o));
	if (!tb.a[IPSO_ATTR_FAMILY] || !tb.a[IPSO_ATTR_DADDR] ||
	    !tb.a[IPSO_ATTR_SPI] || !tb.a[IPSO_ATTR_IFINDEX])
		return -EINVAL;
	o->sa.family = mnl_attr_get_u16(tb.a[IPSO_ATTR_FAMILY]);
	d = tb.a[IPSO_ATTR_DADDR];
	if (mnl_attr_get_payload_len(d) != (o->sa.family == AF_INET ? 4u : 16u))
		return -EINVAL;
	memcpy(o->sa.daddr.a8, mnl_attr_get_payload(d),
	       mnl_attr_get_payload_len(d));
	o->sa.spi = mnl_attr_get_u32(tb.a[IPSO_ATTR_SPI]);
	o->sa.proto = tb.a[IPSO_ATTR_PROTO] ?
		      mnl_attr_get_u8(tb.a[IPSO_ATTR_PROTO]) : IPPROTO_ESP;
	if (tb.a[IPSO_ATTR_SA_MARK])
		o->mark = mnl_attr_get_u32(tb.a[IPSO_ATTR_SA_MARK]);
	o->ifindex = mnl_attr_get_u32(tb.a[IPSO_ATTR_IFINDEX]);
	o->dir = tb.a[IPSO_ATTR_DIR] ? mnl_attr_get_u8(tb.a[IPSO_ATTR_DIR]) :
				       IPSO_DIR_UNKNOWN;
	o->state = tb.a[IPSO_ATTR_STATE] ?
		   mnl_attr_get_u8(tb.a[IPSO_ATTR_STATE]) : IPSO_OFL_NONE;
	if (tb.a[IPSO_ATTR_HANDLE])
		o->handle = mnl_attr_get_u32(tb.a[IPSO_ATTR_HANDLE]);
	if (tb.a[IPSO_ATTR_REASON])
		o->reason = (__s32)mnl_attr_get_u32(tb.a[IPSO_ATTR_REASON]);
	if (tb.a[IPSO_ATTR_REASON_MSG])
		snprintf(o->reason_msg, sizeof(o->reason_msg), "%.*s",
			 (int)strnlen(mnl_attr_get_payload(tb.a[IPSO_ATTR_REASON_MSG]),
				      mnl_attr_get_payload_len(tb.a[IPSO_ATTR_REASON_MSG])),
			 (const char *)mnl_attr_get_payload(tb.a[IPSO_ATTR_REASON_MSG]));
	if (tb.a[IPSO_ATTR_HW_STATS]) {
		const struct nlattr *n = tb.a[IPSO_ATTR_HW_STATS];

		o->has_hw = true;
		o->hw.packets = stats_u64(n, IPSO_STATS_PACKETS);
		o->hw.bytes = stats_u64(n, IPSO_STATS_BYTES);
		o->hw.auth_fail = stats_u64(n, IPSO_STATS_AUTH_FAIL);
		o->hw.replay_drop = stats_u64(n, IPSO_STATS_REPLAY_DROP);
		o->hw.no_sa_drop = stats_u64(n, IPSO_STATS_NO_SA_DROP);
	}
	return 0;
}

struct offload_ctx {
	genl_offload_cb cb;
	void *ctx;
	int err;
};

static int offload_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct offload_ctx *c = data;
	struct genl_offload o;

	c->err = decode_offload(nlh, &o);
	if (c->err)
		return MNL_CB_ERROR;
	c->err = c->cb(&o, c->ctx);
	return c->err ? MNL_CB_ERROR : MNL_CB_OK;
}

int genl_dump_offloads(struct ipso_genl *g, genl_offload_cb cb, void *ctx)
{
	struct offload_ctx c = { .cb = cb, .ctx = ctx };
	struct nlmsghdr *nlh = put_req(g, g->family, IPSO_CMD_GET_OFFLOAD,
				       NLM_F_DUMP);
	int err = transact(g, nlh, offload_msg_cb, &c);

	return c.err ? c.err : err;
}

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	struct genl_config *cfg = data;
	struct ipso_tb tb;

	if (parse_msg(nlh, &tb))
		return MNL_CB_ERROR;
	if (!tb.a[IPSO_ATTR_MARK_MAGIC] || !tb.a[IPSO_ATTR_MARK_MAGIC_MASK] ||
	    !tb.a[IPSO_ATTR_MARK_HANDLE_MASK]) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	cfg->magic = mnl_attr_get_u32(tb.a[IPSO_ATTR_MARK_MAGIC]);
	cfg->magic_mask = mnl_attr_get_u32(tb.a[IPSO_ATTR_MARK_MAGIC_MASK]);
	cfg->handle_mask = mnl_attr_get_u32(tb.a[IPSO_ATTR_MARK_HANDLE_MASK]);
	if (tb.a[IPSO_ATTR_POLL_MS])
		cfg->poll_ms = mnl_attr_get_u32(tb.a[IPSO_ATTR_POLL_MS]);
	return MNL_CB_OK;
}

int genl_get_config(struct ipso_genl *g, struct genl_config *cfg)
{
	struct nlmsghdr *nlh = put_req(g, g->family, IPSO_CMD_GET_CONFIG,
				       NLM_F_ACK);

	memset(cfg, 0, sizeof(*cfg));
	return transact(g, nlh, config_cb, cfg);
}

struct dev_ctx {
	genl_dev_cb cb;
	void *ctx;
	int err;
};

static int dev_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dev_ctx *c = data;
	struct genl_dev d = { 0 };
	struct ipso_tb tb;

	if (parse_msg(nlh, &tb) || !tb.a[IPSO_ATTR_IFINDEX]) {
		c->err = -EINVAL;
		return MNL_CB_ERROR;
	}
	d.ifindex = mnl_attr_get_u32(tb.a[IPSO_ATTR_IFINDEX]);
	if (tb.a[IPSO_ATTR_DEV_NAME])
		strncpy(d.name, mnl_attr_get_str(tb.a[IPSO_ATTR_DEV_NAME]),
			sizeof(d.name) - 1);
	if (tb.a[IPSO_ATTR_BACKEND])
		strncpy(d.backend, mnl_attr_get_str(tb.a[IPSO_ATTR_BACKEND]),
			sizeof(d.backend) - 1);
	if (tb.a[IPSO_ATTR_DEV_CAPS])
		d.caps = mnl_attr_get_u32(tb.a[IPSO_ATTR_DEV_CAPS]);
	if (tb.a[IPSO_ATTR_DEV_MAX_SA])
		d.max_sa = mnl_attr_get_u32(tb.a[IPSO_ATTR_DEV_MAX_SA]);
	c->err = c->cb(&d, c->ctx);
	return c->err ? MNL_CB_ERROR : MNL_CB_OK;
}

int genl_dump_devices(struct ipso_genl *g, genl_dev_cb cb, void *ctx)
{
	struct dev_ctx c = { .cb = cb, .ctx = ctx };
	struct nlmsghdr *nlh = put_req(g, g->family, IPSO_CMD_GET_DEVICES,
				       NLM_F_DUMP);
	int err = transact(g, nlh, dev_msg_cb, &c);

	return c.err ? c.err : err;
}

int genl_read_events(struct ipso_genl *g, genl_offload_cb cb, void *ctx)
{
	struct offload_ctx c = { .cb = cb, .ctx = ctx };
	int handled = 0;

	if (!g->ev)
		return 0;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(g->ev, g->buf, GENL_BUF_SIZE);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return handled;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* A malformed notification is skipped, not fatal. */
		mnlu_run(g->buf, n, 0, 0, offload_msg_cb, &c);
		handled++;
	}
}

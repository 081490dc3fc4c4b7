// SPDX-License-Identifier: GPL-2.0
/* The loader's netlink layer; see mnl_utils.h. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "mnl_utils.h"

struct mnl_socket *mnlu_socket_open(int bus, int flags, unsigned int groups)
{
	struct mnl_socket *nl;
	int one = 1, err;

	nl = mnl_socket_open2(bus, flags);
	if (!nl)
		return NULL;
	/* Best effort: without them, errors still come, without text. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	return nl;
}

static int ext_ack_attr_cb(const struct nlattr *attr, void *data)
{
	struct mnlu_ext_ack *ea = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		ea->msg = mnl_attr_get_str(attr);
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		ea->offset = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

/* Where the TLVs start in the payload: after the error and the request. */
static int error_tlv_offset(const struct nlmsghdr *nlh, int *error,
			    size_t *off, __u32 *req_len)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t len = mnl_nlmsg_get_payload_len(nlh);

	if (len < sizeof(*e))
		return -EINVAL;
	*error = e->error;
	*req_len = e->msg.nlmsg_len;
	*off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(e->msg) ||
		    len < sizeof(*e) - sizeof(e->msg) + e->msg.nlmsg_len)
			return -EINVAL;
		*off += MNL_ALIGN(e->msg.nlmsg_len - sizeof(e->msg));
	}
	return 0;
}

int mnlu_ext_ack_parse(const struct nlmsghdr *nlh, struct mnlu_ext_ack *ea)
{
	__u32 req_len = 0;
	size_t off;
	int error;

	memset(ea, 0, sizeof(*ea));
	ea->offset = -1;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (error_tlv_offset(nlh, &error, &off, &req_len))
			return -EINVAL;
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		/* a dump's end: an int, then the TLVs */
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
			return 0;
		memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(int));
		off = sizeof(int);
	} else {
		return -EINVAL;
	}
	/* subsystems disagree on the sign */
	ea->error = error > 0 ? -error : error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    mnl_nlmsg_get_payload_len(nlh) <= off)
		return 0;
	if (mnl_attr_parse(nlh, off, ext_ack_attr_cb, ea) < 0)
		return -EINVAL;
	if (ea->offset >= 0 && req_len && ea->offset >= (long)req_len)
		ea->offset = -1;	/* not inside the request */
	return 0;
}

void mnlu_ext_ack_print(FILE *f, const struct mnlu_ext_ack *ea)
{
	size_t n;

	if (!ea->msg || !*ea->msg)
		return;
	n = strlen(ea->msg);
	fprintf(f, "%s: %s%s\n", ea->error ? "Error" : "Warning", ea->msg,
		ea->msg[n - 1] == '.' ? "" : ".");
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mnlu_ext_ack ea;

	(void)data;
	if (mnlu_ext_ack_parse(nlh, &ea)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	mnlu_ext_ack_print(stderr, &ea);
	if (!ea.error)
		return MNL_CB_STOP;
	errno = -ea.error;
	return MNL_CB_ERROR;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = error_cb,
};

int mnlu_run(const void *buf, size_t len, unsigned int seq,
	     unsigned int portid, mnl_cb_t cb, void *data)
{
	errno = 0;
	return mnl_cb_run2(buf, len, seq, portid, cb, data, ctl_cbs,
			   NLMSG_MIN_TYPE);
}

int mnlu_transact(struct mnl_socket *nl, struct nlmsghdr *nlh, void *buf,
		  size_t size, mnl_cb_t cb, void *data)
{
	unsigned int seq = nlh->nlmsg_seq;
	unsigned int portid = mnl_socket_get_portid(nl);
	int ret;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, size);

		if (n < 0)
			return -errno;
		ret = mnlu_run(buf, n, seq, portid, cb, data);
		if (ret < 0)
			return errno ? -errno : -EPROTO;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

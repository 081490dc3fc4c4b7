// SPDX-License-Identifier: GPL-2.0
/*
 * One RTM_GETROUTE question, the one `ip route get` asks, so that explain
 * can say what the kernel does before any policy: an IPv4 route out of a
 * device with disable_xfrm (lo has it, so every local destination) gets
 * no output policy at all, and a flow with no route never reaches one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "fib.h"
#include "mnl_utils.h"


static int route_attr(const struct nlattr *a, void *data)
{
	struct fib_route *r = data;

	if (mnl_attr_get_type(a) == RTA_OIF &&
	    !mnl_attr_validate(a, MNL_TYPE_U32))
		r->oif = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int route_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct fib_route *r = data;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return MNL_CB_ERROR;
	r->type = rtm->rtm_type;
	return mnl_attr_parse(nlh, sizeof(*rtm), route_attr, r);
}

/* /proc/sys/net/ipv4/conf/DEV/disable_xfrm, as the kernel reads it */
static bool dev_no_xfrm(int ifindex)
{
	char name[IF_NAMESIZE], path[96];
	int v = 0;
	FILE *f;

	if (!if_indextoname(ifindex, name))
		return false;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/disable_xfrm",
		 name);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v != 0;
}

static struct nlmsghdr *put_request(char *buf, int family,
				    const union ipso_addr *src,
				    const union ipso_addr *dst, __u32 mark,
				    int oif)
{
	size_t alen = family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_dst_len = alen * 8;
	rtm->rtm_src_len = alen * 8;
	mnl_attr_put(nlh, RTA_DST, alen, dst->a8);
	mnl_attr_put(nlh, RTA_SRC, alen, src->a8);
	if (mark)
		mnl_attr_put_u32(nlh, RTA_MARK, mark);
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, oif);
	return nlh;
}

int fib_output_route(int family, const union ipso_addr *src,
		     const union ipso_addr *dst, __u32 mark, int oif,
		     struct fib_route *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct mnl_socket *nl;
	int ret, err = 0;

	memset(r, 0, sizeof(*r));
	nl = mnlu_socket_open(NETLINK_ROUTE, SOCK_CLOEXEC, 0);
	if (!nl)
		return -errno;
	nlh = put_request(buf, family, src, dst, mark, oif);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (ret < 0) {
		err = -errno;
		goto out;
	}
	/* an error answer is the kernel's verdict on the flow, not ours */
	if (mnlu_run(buf, ret, 1, mnl_socket_get_portid(nl), route_msg, r) < 0)
		r->err = -errno;
	else if (family == AF_INET && r->oif)
		r->no_xfrm = dev_no_xfrm(r->oif);
out:
	mnl_socket_close(nl);
	return err;
}

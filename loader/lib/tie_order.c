// SPDX-License-Identifier: GPL-2.0
/*
 * Which policy wins a priority tie is the running kernel's behaviour, not
 * its version's: a distribution may backport the change.  So ask the
 * kernel.  A child process enters a new network namespace, installs three
 * "dir out" policies of equal priority and sends one UDP datagram on
 * loopback that two of them match:
 *
 *   1. an unrelated inexact policy, so that the next one is not the
 *      inexact list's head (older kernels let the head beat exact ones);
 *   2. inexact 127.0.0.0/8 -> 127.0.0.2/32, action block;
 *   3. exact 127.0.0.1/32 -> 127.0.0.2/32, action allow.
 *
 * Kernels that order ties by link position (docs/datapath.md) pick (2),
 * and the send fails with EPERM; older ones prefer the exact policy (3)
 * and the send succeeds.  Loopback is exempt from XFRM by default
 * (disable_xfrm), so the child clears that first.  The namespace dies
 * with the child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/xfrm.h>

#include "mnl_utils.h"
#include "tie_order.h"

enum { CHILD_POS = 10, CHILD_LEGACY = 11, CHILD_FAILED = 12 };

static int lo_up(void)
{
	struct ifreq ifr;
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		ret = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!ret && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int lo_xfrm_on(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/conf/lo/disable_xfrm", "we");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs("0", f) < 0)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

static int add_policy(struct mnl_socket *nl, const char *src, int splen,
		      const char *dst, int dplen, __u8 action, __u32 seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct xfrm_userpolicy_info *p;
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;
	nlh->nlmsg_seq = seq;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	memset(p, 0, sizeof(*p));
	p->sel.family = AF_INET;
	inet_pton(AF_INET, src, &p->sel.saddr.a4);
	inet_pton(AF_INET, dst, &p->sel.daddr.a4);
	p->sel.prefixlen_s = splen;
	p->sel.prefixlen_d = dplen;
	p->priority = 100;
	p->dir = XFRM_POLICY_OUT;
	p->action = action;
	p->lft.soft_byte_limit = XFRM_INF;
	p->lft.hard_byte_limit = XFRM_INF;
	p->lft.soft_packet_limit = XFRM_INF;
	p->lft.hard_packet_limit = XFRM_INF;
	return mnlu_transact(nl, nlh, buf, sizeof(buf), NULL, NULL);
}

static int send_probe(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		ret = -errno;
	a.sin_port = htons(9);
	inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
	if (!ret && sendto(fd, "", 1, 0, (struct sockaddr *)&a,
			   sizeof(a)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int child(void)
{
	struct mnl_socket *nl;
	int ret;

	if (unshare(CLONE_NEWNET) || lo_up() || lo_xfrm_on())
		return CHILD_FAILED;
	nl = mnlu_socket_open(NETLINK_XFRM, SOCK_CLOEXEC, 0);
	if (!nl)
		return CHILD_FAILED;
	ret = add_policy(nl, "198.51.100.0", 24, "198.51.100.0", 24,
			 XFRM_POLICY_ALLOW, 1);
	if (!ret)
		ret = add_policy(nl, "127.0.0.0", 8, "127.0.0.2", 32,
				 XFRM_POLICY_BLOCK, 2);
	if (!ret)
		ret = add_policy(nl, "127.0.0.1", 32, "127.0.0.2", 32,
				 XFRM_POLICY_ALLOW, 3);
	mnl_socket_close(nl);
	if (ret)
		return CHILD_FAILED;
	ret = send_probe();
	if (ret == -EPERM)
		return CHILD_POS;
	return ret ? CHILD_FAILED : CHILD_LEGACY;
}

int ipso_tie_order_probe(enum ipso_tie_order *order)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(child());
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	switch (WEXITSTATUS(status)) {
	case CHILD_POS:
		*order = IPSO_TIE_POS;
		return 0;
	case CHILD_LEGACY:
		*order = IPSO_TIE_LEGACY;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* Linux 6.12 made ties follow link position; what a kernel without a probe
 * (no namespaces for us) most likely does.
 */
static enum ipso_tie_order tie_order_by_release(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return IPSO_TIE_POS;
	return maj > 6 || (maj == 6 && min >= 12) ? IPSO_TIE_POS :
						    IPSO_TIE_LEGACY;
}

enum ipso_tie_order ipso_tie_order(const char **how)
{
	static enum ipso_tie_order cached;
	static const char *cached_how;
	const char *env = getenv("IPSO_TIE_ORDER");
	int err;

	if (env) {
		if (how)
			*how = "IPSO_TIE_ORDER";
		return strcmp(env, "pos") ? IPSO_TIE_LEGACY : IPSO_TIE_POS;
	}
	if (!cached_how) {
		err = ipso_tie_order_probe(&cached);
		cached_how = "probed";
		if (err) {
			fprintf(stderr,
				"ipsec-offload: cannot probe the kernel's policy tie order (%s); assuming it from the release\n",
				strerror(-err));
			cached = tie_order_by_release();
			cached_how = "kernel release";
		}
	}
	if (how)
		*how = cached_how;
	return cached;
}

const char *ipso_tie_order_name(enum ipso_tie_order order)
{
	return order == IPSO_TIE_POS ? "pos" : "legacy";
}

// SPDX-License-Identifier: GPL-2.0
/*
 * xfrm_record DIR: dump the namespace's XFRM SAs and policies and write
 * each reply message, byte for byte, to DIR/sa-N and DIR/pol-N: the seed
 * corpus of the loader's XFRM decoder fuzzer, taken from a real kernel
 * (tests/fuzz/record-seeds.sh runs it in the guest).  Raw netlink and no
 * libraries, so it links statically for the guest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>

static int dump(int fd, int type, const char *dir, const char *prefix)
{
	struct {
		struct nlmsghdr nh;
		char pad[64];
	} req;
	static char buf[65536];
	char path[4096];
	int n = 0;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(type == XFRM_MSG_GETSA ?
					sizeof(struct xfrm_usersa_info) :
					sizeof(struct xfrm_userpolicy_info));
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		int len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len < 0)
			return -errno;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			FILE *f;

			if (nh->nlmsg_type == NLMSG_DONE)
				return n;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return -EIO;
			snprintf(path, sizeof(path), "%s/%s-%d", dir, prefix, n++);
			f = fopen(path, "wb");
			if (!f || fwrite(nh, 1, nh->nlmsg_len, f) != nh->nlmsg_len)
				return -errno;
			fclose(f);
		}
	}
}

int main(int argc, char **argv)
{
	int fd, sas, pols;

	if (argc != 2) {
		fprintf(stderr, "usage: xfrm_record DIR\n");
		return 2;
	}
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_XFRM);
	if (fd < 0) {
		perror("xfrm_record: socket");
		return 1;
	}
	sas = dump(fd, XFRM_MSG_GETSA, argv[1], "sa");
	pols = dump(fd, XFRM_MSG_GETPOLICY, argv[1], "pol");
	if (sas < 0 || pols < 0) {
		fprintf(stderr, "xfrm_record: dump failed\n");
		return 1;
	}
	printf("xfrm_record: %d SAs, %d policies\n", sas, pols);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ipso_genl: a small test client for the bridge module's generic netlink
 * family (include/ipsec_offload/genl.h).  Raw netlink, no libraries, so it
 * links statically for the guest.
 *
 *   ipso_genl config
 *   ipso_genl offload  4|6 DADDR SPI IFNAME in|out|unknown [PROTO]
 *   ipso_genl withdraw 4|6 DADDR SPI IFNAME
 *   ipso_genl dump
 *   ipso_genl devices
 *   ipso_genl setmaps [good|badsize|badtype|badname|rdonly|frozen|notamap] [PINDIR]
 *                             (PINDIR: pin the maps there for bpftool)
 *   ipso_genl strict          (sends an output-only attribute)
 *   ipso_genl listen SECONDS  (prints multicast notifications)
 *   ipso_genl fuzz SECONDS SEED root|unpriv
 *                             (random and mutated requests; unpriv: as
 *                             uid/gid 65534 without capabilities)
 *
 * Exit status: 0 on success, the errno of a kernel refusal (EPERM = 1,
 * ENOENT = 2, ENODEV = 19, EINVAL = 22, EOPNOTSUPP = 95, ...) or 200 for
 * a local failure.  The kernel's extack message is printed on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ipsec_offload/genl.h"
#include "ipsec_offload/maps.h"
#include "ipsec_offload/mark.h"

#define LOCAL_FAIL 200
#define BUFSZ 16384

struct req {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[512];
};

static int nl_fd;
static uint16_t family_id;
static uint32_t seq = 1;

static void die(const char *what)
{
	perror(what);
	exit(LOCAL_FAIL);
}

static void put_attr(struct nlmsghdr *nh, uint16_t type, const void *data,
		     uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)nh +
					     NLMSG_ALIGN(nh->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void put_u8(struct nlmsghdr *nh, uint16_t t, uint8_t v)
{
	put_attr(nh, t, &v, 1);
}

static void put_u16(struct nlmsghdr *nh, uint16_t t, uint16_t v)
{
	put_attr(nh, t, &v, 2);
}

static void put_u32(struct nlmsghdr *nh, uint16_t t, uint32_t v)
{
	put_attr(nh, t, &v, 4);
}

static void req_init(struct req *r, uint16_t type, uint8_t cmd,
		     uint16_t flags)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->nh.nlmsg_seq = seq++;
	r->gh.cmd = cmd;
	r->gh.version = IPSO_GENL_VERSION;
}

static void send_req(struct req *r)
{
	if (send(nl_fd, r, r->nh.nlmsg_len, 0) < 0)
		die("send");
}

/* Walk the attributes of a genetlink message into tb[] (top level). */
static void parse_attrs(const struct nlattr *a, int len,
			const struct nlattr **tb, int max)
{
	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (len >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		int t = a->nla_type & NLA_TYPE_MASK;

		if (t <= max)
			tb[t] = a;
		len -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a +
					    NLA_ALIGN(a->nla_len));
	}
}

static const void *adata(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static uint32_t au32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (a)
		memcpy(&v, adata(a), 4);
	return v;
}

static uint8_t au8(const struct nlattr *a)
{
	return a ? *(const uint8_t *)adata(a) : 0;
}

static uint64_t au64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (a)
		memcpy(&v, adata(a), 8);
	return v;
}

static const char *state_name(int s)
{
	switch (s) {
	case IPSO_OFL_NONE: return "none";
	case IPSO_OFL_PENDING: return "pending";
	case IPSO_OFL_OFFLOADED: return "offloaded";
	case IPSO_OFL_REJECTED: return "rejected";
	}
	return "?";
}

static void print_offload(const char *tag, const struct nlattr **tb)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	char ifname[IF_NAMESIZE] = "?";
	int fam = tb[IPSO_ATTR_FAMILY] ? *(uint16_t *)adata(tb[IPSO_ATTR_FAMILY]) : 0;

	if (tb[IPSO_ATTR_DADDR])
		inet_ntop(fam, adata(tb[IPSO_ATTR_DADDR]), addr, sizeof(addr));
	if_indextoname(au32(tb[IPSO_ATTR_IFINDEX]), ifname);
	printf("%s daddr=%s spi=0x%08x proto=%u ifindex=%u dev=%s dir=%u state=%s handle=%u reason=%d",
	       tag, addr, ntohl(au32(tb[IPSO_ATTR_SPI])),
	       au8(tb[IPSO_ATTR_PROTO]), au32(tb[IPSO_ATTR_IFINDEX]), ifname,
	       au8(tb[IPSO_ATTR_DIR]), state_name(au8(tb[IPSO_ATTR_STATE])),
	       au32(tb[IPSO_ATTR_HANDLE]), (int)au32(tb[IPSO_ATTR_REASON]));
	if (tb[IPSO_ATTR_REASON_MSG])
		printf(" msg=\"%.*s\"",
		       (int)strnlen(adata(tb[IPSO_ATTR_REASON_MSG]),
				    tb[IPSO_ATTR_REASON_MSG]->nla_len - NLA_HDRLEN),
		       (const char *)adata(tb[IPSO_ATTR_REASON_MSG]));
	if (tb[IPSO_ATTR_HW_STATS]) {
		const struct nlattr *st[IPSO_STATS_MAX + 1];

		parse_attrs((const struct nlattr *)adata(tb[IPSO_ATTR_HW_STATS]),
			    tb[IPSO_ATTR_HW_STATS]->nla_len - NLA_HDRLEN, st,
			    IPSO_STATS_MAX);
		printf(" hw_packets=%llu hw_bytes=%llu auth_fail=%llu replay_drop=%llu",
		       (unsigned long long)au64(st[IPSO_STATS_PACKETS]),
		       (unsigned long long)au64(st[IPSO_STATS_BYTES]),
		       (unsigned long long)au64(st[IPSO_STATS_AUTH_FAIL]),
		       (unsigned long long)au64(st[IPSO_STATS_REPLAY_DROP]));
	}
	printf("\n");
}

typedef void (*msg_cb)(const struct nlmsghdr *nh);

/* Print an error's extack message; return the positive errno. */
static int handle_error(const struct nlmsghdr *nh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nh);
	int err = -e->error;
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int off = sizeof(*e);

	if (!err)
		return 0;
	if (!(nh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (nh->nlmsg_flags & NLM_F_ACK_TLVS) {
		parse_attrs((const struct nlattr *)((const char *)e + off),
			    (int)nh->nlmsg_len - NLMSG_HDRLEN - off, tb,
			    NLMSGERR_ATTR_MAX);
		if (tb[NLMSGERR_ATTR_MSG])
			fprintf(stderr, "kernel: %s\n",
				(const char *)adata(tb[NLMSGERR_ATTR_MSG]));
	}
	fprintf(stderr, "error: %s (%d)\n", strerror(err), err);
	return err;
}

/* Read replies until the ACK / error / DONE; cb for data messages. */
static int recv_replies(msg_cb cb)
{
	static char buf[BUFSZ];

	for (;;) {
		int len = recv(nl_fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len < 0)
			die("recv");
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_ERROR)
				return handle_error(nh);
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb)
				cb(nh);
		}
	}
}

static void nl_open(void)
{
	int one = 1;
	struct req r;
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	static char buf[BUFSZ];
	struct nlmsghdr *nh;
	int len;

	nl_fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (nl_fd < 0)
		die("socket");
	setsockopt(nl_fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	r.gh.version = 1;
	put_attr(&r.nh, CTRL_ATTR_FAMILY_NAME, IPSO_GENL_NAME,
		 strlen(IPSO_GENL_NAME) + 1);
	send_req(&r);
	len = recv(nl_fd, buf, sizeof(buf), 0);
	if (len < 0)
		die("recv");
	nh = (struct nlmsghdr *)buf;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		fprintf(stderr, "family %s not registered\n", IPSO_GENL_NAME);
		exit(ENOENT);
	}
	parse_attrs((const struct nlattr *)((char *)NLMSG_DATA(nh) +
					    GENL_HDRLEN),
		    nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), tb,
		    CTRL_ATTR_MAX);
	if (!tb[CTRL_ATTR_FAMILY_ID])
		die("no family id");
	family_id = *(const uint16_t *)adata(tb[CTRL_ATTR_FAMILY_ID]);
	recv_replies(NULL);	/* the ACK */
}

static const struct nlattr **msg_attrs(const struct nlmsghdr *nh,
				       const struct nlattr **tb)
{
	parse_attrs((const struct nlattr *)((const char *)NLMSG_DATA(nh) +
					    GENL_HDRLEN),
		    nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), tb,
		    IPSO_ATTR_MAX);
	return tb;
}

static void cb_offload(const struct nlmsghdr *nh)
{
	const struct nlattr *tb[IPSO_ATTR_MAX + 1];

	print_offload("offload", msg_attrs(nh, tb));
}

static void cb_config(const struct nlmsghdr *nh)
{
	const struct nlattr *tb[IPSO_ATTR_MAX + 1];

	msg_attrs(nh, tb);
	printf("mark_magic=0x%08x mark_magic_mask=0x%08x mark_handle_mask=0x%08x poll_ms=%u\n",
	       au32(tb[IPSO_ATTR_MARK_MAGIC]),
	       au32(tb[IPSO_ATTR_MARK_MAGIC_MASK]),
	       au32(tb[IPSO_ATTR_MARK_HANDLE_MASK]),
	       au32(tb[IPSO_ATTR_POLL_MS]));
}

static void cb_device(const struct nlmsghdr *nh)
{
	const struct nlattr *tb[IPSO_ATTR_MAX + 1];

	msg_attrs(nh, tb);
	printf("device ifindex=%u name=%s backend=%s caps=0x%x max_sa=%u\n",
	       au32(tb[IPSO_ATTR_IFINDEX]),
	       tb[IPSO_ATTR_DEV_NAME] ? (const char *)adata(tb[IPSO_ATTR_DEV_NAME]) : "?",
	       tb[IPSO_ATTR_BACKEND] ? (const char *)adata(tb[IPSO_ATTR_BACKEND]) : "?",
	       au32(tb[IPSO_ATTR_DEV_CAPS]), au32(tb[IPSO_ATTR_DEV_MAX_SA]));
}

/* FAMILY DADDR SPI IFNAME -> attributes */
static void put_sa(struct req *r, char **argv, uint8_t proto)
{
	int fam = atoi(argv[0]) == 6 ? AF_INET6 : AF_INET;
	unsigned char addr[16];
	unsigned int ifindex = if_nametoindex(argv[3]);

	if (inet_pton(fam, argv[1], addr) != 1) {
		fprintf(stderr, "bad address %s\n", argv[1]);
		exit(LOCAL_FAIL);
	}
	if (!ifindex)
		ifindex = strtoul(argv[3], NULL, 0);	/* a raw number */
	put_u16(&r->nh, IPSO_ATTR_FAMILY, fam);
	put_attr(&r->nh, IPSO_ATTR_DADDR, addr, fam == AF_INET ? 4 : 16);
	put_u32(&r->nh, IPSO_ATTR_SPI, htonl(strtoul(argv[2], NULL, 0)));
	put_u8(&r->nh, IPSO_ATTR_PROTO, proto);
	put_u32(&r->nh, IPSO_ATTR_IFINDEX, ifindex);
}

static int bpf_map_create(const char *name, uint32_t type, uint32_t ksz,
			  uint32_t vsz, uint32_t n, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ksz;
	a.value_size = vsz;
	a.max_entries = n;
	a.map_flags = flags;
	strncpy(a.map_name, name, sizeof(a.map_name) - 1);
	return syscall(__NR_bpf, BPF_MAP_CREATE, &a, sizeof(a));
}

static int bpf_map_freeze(int fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	return syscall(__NR_bpf, BPF_MAP_FREEZE, &a, sizeof(a));
}

static void bpf_pin(int fd, const char *dir, const char *name)
{
	char path[256];
	union bpf_attr a;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	memset(&a, 0, sizeof(a));
	a.pathname = (uintptr_t)path;
	a.bpf_fd = fd;
	if (syscall(__NR_bpf, BPF_OBJ_PIN, &a, sizeof(a)))
		die(path);
}

static int cmd_setmaps(const char *how, const char *pindir)
{
	int ofl, hdl, st, n = IPSO_MAX_HANDLES;
	struct req r;

	ofl = bpf_map_create("ipso_offload", BPF_MAP_TYPE_HASH,
			     sizeof(struct ipso_offload_key),
			     sizeof(struct ipso_offload_val), 1024, 0);
	hdl = bpf_map_create("ipso_handles", BPF_MAP_TYPE_ARRAY, 4,
			     sizeof(struct ipso_handle_val), n, 0);
	st = bpf_map_create("ipso_hw_stats", BPF_MAP_TYPE_ARRAY, 4,
			    sizeof(struct ipso_hw_counters), n,
			    !strcmp(how, "rdonly") ? BPF_F_RDONLY : 0);
	if (!strcmp(how, "badsize"))
		hdl = bpf_map_create("ipso_handles", BPF_MAP_TYPE_ARRAY, 4,
				     sizeof(struct ipso_handle_val) + 4, n, 0);
	else if (!strcmp(how, "badtype"))
		st = bpf_map_create("ipso_hw_stats", BPF_MAP_TYPE_HASH, 4,
				    sizeof(struct ipso_hw_counters), 1024, 0);
	else if (!strcmp(how, "badname"))
		st = bpf_map_create("not_ours", BPF_MAP_TYPE_ARRAY, 4,
				    sizeof(struct ipso_hw_counters), n, 0);
	else if (!strcmp(how, "frozen") && bpf_map_freeze(st))
		die("bpf map freeze");
	else if (!strcmp(how, "notamap"))
		st = 0;		/* stdin */
	if (ofl < 0 || hdl < 0 || st < 0)
		die("bpf map create");
	if (pindir) {
		bpf_pin(ofl, pindir, "ipso_offload");
		bpf_pin(hdl, pindir, "ipso_handles");
		bpf_pin(st, pindir, "ipso_hw_stats");
	}
	req_init(&r, family_id, IPSO_CMD_SET_MAPS, 0);
	put_u32(&r.nh, IPSO_ATTR_OFFLOAD_MAP_FD, ofl);
	put_u32(&r.nh, IPSO_ATTR_HANDLE_MAP_FD, hdl);
	put_u32(&r.nh, IPSO_ATTR_HW_STATS_MAP_FD, st);
	send_req(&r);
	return recv_replies(NULL);
}

static int cmd_listen(int seconds)
{
	struct req r;
	static char buf[BUFSZ];
	const struct nlattr *tb[CTRL_ATTR_MAX + 1], *grp;
	int group = -1, rem;
	time_t end = time(NULL) + seconds;
	struct nlmsghdr *nh;
	int len;

	req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	r.nh.nlmsg_flags = NLM_F_REQUEST;
	r.gh.version = 1;
	put_attr(&r.nh, CTRL_ATTR_FAMILY_NAME, IPSO_GENL_NAME,
		 strlen(IPSO_GENL_NAME) + 1);
	send_req(&r);
	len = recv(nl_fd, buf, sizeof(buf), 0);
	if (len < 0)
		die("recv");
	nh = (struct nlmsghdr *)buf;
	parse_attrs((const struct nlattr *)((char *)NLMSG_DATA(nh) +
					    GENL_HDRLEN),
		    nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), tb,
		    CTRL_ATTR_MAX);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		die("no multicast groups");
	grp = adata(tb[CTRL_ATTR_MCAST_GROUPS]);
	rem = tb[CTRL_ATTR_MCAST_GROUPS]->nla_len - NLA_HDRLEN;
	while (rem >= (int)NLA_HDRLEN) {
		const struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1];

		parse_attrs(adata(grp), grp->nla_len - NLA_HDRLEN, g,
			    CTRL_ATTR_MCAST_GRP_MAX);
		if (g[CTRL_ATTR_MCAST_GRP_NAME] &&
		    !strcmp(adata(g[CTRL_ATTR_MCAST_GRP_NAME]),
			    IPSO_GENL_MCGRP_EVENTS))
			group = au32(g[CTRL_ATTR_MCAST_GRP_ID]);
		rem -= NLA_ALIGN(grp->nla_len);
		grp = (const struct nlattr *)((const char *)grp +
					      NLA_ALIGN(grp->nla_len));
	}
	if (group < 0)
		die("no events group");
	if (setsockopt(nl_fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)))
		return errno;
	printf("listening\n");
	fflush(stdout);
	while (time(NULL) < end) {
		struct pollfd p = { .fd = nl_fd, .events = POLLIN };

		if (poll(&p, 1, 200) <= 0)
			continue;
		len = recv(nl_fd, buf, sizeof(buf), 0);
		if (len < 0)
			die("recv");
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len))
			if (nh->nlmsg_type == family_id) {
				const struct nlattr *t[IPSO_ATTR_MAX + 1];

				print_offload("notify", msg_attrs(nh, t));
				fflush(stdout);
			}
	}
	return 0;
}


/* --- fuzz ------------------------------------------------------------------ */

static uint64_t fuzz_rng;

static uint32_t fuzz_rnd(void)
{
	fuzz_rng ^= fuzz_rng >> 12;
	fuzz_rng ^= fuzz_rng << 25;
	fuzz_rng ^= fuzz_rng >> 27;
	return (uint32_t)((fuzz_rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t fuzz_below(uint32_t n)
{
	return fuzz_rnd() % n;
}

/* A value that is often what the policy wants, sometimes anything. */
static void fuzz_attr(struct req *r, uint32_t ifindex)
{
	static const uint8_t addr6[16] = { 0xfd, 0, [15] = 2 };
	static const uint8_t addr4[4] = { 10, 0, 0, 2 };
	uint16_t type = fuzz_below(IPSO_ATTR_MAX + 4);
	/* the whole request, not its first member: put_attr writes past nh */
	struct nlmsghdr *nh = (struct nlmsghdr *)(void *)r;
	uint8_t junk[300];
	unsigned int i, len;

	if (nh->nlmsg_len + NLA_HDRLEN + sizeof(junk) > sizeof(*r))
		return;
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = fuzz_rnd();
	switch (fuzz_below(6)) {
	case 0:
		put_u16(nh, IPSO_ATTR_FAMILY,
			fuzz_below(2) ? AF_INET : AF_INET6);
		return;
	case 1:
		if (fuzz_below(2))
			put_attr(nh, IPSO_ATTR_DADDR, addr4, 4);
		else
			put_attr(nh, IPSO_ATTR_DADDR, addr6, 16);
		return;
	case 2:
		put_u32(nh, IPSO_ATTR_IFINDEX,
			fuzz_below(2) ? ifindex : fuzz_rnd());
		return;
	case 3:		/* a map fd: ours (socket, stdio) or none */
		put_u32(nh, IPSO_ATTR_OFFLOAD_MAP_FD + fuzz_below(3),
			fuzz_below(8));
		return;
	}
	len = fuzz_below(4) ? fuzz_below(20) : fuzz_below(sizeof(junk));
	put_attr(nh, type, junk, len);
	if (!fuzz_below(16)) {	/* claim more than the message holds */
		struct nlattr *a = (struct nlattr *)((char *)nh +
			nh->nlmsg_len - NLA_ALIGN(NLA_HDRLEN + len));
		a->nla_len += 1 + fuzz_below(64);
	}
}

/* Read until this request's ACK or error; the errno, 0 for success. */
static int fuzz_reply(uint32_t want_seq)
{
	static char buf[BUFSZ];

	for (;;) {
		struct pollfd p = { .fd = nl_fd, .events = POLLIN };
		struct nlmsghdr *nh;
		int len;

		if (poll(&p, 1, 2000) <= 0)
			return ETIMEDOUT;
		len = recv(nl_fd, buf, sizeof(buf), 0);
		if (len < 0)
			return errno == ENOBUFS ? 0 : errno;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != want_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return -((const struct nlmsgerr *)
					 NLMSG_DATA(nh))->error;
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
		}
	}
}

static int cmd_fuzz(int seconds, uint64_t seed, int unpriv)
{
	unsigned long sent = 0, ok = 0, timeouts = 0, perm = 0, other = 0;
	uint32_t ifindex = if_nametoindex("sim0");
	time_t end = time(NULL) + seconds;
	struct req r;
	int err, n, i;

	fuzz_rng = seed ? seed : 1;
	while (time(NULL) < end) {
		req_init(&r, family_id, fuzz_below(IPSO_CMD_MAX + 3),
			 fuzz_below(3) ? 0 : NLM_F_DUMP);
		if (!fuzz_below(8))
			r.gh.version = fuzz_rnd();
		n = fuzz_below(9);
		for (i = 0; i < n; i++)
			fuzz_attr(&r, ifindex);
		if (!fuzz_below(32))	/* cut the message anywhere */
			r.nh.nlmsg_len = NLMSG_HDRLEN +
					 fuzz_below(r.nh.nlmsg_len -
						    NLMSG_HDRLEN + 1);
		if (send(nl_fd, &r, r.nh.nlmsg_len, 0) < 0)
			die("send");
		sent++;
		err = fuzz_reply(r.nh.nlmsg_seq);
		if (!err)
			ok++;
		else if (err == ETIMEDOUT)
			timeouts++;
		else if (err == EPERM)
			perm++;
		else
			other++;
	}
	printf("fuzz %s: seed %llu, %lu requests in %d s: %lu succeeded, %lu EPERM, %lu other errors, %lu unanswered\n",
	       unpriv ? "unpriv" : "root", (unsigned long long)seed, sent,
	       seconds, ok, perm, other, timeouts);
	return 0;
}

static void drop_privileges(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		die("drop privileges");
}

static int usage(void)
{
	fprintf(stderr, "usage: ipso_genl config|dump|devices|strict|setmaps [how]|listen SECONDS\n"
		"       ipso_genl offload 4|6 DADDR SPI IFNAME in|out|unknown [PROTO]\n"
		"       ipso_genl withdraw 4|6 DADDR SPI IFNAME\n"
		"       ipso_genl fuzz SECONDS SEED root|unpriv\n");
	return LOCAL_FAIL;
}

static uint8_t parse_dir(const char *s)
{
	if (!strcmp(s, "in"))
		return IPSO_DIR_IN;
	if (!strcmp(s, "out"))
		return IPSO_DIR_OUT;
	if (!strcmp(s, "fwd"))
		return IPSO_DIR_FWD;
	return IPSO_DIR_UNKNOWN;
}

int main(int argc, char **argv)
{
	struct req r;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "fuzz") && argc >= 5) {
		if (!strcmp(argv[4], "unpriv"))
			drop_privileges();	/* before the socket opens */
		nl_open();
		return cmd_fuzz(atoi(argv[2]), strtoull(argv[3], NULL, 0),
				!strcmp(argv[4], "unpriv"));
	}
	nl_open();
	if (!strcmp(argv[1], "config")) {
		req_init(&r, family_id, IPSO_CMD_GET_CONFIG, 0);
		send_req(&r);
		return recv_replies(cb_config);
	}
	if (!strcmp(argv[1], "dump") || !strcmp(argv[1], "devices")) {
		int dev = !strcmp(argv[1], "devices");

		req_init(&r, family_id,
			 dev ? IPSO_CMD_GET_DEVICES : IPSO_CMD_GET_OFFLOAD,
			 NLM_F_DUMP);
		send_req(&r);
		return recv_replies(dev ? cb_device : cb_offload);
	}
	if (!strcmp(argv[1], "offload") && argc >= 7) {
		req_init(&r, family_id, IPSO_CMD_OFFLOAD_SA, 0);
		put_sa(&r, argv + 2, argc > 7 ? atoi(argv[7]) : IPPROTO_ESP);
		put_u8(&r.nh, IPSO_ATTR_DIR, parse_dir(argv[6]));
		send_req(&r);
		return recv_replies(cb_offload);
	}
	if (!strcmp(argv[1], "withdraw") && argc >= 6) {
		req_init(&r, family_id, IPSO_CMD_WITHDRAW_SA, 0);
		put_sa(&r, argv + 2, IPPROTO_ESP);
		send_req(&r);
		return recv_replies(NULL);
	}
	if (!strcmp(argv[1], "setmaps"))
		return cmd_setmaps(argc > 2 ? argv[2] : "good",
				   argc > 3 ? argv[3] : NULL);
	if (!strcmp(argv[1], "strict")) {
		req_init(&r, family_id, IPSO_CMD_GET_CONFIG, 0);
		put_u8(&r.nh, IPSO_ATTR_STATE, IPSO_OFL_OFFLOADED);
		send_req(&r);
		return recv_replies(cb_config);
	}
	if (!strcmp(argv[1], "listen") && argc >= 3)
		return cmd_listen(atoi(argv[2]));
	return usage();
}

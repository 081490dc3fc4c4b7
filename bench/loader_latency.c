// SPDX-License-Identifier: GPL-2.0
/*
 * loader_latency PIN_DIR COUNT MODE
 * Event -> map latency of a running `ipsec-offload daemon` in the current
 * netns.  Adds COUNT block policies (10.128.x.y/32 -> 10.129.x.y/32, dir
 * out) over XFRM netlink itself (no process per event), then deletes them.
 *   MODE seq:   one change at a time; per change, the time from sending
 *               it until ipso_config.generation moves (the daemon
 *               committed).  Prints median, p99 and max.
 *   MODE burst: all adds back to back, then the time until the daemon has
 *               committed everything (generation stable for 200 ms after
 *               the last change, checked against the daemon's log-free
 *               signal: the generation), as total and per change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <bpf/bpf.h>

#include "../include/ipsec_offload/maps.h"

static int cfg_fd;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static __u64 generation(void)
{
	struct ipso_config c = { 0 };
	__u32 zero = 0;

	bpf_map_lookup_elem(cfg_fd, &zero, &c);
	return c.generation;
}

static int send_policy(int nl, int i, int add, int ack)
{
	struct {
		struct nlmsghdr n;
		union {
			struct xfrm_userpolicy_info info;
			struct xfrm_userpolicy_id id;
		};
	} req;
	struct xfrm_selector *sel;
	char buf[4096];

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_flags = NLM_F_REQUEST | (ack ? NLM_F_ACK : 0);
	req.n.nlmsg_seq = i + 1;
	if (add) {
		req.n.nlmsg_type = XFRM_MSG_NEWPOLICY;
		req.n.nlmsg_len = NLMSG_LENGTH(sizeof(req.info));
		sel = &req.info.sel;
		req.info.dir = XFRM_POLICY_OUT;
		req.info.action = XFRM_POLICY_BLOCK;
		req.info.priority = 1000;
		req.info.lft.soft_byte_limit = XFRM_INF;
		req.info.lft.hard_byte_limit = XFRM_INF;
		req.info.lft.soft_packet_limit = XFRM_INF;
		req.info.lft.hard_packet_limit = XFRM_INF;
	} else {
		req.n.nlmsg_type = XFRM_MSG_DELPOLICY;
		req.n.nlmsg_len = NLMSG_LENGTH(sizeof(req.id));
		sel = &req.id.sel;
		req.id.dir = XFRM_POLICY_OUT;
	}
	sel->family = AF_INET;
	sel->prefixlen_s = sel->prefixlen_d = 32;
	sel->saddr.a4 = htonl(0x0a800000u | (i & 0xffff));
	sel->daddr.a4 = htonl(0x0a810000u | (i & 0xffff));
	if (send(nl, &req, req.n.nlmsg_len, 0) < 0)
		return -errno;
	if (!ack)
		return 0;
	if (recv(nl, buf, sizeof(buf), 0) < 0)
		return -errno;
	{
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		struct nlmsgerr *e = NLMSG_DATA(h);

		if (h->nlmsg_type == NLMSG_ERROR && e->error)
			return e->error;
	}
	return 0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* Wait until the generation differs from g0; -1 after 2 s. */
static long long wait_change(__u64 g0, long long t0)
{
	while (generation() == g0) {
		if (now_ns() - t0 > 2000000000LL)
			return -1;
	}
	return now_ns() - t0;
}

static void seq(int nl, int n)
{
	long long *lat = calloc(2 * n, sizeof(*lat));
	int k = 0, lost = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			__u64 g0 = generation();
			long long t0 = now_ns(), d;

			if (send_policy(nl, i, !pass, 1)) {
				fprintf(stderr, "netlink change %d failed\n", i);
				exit(2);
			}
			d = wait_change(g0, t0);
			if (d < 0)
				lost++;
			else
				lat[k++] = d;
		}
	}
	qsort(lat, k, sizeof(*lat), cmp_ll);
	printf("bench: part=loader_event_latency mode=sequential changes=%d "
	       "median_us=%.1f p99_us=%.1f max_us=%.1f timeouts=%d\n",
	       2 * n, k ? lat[k / 2] / 1e3 : 0, k ? lat[k * 99 / 100] / 1e3 : 0,
	       k ? lat[k - 1] / 1e3 : 0, lost);
	free(lat);
}

/*
 * All adds back to back; with SENDLOG, "i t_ns" per add (taken before the
 * send: kernel processing included) so that bench/loader_bench.sh can
 * match each add with the daemon's commit that carried it (-v log).
 */
static void burst(int nl, int n, const char *sendlog)
{
	long long t0 = now_ns(), last_change, t_sent;
	__u64 g = generation(), g2;
	FILE *log = sendlog ? fopen(sendlog, "w") : NULL;

	for (int i = 0; i < n; i++) {
		long long ts = now_ns();

		if (send_policy(nl, i, 1, 1)) {
			fprintf(stderr, "netlink add %d failed\n", i);
			exit(2);
		}
		if (log)
			fprintf(log, "%d %lld\n", i, ts);
	}
	t_sent = now_ns();
	if (log)
		fclose(log);
	last_change = t_sent;
	/* settled: no commit for 200 ms */
	while (now_ns() - last_change < 200000000LL) {
		g2 = generation();
		if (g2 != g) {
			g = g2;
			last_change = now_ns();
		}
	}
	printf("bench: part=loader_event_latency mode=burst_total changes=%d "
	       "send_ms=%.1f settled_ms=%.1f per_change_us=%.1f\n", n,
	       (t_sent - t0) / 1e6, (last_change - t0) / 1e6,
	       (last_change - t0) / 1e3 / n);
	for (int i = 0; i < n; i++)
		send_policy(nl, i, 0, 1);
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char path[4096];
	int nl;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: %s PIN_DIR COUNT seq|burst [SENDLOG]\n",
			argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/ipso_config", argv[1]);
	cfg_fd = bpf_obj_get(path);
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	if (cfg_fd < 0 || nl < 0 || bind(nl, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("setup");
		return 2;
	}
	if (!strcmp(argv[3], "seq"))
		seq(nl, atoi(argv[2]));
	else
		burst(nl, atoi(argv[2]), argc == 5 ? argv[4] : NULL);
	return 0;
}

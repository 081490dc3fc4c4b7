// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark (not a test) of the XDP gateway fast path (ipso_fastpath):
 * ns per redirected packet through BPF_PROG_TEST_RUN on the forwarding
 * namespace of tests/host/bpf_lib.sh "gw", at SPD sizes 1k, 10k, 100k,
 * IPv4 and IPv6, next to the XDP floor (one map lookup) measured the same
 * way in the same run.
 *   cached: one flow, run after run (both flow-cache probes hit)
 *   new:    MISS_FLOWS distinct flows, one run each (both miss)
 * Every figure is one run per packet (repeat=1), kernel-measured and
 * averaged: the program rewrites the frame, and a repeated run would
 * see its own output (metadata, TTL).  So each carries the test run's
 * timer overhead, as floor_xdp_1run does.
 * The SPD: the gateway's tunnel policies plus N random policies (a third
 * dir fwd, the rest dir out, half of each family) whose destinations lie
 * outside the measured flows' (172.16.0.0/12, fd00:100::/24).
 * Output: bench: name=NAME spd=N ns_per_pkt=X ratio_to_floor=R
 * usage: fastpath_bench [SIZES...]   (bench/run_fastpath.sh runs the default)
 */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "tlib.h"

#define CACHED_RUNS	20000
#define MISS_FLOWS	3000

static struct tenv E;
static uint32_t if_in, if_out;
static unsigned long long rng = 42;

static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(rng >> 33) % n;
}

/* One run; returns the kernel-measured ns, or -1 unless want. */
static long run1(int fd, const struct pkt *p, int want)
{
	struct xdp_md ctx = { .data_end = p->len, .ingress_ifindex = if_in };
	uint8_t out[2048 + 64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b,
		    .data_size_in = p->len, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (bpf_prog_test_run_opts(fd, &o) || (want >= 0 &&
					       (int)o.retval != want))
		return -1;
	return o.duration;
}

static double avg_runs(int fd, struct pkt *p, int n, int want,
		       void (*vary)(struct pkt *, int))
{
	double sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		long ns;

		if (vary)
			vary(p, i);
		ns = run1(fd, p, want);
		if (ns < 0) {
			fprintf(stderr, "run %d: unexpected verdict\n", i);
			return -1;
		}
		sum += ns;
	}
	return sum / n;
}

/* A new flow per run: the source port and the destination's low bits. */
static void vary_flow(struct pkt *p, int i)
{
	uint8_t *ip = p->b + 14;
	int v4 = (ip[0] >> 4) == 4;
	uint8_t *l4 = ip + (v4 ? 20 : 40);

	l4[0] = 0x80 | (i >> 8 & 0x3f);
	l4[1] = i;
	if (v4) {
		ip[18] = 100 + i / 250;
		ip[19] = 1 + i % 250;
		ip[10] = ip[11] = 0;	/* checksum: not read on the way */
	} else {
		ip[38] = i >> 8;
		ip[39] = i;
	}
}

static void random_policies(int n)
{
	struct ipso_policy_desc d;
	char src[64], dst[64];
	int i;

	for (i = 0; i < n; i++) {
		uint8_t dir = i % 3 ? IPSO_DIR_OUT : IPSO_DIR_FWD;
		int fam = i % 2 ? AF_INET6 : AF_INET, dpl, spl;

		if (fam == AF_INET) {
			snprintf(dst, sizeof(dst), "172.%u.%u.%u",
				 16 + rnd(16), rnd(256), rnd(256));
			snprintf(src, sizeof(src), "10.%u.%u.%u", rnd(256),
				 rnd(256), rnd(256));
			dpl = 16 + rnd(17);
			spl = rnd(33);
		} else {
			snprintf(dst, sizeof(dst), "fd00:1%02x:%x:%x::%x",
				 rnd(256), rnd(65536), rnd(65536),
				 rnd(65536));
			snprintf(src, sizeof(src), "fd00:2%02x:%x::%x",
				 rnd(256), rnd(65536), rnd(65536));
			dpl = 24 + rnd(105);
			spl = rnd(129);
		}
		/* unmasked addresses: the mirror's compiler masks them */
		pol_init(&d, fam, dir, 1000 + 8 * i + dir, 50 + rnd(100),
			 i % 4 ? IPSO_ACT_BYPASS : IPSO_ACT_PROTECT, src, spl,
			 dst, dpl);
		if (d.action == IPSO_ACT_PROTECT)
			pol_tmpl(&d, 100 + i % 50, IPSO_MODE_TUNNEL,
				 fam == AF_INET ? "198.51.100.1" :
						  "2001:db8:100::1",
				 fam == AF_INET ? "203.0.113.50" :
						  "2001:db8:200::50", false);
		ipso_mirror_put_policy(E.m, &d);
	}
}

static void gateway(void)
{
	struct ipso_policy_desc d;
	struct ipso_sa_desc sa;
	struct ipso_offload_key ok;
	struct ipso_offload_val ov = { .state = IPSO_OFL_OFFLOADED,
				       .flags = IPSO_OFL_F_PACKET };
	struct bpf_devmap_val dv = { .ifindex = if_out };
	int fam;

	for (fam = 0; fam < 2; fam++) {
		int f = fam ? AF_INET6 : AF_INET;

		pol_init(&d, f, IPSO_DIR_OUT, 9 + 8 * fam, 10,
			 IPSO_ACT_PROTECT, fam ? "fd00:1::" : "192.168.1.0",
			 fam ? 64 : 24, fam ? "fd00:9::" : "10.9.0.0",
			 fam ? 48 : 16);
		pol_tmpl(&d, 1 + fam, IPSO_MODE_TUNNEL,
			 fam ? "2001:db8:100::1" : "198.51.100.1",
			 fam ? "2001:db8:200::9" : "203.0.113.9", false);
		ipso_mirror_put_policy(E.m, &d);
		sa_init(&sa, f, fam ? "2001:db8:100::1" : "198.51.100.1",
			fam ? "2001:db8:200::9" : "203.0.113.9", 0x100 + fam,
			1 + fam, IPSO_MODE_TUNNEL, IPSO_DIR_OUT, 1);
		ipso_mirror_put_sa(E.m, &sa);
		memset(&ok, 0, sizeof(ok));
		ok.sa = sa.key;
		ok.ifindex = if_out;
		ov.handle = 21 + fam;
		bpf_map_update_elem(E.fd_offload, &ok, &ov, BPF_ANY);
	}
	bpf_map_update_elem(E.fd_devmap, &if_out, &dv, BPF_ANY);
}

static void figure(const char *name, int spd, double ns, double floor)
{
	printf("bench: name=%s spd=%d ns_per_pkt=%.1f ratio_to_floor=%.2f\n",
	       name, spd, ns, floor > 0 ? ns / floor : 0);
	fflush(stdout);
}

static void round_at(int spd)
{
	static const uint8_t pl[32];
	struct pspec s4 = { .family = AF_INET, .src = "192.168.1.5",
			    .dst = "10.9.9.9", .proto = IPPROTO_UDP,
			    .sport = 1000, .dport = 2000, .payload = pl,
			    .payload_len = sizeof(pl) };
	struct pspec s6 = s4;
	struct pkt p;
	double floor;

	s6.family = AF_INET6;
	s6.src = "fd00:1::5";
	s6.dst = "fd00:9::9";
	pkt_build(&p, &s4);
	floor = avg_runs(E.fd_floor_xdp, &p, CACHED_RUNS, -1, NULL);
	figure("floor_xdp_1run", spd, floor, floor);
	figure("fp_v4_cached", spd, avg_runs(E.fd_fp, &p, CACHED_RUNS,
					     XDP_REDIRECT, NULL), floor);
	figure("fp_v4_new", spd, avg_runs(E.fd_fp, &p, MISS_FLOWS,
					  XDP_REDIRECT, vary_flow), floor);
	pkt_build(&p, &s6);
	figure("fp_v6_cached", spd, avg_runs(E.fd_fp, &p, CACHED_RUNS,
					     XDP_REDIRECT, NULL), floor);
	figure("fp_v6_new", spd, avg_runs(E.fd_fp, &p, MISS_FLOWS,
					  XDP_REDIRECT, vary_flow), floor);
}

int main(int argc, char **argv)
{
	static const int def[] = { 1000, 10000, 100000 };
	int n = argc > 1 ? argc - 1 : 3, have = 0, i;

	if_in = if_nametoindex("in0");
	if_out = if_nametoindex("out0");
	if (!if_in || !if_out || tenv_open(&E)) {
		fprintf(stderr, "fastpath_bench: setup failed\n");
		return 1;
	}
	gateway();
	for (i = 0; i < n; i++) {
		int spd = argc > 1 ? atoi(argv[i + 1]) : def[i];

		random_policies(spd - have);
		have = spd;
		if (ipso_mirror_commit(E.m)) {
			fprintf(stderr, "commit of %d policies failed\n", spd);
			return 1;
		}
		round_at(spd);
	}
	tenv_close(&E);
	return 0;
}

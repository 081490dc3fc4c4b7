// SPDX-License-Identifier: GPL-2.0
/*
 * Datapath benchmark (not a test): ns per packet of the classifier entry
 * (explain), the XDP program and the tc program through
 * BPF_PROG_TEST_RUN, at SPD sizes 1, 1k, 10k, 100k (random policies with
 * mixed prefix lengths), flow-cache hit and miss, next to floor programs
 * that do one map lookup, measured in the same run.
 *   hit:  one flow, repeat=N inside the kernel (the cache answers)
 *   miss: N distinct flows, one run each (every lookup misses the cache
 *         and fills a slot of the per-CPU direct-mapped cache),
 *         kernel-measured duration averaged; the floor is measured the
 *         same way (floor_*_1run)
 *   cold floor: floor_tc_cold_1run, one hash lookup keyed by the
 *         packet's IPv4 5-tuple in a map of N random 5-tuples (N = the
 *         SPD size; the measured flows are not among them, so each lookup
 *         reads a cold bucket and its chain), measured like the miss, on
 *         the same flows as classify_miss; classify_miss_vs_cold_floor is
 *         classify_miss against it (extra information: the ratios of the
 *         issue are those against floor_tc_1run)
 *   nocache: the explain entry told to bypass the cache (pure SPD search)
 *   cachealways: the old "admit every search" flag, now the default
 * Output: one line per figure,
 *   bench: name=NAME spd=N ns_per_pkt=X ratio_to_floor=R
 * usage: bpf_bench [SIZES...]   (run by bench/run_bpf.sh)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "tlib.h"

#define HIT_REPEAT	200000
#define MISS_FLOWS	3000

static struct tenv E;
static unsigned long long rng = 42;

static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(rng >> 33) % n;
}

struct bpol {
	uint32_t dst, src;
	int dplen, splen;
};

static struct bpol *bpols;

/* the cold floor's map content: its own generator, so the policies and
 * flows of the other figures are those of earlier runs */
static unsigned long long frng = 7;

static unsigned frnd(void)
{
	frng = frng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(frng >> 32);
}

static int fill_floor(int n)
{
	struct ipso_floor_key k, nk;
	uint32_t v = 1;
	int i;

	while (!bpf_map_get_next_key(E.fd_floor_flows, NULL, &nk))
		if (bpf_map_delete_elem(E.fd_floor_flows, &nk))
			return -errno;
	for (i = 0; i < n; i++) {
		memset(&k, 0, sizeof(k));
		k.saddr = frnd();
		k.daddr = frnd();
		k.sport = frnd();
		k.dport = frnd();
		k.proto = IPPROTO_UDP;
		if (bpf_map_update_elem(E.fd_floor_flows, &k, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

static uint32_t mask(uint32_t a, int plen)
{
	return plen ? a & (0xffffffffu << (32 - plen)) : 0;
}

/* Random IPv4 policies with mixed prefix lengths, spread over the space. */
static int load_spd(int n)
{
	static const int dl[] = { 8, 16, 16, 24, 24, 24, 28, 32, 32 };
	static const int sl[] = { 0, 0, 16, 24, 32 };
	struct ipso_policy_desc d;
	struct timespec t0, t1;
	char s[32], t[32];
	int i, err;

	ipso_mirror_flush_policies(E.m);
	ipso_mirror_commit(E.m);
	free(bpols);
	bpols = calloc(n, sizeof(*bpols));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		struct bpol *b = &bpols[i];
		uint32_t da = (1 + rnd(223)) << 24 | rnd(1 << 24);
		uint32_t sa = (1 + rnd(223)) << 24 | rnd(1 << 24);

		b->dplen = dl[rnd(9)];
		b->splen = sl[rnd(5)];
		b->dst = mask(da, b->dplen);
		b->src = mask(sa, b->splen);
		sprintf(s, "%u.%u.%u.%u", b->src >> 24, (b->src >> 16) & 255,
			(b->src >> 8) & 255, b->src & 255);
		sprintf(t, "%u.%u.%u.%u", b->dst >> 24, (b->dst >> 16) & 255,
			(b->dst >> 8) & 255, b->dst & 255);
		pol_init(&d, AF_INET, IPSO_DIR_IN, 8 * i + 8, rnd(4),
			 rnd(2) ? IPSO_ACT_BYPASS : IPSO_ACT_PROTECT,
			 s, b->splen, t, b->dplen);
		if (d.action == IPSO_ACT_PROTECT)
			pol_tmpl(&d, 1 + rnd(100), IPSO_MODE_TRANSPORT, NULL,
				 NULL, false);
		if (!rnd(3)) {
			d.sel.proto = IPPROTO_UDP;
			if (rnd(2)) {
				d.sel.dport = htons(1000 + rnd(10));
				d.sel.dport_mask = 0xffff;
			}
		}
		err = ipso_mirror_put_policy(E.m, &d);
		if (err) {
			fprintf(stderr, "put %d: %s\n", i, strerror(-err));
			return err;
		}
	}
	err = ipso_mirror_commit(E.m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("bench: name=mirror_commit spd=%d ms=%.1f\n", n,
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	return err;
}

/* A UDP flow whose destination lies inside a random policy's. */
static void flow_pkt(struct pkt *p, int k)
{
	struct bpol *b = &bpols[rnd(k)];
	uint32_t da = b->dst | (rnd(1u << 31) & ~(0xffffffffu << (32 - b->dplen) ) &
				(b->dplen ? 0xffffffffu >> b->dplen : 0xffffffffu));
	uint32_t sa = (1 + rnd(223)) << 24 | rnd(1 << 24);
	char s[32], t[32];
	struct pspec ps = { .family = AF_INET, .proto = IPPROTO_UDP,
			    .sport = 1024 + rnd(60000),
			    .dport = 1000 + rnd(10) };

	if (b->dplen == 32)
		da = b->dst;
	sprintf(s, "%u.%u.%u.%u", sa >> 24, (sa >> 16) & 255, (sa >> 8) & 255,
		sa & 255);
	sprintf(t, "%u.%u.%u.%u", da >> 24, (da >> 16) & 255, (da >> 8) & 255,
		da & 255);
	ps.src = s;
	ps.dst = t;
	pkt_build(p, &ps);
}

/* Average kernel-measured ns per run of prog on one input, repeat times. */
static double run_repeat(int fd, const void *data, size_t len, void *ctx,
			 size_t ctx_len, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);

	o.data_in = data;
	o.data_size_in = len;
	o.ctx_in = ctx;
	o.ctx_size_in = ctx_len;
	o.repeat = repeat;
	if (bpf_prog_test_run_opts(fd, &o)) {
		perror("test_run");
		return -1;
	}
	return o.duration;
}

static double skb_run(int fd, const struct pkt *p, int flags, int repeat)
{
	struct __sk_buff skb;

	memset(&skb, 0, sizeof(skb));
	skb.cb[IPSO_EXPLAIN_CB_DIR] = IPSO_DIR_IN | (flags << 8);
	skb.cb[IPSO_EXPLAIN_CB_IFINDEX] = 1;
	skb.wire_len = p->len;
	return run_repeat(fd, p->b, p->len, &skb, sizeof(skb), repeat);
}

static double xdp_run(int fd, const struct pkt *p, int repeat)
{
	struct xdp_md ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.data_end = p->len;
	ctx.ingress_ifindex = 1;
	return run_repeat(fd, p->b, p->len, &ctx, sizeof(ctx), repeat);
}

/* Mean over MISS_FLOWS distinct flows, one run each. */
static double miss_avg(int fd, bool xdp, int flags, int k)
{
	double sum = 0;
	struct pkt p;
	int i;

	for (i = 0; i < MISS_FLOWS; i++) {
		flow_pkt(&p, k);
		sum += xdp ? xdp_run(fd, &p, 1) : skb_run(fd, &p, flags, 1);
	}
	return sum / MISS_FLOWS;
}

static void line(const char *name, int spd, double ns, double floor)
{
	printf("bench: name=%s spd=%d ns_per_pkt=%.1f ratio_to_floor=%.2f\n",
	       name, spd, ns, ns / floor);
}

static void bench_size(int n)
{
	double ftc, fxdp, fxdp1, ftc1, fcold, miss;
	unsigned long long flows;
	struct pkt p;

	if (load_spd(n))
		return;
	if (fill_floor(n)) {
		fprintf(stderr, "cannot fill the cold floor's map\n");
		return;
	}
	flow_pkt(&p, n);
	ftc = skb_run(E.fd_floor_tc, &p, 0, HIT_REPEAT);
	fxdp = xdp_run(E.fd_floor_xdp, &p, HIT_REPEAT);
	ftc1 = miss_avg(E.fd_floor_tc, false, 0, n);
	fxdp1 = miss_avg(E.fd_floor_xdp, true, 0, n);
	/* the cold floor sees the flows classify_miss will see */
	flows = rng;
	fcold = miss_avg(E.fd_floor_cold, false, 0, n);
	rng = flows;
	line("floor_tc", n, ftc, ftc);
	line("floor_xdp", n, fxdp, fxdp);
	line("floor_tc_1run", n, ftc1, ftc1);
	line("floor_xdp_1run", n, fxdp1, fxdp1);
	line("floor_tc_cold_1run", n, fcold, fcold);

	/* explain: classifier entry (hit: the flow admitted explicitly) */
	skb_run(E.fd_explain, &p, IPSO_EXPLAIN_F_CACHE_ALWAYS, 1);
	line("classify_hit", n, skb_run(E.fd_explain, &p, 0, HIT_REPEAT), ftc);
	line("classify_nocache", n,
	     skb_run(E.fd_explain, &p, IPSO_EXPLAIN_F_NO_CACHE, HIT_REPEAT),
	     ftc);
	miss = miss_avg(E.fd_explain, false, 0, n);
	line("classify_miss", n, miss, ftc1);
	line("classify_miss_vs_cold_floor", n, miss, fcold);
	line("classify_miss_nocache", n,
	     miss_avg(E.fd_explain, false, IPSO_EXPLAIN_F_NO_CACHE, n), ftc1);
	line("classify_miss_cachealways", n,
	     miss_avg(E.fd_explain, false, IPSO_EXPLAIN_F_CACHE_ALWAYS, n),
	     ftc1);

	/*
	 * XDP: plaintext under enforcement (classifies every packet); the
	 * repeated flow is a cache hit only if its search was long enough
	 * to be admitted
	 */
	t_set_config(&E, IPSO_CFG_F_RX_ENFORCE);
	xdp_run(E.fd_xdp, &p, 1);
	line("xdp_plain_repeat", n, xdp_run(E.fd_xdp, &p, HIT_REPEAT), fxdp);
	line("xdp_plain_newflows", n, miss_avg(E.fd_xdp, true, 0, n), fxdp1);
	t_set_config(&E, 0);
	line("xdp_plain_noenforce", n, xdp_run(E.fd_xdp, &p, HIT_REPEAT), fxdp);

	/* tc egress: no secpath on the host (the marking path: guest) */
	line("tc_nosecpath", n, skb_run(E.fd_tc, &p, 0, HIT_REPEAT), ftc);
}

int main(int argc, char **argv)
{
	int sizes[] = { 1, 1000, 10000, 100000 }, i;

	if (tenv_open(&E)) {
		fprintf(stderr, "cannot load the datapath objects\n");
		return 1;
	}
	if (argc > 1)
		for (i = 1; i < argc; i++)
			bench_size(atoi(argv[i]));
	else
		for (i = 0; i < 4; i++)
			bench_size(sizes[i]);
	tenv_close(&E);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Random and truncated frames through both datapath programs
 * (BPF_PROG_TEST_RUN): mutated seeds of every kind the programs parse
 * (ESP, ESP-in-UDP, IKE, plaintext UDP/TCP/ICMP, VLAN and QinQ, IPv4
 * options, IPv6 extension and fragment headers), bit flips and byte
 * overwrites biased to the headers, truncation at any length, random
 * NIC metadata, random secpaths on tc.  Each run must end in a verdict
 * docs/datapath.md documents (XDP: pass or drop, never TX or redirect;
 * tc: ok or shot) and be counted exactly once in the program's outcome
 * counters.  The seed is printed, so a failing frame can be replayed.
 * Run by tests/host/test_bpf_fuzz.sh.
 *
 * env: IPSO_FUZZ_RUNS  runs per program (default 100000)
 *      IPSO_FUZZ_SEED  PRNG seed (default: from the clock)
 */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>

#include "tlib.h"
#include "ipsec_offload/mark.h"

static struct tenv E;
static uint32_t ifl, ifv0;
static uint64_t rng;

static uint32_t rnd(void)
{
	/* xorshift64*: reproducible from the printed seed */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

/* The outcome counters of one program, summed over CPUs and stats. */
static uint64_t outcome_sum(const uint32_t *stats, int n)
{
	uint64_t s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += t_stat(&E, stats[i]);
	return s;
}

static const uint32_t rx_stats[] = {
	IPSO_STAT_RX_PASS, IPSO_STAT_RX_HW_OK, IPSO_STAT_RX_DROP_SYNDROME,
	IPSO_STAT_RX_DROP_UNKNOWN_HANDLE, IPSO_STAT_RX_DROP_SELECTOR,
	IPSO_STAT_RX_PASS_UNKNOWN_SPI, IPSO_STAT_RX_DROP_PLAINTEXT,
	IPSO_STAT_RX_SW_ESP, IPSO_STAT_RX_IKE, IPSO_STAT_RX_MALFORMED,
	IPSO_STAT_RX_UNSURE, IPSO_STAT_RX_PASS_STALE,
};

static const uint32_t tx_stats[] = {
	IPSO_STAT_TX_NO_SA, IPSO_STAT_TX_MARKED,
	IPSO_STAT_TX_DROP_NOT_OFFLOADED, IPSO_STAT_TX_DROP_UNKNOWN_SA,
	IPSO_STAT_TX_MALFORMED, IPSO_STAT_TX_PASS_INBOUND_SA,
	IPSO_STAT_TX_PASS_STALE, IPSO_STAT_TX_PASS_ESP,
};

#define N_RX (sizeof(rx_stats) / sizeof(rx_stats[0]))
#define N_TX (sizeof(tx_stats) / sizeof(tx_stats[0]))

/* SAs, handles and policies so that the programs go deep. */
static void setup(void)
{
	struct ipso_policy_desc d;
	struct ipso_handle_val hv;
	struct ipso_sa_desc sa;
	__u32 h = 5;

	sa_init(&sa, AF_INET, "10.0.9.5", "10.0.0.1", 0x100, 1,
		IPSO_MODE_TRANSPORT, IPSO_DIR_IN, 1);
	sa.sel.family = AF_INET;
	addr_parse(AF_INET, "10.0.9.0", &sa.sel.saddr);
	sa.sel.prefixlen_s = 24;
	addr_parse(AF_INET, "10.0.0.1", &sa.sel.daddr);
	sa.sel.prefixlen_d = 32;
	sa.sel.proto = IPPROTO_UDP;
	ipso_mirror_put_sa(E.m, &sa);
	memset(&hv, 0, sizeof(hv));
	hv.sa = sa.key;
	hv.ifindex = ifv0;
	hv.dir = IPSO_DIR_IN;
	bpf_map_update_elem(E.fd_handles, &h, &hv, BPF_ANY);
	sa_init(&sa, AF_INET, "10.0.0.1", "10.0.9.5", 0x200, 2,
		IPSO_MODE_TUNNEL, IPSO_DIR_OUT, 1);
	ipso_mirror_put_sa(E.m, &sa);
	sa_init(&sa, AF_INET6, "2001:db8::1", "2001:db8::9", 0x300, 3,
		IPSO_MODE_TRANSPORT, IPSO_DIR_OUT, 1);
	ipso_mirror_put_sa(E.m, &sa);

	pol_init(&d, AF_INET, IPSO_DIR_IN, 8, 10, IPSO_ACT_PROTECT,
		 "10.0.9.0", 24, "10.0.0.1", 32);
	d.sel.proto = IPPROTO_UDP;
	pol_tmpl(&d, 1, IPSO_MODE_TRANSPORT, NULL, NULL, false);
	ipso_mirror_put_policy(E.m, &d);
	pol_init(&d, AF_INET, IPSO_DIR_IN, 16, 20, IPSO_ACT_BLOCK,
		 "10.0.8.0", 24, "10.0.0.1", 32);
	ipso_mirror_put_policy(E.m, &d);
	pol_init(&d, AF_INET6, IPSO_DIR_IN, 24, 10, IPSO_ACT_PROTECT,
		 "2001:db8::", 64, "2001:db8::1", 128);
	pol_tmpl(&d, 3, IPSO_MODE_TRANSPORT, NULL, NULL, false);
	ipso_mirror_put_policy(E.m, &d);
	ipso_mirror_commit(E.m);
	t_set_config(&E, IPSO_CFG_F_RX_ENFORCE);
}

static void seed_frame(struct pkt *p)
{
	static const uint8_t body[64] = { 0, 0, 1, 0, 0, 0, 0, 1 };
	static const char *const v4[] = { "10.0.9.5", "10.0.0.1", "10.0.8.3",
					  "192.0.2.7" };
	static const char *const v6[] = { "2001:db8::9", "2001:db8::1",
					  "fe80::1", "2001:db8:1::5" };
	static const uint8_t protos[] = { IPPROTO_ESP, IPPROTO_UDP,
					  IPPROTO_TCP, IPPROTO_ICMP,
					  IPPROTO_ICMPV6, IPPROTO_GRE };
	static const uint16_t ports[] = { 500, 4500, 53, 1000, 2000, 0 };
	static const uint32_t spis[] = { 0x100, 0x200, 0x300, 0, 0xffffffff };
	struct pspec s;

	memset(&s, 0, sizeof(s));
	s.family = below(3) ? AF_INET : AF_INET6;
	s.src = s.family == AF_INET ? v4[below(4)] : v6[below(4)];
	s.dst = s.family == AF_INET ? v4[below(4)] : v6[below(4)];
	s.proto = protos[below(sizeof(protos))];
	s.sport = ports[below(6)];
	s.dport = ports[below(6)];
	s.vlans = below(4) ? 0 : below(3);
	if (s.family == AF_INET) {
		s.v4_opts = below(4) ? 0 : 4 * (1 + below(3));
		s.v4_frag = !below(8);
	} else {
		s.v6_ext = below(3) ? 0 : 1 + below(3);
		s.v6_frag = !below(8);
	}
	s.spi = spis[below(5)];
	s.payload = body;
	s.payload_len = below(sizeof(body) + 1);
	pkt_build(p, &s);
}

/* Flip, overwrite, cut or extend; mostly within the first 96 bytes. */
static void mutate(struct pkt *p)
{
	int i, n = below(5);
	size_t at;

	for (i = 0; i < n; i++) {
		at = below(4) ? below(96) : below(p->len + 1);
		if (at >= p->len)
			continue;
		if (below(2))
			p->b[at] ^= 1u << below(8);
		else
			p->b[at] = (uint8_t)rnd();
	}
	switch (below(6)) {
	case 0:		/* cut anywhere, down to nothing after Ethernet */
		p->len = 14 + below(p->len > 14 ? p->len - 14 + 1 : 1);
		break;
	case 1:		/* trailing garbage */
		n = below(64);
		for (i = 0; i < n && p->len < sizeof(p->b); i++)
			p->b[p->len++] = (uint8_t)rnd();
		break;
	}
}

/* No metadata, a random area, or the NIC's with random fields. */
static size_t random_meta(uint8_t *buf)
{
	struct ipso_xdp_meta m;
	size_t len;
	unsigned int i;

	if (below(2))
		return 0;
	len = 4 * (1 + below(8));
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)rnd();
	if (len >= sizeof(m) && below(4)) {
		memcpy(&m, buf + len - sizeof(m), sizeof(m));
		m.magic = IPSO_XDP_META_MAGIC;
		if (below(2))
			m.handle = below(2) ? 5 : below(8);
		if (below(3))
			m.flags = IPSO_META_F_DECRYPTED |
				  (below(2) ? IPSO_META_F_TUNNEL : 0);
		if (below(2))
			m.syndrome = 0;
		memcpy(buf + len - sizeof(m), &m, sizeof(m));
	}
	return len;
}

static void fuzz_xdp(unsigned long runs)
{
	unsigned long i, bad_verdict = 0, bad_count = 0, refused = 0;
	unsigned long pass = 0, drop = 0;
	uint8_t meta[32];
	uint64_t t0 = t_now_ns(), before, after;
	struct pkt p;
	size_t ml;
	int r;

	for (i = 0; i < runs; i++) {
		seed_frame(&p);
		mutate(&p);
		ml = random_meta(meta);
		before = outcome_sum(rx_stats, N_RX);
		r = t_xdp(&E, &p, meta, ml, below(2) ? ifl : ifv0);
		after = outcome_sum(rx_stats, N_RX);
		if (r == -100) {
			refused++;
			continue;
		}
		if (r == XDP_PASS)
			pass++;
		else if (r == XDP_DROP)
			drop++;
		else if (!bad_verdict++)
			printf("  XDP verdict %d at run %lu\n", r, i);
		if (after != before + 1 && !bad_count++)
			printf("  XDP run %lu counted %llu times\n", i,
			       (unsigned long long)(after - before));
	}
	printf("  xdp: %lu runs in %.2f s: %lu pass, %lu drop, %lu refused by the kernel\n",
	       runs, (t_now_ns() - t0) / 1e9, pass, drop, refused);
	CHECK(!bad_verdict, "xdp: every verdict pass or drop (%lu others)",
	      bad_verdict);
	CHECK(!bad_count, "xdp: every run counted once (%lu not)", bad_count);
	CHECK(!refused, "xdp: the kernel ran every frame (%lu refused)", refused);
	CHECK(pass && drop, "xdp: the frames reached both verdicts");
}

static void random_sp(struct ipso_tc_test_sp *sp)
{
	const uint32_t spis[] = { 0x100, 0x200, 0x300, rnd() };
	const uint16_t families[] = { AF_INET, AF_INET6, (uint16_t)rnd() };

	memset(sp, 0, sizeof(*sp));
	sp->present = below(4) != 0;
	sp->spi = htonl(spis[below(4)]);
	sp->reqid = below(5);
	sp->family = families[below(3)];
	addr_parse(AF_INET, "10.0.0.1", &sp->saddr);
	if (sp->family == AF_INET6)
		addr_parse(AF_INET6, "2001:db8::1", &sp->saddr);
}

static void fuzz_tc(unsigned long runs)
{
	unsigned long i, bad_verdict = 0, bad_count = 0, refused = 0;
	unsigned long ok = 0, shot = 0, short_l3 = 0;
	struct ipso_tc_test_sp sp;
	uint64_t t0 = t_now_ns(), before, after;
	uint32_t mark;
	struct pkt p;
	int r;

	for (i = 0; i < runs; i++) {
		seed_frame(&p);
		mutate(&p);
		random_sp(&sp);
		before = outcome_sum(tx_stats, N_TX);
		r = t_tc_sp(&E, &p, &sp, below(2) ? 0 : rnd(),
			    below(2) ? ifl : ifv0, &mark);
		after = outcome_sum(tx_stats, N_TX);
		if (r == -100) {
			/*
			 * The kernel's skb test run refuses an IP header
			 * cut short; any other refusal is a finding.
			 */
			if (p.len < 14 + 40)
				short_l3++;
			else if (!refused++)
				printf("  tc run %lu refused, %zu bytes\n", i,
				       p.len);
			continue;
		}
		if (r == TC_ACT_OK)
			ok++;
		else if (r == TC_ACT_SHOT)
			shot++;
		else if (!bad_verdict++)
			printf("  tc verdict %d at run %lu\n", r, i);
		if (after != before + 1 && !bad_count++)
			printf("  tc run %lu counted %llu times\n", i,
			       (unsigned long long)(after - before));
	}
	printf("  tc: %lu runs in %.2f s: %lu ok, %lu shot; the kernel's test run refused %lu with a cut IP header, %lu others\n",
	       runs, (t_now_ns() - t0) / 1e9, ok, shot, short_l3, refused);
	CHECK(!bad_verdict, "tc: every verdict ok or shot (%lu others)",
	      bad_verdict);
	CHECK(!bad_count, "tc: every run counted once (%lu not)", bad_count);
	CHECK(!refused, "tc: the kernel ran every frame with a whole IP header (%lu refused)",
	      refused);
	CHECK(ok && shot, "tc: the frames reached both verdicts");
}

int main(void)
{
	const char *s = getenv("IPSO_FUZZ_SEED");
	const char *n = getenv("IPSO_FUZZ_RUNS");
	unsigned long runs = n ? strtoul(n, NULL, 10) : 100000;

	rng = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) * 2654435761u;
	if (!rng)
		rng = 1;
	printf("  seed 0x%llx (IPSO_FUZZ_SEED replays it), %lu runs per program\n",
	       (unsigned long long)rng, runs);
	ifl = if_nametoindex("lo");
	ifv0 = if_nametoindex("v0");
	if (!ifl || !ifv0) {
		printf("FAIL: lo/v0 missing\n");
		return 1;
	}
	if (tenv_open(&E)) {
		printf("FAIL: cannot load the datapath objects\n");
		return 1;
	}
	setup();
	fuzz_xdp(runs);
	fuzz_tc(runs);
	tenv_close(&E);
	return t_finish();
}

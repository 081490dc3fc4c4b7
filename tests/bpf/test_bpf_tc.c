// SPDX-License-Identifier: GPL-2.0
/*
 * The tc egress decision on packets with a secpath.  A test run cannot
 * give a packet a secpath, so these cases run ipso_tc_test (the attached
 * program's decision code, fed the state from a map); ipso_tc_egress
 * itself is run for the no-secpath case, and on real secpaths in
 * tests/guest/test_bpf_tc_secpath.sh.  Covers: marking, fail-closed
 * drops, the inbound-SA pass, and the mirror's liveness lease (no lease,
 * valid, expired) for every mirror-dependent drop.
 * Run by tests/host/test_bpf_tc.sh (veth pair v0/v1).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "tlib.h"
#include "ipsec_offload/mark.h"

#define TC_OK	0
#define TC_SHOT	2

static struct tenv E;
static uint32_t ifv0, ifv1;

enum lease { L_NONE, L_VALID, L_EXPIRED };
static const char *const lease_name[] = { "no lease", "lease valid",
					  "lease expired" };

static void set_lease(enum lease l)
{
	uint64_t until = l == L_NONE ? 0 :
			 l == L_VALID ? t_now_ns() + 60000000000ull : 1;
	int err = ipso_mirror_set_lease(E.m, until);

	if (err) {
		printf("FAIL: ipso_mirror_set_lease: %s\n", strerror(-err));
		exit(1);
	}
}

static struct pkt frame(int family)
{
	struct pspec s = { .family = family, .proto = IPPROTO_UDP,
			   .sport = 1000, .dport = 2000 };
	struct pkt p;

	s.src = family == AF_INET ? "10.0.0.1" : "2001:db8::1";
	s.dst = family == AF_INET ? "10.0.9.5" : "2001:db8:9::5";
	pkt_build(&p, &s);
	return p;
}

static struct ipso_tc_test_sp sp_of(int family, const char *src,
				    uint32_t spi, uint32_t reqid)
{
	struct ipso_tc_test_sp sp = { .present = 1, .family = family,
				      .spi = htonl(spi), .reqid = reqid };

	addr_parse(family, src, &sp.saddr);
	return sp;
}

/* Run the decision on p; check verdict, counter delta and the mark. */
static void tc_case_pkt(const char *what, const struct pkt *pp,
			const struct ipso_tc_test_sp *sp, uint32_t ifindex,
			int want, uint32_t stat, uint32_t want_mark)
{
	struct pkt p = *pp;
	uint64_t before = t_stat(&E, stat), after;
	uint32_t mark = 0;
	int r;

	r = t_tc_sp(&E, &p, sp, 0x42, ifindex, &mark);
	after = t_stat(&E, stat);
	CHECK(r == want && after == before + 1 && mark == want_mark,
	      "%s: %s, mark %#x, counter %u +%llu", what,
	      r == TC_SHOT ? "drop" : r == TC_OK ? "pass" : "?", mark, stat,
	      (unsigned long long)(after - before));
}

static void tc_case(const char *what, const struct ipso_tc_test_sp *sp,
		    int family, uint32_t ifindex, int want, uint32_t stat,
		    uint32_t want_mark)
{
	struct pkt p = frame(family);

	tc_case_pkt(what, &p, sp, ifindex, want, stat, want_mark);
}

static struct ipso_sa_key put_sa(int family, const char *src,
				 const char *dst, uint32_t spi,
				 uint32_t reqid, uint8_t dir)
{
	struct ipso_sa_desc sa;

	sa_init(&sa, family, src, dst, spi, reqid, IPSO_MODE_TRANSPORT, dir,
		1);
	if (ipso_mirror_put_sa(E.m, &sa) || ipso_mirror_commit(E.m)) {
		printf("FAIL: mirror put/commit\n");
		exit(1);
	}
	return sa.key;
}

static void offload(const struct ipso_sa_key *k, uint32_t ifindex,
		    uint32_t handle)
{
	struct ipso_offload_key ok;
	struct ipso_offload_val ov = { .state = IPSO_OFL_OFFLOADED,
				       .handle = handle };

	memset(&ok, 0, sizeof(ok));
	ok.sa = *k;
	ok.ifindex = ifindex;
	bpf_map_update_elem(E.fd_offload, &ok, &ov, BPF_ANY);
}

static uint64_t tx_packets(uint32_t handle)
{
	struct ipso_sa_counters c[512];
	uint64_t n = 0;
	int i;

	if (E.ncpu > 512 || bpf_map_lookup_elem(E.fd_sa_stats, &handle, c))
		return ~0ull;
	for (i = 0; i < E.ncpu; i++)
		n += c[i].tx_packets;
	return n;
}

static void test_basic(void)
{
	struct ipso_tc_test_sp sp = sp_of(AF_INET, "10.0.0.1", 0x100, 1);
	struct pkt p = frame(AF_INET);
	uint64_t b = t_stat(&E, IPSO_STAT_TX_NO_SA);
	uint32_t mark = 0;
	int r;

	r = t_tc(&E, &p, 0x42, ifv0, &mark);
	CHECK(r == TC_OK && mark == 0x42 &&
	      t_stat(&E, IPSO_STAT_TX_NO_SA) == b + 1,
	      "attached program, no secpath: passes untouched (ret %d mark "
	      "%#x), counted", r, mark);
	/* the default layout: magic in the top byte, handle below it */
	r = t_tc(&E, &p, IPSO_MARK_DEFAULT_MAGIC | 5, ifv0, &mark);
	CHECK(r == TC_OK && mark == 0,
	      "no secpath, mark with our magic and handle 5: passes with "
	      "both cleared (ret %d mark %#x)", r, mark);
	r = t_tc(&E, &p, 0x11000005, ifv0, &mark);
	CHECK(r == TC_OK && mark == 0x11000005,
	      "no secpath, a mark without our magic: untouched (ret %d mark "
	      "%#x)", r, mark);
	tc_case("test entry, no secpath: passes untouched", NULL, AF_INET,
		ifv0, TC_OK, IPSO_STAT_TX_NO_SA, 0x42);
	sp.family = 99;
	tc_case("secpath state of an unknown family: dropped", &sp, AF_INET,
		ifv0, TC_SHOT, IPSO_STAT_TX_MALFORMED, 0x42);
}

/* Verdicts that do not depend on the lease. */
static void test_always(enum lease l)
{
	char what[160];
	struct ipso_tc_test_sp sp;
	uint32_t want = (0x42 & ~(IPSO_MARK_DEFAULT_MAGIC_MASK |
				  IPSO_MARK_DEFAULT_HANDLE_MASK)) |
			IPSO_MARK_DEFAULT_MAGIC | 7;
	uint64_t tx0 = tx_packets(7);

	set_lease(l);
	sp = sp_of(AF_INET, "10.0.0.1", 0x200, 2);
	snprintf(what, sizeof(what), "%s: outbound SA offloaded here (handle "
		 "7): marked", lease_name[l]);
	tc_case(what, &sp, AF_INET, ifv0, TC_OK, IPSO_STAT_TX_MARKED, want);
	CHECK(tx_packets(7) == tx0 + 1, "%s: ipso_sa_stats[7].tx_packets "
	      "+%llu", lease_name[l],
	      (unsigned long long)(tx_packets(7) - tx0));
	snprintf(what, sizeof(what), "%s: same SA on another device (not "
		 "offloaded there): dropped", lease_name[l]);
	tc_case(what, &sp, AF_INET, ifv1, TC_SHOT,
		IPSO_STAT_TX_DROP_NOT_OFFLOADED, 0x42);
	sp = sp_of(AF_INET, "10.0.9.5", 0x300, 3);
	snprintf(what, sizeof(what), "%s: inbound SA (decrypted, forwarded): "
		 "passed", lease_name[l]);
	tc_case(what, &sp, AF_INET, ifv0, TC_OK, IPSO_STAT_TX_PASS_INBOUND_SA,
		0x42);
	sp = sp_of(AF_INET6, "2001:db8::1", 0x600, 6);
	snprintf(what, sizeof(what), "%s: IPv6 outbound SA offloaded here "
		 "(handle 9): marked", lease_name[l]);
	tc_case(what, &sp, AF_INET6, ifv0, TC_OK, IPSO_STAT_TX_MARKED,
		(want & ~IPSO_MARK_DEFAULT_HANDLE_MASK) | 9);
}

/* Drops that need a current mirror: taken unless the lease expired. */
static void test_mirror_dependent(enum lease l)
{
	char what[160];
	struct ipso_tc_test_sp sp;
	bool stale = l == L_EXPIRED;

	set_lease(l);
	sp = sp_of(AF_INET, "10.0.0.1", 0x999, 2);
	snprintf(what, sizeof(what), "%s: SA unknown to the mirror: %s",
		 lease_name[l], stale ? "passed" : "dropped");
	tc_case(what, &sp, AF_INET, ifv0, stale ? TC_OK : TC_SHOT,
		stale ? IPSO_STAT_TX_PASS_STALE : IPSO_STAT_TX_DROP_UNKNOWN_SA,
		0x42);
	sp = sp_of(AF_INET6, "2001:db8::1", 0x699, 6);
	snprintf(what, sizeof(what), "%s: IPv6 SA unknown to the mirror: %s",
		 lease_name[l], stale ? "passed" : "dropped");
	tc_case(what, &sp, AF_INET6, ifv0, stale ? TC_OK : TC_SHOT,
		stale ? IPSO_STAT_TX_PASS_STALE : IPSO_STAT_TX_DROP_UNKNOWN_SA,
		0x42);
	sp = sp_of(AF_INET, "10.0.0.1", 0x400, 4);
	snprintf(what, sizeof(what), "%s: SA of unknown direction, not "
		 "offloaded here: %s", lease_name[l],
		 stale ? "passed" : "dropped");
	tc_case(what, &sp, AF_INET, ifv0, stale ? TC_OK : TC_SHOT,
		stale ? IPSO_STAT_TX_PASS_STALE :
			IPSO_STAT_TX_DROP_NOT_OFFLOADED, 0x42);
	sp = sp_of(AF_INET, "10.0.0.1", 0x500, 5);
	snprintf(what, sizeof(what), "%s: outbound SA not offloaded anywhere: "
		 "dropped (the mirror's word is not needed)", lease_name[l]);
	tc_case(what, &sp, AF_INET, ifv0, TC_SHOT,
		IPSO_STAT_TX_DROP_NOT_OFFLOADED, 0x42);
}

/* ESP-in-UDP frame whose UDP payload starts with word (host order). */
static struct pkt natt(int sport, int dport, uint32_t word, size_t plen)
{
	uint8_t pl[16] = { word >> 24, word >> 16, word >> 8, word, 0, 0, 0, 1 };
	struct pspec s = { .family = AF_INET, .src = "10.0.0.1",
			   .dst = "10.0.9.5", .proto = IPPROTO_UDP,
			   .sport = sport, .dport = dport, .payload = pl,
			   .payload_len = plen };
	struct pkt p;

	pkt_build(&p, &s);
	return p;
}

static struct pkt esp_frame(int family, uint32_t spi)
{
	static const uint8_t body[32];
	struct pspec s = { .family = family, .proto = IPPROTO_ESP,
			   .spi = spi, .payload = body,
			   .payload_len = sizeof(body) };
	struct pkt p;

	s.src = family == AF_INET ? "10.0.0.1" : "2001:db8::1";
	s.dst = family == AF_INET ? "10.0.9.5" : "2001:db8:9::5";
	pkt_build(&p, &s);
	return p;
}

/*
 * The kernel's crypto-mode offload: the packet at tc egress is already
 * ESP for its secpath SA; it passes untouched, whatever the mirror says.
 */
static void test_crypto_mode(void)
{
	struct ipso_tc_test_sp sp = sp_of(AF_INET, "10.0.0.1", 0x500, 5);
	struct ipso_tc_test_sp sp6 = sp_of(AF_INET6, "2001:db8::1", 0x600, 6);
	struct ipso_tc_test_sp unk = sp_of(AF_INET, "10.0.0.1", 0x999, 2);
	struct pkt p;
	struct pspec s;

	p = esp_frame(AF_INET, 0x500);
	tc_case_pkt("ESP for the secpath SA (outbound, not offloaded here): "
		    "passed untouched", &p, &sp, ifv0, TC_OK,
		    IPSO_STAT_TX_PASS_ESP, 0x42);
	p = esp_frame(AF_INET, 0x999);
	tc_case_pkt("ESP for a secpath SA unknown to the mirror: passed "
		    "untouched", &p, &unk, ifv0, TC_OK, IPSO_STAT_TX_PASS_ESP,
		    0x42);
	p = esp_frame(AF_INET, 0x501);
	tc_case_pkt("ESP with another SPI than the secpath SA's (nested "
		    "IPsec plaintext): not passed as ESP, dropped", &p, &sp,
		    ifv0, TC_SHOT, IPSO_STAT_TX_DROP_NOT_OFFLOADED, 0x42);
	p = natt(4500, 4500, 0x500, 16);
	tc_case_pkt("ESP-in-UDP 4500 for the secpath SA: passed untouched",
		    &p, &sp, ifv0, TC_OK, IPSO_STAT_TX_PASS_ESP, 0x42);
	p = natt(3000, 4500, 0x500, 16);
	tc_case_pkt("ESP-in-UDP to 4500 from a NATed port: passed untouched",
		    &p, &sp, ifv0, TC_OK, IPSO_STAT_TX_PASS_ESP, 0x42);
	p = natt(4500, 4500, 0, 16);
	tc_case_pkt("UDP 4500 with the non-ESP marker: dropped", &p, &sp,
		    ifv0, TC_SHOT, IPSO_STAT_TX_DROP_NOT_OFFLOADED, 0x42);
	p = natt(4500, 4500, 0x500, 4);
	tc_case_pkt("UDP 4500 with a 4-byte payload: not ESP, dropped", &p,
		    &sp, ifv0, TC_SHOT, IPSO_STAT_TX_DROP_NOT_OFFLOADED, 0x42);
	p = natt(4000, 5000, 0x500, 16);
	tc_case_pkt("UDP on other ports starting with the SPI: dropped", &p,
		    &sp, ifv0, TC_SHOT, IPSO_STAT_TX_DROP_NOT_OFFLOADED, 0x42);
	s = (struct pspec){ .family = AF_INET, .src = "10.0.0.1",
			    .dst = "10.0.9.5", .proto = IPPROTO_ESP,
			    .spi = 0x500, .v4_frag = true };
	pkt_build(&p, &s);
	tc_case_pkt("ESP in an IPv4 fragment: not judged as ESP, dropped", &p,
		    &sp, ifv0, TC_SHOT, IPSO_STAT_TX_DROP_NOT_OFFLOADED, 0x42);
	p = esp_frame(AF_INET, 0x500);
	p.len = 14 + 20 + 2;
	tc_case_pkt("ESP header cut after 2 bytes: dropped", &p, &sp, ifv0,
		    TC_SHOT, IPSO_STAT_TX_DROP_NOT_OFFLOADED, 0x42);
	p = esp_frame(AF_INET6, 0x600);
	tc_case_pkt("IPv6 ESP for the secpath SA (offloaded here): passed "
		    "untouched, not marked", &p, &sp6, ifv0, TC_OK,
		    IPSO_STAT_TX_PASS_ESP, 0x42);
	s = (struct pspec){ .family = AF_INET6, .src = "2001:db8::1",
			    .dst = "2001:db8:9::5", .proto = IPPROTO_ESP,
			    .spi = 0x600, .v6_ext = 2 };
	pkt_build(&p, &s);
	tc_case_pkt("IPv6 ESP behind 2 extension headers: passed untouched",
		    &p, &sp6, ifv0, TC_OK, IPSO_STAT_TX_PASS_ESP, 0x42);
	s.vlans = 2;
	s.v6_ext = 0;
	pkt_build(&p, &s);
	tc_case_pkt("IPv6 ESP in QinQ: passed untouched", &p, &sp6, ifv0,
		    TC_OK, IPSO_STAT_TX_PASS_ESP, 0x42);
}

/* A lease runs out by itself: bpf_ktime_get_ns() is CLOCK_MONOTONIC. */
static void test_lease_runs_out(void)
{
	struct ipso_tc_test_sp sp = sp_of(AF_INET, "10.0.0.1", 0x999, 2);
	uint64_t until = t_now_ns() + 300000000ull;

	ipso_mirror_set_lease(E.m, until);
	tc_case("lease of 300 ms, fresh: unknown SA dropped", &sp, AF_INET,
		ifv0, TC_SHOT, IPSO_STAT_TX_DROP_UNKNOWN_SA, 0x42);
	while (t_now_ns() < until + 1000000)
		usleep(50000);
	tc_case("same lease 300 ms later: unknown SA passed", &sp, AF_INET,
		ifv0, TC_OK, IPSO_STAT_TX_PASS_STALE, 0x42);
	set_lease(L_NONE);
}

static void test_lease_api(void)
{
	struct ipso_config c;
	__u32 zero = 0;
	uint64_t until = t_now_ns() + 12345;
	uint64_t gen;

	t_set_config(&E, IPSO_CFG_F_RX_ENFORCE);
	bpf_map_lookup_elem(E.fd_config, &zero, &c);
	gen = c.generation;
	ipso_mirror_set_lease(E.m, until);
	bpf_map_lookup_elem(E.fd_config, &zero, &c);
	CHECK(c.live_until_ns == until && c.generation == gen &&
	      c.flags == IPSO_CFG_F_RX_ENFORCE,
	      "set_lease writes live_until_ns, keeps generation and flags");
	put_sa(AF_INET, "10.0.0.1", "10.0.9.7", 0x777, 7, IPSO_DIR_OUT);
	bpf_map_lookup_elem(E.fd_config, &zero, &c);
	CHECK(c.live_until_ns == until && c.generation > gen,
	      "a commit bumps the generation (%llu -> %llu), keeps the lease",
	      (unsigned long long)gen, (unsigned long long)c.generation);
	t_set_config(&E, 0);
	set_lease(L_NONE);
}

int main(void)
{
	struct ipso_sa_key k;

	ifv0 = if_nametoindex("v0");
	ifv1 = if_nametoindex("v1");
	if (!ifv0 || !ifv1) {
		printf("FAIL: v0/v1 missing\n");
		return 1;
	}
	if (tenv_open(&E)) {
		printf("FAIL: cannot load the datapath objects\n");
		return 1;
	}
	test_basic();
	k = put_sa(AF_INET, "10.0.0.1", "10.0.9.5", 0x200, 2, IPSO_DIR_OUT);
	offload(&k, ifv0, 7);
	put_sa(AF_INET, "10.0.9.5", "10.0.0.1", 0x300, 3, IPSO_DIR_IN);
	put_sa(AF_INET, "10.0.0.1", "10.0.9.5", 0x400, 4, IPSO_DIR_UNKNOWN);
	put_sa(AF_INET, "10.0.0.1", "10.0.9.5", 0x500, 5, IPSO_DIR_OUT);
	k = put_sa(AF_INET6, "2001:db8::1", "2001:db8:9::5", 0x600, 6,
		   IPSO_DIR_OUT);
	offload(&k, ifv0, 9);
	test_lease_api();
	test_always(L_NONE);
	test_always(L_VALID);
	test_always(L_EXPIRED);
	test_mirror_dependent(L_NONE);
	test_mirror_dependent(L_VALID);
	test_mirror_dependent(L_EXPIRED);
	test_lease_runs_out();
	test_crypto_mode();
	set_lease(L_NONE);
	tenv_close(&E);
	return t_finish();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP ingress program and the tc egress program through
 * BPF_PROG_TEST_RUN: NIC metadata (syndrome, handle, selector check),
 * unknown-SPI ESP and ESP-in-UDP, IKE exemptions, plaintext enforcement,
 * malformed frames, fail-closed defaults, and every outcome counted.
 * The tc program's secpath path needs real SAs: tests/guest only.
 * Run by tests/host/test_bpf_xdp.sh (veth pair v0/v1, 10.0.0.1 local).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "tlib.h"
#include "ipsec_offload/mark.h"

static struct tenv E;
static uint32_t ifl, ifv0;	/* ingress devices: lo, v0 */

#define XDP_DROP_ 1
#define XDP_PASS_ 2

/* Run XDP on s (with optional meta); check action and counter delta. */
static void xdp_case(const char *what, const struct pspec *s,
		     const struct ipso_xdp_meta *meta, size_t meta_len,
		     uint32_t ifindex, int want, uint32_t stat)
{
	struct pkt p;
	uint8_t mbuf[32] = { 0 };
	uint64_t before = t_stat(&E, stat), after;
	int r;

	pkt_build(&p, s);
	if (meta)
		memcpy(mbuf + meta_len - sizeof(*meta), meta, sizeof(*meta));
	r = t_xdp(&E, &p, mbuf, meta ? meta_len : 0, ifindex);
	after = t_stat(&E, stat);
	CHECK(r == want && after == before + 1, "%s: %s, counter %u +%llu",
	      what, r == XDP_DROP_ ? "drop" : r == XDP_PASS_ ? "pass" : "?",
	      stat, (unsigned long long)(after - before));
}

static struct pspec udp(const char *src, const char *dst, int sport,
			int dport, const void *pl, size_t plen)
{
	struct pspec s = { .family = AF_INET, .src = src, .dst = dst,
			   .proto = IPPROTO_UDP, .sport = sport,
			   .dport = dport, .payload = pl,
			   .payload_len = plen };
	return s;
}

static struct pspec esp(const char *src, const char *dst, uint32_t spi)
{
	static const uint8_t body[32];
	struct pspec s = { .family = AF_INET, .src = src, .dst = dst,
			   .proto = IPPROTO_ESP, .spi = spi, .payload = body,
			   .payload_len = sizeof(body) };
	return s;
}

static void test_not_ready(void)
{
	struct pspec s = esp("10.0.9.5", "10.0.0.1", 0x999);

	xdp_case("generation 0 (mirror never wrote): unknown ESP passes",
		 &s, NULL, 0, ifl, XDP_PASS_, IPSO_STAT_RX_UNSURE);
}

/* Handle h names SA k received on v0, as the module would write it. */
static void put_rx_handle(__u32 h, const struct ipso_sa_key *k)
{
	struct ipso_handle_val hv;

	memset(&hv, 0, sizeof(hv));
	hv.sa = *k;
	hv.ifindex = ifv0;
	hv.dir = IPSO_DIR_IN;
	bpf_map_update_elem(E.fd_handles, &h, &hv, BPF_ANY);
}

static void setup_sad(void)
{
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
	ipso_mirror_commit(E.m);
	put_rx_handle(h, &sa.key);
}

static void test_esp(void)
{
	static const uint8_t natt_esp[16] = { 0, 0, 1, 0, 0, 0, 0, 1 };
	static const uint8_t natt_bad[16] = { 0, 0, 9, 9, 0, 0, 0, 1 };
	static const uint8_t ike[32] = { 0, 0, 0, 0, 0x11, 0x22 };
	static const uint8_t keepalive[1] = { 0xff };
	struct pspec s;

	s = esp("10.0.9.5", "10.0.0.1", 0x100);
	xdp_case("ESP for a known SA: software path", &s, NULL, 0, ifl,
		 XDP_PASS_, IPSO_STAT_RX_SW_ESP);
	s = esp("10.0.9.5", "10.0.0.1", 0x999);
	xdp_case("ESP for an unknown SPI: to the kernel", &s, NULL, 0, ifl,
		 XDP_PASS_, IPSO_STAT_RX_PASS_UNKNOWN_SPI);
	s = esp("10.0.9.5", "10.0.0.2", 0x100);
	xdp_case("ESP with a known SPI but another daddr: unknown", &s, NULL,
		 0, ifl, XDP_PASS_, IPSO_STAT_RX_PASS_UNKNOWN_SPI);
	s = udp("10.0.9.5", "10.0.0.1", 4500, 4500, natt_esp,
		sizeof(natt_esp));
	xdp_case("ESP-in-UDP 4500, known SPI: software path", &s, NULL, 0,
		 ifl, XDP_PASS_, IPSO_STAT_RX_SW_ESP);
	s = udp("10.0.9.5", "10.0.0.1", 3000, 4500, natt_bad,
		sizeof(natt_bad));
	xdp_case("ESP-in-UDP 4500, unknown SPI: to the kernel", &s, NULL, 0,
		 ifl, XDP_PASS_, IPSO_STAT_RX_PASS_UNKNOWN_SPI);
	s = udp("10.0.9.5", "10.0.0.1", 3000, 4500, ike, sizeof(ike));
	xdp_case("UDP 4500 with the non-ESP marker (IKE): exempt", &s, NULL,
		 0, ifl, XDP_PASS_, IPSO_STAT_RX_IKE);
	s = udp("10.0.9.5", "10.0.0.1", 3000, 4500, keepalive,
		sizeof(keepalive));
	xdp_case("NAT-T keepalive 0xff: exempt", &s, NULL, 0, ifl, XDP_PASS_,
		 IPSO_STAT_RX_IKE);
	s = udp("10.0.9.5", "10.0.0.1", 500, 500, ike, sizeof(ike));
	xdp_case("IKE on UDP 500: exempt", &s, NULL, 0, ifl, XDP_PASS_,
		 IPSO_STAT_RX_IKE);
}

static void test_meta(void)
{
	struct ipso_xdp_meta m = {
		.magic = IPSO_XDP_META_MAGIC, .handle = 5,
		.flags = IPSO_META_F_DECRYPTED,
	};
	struct ipso_sa_counters c[512];
	struct pspec s = udp("10.0.9.5", "10.0.0.1", 1000, 2000, "x", 1);
	__u32 h = 5;
	uint64_t rx = 0, drop_syn = 0;
	int i;

	xdp_case("metadata, handle ok, inner flow inside the SA selector",
		 &s, &m, sizeof(m), ifv0, XDP_PASS_, IPSO_STAT_RX_HW_OK);
	xdp_case("same with a 32-byte metadata area (ours last)", &s, &m, 32,
		 ifv0, XDP_PASS_, IPSO_STAT_RX_HW_OK);
	m.syndrome = IPSO_SYN_AUTH_FAIL;
	xdp_case("syndrome auth-fail: dropped", &s, &m, sizeof(m), ifv0,
		 XDP_DROP_, IPSO_STAT_RX_DROP_SYNDROME);
	m.syndrome = IPSO_SYN_OK;
	xdp_case("handle on another device: dropped", &s, &m, sizeof(m),
		 ifl, XDP_DROP_, IPSO_STAT_RX_DROP_UNKNOWN_HANDLE);
	m.handle = 6;
	xdp_case("unknown handle: dropped", &s, &m, sizeof(m), ifv0,
		 XDP_DROP_, IPSO_STAT_RX_DROP_UNKNOWN_HANDLE);
	m.handle = 5;
	s = udp("10.0.8.5", "10.0.0.1", 1000, 2000, "x", 1);
	xdp_case("inner source outside the SA selector: dropped", &s, &m,
		 sizeof(m), ifv0, XDP_DROP_, IPSO_STAT_RX_DROP_SELECTOR);
	s = udp("10.0.9.5", "10.0.0.1", 1000, 2000, "x", 1);
	s.proto = IPPROTO_TCP;
	xdp_case("inner protocol outside the SA selector: dropped", &s, &m,
		 sizeof(m), ifv0, XDP_DROP_, IPSO_STAT_RX_DROP_SELECTOR);
	m.magic = 0x12345678;
	s = udp("10.0.9.5", "10.0.0.1", 1000, 2000, "x", 1);
	xdp_case("foreign metadata (no magic): ignored, plain path", &s, &m,
		 sizeof(m), ifv0, XDP_PASS_, IPSO_STAT_RX_PASS);
	if (bpf_map_lookup_elem(E.fd_sa_stats, &h, c) == 0)
		for (i = 0; i < E.ncpu && i < 512; i++) {
			rx += c[i].rx_packets;
			drop_syn += c[i].rx_drop_syndrome;
		}
	CHECK(rx == 2 && drop_syn == 1,
	      "per-handle counters: rx_packets %llu, rx_drop_syndrome %llu",
	      (unsigned long long)rx, (unsigned long long)drop_syn);
}

static void test_plaintext(void)
{
	struct ipso_policy_desc d;
	struct pspec s;

	/* in: 10.0.9.0/24 -> 10.0.0.1 udp must be ESP (required) */
	pol_init(&d, AF_INET, IPSO_DIR_IN, 8, 10, IPSO_ACT_PROTECT,
		 "10.0.9.0", 24, "10.0.0.1", 32);
	d.sel.proto = IPPROTO_UDP;
	pol_tmpl(&d, 1, IPSO_MODE_TRANSPORT, NULL, NULL, false);
	ipso_mirror_put_policy(E.m, &d);
	/* in: 10.0.7.0/24 any proto, required */
	pol_init(&d, AF_INET, IPSO_DIR_IN, 16, 10, IPSO_ACT_PROTECT,
		 "10.0.7.0", 24, "10.0.0.1", 32);
	pol_tmpl(&d, 1, IPSO_MODE_TRANSPORT, NULL, NULL, false);
	ipso_mirror_put_policy(E.m, &d);
	/* in: 10.0.6.0/24 level use (optional) */
	pol_init(&d, AF_INET, IPSO_DIR_IN, 24, 10, IPSO_ACT_PROTECT,
		 "10.0.6.0", 24, "10.0.0.1", 32);
	pol_tmpl(&d, 1, IPSO_MODE_TRANSPORT, NULL, NULL, true);
	ipso_mirror_put_policy(E.m, &d);
	/* in: 10.0.5.0/24 required, but a mark policy comes first */
	pol_init(&d, AF_INET, IPSO_DIR_IN, 32, 5, IPSO_ACT_BYPASS,
		 "10.0.5.0", 24, "10.0.0.1", 32);
	d.mark_v = 1;
	d.mark_m = 1;
	ipso_mirror_put_policy(E.m, &d);
	pol_init(&d, AF_INET, IPSO_DIR_IN, 40, 10, IPSO_ACT_PROTECT,
		 "10.0.5.0", 24, "10.0.0.1", 32);
	pol_tmpl(&d, 1, IPSO_MODE_TRANSPORT, NULL, NULL, false);
	ipso_mirror_put_policy(E.m, &d);
	ipso_mirror_commit(E.m);

	s = udp("10.0.9.5", "10.0.0.1", 1000, 2000, "x", 1);
	xdp_case("plaintext a required policy covers, enforcement off: pass",
		 &s, NULL, 0, ifl, XDP_PASS_, IPSO_STAT_RX_PASS);
	t_set_config(&E, IPSO_CFG_F_RX_ENFORCE);
	xdp_case("same with IPSO_CFG_F_RX_ENFORCE: dropped", &s, NULL, 0,
		 ifl, XDP_DROP_, IPSO_STAT_RX_DROP_PLAINTEXT);
	xdp_case("again (flow cache hit): dropped", &s, NULL, 0, ifl,
		 XDP_DROP_, IPSO_STAT_RX_DROP_PLAINTEXT);
	s = udp("10.0.9.5", "10.0.0.1", 500, 500, "x", 1);
	xdp_case("IKE from a covered peer: exempt", &s, NULL, 0, ifl,
		 XDP_PASS_, IPSO_STAT_RX_IKE);
	s = udp("10.0.9.5", "10.0.0.1", 1000, 2000, "x", 1);
	s.proto = IPPROTO_TCP;
	xdp_case("TCP, policy is UDP only: pass", &s, NULL, 0, ifl,
		 XDP_PASS_, IPSO_STAT_RX_PASS);
	s = udp("10.0.7.5", "10.0.0.1", 0, 0, NULL, 0);
	s.proto = IPPROTO_ICMP;
	s.sport = 3;		/* destination unreachable */
	xdp_case("ICMP error under a required policy: exempt", &s, NULL, 0,
		 ifl, XDP_PASS_, IPSO_STAT_RX_PASS);
	s.sport = 8;		/* echo request */
	xdp_case("ICMP echo under a required policy: dropped", &s, NULL, 0,
		 ifl, XDP_DROP_, IPSO_STAT_RX_DROP_PLAINTEXT);
	s = udp("10.0.6.5", "10.0.0.1", 1000, 2000, "x", 1);
	xdp_case("level use (optional) template: pass", &s, NULL, 0, ifl,
		 XDP_PASS_, IPSO_STAT_RX_PASS);
	s = udp("10.0.5.5", "10.0.0.1", 1000, 2000, "x", 1);
	xdp_case("a mark-dependent policy first: unsure, pass", &s, NULL, 0,
		 ifl, XDP_PASS_, IPSO_STAT_RX_UNSURE);
	s = udp("10.0.9.5", "10.0.0.1", 1000, 2000, "x", 1);
	s.v4_frag = true;
	xdp_case("IPv4 fragment under a proto policy: dropped (no ports "
		 "needed)", &s, NULL, 0, ifl, XDP_DROP_,
		 IPSO_STAT_RX_DROP_PLAINTEXT);
	ipso_mirror_del_policy(E.m, IPSO_DIR_IN, 8);
	ipso_mirror_commit(E.m);
	s = udp("10.0.9.5", "10.0.0.1", 1000, 2000, "x", 1);
	xdp_case("policy deleted: cached drop gone, pass", &s, NULL, 0, ifl,
		 XDP_PASS_, IPSO_STAT_RX_PASS);
	t_set_config(&E, 0);
}

static void test_ipv6(void)
{
	static const uint8_t body[32];
	struct ipso_policy_desc d;
	struct ipso_sa_desc sa;
	struct ipso_xdp_meta m = {
		.magic = IPSO_XDP_META_MAGIC, .handle = 9,
		.flags = IPSO_META_F_DECRYPTED,
	};
	__u32 h = 9;
	struct pspec s = { .family = AF_INET6, .src = "2001:db8:9::5",
			   .dst = "2001:db8::1", .proto = IPPROTO_ESP,
			   .spi = 0x600, .payload = body,
			   .payload_len = sizeof(body) };

	sa_init(&sa, AF_INET6, "2001:db8:9::5", "2001:db8::1", 0x600, 6,
		IPSO_MODE_TRANSPORT, IPSO_DIR_IN, 1);
	sa.sel.family = AF_INET6;
	addr_parse(AF_INET6, "2001:db8:9::", &sa.sel.saddr);
	sa.sel.prefixlen_s = 48;
	ipso_mirror_put_sa(E.m, &sa);
	pol_init(&d, AF_INET6, IPSO_DIR_IN, 64, 10, IPSO_ACT_PROTECT,
		 "2001:db8:9::", 48, "2001:db8::1", 128);
	pol_tmpl(&d, 6, IPSO_MODE_TRANSPORT, NULL, NULL, false);
	ipso_mirror_put_policy(E.m, &d);
	ipso_mirror_commit(E.m);
	put_rx_handle(h, &sa.key);

	xdp_case("IPv6 ESP, known SPI: software path", &s, NULL, 0, ifl,
		 XDP_PASS_, IPSO_STAT_RX_SW_ESP);
	s.spi = 0x601;
	s.v6_ext = 2;
	xdp_case("IPv6 ESP behind 2 extension headers, unknown SPI: passed",
		 &s, NULL, 0, ifl, XDP_PASS_, IPSO_STAT_RX_PASS_UNKNOWN_SPI);
	s.v6_ext = 0;
	s.proto = IPPROTO_UDP;
	s.sport = 1000;
	s.dport = 2000;
	s.payload_len = 1;
	xdp_case("IPv6 metadata, inner flow inside the selector", &s, &m,
		 sizeof(m), ifv0, XDP_PASS_, IPSO_STAT_RX_HW_OK);
	s.src = "2001:db8:8::5";
	xdp_case("IPv6 metadata, inner source outside the selector: dropped",
		 &s, &m, sizeof(m), ifv0, XDP_DROP_, IPSO_STAT_RX_DROP_SELECTOR);
	s.src = "2001:db8:9::5";
	t_set_config(&E, IPSO_CFG_F_RX_ENFORCE);
	xdp_case("IPv6 plaintext a required policy covers: dropped", &s, NULL,
		 0, ifl, XDP_DROP_, IPSO_STAT_RX_DROP_PLAINTEXT);
	s.proto = IPPROTO_ICMPV6;
	s.sport = 1;		/* destination unreachable */
	s.dport = 0;
	xdp_case("IPv6 ICMPv6 error under the policy: exempt", &s, NULL, 0,
		 ifl, XDP_PASS_, IPSO_STAT_RX_PASS);
	s.sport = 128;		/* echo request */
	xdp_case("IPv6 ICMPv6 echo under the policy: dropped", &s, NULL, 0,
		 ifl, XDP_DROP_, IPSO_STAT_RX_DROP_PLAINTEXT);
	t_set_config(&E, 0);
}

/*
 * The mirror's liveness lease: with it expired, drops that need a
 * current mirror (plaintext enforcement, a live handle whose SA the
 * mirror lacks) pass; drops keyed by module-written maps and NIC
 * metadata (syndrome, unknown handle, selector) stay.  ESP for an SPI
 * the mirror lacks goes to the kernel whatever the lease says.
 */
static void test_lease(void)
{
	static const uint8_t natt_bad[16] = { 0, 0, 9, 9, 0, 0, 0, 1 };
	struct ipso_xdp_meta m = {
		.magic = IPSO_XDP_META_MAGIC, .handle = 5,
		.flags = IPSO_META_F_DECRYPTED,
	};
	struct ipso_sa_key k;
	struct pspec s, in = udp("10.0.9.5", "10.0.0.1", 1000, 2000, "x", 1);
	const char *name[] = { "no lease", "lease valid", "lease expired" };
	__u32 h = 11;
	char w[160];
	int l;

	memset(&k, 0, sizeof(k));
	addr_parse(AF_INET, "10.0.0.1", &k.daddr);
	k.spi = htonl(0xb0b);	/* never mirrored */
	k.proto = IPPROTO_ESP;
	k.family = AF_INET;
	put_rx_handle(h, &k);
	t_set_config(&E, IPSO_CFG_F_RX_ENFORCE);
	for (l = 0; l < 3; l++) {
		bool stale = l == 2;
		int drop_or_pass = stale ? XDP_PASS_ : XDP_DROP_;

		ipso_mirror_set_lease(E.m, l == 0 ? 0 : l == 1 ?
				      t_now_ns() + 60000000000ull : 1);
#define LCASE(what, spec, meta, ifi, want, stat) do {			\
		const struct ipso_xdp_meta *mp = meta;			\
		snprintf(w, sizeof(w), "%s: %s", name[l], what);	\
		xdp_case(w, spec, mp, mp ? sizeof(*mp) : 0, ifi,	\
			 want, stat);					\
	} while (0)
		s = esp("10.0.9.5", "10.0.0.1", 0x999);
		LCASE("ESP, unknown SPI: to the kernel", &s,
		      (struct ipso_xdp_meta *)NULL, ifl, XDP_PASS_,
		      IPSO_STAT_RX_PASS_UNKNOWN_SPI);
		s = udp("10.0.9.5", "10.0.0.1", 3000, 4500, natt_bad,
			sizeof(natt_bad));
		LCASE("ESP-in-UDP, unknown SPI: to the kernel", &s,
		      (struct ipso_xdp_meta *)NULL, ifl, XDP_PASS_,
		      IPSO_STAT_RX_PASS_UNKNOWN_SPI);
		s = esp("10.0.9.5", "10.0.0.1", 0x100);
		LCASE("ESP, known SPI: software path", &s,
		      (struct ipso_xdp_meta *)NULL, ifl, XDP_PASS_,
		      IPSO_STAT_RX_SW_ESP);
		s = udp("10.0.7.5", "10.0.0.1", 1000, 2000, "x", 1);
		LCASE(stale ? "plaintext under a required policy: passed" :
			      "plaintext under a required policy: dropped", &s,
		      (struct ipso_xdp_meta *)NULL, ifl, drop_or_pass,
		      stale ? IPSO_STAT_RX_PASS_STALE :
			      IPSO_STAT_RX_DROP_PLAINTEXT);
		m.handle = 11;
		LCASE(stale ? "live handle, SA not in the mirror: passed" :
			      "live handle, SA not in the mirror: dropped",
		      &in, &m, ifv0, drop_or_pass,
		      stale ? IPSO_STAT_RX_PASS_STALE :
			      IPSO_STAT_RX_DROP_UNKNOWN_HANDLE);
		m.handle = 12;
		LCASE("unknown handle: dropped", &in, &m, ifv0, XDP_DROP_,
		      IPSO_STAT_RX_DROP_UNKNOWN_HANDLE);
		m.handle = 5;
		m.syndrome = IPSO_SYN_REPLAY;
		LCASE("syndrome replay: dropped", &in, &m, ifv0, XDP_DROP_,
		      IPSO_STAT_RX_DROP_SYNDROME);
		m.syndrome = IPSO_SYN_OK;
		s = udp("10.0.8.5", "10.0.0.1", 1000, 2000, "x", 1);
		LCASE("inner flow outside the SA selector: dropped", &s, &m,
		      ifv0, XDP_DROP_, IPSO_STAT_RX_DROP_SELECTOR);
		LCASE("inner flow inside the SA selector: passed", &in, &m,
		      ifv0, XDP_PASS_, IPSO_STAT_RX_HW_OK);
#undef LCASE
	}
	ipso_mirror_set_lease(E.m, 0);
	t_set_config(&E, 0);
	bpf_map_delete_elem(E.fd_handles, &h);
}

static void test_malformed(void)
{
	struct pspec s = udp("10.0.9.5", "10.0.0.1", 1000, 2000, NULL, 0);
	struct pkt p, q;
	uint64_t b = t_stat(&E, IPSO_STAT_RX_MALFORMED), a;
	int bad = 0, n = 0;
	size_t cut;

	pkt_build(&p, &s);
	for (cut = 15; cut < 14 + 20 + 8; cut++, n++) {
		q = p;
		q.len = cut;
		if (t_xdp(&E, &q, NULL, 0, ifl) != XDP_PASS_)
			bad++;
	}
	a = t_stat(&E, IPSO_STAT_RX_MALFORMED);
	CHECK(!bad && a - b == (uint64_t)n,
	      "%d truncated frames: all pass, all counted malformed (%llu)",
	      n, (unsigned long long)(a - b));
	s = udp("10.0.9.5", "10.0.0.1", 1000, 2000, NULL, 0);
	pkt_build(&p, &s);
	p.b[12] = 0x08;
	p.b[13] = 0x06;
	b = t_stat(&E, IPSO_STAT_RX_PASS);
	CHECK(t_xdp(&E, &p, NULL, 0, ifl) == XDP_PASS_ &&
	      t_stat(&E, IPSO_STAT_RX_PASS) == b + 1, "ARP: pass, counted");
}

static void test_tc(void)
{
	struct pspec s = udp("10.0.0.1", "10.0.9.5", 1000, 2000, "x", 1);
	struct pkt p;
	uint64_t b = t_stat(&E, IPSO_STAT_TX_NO_SA);
	uint32_t mark = 0;
	int r;

	pkt_build(&p, &s);
	r = t_tc(&E, &p, 0x42, ifl, &mark);
	CHECK(r == 0 && mark == 0x42 &&
	      t_stat(&E, IPSO_STAT_TX_NO_SA) == b + 1,
	      "tc egress, no secpath: passes untouched (ret %d mark %#x), "
	      "counted", r, mark);
	printf("note: the secpath decisions run through the test entry in "
	       "tests/bpf/test_bpf_tc.c, on real secpaths in "
	       "tests/guest/test_bpf_tc_secpath.sh\n");
}

int main(void)
{
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
	test_not_ready();
	setup_sad();
	test_esp();
	test_meta();
	test_plaintext();
	test_ipv6();
	test_lease();
	test_malformed();
	test_tc();
	tenv_close(&E);
	return t_finish();
}

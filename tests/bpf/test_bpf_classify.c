// SPDX-License-Identifier: GPL-2.0
/*
 * The classifier through its explain entry (BPF_PROG_TEST_RUN) against
 * policies and SAs written by the mirror: selector fields, priority and
 * tie order, directions, families, VLAN/QinQ, IPv6 extension headers,
 * ICMP type/code, malformed packets, cut lists, flow-cache invalidation,
 * SA resolution and rekey.  Run inside a private mount and net namespace
 * (tests/host/test_bpf_classify.sh).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "tlib.h"
#include "config_map.h"
#include "spd_explain.h"
#include "ipso_classify.skel.h"

static struct tenv E;

static struct ipso_explain_out X;
static bool cache_always;	/* cache tests: admit every search */

/* Classify a UDP/TCP/ICMP flow described by s in dir; returns verdict. */
static int cls(const struct pspec *s, uint8_t dir, uint32_t ifindex,
	       uint32_t mark)
{
	struct xparams x = { .dir = dir, .ifindex = ifindex, .mark = mark,
			     .cache_always = cache_always };
	struct pkt p;

	pkt_build(&p, s);
	return t_explain(&E, &p, &x, &X);
}

static struct pspec udp4(const char *src, const char *dst, int sport,
			 int dport)
{
	struct pspec s = { .family = AF_INET, .src = src, .dst = dst,
			   .proto = IPPROTO_UDP, .sport = sport,
			   .dport = dport };
	return s;
}

static struct pspec udp6(const char *src, const char *dst, int sport,
			 int dport)
{
	struct pspec s = { .family = AF_INET6, .src = src, .dst = dst,
			   .proto = IPPROTO_UDP, .sport = sport,
			   .dport = dport };
	return s;
}

static void put(struct ipso_policy_desc *d)
{
	int err = ipso_mirror_put_policy(E.m, d);

	if (err)
		printf("put_policy %u: %s\n", d->index, strerror(-err));
}

static void commit(void)
{
	int err = ipso_mirror_commit(E.m);

	if (err)
		printf("commit: %s\n", strerror(-err));
}

static void flush(void)
{
	ipso_mirror_flush_policies(E.m);
	ipso_mirror_flush_sas(E.m);
	commit();
}

#define OUT IPSO_DIR_OUT
#define IN IPSO_DIR_IN
#define FWD IPSO_DIR_FWD

static void test_empty(void)
{
	struct pspec s = udp4("10.0.0.1", "10.0.1.1", 1000, 2000);

	CHECK(cls(&s, OUT, 1, 0) == IPSO_CLS_NONE && X.parse == 0,
	      "empty SPD: no policy (verdict %u)", X.res.verdict);
}

/* One flow against test_fields_v4's policies, and what it must match. */
struct field_case {
	const char *what;
	const char *src, *dst;
	int sport, dport;
	uint8_t proto;		/* 0: UDP */
	uint32_t ifindex, mark;
	int verdict;		/* -1: any */
	int policy;		/* -1: any */
};

static const struct field_case fields_v4[] = {
	{ "src+dst+proto+dport match -> bypass 2", "10.0.0.5", "10.1.2.9",
	  999, 53, 0, 1, 0, IPSO_CLS_BYPASS, 2 },
	{ "src outside prefix -> block 1", "10.0.1.5", "10.1.2.9",
	  999, 53, 0, 1, 0, IPSO_CLS_BLOCK, 1 },
	{ "dport mismatch -> 1", "10.0.0.5", "10.1.2.9",
	  999, 54, 0, 1, 0, -1, 1 },
	{ "proto mismatch -> 1", "10.0.0.5", "10.1.2.9",
	  999, 53, IPPROTO_TCP, 1, 0, -1, 1 },
	{ "dst outside all -> none", "10.0.0.5", "10.2.0.1",
	  999, 53, 0, 1, 0, IPSO_CLS_NONE, -1 },
	{ "sport in masked range -> 3", "10.0.0.5", "10.1.3.1",
	  0x1abc, 1, 0, 1, 0, -1, 3 },
	{ "sport outside mask -> 1", "10.0.0.5", "10.1.3.1",
	  0x2abc, 1, 0, 1, 0, -1, 1 },
	{ "ifindex 7 matches -> 4", "10.0.0.5", "10.1.4.1",
	  1, 1, 0, 7, 0, -1, 4 },
	{ "ifindex 8 does not -> 1", "10.0.0.5", "10.1.4.1",
	  1, 1, 0, 8, 0, -1, 1 },
	{ "mark &0xf0 == 0x10 -> 5", "10.0.0.5", "10.1.5.1",
	  1, 1, 0, 1, 0x1234519, -1, 5 },
	{ "mark 0x20 -> 1", "10.0.0.5", "10.1.5.1",
	  1, 1, 0, 1, 0x20, -1, 1 },
	{ "if_id 9 policy never matches if_id 0 traffic -> 1", "10.0.0.5",
	  "10.1.6.1", 1, 1, 0, 1, 0, -1, 1 },
};

static void check_field_case(const struct field_case *c)
{
	struct pspec s = udp4(c->src, c->dst, c->sport, c->dport);

	if (c->proto)
		s.proto = c->proto;
	cls(&s, OUT, c->ifindex, c->mark);
	CHECK((c->verdict < 0 || X.res.verdict == (uint32_t)c->verdict) &&
	      (c->policy < 0 || X.res.policy_index == (uint32_t)c->policy),
	      "%s (got verdict %u, policy %u)", c->what, X.res.verdict,
	      X.res.policy_index);
}

static void test_fields_v4(void)
{
	struct ipso_policy_desc d;
	struct pspec s;
	size_t i;

	flush();
	/* 1: dst 10.1.0.0/16 block; 2: src 10.0.0.0/24 -> 10.1.2.0/24 udp
	 * dport 53 bypass, higher priority (lower value) */
	pol_init(&d, AF_INET, OUT, 1, 100, IPSO_ACT_BLOCK, NULL, 0,
		 "10.1.0.0", 16);
	put(&d);
	pol_init(&d, AF_INET, OUT, 2, 50, IPSO_ACT_BYPASS, "10.0.0.0", 24,
		 "10.1.2.0", 24);
	d.sel.proto = IPPROTO_UDP;
	d.sel.dport = htons(53);
	d.sel.dport_mask = 0xffff;
	put(&d);
	/* 3: sport range 0x1000/0xf000 from 10.0.0.0/24 -> 10.1.3.0/24 */
	pol_init(&d, AF_INET, OUT, 3, 50, IPSO_ACT_BYPASS, "10.0.0.0", 24,
		 "10.1.3.0", 24);
	d.sel.sport = htons(0x1000);
	d.sel.sport_mask = htons(0xf000);
	put(&d);
	/* 4: ifindex 7 only, 10.1.4.0/24 */
	pol_init(&d, AF_INET, OUT, 4, 50, IPSO_ACT_BYPASS, NULL, 0,
		 "10.1.4.0", 24);
	d.sel.ifindex = 7;
	put(&d);
	/* 5: mark 0x10/0xf0, 10.1.5.0/24 */
	pol_init(&d, AF_INET, OUT, 5, 50, IPSO_ACT_BYPASS, NULL, 0,
		 "10.1.5.0", 24);
	d.mark_v = 0x10;
	d.mark_m = 0xf0;
	put(&d);
	/* 6: if_id 9, 10.1.6.0/24 */
	pol_init(&d, AF_INET, OUT, 6, 50, IPSO_ACT_BYPASS, NULL, 0,
		 "10.1.6.0", 24);
	d.if_id = 9;
	put(&d);
	commit();

	for (i = 0; i < sizeof(fields_v4) / sizeof(fields_v4[0]); i++)
		check_field_case(&fields_v4[i]);
	s = udp4("10.0.0.5", "10.1.6.1", 1, 1);
	{
		struct xparams x = { .dir = OUT, .ifindex = 1, .if_id = 9 };
		struct pkt p;

		pkt_build(&p, &s);
		t_explain(&E, &p, &x, &X);
		CHECK(X.res.policy_index == 6, "if_id 9 traffic -> 6 (idx %u)",
		      X.res.policy_index);
	}
	s = udp4("10.0.0.5", "10.1.2.9", 999, 53);
	cls(&s, IN, 1, 0);
	CHECK(X.res.verdict == IPSO_CLS_NONE,
	      "out policies do not apply to dir in (%u)", X.res.verdict);
	cls(&s, FWD, 1, 0);
	CHECK(X.res.verdict == IPSO_CLS_NONE,
	      "nor to dir fwd (%u)", X.res.verdict);
}

static void test_priority_ties(void)
{
	struct ipso_policy_desc d;
	struct pspec s = udp4("10.0.0.5", "10.9.9.9", 1, 1);

	flush();
	/* three overlapping policies, same priority: the oldest wins */
	pol_init(&d, AF_INET, OUT, 100, 10, IPSO_ACT_BLOCK, NULL, 0,
		 "10.9.0.0", 16);
	put(&d);
	pol_init(&d, AF_INET, OUT, 108, 10, IPSO_ACT_BYPASS, NULL, 0,
		 "10.9.9.0", 24);
	put(&d);
	pol_init(&d, AF_INET, OUT, 116, 10, IPSO_ACT_BYPASS, "10.0.0.0", 8,
		 "10.0.0.0", 8);
	put(&d);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(X.res.policy_index == 100,
	      "equal priority: first linked wins, not the longest prefix "
	      "(idx %u)", X.res.policy_index);
	/* a better priority later wins */
	pol_init(&d, AF_INET, OUT, 124, 5, IPSO_ACT_BYPASS, NULL, 0,
		 "0.0.0.0", 0);
	put(&d);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(X.res.policy_index == 124, "lower priority value wins (idx %u)",
	      X.res.policy_index);
	ipso_mirror_del_policy(E.m, OUT, 124);
	ipso_mirror_del_policy(E.m, OUT, 100);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(X.res.policy_index == 108,
	      "after deletes the next in order (idx %u)", X.res.policy_index);
}

static void test_v6_and_l2(void)
{
	struct ipso_policy_desc d;
	struct pspec s;

	flush();
	pol_init(&d, AF_INET6, IN, 200, 10, IPSO_ACT_BLOCK, "2001:db8::",
		 32, "2001:db8:1::", 48);
	d.sel.proto = IPPROTO_UDP;
	d.sel.dport = htons(4000);
	d.sel.dport_mask = 0xffff;
	put(&d);
	pol_init(&d, AF_INET6, IN, 208, 10, IPSO_ACT_BYPASS, NULL, 0,
		 "2001:db8:1::", 48);
	d.sel.proto = IPPROTO_ICMPV6;
	d.sel.sport = htons(128);	/* type: echo request */
	d.sel.sport_mask = 0xffff;
	d.sel.dport = htons(0);		/* code 0 */
	d.sel.dport_mask = 0xffff;
	put(&d);
	pol_init(&d, AF_INET, IN, 216, 10, IPSO_ACT_BLOCK, NULL, 0,
		 "192.0.2.0", 24);
	d.sel.proto = IPPROTO_ICMP;
	d.sel.sport = htons(8);
	d.sel.sport_mask = 0xffff;
	put(&d);
	commit();

	s = udp6("2001:db8:5::1", "2001:db8:1::7", 1, 4000);
	cls(&s, IN, 1, 0);
	CHECK(X.res.policy_index == 200, "IPv6 udp -> 200 (idx %u)",
	      X.res.policy_index);
	s.vlans = 1;
	cls(&s, IN, 1, 0);
	CHECK(X.res.policy_index == 200 && X.parse == 0,
	      "IPv6 behind 802.1Q -> 200 (idx %u)", X.res.policy_index);
	s.vlans = 2;
	cls(&s, IN, 1, 0);
	CHECK(X.res.policy_index == 200 && X.parse == 0,
	      "IPv6 behind QinQ -> 200 (idx %u)", X.res.policy_index);
	s.vlans = 0;
	s.v6_ext = 3;
	cls(&s, IN, 1, 0);
	CHECK(X.res.policy_index == 200 && X.flow.dport == htons(4000),
	      "3 extension headers skipped -> 200 (idx %u)",
	      X.res.policy_index);
	s.v6_ext = IPSO_V6_MAX_EXTHDR + 1;
	CHECK(cls(&s, IN, 1, 0) == -1 && X.parse == IPSO_PARSE_TOO_DEEP,
	      "more than %d extension headers: parse says too deep (%d)",
	      IPSO_V6_MAX_EXTHDR, X.parse);
	s.v6_ext = 0;
	s.v6_frag = true;
	cls(&s, IN, 1, 0);
	CHECK(X.res.verdict == IPSO_CLS_UNSURE &&
	      (X.res.flags & IPSO_CLS_F_PORTS),
	      "IPv6 fragment vs port policy: unsure (%u flags %#x)",
	      X.res.verdict, X.res.flags);
	s = udp6("2001:db8:5::1", "2001:db8:1::7", 1, 1);
	s.proto = IPPROTO_ICMPV6;
	s.sport = 128;
	s.dport = 0;
	cls(&s, IN, 1, 0);
	CHECK(X.res.policy_index == 208, "ICMPv6 type 128 code 0 -> 208 "
	      "(idx %u)", X.res.policy_index);
	s.dport = 1;
	cls(&s, IN, 1, 0);
	CHECK(X.res.verdict == IPSO_CLS_NONE, "ICMPv6 code 1 -> none (%u)",
	      X.res.verdict);
	s = udp4("198.51.100.1", "192.0.2.1", 0, 0);
	s.proto = IPPROTO_ICMP;
	s.sport = 8;
	s.v4_opts = 8;
	cls(&s, IN, 1, 0);
	CHECK(X.res.policy_index == 216,
	      "ICMP echo with IPv4 options -> 216 (idx %u)",
	      X.res.policy_index);
	s.sport = 0;
	cls(&s, IN, 1, 0);
	CHECK(X.res.verdict == IPSO_CLS_NONE, "ICMP type 0 -> none (%u)",
	      X.res.verdict);
}

static void test_malformed(void)
{
	struct xparams x = { .dir = OUT, .ifindex = 1 };
	struct pspec s = udp4("10.0.0.1", "10.0.1.1", 1, 2);
	struct pkt p;
	size_t cut;
	int bad = 0, r;

	pkt_build(&p, &s);
	/*
	 * every truncation of the UDP header must give a defined result
	 * (shorter IPv4 headers: the kernel refuses to build a test skb;
	 * the XDP test covers those)
	 */
	for (cut = 14 + 20; cut < 14 + 20 + 8; cut++) {
		struct pkt q = p;

		q.len = cut;
		r = t_explain(&E, &q, &x, &X);
		if (r != -1 || X.parse != IPSO_PARSE_MALFORMED) {
			printf("  len %zu: ret %d parse %d\n", cut, r, X.parse);
			bad++;
		}
	}
	CHECK(!bad, "truncated UDP headers: parse malformed, no verdict "
	      "(%d bad)", bad);
	p.b[14] = 0x43;		/* ihl 3 */
	r = t_explain(&E, &p, &x, &X);
	CHECK(r == -1 && X.parse == IPSO_PARSE_MALFORMED,
	      "IPv4 ihl < 5: malformed (%d)", X.parse);
	pkt_build(&p, &s);
	p.b[12] = 0x08;
	p.b[13] = 0x06;		/* ARP */
	r = t_explain(&E, &p, &x, &X);
	CHECK(r == -1 && X.parse == IPSO_PARSE_NOT_IP, "ARP: not IP (%d)",
	      X.parse);
}

static void test_cut_list(void)
{
	struct ipso_policy_desc d;
	struct pspec s = udp4("10.0.0.1", "10.7.7.7", 1, 1);
	int i;

	flush();
	/* 70 policies covering the destination, none matching the source */
	for (i = 0; i < 70; i++) {
		pol_init(&d, AF_INET, OUT, 1000 + 8 * i, i, IPSO_ACT_BLOCK,
			 "172.16.0.0", 12, "10.7.0.0", 16);
		d.sel.saddr.a8[3] = i;
		d.sel.prefixlen_s = 32;
		put(&d);
	}
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(X.res.verdict == IPSO_CLS_UNSURE && (X.res.flags &
						     IPSO_CLS_F_CUT),
	      "no match within the stored %d of 70 candidates: unsure (%u)",
	      IPSO_SPD_MAX_SCAN, X.res.verdict);
	s.src = "172.16.0.3";
	cls(&s, OUT, 1, 0);
	CHECK(X.res.verdict == IPSO_CLS_BLOCK && X.res.policy_index == 1024,
	      "a match inside the stored part is exact (idx %u)",
	      X.res.policy_index);
}

static void test_cache_and_sa(void)
{
	struct ipso_policy_desc d;
	struct ipso_sa_desc sa;
	struct ipso_offload_key ok;
	struct ipso_offload_val ov;
	struct pspec s = udp4("10.0.0.1", "10.5.0.9", 1, 1);
	uint64_t gen0;

	flush();
	pol_init(&d, AF_INET, OUT, 300, 10, IPSO_ACT_PROTECT, "10.0.0.0", 24,
		 "10.5.0.0", 24);
	pol_tmpl(&d, 42, IPSO_MODE_TUNNEL, "192.0.2.1", "192.0.2.2", false);
	put(&d);
	sa_init(&sa, AF_INET, "192.0.2.1", "192.0.2.2", 0x1001, 42,
		IPSO_MODE_TUNNEL, OUT, 1000);
	ipso_mirror_put_sa(E.m, &sa);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(X.res.verdict == IPSO_CLS_PROTECT &&
	      (X.res.flags & IPSO_CLS_F_SA_FOUND) &&
	      X.res.sa.spi == htonl(0x1001) && (X.res.flags &
						IPSO_CLS_F_REQUIRE),
	      "protect resolves to SA spi 0x1001 (flags %#x spi %#x)",
	      X.res.flags, ntohl(X.res.sa.spi));
	CHECK(!(X.res.flags & IPSO_CLS_F_CACHE_HIT), "first lookup: miss");
	{
		/* what tc egress finds from a secpath: source, SPI, reqid */
		struct ipso_sa_src_key sk;
		struct ipso_sa_src_val sv;
		int fd = bpf_map__fd(E.cls->maps.ipso_sa_bysrc);

		memset(&sk, 0, sizeof(sk));
		addr_parse(AF_INET, "192.0.2.1", &sk.saddr);
		sk.spi = htonl(0x1001);
		sk.reqid = 42;
		sk.family = AF_INET;
		CHECK(!bpf_map_lookup_elem(fd, &sk, &sv) && sv.count == 1 &&
		      !memcmp(&sv.sa[0], &sa.key, sizeof(sa.key)),
		      "ipso_sa_bysrc maps (src, spi, reqid) to the SA key");
	}
	cls(&s, OUT, 1, 0);
	CHECK(X.res.flags & IPSO_CLS_F_CACHE_HIT, "second lookup: cache hit");
	CHECK(X.res.ofl_state == IPSO_OFL_NONE, "not offloaded yet");

	memset(&ok, 0, sizeof(ok));
	ok.sa = sa.key;
	ok.ifindex = 1;
	memset(&ov, 0, sizeof(ov));
	ov.state = IPSO_OFL_OFFLOADED;
	ov.handle = 77;
	bpf_map_update_elem(E.fd_offload, &ok, &ov, BPF_ANY);
	cls(&s, OUT, 1, 0);
	CHECK(X.res.ofl_state == IPSO_OFL_OFFLOADED && X.res.handle == 77 &&
	      (X.res.flags & IPSO_CLS_F_CACHE_HIT),
	      "offload state read live even on a cache hit (handle %u)",
	      X.res.handle);

	{
		/*
		 * A commit's removals run under an odd generation: an SA
		 * gone from ipso_sad while a cached entry still names it is
		 * never answered from the cache, and nothing is cached.
		 */
		struct ipso_sa saved;
		struct ipso_config c;
		__u32 zero = 0;
		int fd = bpf_map__fd(E.cls->maps.ipso_sad);

		bpf_map_lookup_elem(E.fd_config, &zero, &c);
		c.generation |= 1;
		bpf_map_update_elem(E.fd_config, &zero, &c, BPF_ANY);
		bpf_map_lookup_elem(fd, &sa.key, &saved);
		bpf_map_delete_elem(fd, &sa.key);
		cls(&s, OUT, 1, 0);
		CHECK(!(X.res.flags & (IPSO_CLS_F_CACHE_HIT |
				       IPSO_CLS_F_SA_FOUND)),
		      "removals in progress (odd generation): the entry "
		      "naming the removed SA is not used (flags %#x)",
		      X.res.flags);
		bpf_map_update_elem(fd, &sa.key, &saved, BPF_ANY);
		cls(&s, OUT, 1, 0);
		cls(&s, OUT, 1, 0);
		CHECK(!(X.res.flags & IPSO_CLS_F_CACHE_HIT),
		      "odd generation: nothing cached (flags %#x)",
		      X.res.flags);
		c.generation++;
		bpf_map_update_elem(E.fd_config, &zero, &c, BPF_ANY);
		cls(&s, OUT, 1, 0);
		cls(&s, OUT, 1, 0);
		CHECK((X.res.flags & IPSO_CLS_F_CACHE_HIT) &&
		      (X.res.flags & IPSO_CLS_F_SA_FOUND),
		      "even generation again: cached (flags %#x)",
		      X.res.flags);
	}
	/* rekey: a newer SA with the same reqid takes over */
	sa_init(&sa, AF_INET, "192.0.2.1", "192.0.2.2", 0x1002, 42,
		IPSO_MODE_TUNNEL, OUT, 2000);
	ipso_mirror_put_sa(E.m, &sa);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(!(X.res.flags & IPSO_CLS_F_CACHE_HIT) &&
	      X.res.sa.spi == htonl(0x1002),
	      "rekey: newer SA 0x1002 chosen, cache invalidated (spi %#x)",
	      ntohl(X.res.sa.spi));
	/* the newer one dying: the older valid one wins again */
	sa.flags = IPSO_SA_F_DYING;
	ipso_mirror_put_sa(E.m, &sa);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(X.res.sa.spi == htonl(0x1001),
	      "dying SA loses to a valid older one (spi %#x)",
	      ntohl(X.res.sa.spi));
	/* SA delete: never named again */
	ipso_mirror_del_sa(E.m, &(struct ipso_sa_key){ 0 });
	sa_init(&sa, AF_INET, "192.0.2.1", "192.0.2.2", 0x1001, 42,
		IPSO_MODE_TUNNEL, OUT, 1000);
	cls(&s, OUT, 1, 0);	/* warm the cache */
	ipso_mirror_del_sa(E.m, &sa.key);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(X.res.sa.spi == htonl(0x1002),
	      "after deleting 0x1001 only the dying 0x1002 is left (spi %#x)",
	      ntohl(X.res.sa.spi));
	sa.key.spi = htonl(0x1002);
	ipso_mirror_del_sa(E.m, &sa.key);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(!(X.res.flags & IPSO_CLS_F_SA_FOUND) &&
	      (X.res.flags & IPSO_CLS_F_NO_SA),
	      "all SAs deleted: no SA named, packet would be held (%#x)",
	      X.res.flags);
	/* policy delete: the cached verdict goes */
	cls(&s, OUT, 1, 0);
	gen0 = X.res.flags & IPSO_CLS_F_CACHE_HIT;
	ipso_mirror_del_policy(E.m, OUT, 300);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(gen0 && X.res.verdict == IPSO_CLS_NONE,
	      "policy delete: cached protect verdict gone (%u)",
	      X.res.verdict);
}

/* Bit of reqid r in ipso_sa_reqids (-1: not valid). */
static int reqid_bit(uint32_t r)
{
	struct ipso_sa_reqids b;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(E.cls->maps.ipso_sa_reqids),
				&zero, &b) || !b.valid)
		return -1;
	return (b.w[(r >> 6) % IPSO_REQID_WORDS] >> (r & 63)) & 1;
}

/*
 * The reqid filter in front of the SA index: set before an SA's index key
 * exists, cleared after the last one with that reqid is gone; another
 * reqid on the same bit does not make a wrong SA appear; a second mirror
 * keeps the bits of what it adopts.
 */
static void test_reqid_filter(void)
{
	struct pspec s = udp4("10.0.0.1", "10.6.0.9", 1, 1);
	struct ipso_policy_desc d;
	struct ipso_sa_desc sa, sb;
	struct ipso_mirror *m2;

	flush();
	pol_init(&d, AF_INET, OUT, 310, 10, IPSO_ACT_PROTECT, "10.0.0.0", 24,
		 "10.6.0.0", 24);
	pol_tmpl(&d, 77, IPSO_MODE_TUNNEL, "192.0.2.1", "192.0.2.3", false);
	put(&d);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(reqid_bit(77) == 0 && (X.res.flags & IPSO_CLS_F_NO_SA) &&
	      !(X.res.flags & IPSO_CLS_F_SA_FOUND),
	      "no SA with reqid 77: bit clear, no SA (bit %d flags %#x)",
	      reqid_bit(77), X.res.flags);
	/* reqid 77 + 2^16 shares the bit: looked up, not taken */
	sa_init(&sb, AF_INET, "192.0.2.1", "192.0.2.3", 0x3002, 77 + 65536,
		IPSO_MODE_TUNNEL, OUT, 1000);
	ipso_mirror_put_sa(E.m, &sb);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(reqid_bit(77) == 1 && (X.res.flags & IPSO_CLS_F_NO_SA) &&
	      !(X.res.flags & IPSO_CLS_F_SA_FOUND),
	      "an SA with reqid 77 + 2^16: bit set, still no SA (flags %#x)",
	      X.res.flags);
	sa_init(&sa, AF_INET, "192.0.2.1", "192.0.2.3", 0x3001, 77,
		IPSO_MODE_TUNNEL, OUT, 1000);
	ipso_mirror_put_sa(E.m, &sa);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK((X.res.flags & IPSO_CLS_F_SA_FOUND) &&
	      X.res.sa.spi == htonl(0x3001),
	      "SA with reqid 77 added: found (flags %#x spi %#x)",
	      X.res.flags, ntohl(X.res.sa.spi));
	m2 = ipso_mirror_open(IPSO_PIN_DIR);
	CHECK(m2 && reqid_bit(77) == 1,
	      "a second mirror adopting the SAs keeps the bit (%d)",
	      reqid_bit(77));
	ipso_mirror_close(m2);
	cls(&s, OUT, 1, 2);
	CHECK(X.res.flags & IPSO_CLS_F_SA_FOUND,
	      "and the SA is still found (flags %#x)", X.res.flags);
	ipso_mirror_del_sa(E.m, &sa.key);
	ipso_mirror_del_sa(E.m, &sb.key);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(reqid_bit(77) == 0 && (X.res.flags & IPSO_CLS_F_NO_SA),
	      "both deleted: bit clear again, no SA (bit %d flags %#x)",
	      reqid_bit(77), X.res.flags);
	flush();
}

static void test_cache_fill(void)
{
	struct ipso_policy_desc d;
	struct pspec s = udp4("10.0.0.1", "10.6.0.9", 1, 1);
	int i;

	flush();
	pol_init(&d, AF_INET, OUT, 500, 10, IPSO_ACT_BLOCK, NULL, 0,
		 "10.6.0.0", 16);
	put(&d);
	commit();
	cls(&s, OUT, 1, 0);
	cls(&s, OUT, 1, 0);
	CHECK((X.res.flags & IPSO_CLS_F_CACHE_HIT) &&
	      X.res.policy_index == 500,
	      "a one-candidate search is cached too (a fill is a plain "
	      "write; flags %#x)", X.res.flags);
	/* a long search (many non-matching candidates first) is cached */
	for (i = 0; i < 12; i++) {
		pol_init(&d, AF_INET, OUT, 600 + 8 * i, 1, IPSO_ACT_BYPASS,
			 "172.16.0.0", 32, "10.6.0.0", 16);
		d.sel.saddr.a8[3] = i + 1;
		put(&d);
	}
	commit();
	cls(&s, OUT, 1, 0);
	cls(&s, OUT, 1, 0);
	CHECK((X.res.flags & IPSO_CLS_F_CACHE_HIT) &&
	      X.res.policy_index == 500,
	      "a %d-step search is cached (flags %#x idx %u)",
	      13, X.res.flags, X.res.policy_index);
}

/*
 * The IPv4 first stage (ipso_spd_dir16 + ipso_spd_pfx4): nested
 * destination prefixes /0 ../32 with better priorities deeper down; each
 * flow must find its deepest node, also in another dir, and after
 * deletions the next shorter one.
 */
static void test_dir16(void)
{
	static const struct { const char *dst; int plen; } pf[] = {
		{ "0.0.0.0", 0 }, { "10.0.0.0", 8 }, { "10.7.0.0", 16 },
		{ "10.7.128.0", 17 }, { "10.7.200.0", 24 },
		{ "10.7.200.9", 32 },
	};
	static const struct { const char *dst; int want; } fl[] = {
		{ "192.0.2.1", 0 }, { "10.1.2.3", 1 }, { "10.7.1.1", 2 },
		{ "10.7.129.1", 3 }, { "10.7.200.1", 4 }, { "10.7.200.9", 5 },
	};
	struct ipso_policy_desc d;
	struct pspec s;
	int i, ok = 0;

	flush();
	for (i = 0; i < 6; i++) {
		pol_init(&d, AF_INET, OUT, 900 + 8 * i, 100 - i,
			 IPSO_ACT_BYPASS, NULL, 0, pf[i].dst, pf[i].plen);
		put(&d);
	}
	/* the same /17 in dir in: must not leak into dir out's slots */
	pol_init(&d, AF_INET, IN, 1000, 1, IPSO_ACT_BLOCK, NULL, 0,
		 "10.7.0.0", 17);
	put(&d);
	commit();
	for (i = 0; i < 6; i++) {
		s = udp4("10.0.0.1", fl[i].dst, 1, 1);
		cls(&s, OUT, 1, 0);
		ok += X.res.policy_index == 900 + 8 * (unsigned)fl[i].want;
		if (X.res.policy_index != 900 + 8 * (unsigned)fl[i].want)
			printf("  %s: index %u, want %u\n", fl[i].dst,
			       X.res.policy_index, 900 + 8 * fl[i].want);
	}
	CHECK(ok == 6, "IPv4 first stage: 6 nested prefixes /0../32, each "
	      "flow finds its deepest node (%d of 6)", ok);
	s = udp4("10.0.0.1", "10.7.1.1", 1, 1);
	cls(&s, IN, 1, 0);
	CHECK(X.res.policy_index == 1000 && X.res.verdict == IPSO_CLS_BLOCK,
	      "same /17 in dir in, separate slots (index %u)",
	      X.res.policy_index);
	ipso_mirror_del_policy(E.m, OUT, 900 + 8 * 4);	/* the /24 */
	ipso_mirror_del_policy(E.m, OUT, 900 + 8 * 2);	/* the /16 */
	commit();
	s = udp4("10.0.0.1", "10.7.200.1", 1, 1);
	cls(&s, OUT, 1, 0);
	CHECK(X.res.policy_index == 900 + 8 * 3,
	      "/24 and /16 deleted: a flow in the old /24 falls back to the "
	      "/17 (index %u)", X.res.policy_index);
	s = udp4("10.0.0.1", "10.7.200.9", 1, 1);
	cls(&s, OUT, 1, 0);
	CHECK(X.res.policy_index == 900 + 8 * 5,
	      "the /32 inside it still answers (index %u)",
	      X.res.policy_index);
	s = udp4("10.0.0.1", "10.7.1.1", 1, 1);
	cls(&s, OUT, 1, 0);
	CHECK(X.res.policy_index == 900 + 8 * 1,
	      "the /16's other flows fall back to the /8 (index %u)",
	      X.res.policy_index);
	flush();
}

/*
 * A /16 with more longer nodes than its slot holds (IPSO_DIR16_WAYS) is
 * looked up through ipso_spd_pfx4; after deletions it fits again.
 */
static void test_dir16_many(void)
{
	static const struct { const char *dst; int plen; } pf[] = {
		{ "10.0.0.0", 8 }, { "10.9.0.0", 17 }, { "10.9.1.0", 24 },
		{ "10.9.1.7", 32 }, { "10.9.2.0", 24 }, { "10.9.200.0", 24 },
		{ "10.9.1.0", 28 },
	};
	/* destination, expected policy before and after the deletions */
	static const struct { const char *dst; int want, after; } fl[] = {
		{ "10.9.1.7", 3, 3 }, { "10.9.1.9", 6, 2 },
		{ "10.9.1.99", 2, 2 }, { "10.9.2.5", 4, 1 },
		{ "10.9.100.1", 1, 1 }, { "10.9.200.1", 5, 0 },
		{ "10.9.129.1", 0, 0 }, { "10.8.1.7", 0, 0 },
	};
	struct ipso_policy_desc d;
	struct pspec s;
	int i, ok = 0, ok2 = 0;

	flush();
	for (i = 0; i < 7; i++) {
		pol_init(&d, AF_INET, OUT, 2000 + 8 * i, 100 - pf[i].plen,
			 IPSO_ACT_BYPASS, NULL, 0, pf[i].dst, pf[i].plen);
		put(&d);
	}
	commit();
	for (i = 0; i < 8; i++) {
		s = udp4("10.0.0.1", fl[i].dst, 1, 1);
		cls(&s, OUT, 1, 0);
		ok += X.res.policy_index == 2000 + 8 * (unsigned)fl[i].want;
	}
	CHECK(ok == 8, "a /16 with 6 longer nodes (probed by length): "
	      "each flow finds its deepest node (%d of 8)", ok);
	for (i = 4; i < 7; i++)
		ipso_mirror_del_policy(E.m, OUT, 2000 + 8 * i);
	commit();
	for (i = 0; i < 8; i++) {
		s = udp4("10.0.0.1", fl[i].dst, 1, 1);
		cls(&s, OUT, 1, 0);
		ok2 += X.res.policy_index == 2000 + 8 * (unsigned)fl[i].after;
		if (X.res.policy_index != 2000 + 8 * (unsigned)fl[i].after)
			printf("  %s: index %u, want %u\n", fl[i].dst,
			       X.res.policy_index, 2000 + 8 * fl[i].after);
	}
	CHECK(ok2 == 8, "three deleted, the rest in the /16's slot: each "
	      "flow finds its deepest node (%d of 8)", ok2);
	flush();
}

static int count_pol(const struct ipso_policy_desc *p, void *ctx)
{
	(void)p;
	(*(int *)ctx)++;
	return 0;
}

/*
 * A second process opening the maps (a restarted daemon): it adopts
 * what the first committed, and its full sync replaces it.
 */
static void test_adopt(void)
{
	struct ipso_policy_desc a, b;
	struct pspec s = udp4("10.0.0.1", "10.8.0.1", 1, 1);
	struct ipso_mirror *m2;
	int n = 0;

	flush();
	pol_init(&a, AF_INET, OUT, 700, 10, IPSO_ACT_BLOCK, NULL, 0,
		 "10.8.0.0", 16);
	put(&a);
	pol_init(&b, AF_INET, OUT, 708, 5, IPSO_ACT_BYPASS, NULL, 0,
		 "10.8.0.0", 24);
	put(&b);
	commit();
	m2 = ipso_mirror_open(IPSO_PIN_DIR);
	CHECK(m2 != NULL, "a second mirror opens the pinned maps");
	if (!m2)
		return;
	ipso_mirror_for_each_policy(m2, count_pol, &n);
	CHECK(n == 2, "it sees the 2 committed policies (%d)", n);
	/* its own sync (as after a restart): only policy 700 is left */
	ipso_mirror_begin_sync(m2);
	ipso_mirror_put_policy(m2, &a);
	ipso_mirror_end_sync(m2);
	CHECK(!ipso_mirror_commit(m2), "its sync commits");
	cls(&s, OUT, 1, 0);
	CHECK(X.res.verdict == IPSO_CLS_BLOCK && X.res.policy_index == 700,
	      "policy 708, absent from the new sync, is gone (idx %u)",
	      X.res.policy_index);
	n = 0;
	ipso_mirror_for_each_policy(m2, count_pol, &n);
	CHECK(n == 1, "one policy left in the maps (%d)", n);
	ipso_mirror_close(m2);
	/* the first mirror's shadow is stale now: resync it */
	ipso_mirror_begin_sync(E.m);
	ipso_mirror_end_sync(E.m);
	commit();
}

/*
 * Tie rules of 6.1 (IPSO_TIE_LEGACY), as the guest's differential
 * test found them: at equal priority an exact policy beats inexact ones,
 * except the inexact policy numbered pos 0 -- and 6.1 numbers pos only
 * when it inserts an inexact policy.  Same script in >= 6.12 order.
 */
static void tie_script(bool legacy, uint32_t want1, uint32_t want2,
		       uint32_t want3)
{
	const char *mode = legacy ? "legacy" : "pos";
	struct ipso_policy_desc a, b, c, d;
	struct pspec s = udp4("10.0.0.1", "10.9.1.1", 1, 1);
	struct ipso_mirror *m;

	flush();
	m = ipso_mirror_open(IPSO_PIN_DIR);
	if (!m) {
		CHECK(0, "%s: mirror open", mode);
		return;
	}
	ipso_mirror_set_tie_order(m, legacy ? IPSO_TIE_LEGACY : IPSO_TIE_POS);
	ipso_mirror_begin_sync(m);	/* adopt and drop what E.m wrote */
	ipso_mirror_end_sync(m);
	pol_init(&a, AF_INET, OUT, 800, 5, IPSO_ACT_BLOCK, NULL, 0,
		 "10.9.1.0", 24);
	pol_init(&b, AF_INET, OUT, 808, 5, IPSO_ACT_BYPASS, "10.0.0.1", 32,
		 "10.9.1.1", 32);
	pol_init(&c, AF_INET, OUT, 816, 5, IPSO_ACT_BLOCK, "10.0.0.0", 8,
		 "10.9.0.0", 16);
	pol_init(&d, AF_INET, OUT, 824, 9, IPSO_ACT_BLOCK, NULL, 0,
		 "192.0.2.0", 24);
	ipso_mirror_put_policy(m, &a);
	ipso_mirror_put_policy(m, &b);
	ipso_mirror_put_policy(m, &c);
	ipso_mirror_commit(m);
	cls(&s, OUT, 1, 0);
	CHECK(X.res.policy_index == want1,
	      "%s ties: inexact head A, exact B, inexact C -> %u (got %u)",
	      mode, want1, X.res.policy_index);
	ipso_mirror_del_policy(m, OUT, 800);
	ipso_mirror_commit(m);
	cls(&s, OUT, 1, 0);
	CHECK(X.res.policy_index == want2,
	      "%s ties: head A deleted, no insert since -> %u (got %u)",
	      mode, want2, X.res.policy_index);
	ipso_mirror_put_policy(m, &d);
	ipso_mirror_commit(m);
	cls(&s, OUT, 1, 0);
	CHECK(X.res.policy_index == want3,
	      "%s ties: an inexact insert renumbers pos -> %u (got %u)",
	      mode, want3, X.res.policy_index);
	ipso_mirror_begin_sync(m);
	ipso_mirror_end_sync(m);
	ipso_mirror_commit(m);
	ipso_mirror_close(m);
	ipso_mirror_begin_sync(E.m);	/* E.m's shadow is stale now */
	ipso_mirror_end_sync(E.m);
	commit();
}

/*
 * Writers in other processes (daemon lease, attach's mark layout) must not
 * put back an older generation: they store their own fields only.
 */
static void test_config_fields(void)
{
	struct ipso_config c, *m = ipso_config_map(E.fd_config);
	__u32 zero = 0;
	__u64 g;
	int fd;

	CHECK(m != NULL, "ipso_config maps (BPF_F_MMAPABLE)");
	if (!m)
		return;
	bpf_map_lookup_elem(E.fd_config, &zero, &c);
	g = c.generation;
	/* another process moves the generation on ... */
	c.generation = g + 2;
	bpf_map_update_elem(E.fd_config, &zero, &c, BPF_ANY);
	/* ... while this one, mapped earlier, writes its fields */
	ipso_config_set_lease(m, 12345);
	ipso_config_set_marks(m, 0x5a000000, 0xff000000, 0x00ffffff);
	bpf_map_lookup_elem(E.fd_config, &zero, &c);
	CHECK(c.generation == g + 2 && c.live_until_ns == 12345 &&
	      c.mark_magic_mask == 0xff000000,
	      "lease and mark layout written, the other's generation kept "
	      "(%llu, want %llu)", (unsigned long long)c.generation,
	      (unsigned long long)(g + 2));
	CHECK(ipso_config_bump_generation(m, true) == g + 3 &&
	      ipso_config_bump_generation(m, true) == g + 5 &&
	      ipso_config_bump_generation(m, false) == g + 6 &&
	      ipso_config_bump_generation(m, false) == g + 8,
	      "generation bumps are monotonic from odd and even values");
	ipso_config_set_lease(m, 0);
	ipso_config_unmap(m);

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "stale_cfg", 4,
			    sizeof(struct ipso_config), 1, NULL);
	m = fd >= 0 ? ipso_config_map(fd) : NULL;
	CHECK(fd >= 0 && !m && errno == EINVAL,
	      "an ipso_config pinned without BPF_F_MMAPABLE is refused");
	if (fd >= 0)
		close(fd);
}

static void test_tie_rules(void)
{
	tie_script(true, 800, 808, 816);
	tie_script(false, 800, 808, 808);
}

/*
 * `ipsec-offload explain`'s own path: a fresh explainer and the frame
 * spd_explain_frame() builds from the flow.
 */
static void test_loader_explain(void)
{
	struct spd_explain_req r;
	struct ipso_explain_out o;
	struct spd_explainer x;
	int err;

	memset(&r, 0, sizeof(r));
	r.family = AF_INET6;
	addr_parse(AF_INET6, "2001:db8::1", &r.saddr);
	addr_parse(AF_INET6, "2001:db8::2", &r.daddr);
	r.proto = IPPROTO_UDP;
	r.sport = 1;
	r.dport = 1;
	r.dir = OUT;
	err = spd_explain_open(&x, IPSO_PIN_DIR);
	if (!err)
		err = spd_explain_run(&x, &r, &o);
	CHECK(!err && o.parse == 0 && o.res.verdict == IPSO_CLS_PROTECT &&
	      o.res.policy_index == 400 && o.res.sa.spi == htonl(0x2001) &&
	      x.retval == IPSO_CLS_PROTECT,
	      "spd_explain_run() (the CLI's path): policy %u, SA spi %#x (err %d)",
	      o.res.policy_index, ntohl(o.res.sa.spi), err);
	/* every protocol XFRM takes ports of carries them in the frame */
	r.proto = IPPROTO_SCTP;
	r.sport = 3868;
	r.dport = 2905;
	err = spd_explain_run(&x, &r, &o);
	CHECK(!err && o.parse == 0 && o.flow.proto == IPPROTO_SCTP &&
	      o.flow.sport == htons(3868) && o.flow.dport == htons(2905),
	      "explain frame of an SCTP flow: ports %u -> %u (err %d)",
	      ntohs(o.flow.sport), ntohs(o.flow.dport), err);
	r.proto = IPPROTO_ICMPV6;
	r.sport = 128;
	r.dport = 3;
	err = spd_explain_run(&x, &r, &o);
	CHECK(!err && o.parse == 0 && o.flow.sport == htons(128) &&
	      o.flow.dport == htons(3),
	      "explain frame of an ICMPv6 flow: type %u code %u (err %d)",
	      ntohs(o.flow.sport), ntohs(o.flow.dport), err);
	spd_explain_close(&x);
}

static void test_transport_sa(void)
{
	struct ipso_policy_desc d;
	struct ipso_sa_desc sa;
	struct pspec s = udp6("2001:db8::1", "2001:db8::2", 1, 1);

	flush();
	pol_init(&d, AF_INET6, OUT, 400, 10, IPSO_ACT_PROTECT, "2001:db8::1",
		 128, "2001:db8::2", 128);
	pol_tmpl(&d, 7, IPSO_MODE_TRANSPORT, NULL, NULL, true);
	put(&d);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK(X.res.verdict == IPSO_CLS_PROTECT &&
	      !(X.res.flags & (IPSO_CLS_F_REQUIRE | IPSO_CLS_F_NO_SA)),
	      "optional (level use) template without SA: not held (%#x)",
	      X.res.flags);
	sa_init(&sa, AF_INET6, "2001:db8::1", "2001:db8::2", 0x2001, 7,
		IPSO_MODE_TRANSPORT, OUT, 5);
	ipso_mirror_put_sa(E.m, &sa);
	commit();
	cls(&s, OUT, 1, 0);
	CHECK((X.res.flags & IPSO_CLS_F_SA_FOUND) &&
	      X.res.sa.spi == htonl(0x2001),
	      "IPv6 transport SA resolved by flow addresses (spi %#x)",
	      ntohl(X.res.sa.spi));
	s = udp6("2001:db8::3", "2001:db8::2", 1, 1);
	cls(&s, OUT, 1, 0);
	CHECK(X.res.verdict == IPSO_CLS_NONE, "other source: no policy (%u)",
	      X.res.verdict);
}

int main(void)
{
	if (tenv_open(&E)) {
		printf("FAIL: cannot load the datapath objects\n");
		return 1;
	}
	test_empty();
	test_fields_v4();
	test_priority_ties();
	test_v6_and_l2();
	test_malformed();
	test_cut_list();
	cache_always = true;
	test_cache_and_sa();
	cache_always = false;
	test_cache_fill();
	test_dir16();
	test_dir16_many();
	test_reqid_filter();
	test_transport_sa();
	test_loader_explain();
	test_adopt();
	test_tie_rules();
	test_config_fields();
	tenv_close(&E);
	return t_finish();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP gateway fast path (ipso_fastpath) through BPF_PROG_TEST_RUN on
 * a forwarding namespace (tests/host/bpf_lib.sh "gw": inside in0, the
 * offload device out0, routes and neighbours), policies and SAs written
 * by the mirror, offload entries and the devmap written as the module
 * and the loader would.  A redirect is checked byte for byte against the
 * frame the kernel would send (next hop's MACs, TTL / hop limit, IPv4
 * checksum recomputed in full) and its metadata; a pass must leave the
 * frame and its metadata untouched; each outcome is counted once under
 * its reason.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "tlib.h"
#include "sync.h"
#include "ipsec_offload/mark.h"

static struct tenv E;
static uint32_t if_in, if_out;
static uint8_t out_mac[6];

#define XDP_DROP_	1
#define XDP_PASS_	2
#define XDP_REDIRECT_	4
#define L3		14	/* Ethernet header, no tag */

static const uint8_t mac_nh[6] = { 2, 0, 0, 0, 1, 2 };	/* remote nets */
static const uint8_t mac_peer[6] = { 2, 0, 0, 0, 1, 3 };	/* peer GWs */

/* Handles the "module" gave SAs: tunnel v4, transport v4, v6, inside. */
#define H_TUN4	21
#define H_TRA4	23
#define H_IN4	25
#define H_TUN6	31

static struct ipso_sa_key sa_tun4, sa_tra4, sa_in4, sa_tun6;

/* The device's MAC (ioctl: /sys shows another namespace's devices). */
static int read_mac(const char *dev, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	err = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (err)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

static uint16_t csum_fold(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (p[i] << 8) | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

/* The IPv4 header checksum, recomputed from scratch. */
static void ip4_csum(uint8_t *ip)
{
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = csum_fold(ip, 20);
	ip[10] = c >> 8;
	ip[11] = c;
}

static void set_ttl(struct pkt *p, int family, uint8_t ttl)
{
	if (family == AF_INET) {
		p->b[L3 + 8] = ttl;
		ip4_csum(p->b + L3);
	} else {
		p->b[L3 + 7] = ttl;
	}
}

/* The frame the kernel would send for p: next hop's MACs, TTL - 1. */
static void expect_forwarded(struct pkt *x, const struct pkt *p, int family,
			     const uint8_t dmac[6])
{
	*x = *p;
	memcpy(x->b, dmac, 6);
	memcpy(x->b + 6, out_mac, 6);
	if (family == AF_INET) {
		x->b[L3 + 8]--;
		ip4_csum(x->b + L3);
	} else {
		x->b[L3 + 7]--;
	}
}

/* The XDP program must pass p, untouched, counted under stat. */
static void fp_pass(const char *what, const struct pkt *p,
		    const void *meta, size_t meta_len, uint32_t stat)
{
	uint64_t before = t_stat(&E, stat), after, was[IPSO_STAT__MAX];
	uint8_t mo[32];
	size_t mlen = 99;
	struct pkt out;
	uint32_t i;
	int r;

	for (i = 0; i < IPSO_STAT__MAX; i++)
		was[i] = t_stat(&E, i);
	r = t_xdp_run(E.fd_fp, p, meta, meta_len, if_in, &out, mo, &mlen);
	after = t_stat(&E, stat);
	/* on a wrong reason, say which one moved */
	for (i = 0; i < IPSO_STAT__MAX && after == before; i++)
		if (t_stat(&E, i) != was[i])
			printf("note: counter %u moved instead\n", i);
	CHECK(r == XDP_PASS_ && after == before + 1 && out.len == p->len &&
	      !memcmp(out.b, p->b, p->len) && mlen == meta_len &&
	      (!meta_len || !memcmp(mo, meta, meta_len)),
	      "%s: %s, counter %u +%llu, frame %s", what,
	      r == XDP_PASS_ ? "pass" : r == XDP_REDIRECT_ ? "REDIRECT" : "?",
	      stat, (unsigned long long)(after - before),
	      out.len == p->len && !memcmp(out.b, p->b, p->len) &&
	      mlen == meta_len ? "untouched" : "CHANGED");
}

static void fp_pass_spec(const char *what, const struct pspec *s,
			 uint32_t stat)
{
	struct pkt p;

	pkt_build(&p, s);
	fp_pass(what, &p, NULL, 0, stat);
}

/*
 * The program must redirect p to out0 as the kernel would forward it,
 * with {magic, handle, ENCRYPT} as the frame's only metadata.
 */
static void fp_redirect(const char *what, const struct pkt *p, int family,
			const uint8_t dmac[6], uint32_t handle)
{
	uint64_t before = t_stat(&E, IPSO_STAT_FP_REDIRECT), after;
	struct ipso_xdp_meta m;
	struct pkt out, want;
	uint8_t mo[32];
	size_t mlen = 0;
	bool frame_ok, meta_ok, csum_ok = true;
	int r;

	expect_forwarded(&want, p, family, dmac);
	r = t_xdp_run(E.fd_fp, p, NULL, 0, if_in, &out, mo, &mlen);
	after = t_stat(&E, IPSO_STAT_FP_REDIRECT);
	frame_ok = out.len == want.len && !memcmp(out.b, want.b, want.len);
	memcpy(&m, mo, sizeof(m));
	meta_ok = mlen == sizeof(m) && m.magic == IPSO_XDP_META_MAGIC &&
		  m.handle == handle && m.flags == IPSO_META_F_ENCRYPT &&
		  !m.syndrome && !m.reserved;
	if (family == AF_INET)
		csum_ok = csum_fold(out.b + L3, 20) == 0;
	CHECK(r == XDP_REDIRECT_ && after == before + 1 && frame_ok &&
	      meta_ok && csum_ok,
	      "%s: %s, redirects +%llu, MACs/TTL %s, checksum %s, "
	      "metadata %s (handle %u)", what,
	      r == XDP_REDIRECT_ ? "redirect" : r == XDP_PASS_ ? "PASS" : "?",
	      (unsigned long long)(after - before),
	      frame_ok ? "as forwarded" : "WRONG", csum_ok ? "ok" : "BAD",
	      meta_ok ? "ok" : "WRONG", m.handle);
}

static void fp_redirect_spec(const char *what, const struct pspec *s,
			     const uint8_t dmac[6], uint32_t handle)
{
	struct pkt p;

	pkt_build(&p, s);
	fp_redirect(what, &p, s->family, dmac, handle);
}

static struct pspec udp4(const char *src, const char *dst)
{
	static const uint8_t pl[32];
	struct pspec s = { .family = AF_INET, .src = src, .dst = dst,
			   .proto = IPPROTO_UDP, .sport = 1000, .dport = 2000,
			   .payload = pl, .payload_len = sizeof(pl) };
	return s;
}

static struct pspec udp6(const char *src, const char *dst)
{
	struct pspec s = udp4(src, dst);

	s.family = AF_INET6;
	return s;
}

/* What the module writes once a driver accepted SA k on ifindex. */
static void put_offload(const struct ipso_sa_key *k, uint32_t ifindex,
			uint32_t state, uint32_t handle, uint32_t flags)
{
	struct ipso_offload_key ok;
	struct ipso_offload_val ov = { .state = state, .handle = handle,
				       .flags = flags };

	memset(&ok, 0, sizeof(ok));
	ok.sa = *k;
	ok.ifindex = ifindex;
	if (bpf_map_update_elem(E.fd_offload, &ok, &ov, BPF_ANY))
		perror("ipso_offload");
}

static void del_offload(const struct ipso_sa_key *k, uint32_t ifindex)
{
	struct ipso_offload_key ok;

	memset(&ok, 0, sizeof(ok));
	ok.sa = *k;
	ok.ifindex = ifindex;
	bpf_map_delete_elem(E.fd_offload, &ok);
}

static void put_sa(struct ipso_sa_key *key, int family, const char *src,
		   const char *dst, uint32_t spi, uint32_t reqid, uint8_t mode)
{
	struct ipso_sa_desc sa;

	sa_init(&sa, family, src, dst, spi, reqid, mode, IPSO_DIR_OUT, 1);
	ipso_mirror_put_sa(E.m, &sa);
	*key = sa.key;
}

static void out_tunnel(uint32_t index, uint32_t prio, int family,
		       const char *src, int splen, const char *dst, int dplen,
		       uint32_t reqid, const char *tsrc, const char *tdst)
{
	struct ipso_policy_desc d;

	pol_init(&d, family, IPSO_DIR_OUT, index, prio, IPSO_ACT_PROTECT,
		 src, splen, dst, dplen);
	pol_tmpl(&d, reqid, IPSO_MODE_TUNNEL, tsrc, tdst, false);
	ipso_mirror_put_policy(E.m, &d);
}

static void plain_policy(uint8_t dir, uint32_t index, uint8_t action,
			 int family, const char *src, int splen,
			 const char *dst, int dplen)
{
	struct ipso_policy_desc d;

	pol_init(&d, family, dir, index, 10, action, src, splen, dst, dplen);
	ipso_mirror_put_policy(E.m, &d);
}

/* The gateway's SPD (kernel policy indexes: 8 n + dir) and SAD. */
static void setup_spd(void)
{
	struct ipso_policy_desc d;

	/* inside -> remote 10.9/16: tunnel to the peer 203.0.113.9 */
	out_tunnel(9, 100, AF_INET, "192.168.1.0", 24, "10.9.0.0", 16, 1,
		   "198.51.100.1", "203.0.113.9");
	put_sa(&sa_tun4, AF_INET, "198.51.100.1", "203.0.113.9", 0x100, 1,
	       IPSO_MODE_TUNNEL);
	plain_policy(IPSO_DIR_OUT, 17, IPSO_ACT_BYPASS, AF_INET,
		     "192.168.1.0", 24, "10.9.1.0", 24);
	plain_policy(IPSO_DIR_OUT, 25, IPSO_ACT_BLOCK, AF_INET,
		     "192.168.1.0", 24, "10.9.2.0", 24);
	/* reqid 2: no SA */
	out_tunnel(33, 10, AF_INET, "192.168.1.0", 24, "10.9.3.0", 24, 2,
		   "198.51.100.1", "203.0.113.9");
	/* a bundle of two templates */
	pol_init(&d, AF_INET, IPSO_DIR_OUT, 41, 10, IPSO_ACT_PROTECT,
		 "192.168.1.0", 24, "10.9.4.0", 24);
	pol_tmpl(&d, 1, IPSO_MODE_TUNNEL, "198.51.100.1", "203.0.113.9",
		 false);
	pol_tmpl(&d, 1, IPSO_MODE_TUNNEL, "198.51.100.1", "203.0.113.9",
		 false);
	ipso_mirror_put_policy(E.m, &d);
	/* a mark-dependent policy first for .69 */
	pol_init(&d, AF_INET, IPSO_DIR_OUT, 49, 10, IPSO_ACT_BYPASS,
		 "192.168.1.69", 32, "10.9.0.0", 16);
	d.mark_v = 1;
	d.mark_m = 1;
	ipso_mirror_put_policy(E.m, &d);
	/* transport mode host to host */
	pol_init(&d, AF_INET, IPSO_DIR_OUT, 57, 10, IPSO_ACT_PROTECT,
		 "192.168.1.20", 32, "10.9.7.7", 32);
	pol_tmpl(&d, 3, IPSO_MODE_TRANSPORT, NULL, NULL, false);
	ipso_mirror_put_policy(E.m, &d);
	put_sa(&sa_tra4, AF_INET, "192.168.1.20", "10.9.7.7", 0x300, 3,
	       IPSO_MODE_TRANSPORT);
	/* a tunnel whose peer is routed out of the inside device */
	out_tunnel(73, 10, AF_INET, "192.168.1.0", 24, "10.9.8.0", 24, 5,
		   "198.51.100.1", "192.168.1.250");
	put_sa(&sa_in4, AF_INET, "198.51.100.1", "192.168.1.250", 0x500, 5,
	       IPSO_MODE_TUNNEL);
	/* dir fwd: .66 blocked, .67 must arrive as ESP, .68 level use */
	plain_policy(IPSO_DIR_FWD, 82, IPSO_ACT_BLOCK, AF_INET,
		     "192.168.1.66", 32, "0.0.0.0", 0);
	pol_init(&d, AF_INET, IPSO_DIR_FWD, 90, 10, IPSO_ACT_PROTECT,
		 "192.168.1.67", 32, "0.0.0.0", 0);
	pol_tmpl(&d, 9, IPSO_MODE_TUNNEL, "203.0.113.9", "198.51.100.1",
		 false);
	ipso_mirror_put_policy(E.m, &d);
	pol_init(&d, AF_INET, IPSO_DIR_FWD, 98, 10, IPSO_ACT_PROTECT,
		 "192.168.1.68", 32, "0.0.0.0", 0);
	pol_tmpl(&d, 9, IPSO_MODE_TUNNEL, "203.0.113.9", "198.51.100.1",
		 true);
	ipso_mirror_put_policy(E.m, &d);
	/* IPv6: inside fd00:1::/64 -> fd00:9::/48 to 2001:db8:200::9 */
	out_tunnel(65, 100, AF_INET6, "fd00:1::", 64, "fd00:9::", 48, 4,
		   "2001:db8:100::1", "2001:db8:200::9");
	put_sa(&sa_tun6, AF_INET6, "2001:db8:100::1", "2001:db8:200::9",
	       0x400, 4, IPSO_MODE_TUNNEL);
	plain_policy(IPSO_DIR_OUT, 105, IPSO_ACT_BYPASS, AF_INET6,
		     "fd00:1::", 64, "fd00:9:0:1::", 64);
	ipso_mirror_commit(E.m);
	CHECK(ipso_sync_defaults(E.m) == 0,
	      "the namespace's fwd default read (XFRM_MSG_GETDEFAULT)");
}

static void put_devmap(uint32_t ifindex)
{
	struct bpf_devmap_val v = { .ifindex = ifindex };

	if (bpf_map_update_elem(E.fd_devmap, &ifindex, &v, BPF_ANY))
		perror("ipso_fp_devmap");
}

static void test_not_ready(void)
{
	struct pspec s = udp4("192.168.1.5", "10.9.9.9");

	fp_pass_spec("mirror never committed (generation 0)", &s,
		     IPSO_STAT_FP_PASS_STALE);
}

/* Redirected packets under policy index, and the bytes, over CPUs. */
static void pol_counters(uint32_t index, uint64_t *pk, uint64_t *by)
{
	struct ipso_pol_counters c[512];
	int i;

	*pk = *by = 0;
	if (E.ncpu > 512 || bpf_map_lookup_elem(E.fd_pol_stats, &index, c))
		return;
	for (i = 0; i < E.ncpu; i++) {
		*pk += c[i].packets;
		*by += c[i].bytes;
	}
}

static uint64_t sa_tx(uint32_t handle)
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

static void test_ipv4(void)
{
	struct pspec s = udp4("192.168.1.5", "10.9.9.9");
	uint64_t pk, by, tx0 = sa_tx(H_TUN4);
	struct pkt p;

	put_offload(&sa_tun4, if_out, IPSO_OFL_OFFLOADED, H_TUN4,
		    IPSO_OFL_F_PACKET);
	put_offload(&sa_tra4, if_out, IPSO_OFL_OFFLOADED, H_TRA4,
		    IPSO_OFL_F_PACKET);
	put_offload(&sa_in4, if_out, IPSO_OFL_OFFLOADED, H_IN4,
		    IPSO_OFL_F_PACKET);
	fp_pass_spec("egress device not in the devmap", &s,
		     IPSO_STAT_FP_PASS_NO_DEV);
	put_devmap(if_out);
	fp_redirect_spec("IPv4 tunnel SA offloaded in packet mode: to the "
			 "peer's next hop", &s, mac_peer, H_TUN4);
	fp_redirect_spec("again (flow cache hit)", &s, mac_peer, H_TUN4);
	pol_counters(9, &pk, &by);
	pkt_build(&p, &s);
	CHECK(pk == 2 && by == 2 * p.len && sa_tx(H_TUN4) == tx0 + 2,
	      "per-policy counters %llu packets %llu bytes, SA tx +%llu",
	      (unsigned long long)pk, (unsigned long long)by,
	      (unsigned long long)(sa_tx(H_TUN4) - tx0));
	s = udp4("192.168.1.20", "10.9.7.7");
	fp_redirect_spec("IPv4 transport SA: to the destination's next hop",
			 &s, mac_nh, H_TRA4);
	s = udp4("192.168.1.5", "10.9.9.9");
	s.proto = IPPROTO_ICMP;
	s.sport = 8;
	fp_redirect_spec("ICMP echo under the tunnel policy", &s, mac_peer,
			 H_TUN4);
	s.proto = IPPROTO_TCP;
	s.sport = 40000;
	s.dport = 443;
	fp_redirect_spec("TCP under the tunnel policy", &s, mac_peer, H_TUN4);
	s = udp4("192.168.1.5", "10.9.9.9");
	pkt_build(&p, &s);
	set_ttl(&p, AF_INET, 2);
	fp_redirect("TTL 2: sent with TTL 1", &p, AF_INET, mac_peer, H_TUN4);
	s = udp4("192.168.1.68", "10.9.9.9");
	fp_redirect_spec("dir fwd protect with an optional template (level "
			 "use): allowed", &s, mac_peer, H_TUN4);
}

static void test_ipv4_pass(void)
{
	static const uint8_t big[1500];
	struct ipso_xdp_meta m = { .magic = IPSO_XDP_META_MAGIC, .handle = 7,
				   .flags = IPSO_META_F_DECRYPTED };
	struct pspec s = udp4("192.168.1.5", "10.9.9.9");
	struct pkt p;

	pkt_build(&p, &s);
	set_ttl(&p, AF_INET, 1);
	fp_pass("TTL 1", &p, NULL, 0, IPSO_STAT_FP_PASS_TTL);
	s.v4_opts = 4;
	fp_pass_spec("IPv4 options", &s, IPSO_STAT_FP_PASS_HEADER);
	s.v4_opts = 0;
	s.v4_frag = true;
	fp_pass_spec("IPv4 fragment", &s, IPSO_STAT_FP_PASS_FRAG);
	s.v4_frag = false;
	s.vlans = 1;
	fp_pass_spec("802.1Q tag", &s, IPSO_STAT_FP_PASS_HEADER);
	s.vlans = 0;
	pkt_build(&p, &s);
	fp_pass("frame with NIC metadata", &p, &m, sizeof(m),
		IPSO_STAT_FP_PASS_HEADER);
	/* tunnel SA overhead: 8 + 16 + 15 + 2 + 16 (ICV) + 20 = 77 */
	s.payload = big;
	s.payload_len = 1500 - 77 - 28;
	fp_redirect_spec("1423 bytes: fits out0's 1500 once ESP is added", &s,
			 mac_peer, H_TUN4);
	s.payload_len++;
	fp_pass_spec("1424 bytes: too big once ESP is added", &s,
		     IPSO_STAT_FP_PASS_MTU);
	s.payload_len = 1500 - 28 + 1;
	fp_pass_spec("1501 bytes: too big for the route", &s,
		     IPSO_STAT_FP_PASS_MTU);
	s = udp4("192.168.1.5", "10.9.9.9");
	s.proto = IPPROTO_ICMP;
	s.sport = 3;
	fp_pass_spec("ICMP error (the kernel's reverse lookup)", &s,
		     IPSO_STAT_FP_PASS_UNSURE);
	s = udp4("192.168.1.5", "10.9.1.1");
	fp_pass_spec("dir out bypass", &s, IPSO_STAT_FP_PASS_BYPASS);
	s = udp4("192.168.1.5", "10.9.2.1");
	fp_pass_spec("dir out block", &s, IPSO_STAT_FP_PASS_BLOCK);
	s = udp4("192.168.1.5", "10.9.3.1");
	fp_pass_spec("protect, no SA", &s, IPSO_STAT_FP_PASS_NO_SA);
	s = udp4("192.168.1.5", "10.9.4.1");
	fp_pass_spec("bundle of two templates", &s, IPSO_STAT_FP_PASS_BUNDLE);
	s = udp4("192.168.1.69", "10.9.9.9");
	fp_pass_spec("a mark-dependent policy first: unsure", &s,
		     IPSO_STAT_FP_PASS_UNSURE);
	s = udp4("192.168.1.5", "10.8.1.1");
	fp_pass_spec("no dir out policy", &s, IPSO_STAT_FP_PASS_NO_POLICY);
	s = udp4("192.168.1.66", "10.9.9.9");
	fp_pass_spec("dir fwd block", &s, IPSO_STAT_FP_PASS_FWD_POLICY);
	s = udp4("192.168.1.67", "10.9.9.9");
	fp_pass_spec("dir fwd protect, required template", &s,
		     IPSO_STAT_FP_PASS_FWD_POLICY);
	s = udp4("192.168.1.5", "10.7.1.1");
	fp_pass_spec("next hop without a neighbour", &s,
		     IPSO_STAT_FP_PASS_FIB);
	s = udp4("192.168.1.5", "198.51.100.1");
	fp_pass_spec("to the gateway itself (local)", &s,
		     IPSO_STAT_FP_PASS_FIB);
	s = udp4("192.168.1.5", "10.9.8.1");
	fp_pass_spec("tunnel peer routed out of another device", &s,
		     IPSO_STAT_FP_PASS_FIB);
}

/* The offload entry decides per packet: cached flows follow it. */
static void test_offload_state(void)
{
	struct pspec s = udp4("192.168.1.5", "10.9.9.9");

	put_offload(&sa_tun4, if_out, IPSO_OFL_OFFLOADED, H_TUN4, 0);
	fp_pass_spec("offloaded, not in packet mode", &s,
		     IPSO_STAT_FP_PASS_NOT_PACKET);
	put_offload(&sa_tun4, if_out, IPSO_OFL_PENDING, 0, IPSO_OFL_F_PACKET);
	fp_pass_spec("offload PENDING", &s, IPSO_STAT_FP_PASS_NOT_OFFLOADED);
	put_offload(&sa_tun4, if_out, IPSO_OFL_OFFLOADED, 0,
		    IPSO_OFL_F_PACKET);
	fp_pass_spec("OFFLOADED with handle 0", &s,
		     IPSO_STAT_FP_PASS_NOT_OFFLOADED);
	del_offload(&sa_tun4, if_out);
	put_offload(&sa_tun4, if_in, IPSO_OFL_OFFLOADED, H_TUN4,
		    IPSO_OFL_F_PACKET);
	fp_pass_spec("offloaded on another device than the egress", &s,
		     IPSO_STAT_FP_PASS_NOT_OFFLOADED);
	del_offload(&sa_tun4, if_in);
	put_offload(&sa_tun4, if_out, IPSO_OFL_OFFLOADED, H_TUN4,
		    IPSO_OFL_F_PACKET);
	fp_redirect_spec("offloaded again: redirected", &s, mac_peer, H_TUN4);
}

static void test_lease(void)
{
	struct pspec s = udp4("192.168.1.5", "10.9.9.9");

	ipso_mirror_set_lease(E.m, t_now_ns() + 60000000000ull);
	fp_redirect_spec("lease valid", &s, mac_peer, H_TUN4);
	ipso_mirror_set_lease(E.m, 1);
	fp_pass_spec("lease expired", &s, IPSO_STAT_FP_PASS_STALE);
	ipso_mirror_set_lease(E.m, 0);
}

/*
 * Plaintext no fwd policy matches is forwarded only under the kernel's
 * fwd default accept: block (`ip xfrm policy setdefault fwd block`, or a
 * default the loader could not read) leaves it to the kernel, which
 * drops it.
 */
static void test_fwd_default(void)
{
	struct pspec s = udp4("192.168.1.5", "10.9.9.9");

	ipso_mirror_set_fwd_accept(E.m, false);
	fp_pass_spec("fwd default block, no fwd policy", &s,
		     IPSO_STAT_FP_PASS_FWD_POLICY);
	CHECK(ipso_sync_defaults(E.m) == 0, "fwd default read again");
	fp_redirect_spec("fwd default accept (read from the kernel): redirected",
			 &s, mac_peer, H_TUN4);
}

static void test_ipv6(void)
{
	struct pspec s = udp6("fd00:1::5", "fd00:9::9");
	static const uint8_t big[1500];
	struct pkt p;

	put_offload(&sa_tun6, if_out, IPSO_OFL_OFFLOADED, H_TUN6,
		    IPSO_OFL_F_PACKET);
	fp_redirect_spec("IPv6 tunnel SA offloaded in packet mode", &s,
			 mac_peer, H_TUN6);
	fp_redirect_spec("IPv6 again (flow cache hit)", &s, mac_peer, H_TUN6);
	pkt_build(&p, &s);
	set_ttl(&p, AF_INET6, 1);
	fp_pass("IPv6 hop limit 1", &p, NULL, 0, IPSO_STAT_FP_PASS_TTL);
	s.v6_ext = 1;
	fp_pass_spec("IPv6 extension header", &s, IPSO_STAT_FP_PASS_HEADER);
	s.v6_ext = 0;
	s.v6_frag = true;
	fp_pass_spec("IPv6 fragment", &s, IPSO_STAT_FP_PASS_FRAG);
	s.v6_frag = false;
	/* IPv6 tunnel SA overhead: 8 + 16 + 15 + 2 + 16 + 40 = 97 */
	s.payload = big;
	s.payload_len = 1500 - 97 - 48;
	fp_redirect_spec("IPv6 1403 bytes: fits", &s, mac_peer, H_TUN6);
	s.payload_len++;
	fp_pass_spec("IPv6 1404 bytes: too big once ESP is added", &s,
		     IPSO_STAT_FP_PASS_MTU);
	s = udp6("fd00:1::5", "fd00:9:0:1::1");
	fp_pass_spec("IPv6 dir out bypass", &s, IPSO_STAT_FP_PASS_BYPASS);
	s = udp6("fe80::5", "fd00:9::9");
	fp_pass_spec("IPv6 link-local source", &s, IPSO_STAT_FP_PASS_FIB);
	s = udp6("fd00:1::5", "fd00:9::9");
	s.proto = IPPROTO_ICMPV6;
	s.sport = 1;
	s.dport = 0;
	fp_pass_spec("ICMPv6 error", &s, IPSO_STAT_FP_PASS_UNSURE);
	s.sport = 128;
	fp_redirect_spec("ICMPv6 echo", &s, mac_peer, H_TUN6);
}

static void test_malformed(void)
{
	struct pspec s = udp4("192.168.1.5", "10.9.9.9");
	struct pkt p;

	pkt_build(&p, &s);
	p.b[12] = 0x08;
	p.b[13] = 0x06;
	fp_pass("ARP", &p, NULL, 0, IPSO_STAT_FP_PASS_NOT_IP);
	pkt_build(&p, &s);
	p.len = L3 + 10;
	fp_pass("IPv4 header cut", &p, NULL, 0, IPSO_STAT_FP_PASS_MALFORMED);
	pkt_build(&p, &s);
	p.b[L3 + 2] = 0x08;	/* tot_len 2048 > the frame */
	ip4_csum(p.b + L3);
	fp_pass("IPv4 length beyond the frame", &p, NULL, 0,
		IPSO_STAT_FP_PASS_MALFORMED);
}

int main(void)
{
	if_in = if_nametoindex("in0");
	if_out = if_nametoindex("out0");
	if (!if_in || !if_out || read_mac("out0", out_mac)) {
		printf("FAIL: in0/out0 missing\n");
		return 1;
	}
	if (tenv_open(&E)) {
		printf("FAIL: cannot load the datapath objects\n");
		return 1;
	}
	test_not_ready();
	setup_spd();
	test_ipv4();
	test_ipv4_pass();
	test_offload_state();
	test_lease();
	test_fwd_default();
	test_ipv6();
	test_malformed();
	tenv_close(&E);
	return t_finish();
}

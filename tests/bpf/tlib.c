// SPDX-License-Identifier: GPL-2.0
/* Test helpers for the datapath; see tlib.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tlib.h"
#include "ipso_classify.skel.h"
#include "ipso_classify_test.skel.h"
#include "ipso_xdp.skel.h"
#include "ipso_tc.skel.h"
#include "ipso_fastpath.skel.h"

int t_failed, t_passed;

static int libbpf_quiet(enum libbpf_print_level lvl, const char *fmt,
			va_list ap)
{
	if (lvl == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int tenv_open(struct tenv *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, o, .pin_root_path = IPSO_PIN_DIR);

	memset(e, 0, sizeof(*e));
	libbpf_set_print(libbpf_quiet);
	mkdir(IPSO_PIN_ROOT, 0700);
	mkdir(IPSO_PIN_DIR, 0700);
	/* the loader's explain, which also creates the pinned maps */
	if (spd_explain_open(&e->ex, IPSO_PIN_DIR))
		return -1;
	e->cls = e->ex.skel;
	e->ncpu = e->ex.ncpu;
	e->test = ipso_classify_test__open_opts(&o);
	if (!e->test ||
	    bpf_map__set_max_entries(e->test->maps.ipso_floor_flows,
				     IPSO_SPD_MAX_POLICIES) ||
	    ipso_classify_test__load(e->test))
		return -1;
	e->xdp = ipso_xdp__open_opts(&o);
	if (!e->xdp || ipso_xdp__load(e->xdp))
		return -1;
	e->tc = ipso_tc__open_opts(&o);
	if (!e->tc || ipso_tc__load(e->tc))
		return -1;
	e->fp = ipso_fastpath__open_opts(&o);
	if (!e->fp || ipso_fastpath__load(e->fp))
		return -1;
	e->fd_fp = bpf_program__fd(e->fp->progs.ipso_fastpath);
	e->fd_pol_stats = bpf_map__fd(e->fp->maps.ipso_pol_stats);
	e->fd_devmap = bpf_map__fd(e->fp->maps.ipso_fp_devmap);
	e->fd_explain = bpf_program__fd(e->cls->progs.ipso_explain);
	e->fd_floor_tc = bpf_program__fd(e->test->progs.ipso_floor_tc);
	e->fd_floor_xdp = bpf_program__fd(e->test->progs.ipso_floor_xdp);
	e->fd_floor_cold = bpf_program__fd(e->test->progs.ipso_floor_tc_cold);
	e->fd_floor_flows = bpf_map__fd(e->test->maps.ipso_floor_flows);
	e->fd_xdp = bpf_program__fd(e->xdp->progs.ipso_xdp_rx);
	e->fd_tc = bpf_program__fd(e->tc->progs.ipso_tc_egress);
	e->fd_tc_test = bpf_program__fd(e->test->progs.ipso_tc_test);
	e->fd_tc_test_sp = bpf_map__fd(e->test->maps.ipso_tc_test_sp);
	e->fd_stats = bpf_map__fd(e->cls->maps.ipso_stats);
	e->fd_config = bpf_map__fd(e->cls->maps.ipso_config);
	e->fd_offload = bpf_map__fd(e->cls->maps.ipso_offload);
	e->fd_handles = bpf_map__fd(e->cls->maps.ipso_handles);
	e->fd_sad = bpf_map__fd(e->cls->maps.ipso_sad);
	e->fd_sa_stats = bpf_map__fd(e->cls->maps.ipso_sa_stats);
	e->fd_cache = bpf_map__fd(e->cls->maps.ipso_flow_cache);
	e->m = ipso_mirror_open(IPSO_PIN_DIR);
	if (!e->m) {
		fprintf(stderr, "mirror open: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

void tenv_close(struct tenv *e)
{
	ipso_mirror_close(e->m);
	ipso_fastpath__destroy(e->fp);
	ipso_tc__destroy(e->tc);
	ipso_xdp__destroy(e->xdp);
	ipso_classify_test__destroy(e->test);
	spd_explain_close(&e->ex);
}

int t_finish(void)
{
	printf("%d passed, %d failed\n", t_passed, t_failed);
	return t_failed ? 1 : 0;
}

void addr_parse(int family, const char *s, union ipso_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (s && inet_pton(family, s, a) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		exit(2);
	}
}

static uint16_t csum16(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (b[i] << 8) | b[i + 1];
	if (n & 1)
		s += b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons(~s);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* Upper-layer header + payload at p; returns its length. */
static size_t build_l4(uint8_t *p, const struct pspec *s)
{
	size_t n = 0;

	switch (s->proto) {
	case IPPROTO_UDP:
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put16(p + 4, 8 + s->payload_len);
		n = 8;
		break;
	case IPPROTO_TCP:
		put16(p, s->sport);
		put16(p + 2, s->dport);
		p[12] = 5 << 4;
		p[13] = 0x02;
		n = 20;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		p[0] = s->sport;
		p[1] = s->dport;
		n = 8;
		break;
	case IPPROTO_ESP:
		put32(p, s->spi);
		put32(p + 4, 1);
		n = 8;
		break;
	default:
		break;
	}
	if (s->payload_len)
		memcpy(p + n, s->payload, s->payload_len);
	return n + s->payload_len;
}

void pkt_build(struct pkt *pk, const struct pspec *s)
{
	uint8_t *p = pk->b;
	size_t off = 12, l4len;
	int i;

	memset(pk, 0, sizeof(*pk));
	memcpy(p, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	if (s->vlans == 2) {
		put16(p + off, 0x88a8);
		put16(p + off + 2, 100);
		off += 4;
	}
	if (s->vlans >= 1) {
		put16(p + off, 0x8100);
		put16(p + off + 2, 200);
		off += 4;
	}
	if (s->family == AF_INET) {
		size_t hl = 20 + s->v4_opts;
		uint8_t *ip;

		put16(p + off, 0x0800);
		off += 2;
		ip = p + off;
		ip[0] = 0x40 | (hl / 4);
		ip[8] = 64;
		ip[9] = s->proto;
		if (s->v4_frag)
			put16(ip + 6, 0x2000);	/* MF */
		inet_pton(AF_INET, s->src, ip + 12);
		inet_pton(AF_INET, s->dst, ip + 16);
		for (i = 20; i < (int)hl; i++)
			ip[i] = 1;	/* NOP options */
		l4len = build_l4(ip + hl, s);
		put16(ip + 2, hl + l4len);
		memcpy(ip + 10, (uint16_t[]){ csum16(ip, hl) }, 2);
		pk->len = off + hl + l4len;
	} else {
		uint8_t *ip, *h;
		uint8_t *nextp;
		size_t hl = 40;

		put16(p + off, 0x86dd);
		off += 2;
		ip = p + off;
		ip[0] = 0x60;
		ip[7] = 64;
		inet_pton(AF_INET6, s->src, ip + 8);
		inet_pton(AF_INET6, s->dst, ip + 24);
		nextp = ip + 6;
		for (i = 0; i < s->v6_ext; i++) {
			h = ip + hl;
			*nextp = 60;		/* destination options */
			h[1] = 0;		/* 8 bytes */
			h[2] = 1;		/* PadN */
			h[3] = 4;
			nextp = h;
			hl += 8;
		}
		if (s->v6_frag) {
			h = ip + hl;
			*nextp = 44;
			put16(h + 2, 0x0001);	/* offset 0, M */
			put32(h + 4, 0x1234);
			nextp = h;
			hl += 8;
		}
		*nextp = s->proto;
		l4len = build_l4(ip + hl, s);
		put16(ip + 4, hl - 40 + l4len);
		pk->len = off + hl + l4len;
	}
	if (pk->len < 60)
		pk->len = 60;	/* Ethernet minimum, zero padded */
}

int t_explain(struct tenv *e, const struct pkt *p, const struct xparams *x,
	      struct ipso_explain_out *out)
{
	struct spd_explain_req r = {
		.dir = x->dir, .ifindex = x->ifindex, .mark = x->mark,
		.if_id = x->if_id,
		.flags = (x->no_cache ? IPSO_EXPLAIN_F_NO_CACHE : 0) |
			 (x->cache_always ? IPSO_EXPLAIN_F_CACHE_ALWAYS : 0),
	};
	int err = spd_explain_run_frame(&e->ex, p->b, p->len, &r, out);

	if (err) {
		fprintf(stderr, "explain: %s\n", strerror(-err));
		return -100;
	}
	return e->ex.retval;
}

int t_xdp_run(int fd, const struct pkt *p, const void *meta,
	      size_t meta_len, uint32_t ingress_ifindex, struct pkt *out,
	      uint8_t *meta_out, size_t *meta_out_len)
{
	uint8_t buf[2048 + 64], obuf[2048 + 64];
	struct xdp_md ctx, octx;
	LIBBPF_OPTS(bpf_test_run_opts, o);

	if (meta_len)
		memcpy(buf, meta, meta_len);
	memcpy(buf + meta_len, p->b, p->len);
	memset(&ctx, 0, sizeof(ctx));
	memset(&octx, 0, sizeof(octx));
	ctx.data = meta_len;
	ctx.data_end = meta_len + p->len;
	ctx.ingress_ifindex = ingress_ifindex;
	o.data_in = buf;
	o.data_size_in = meta_len + p->len;
	o.ctx_in = &ctx;
	o.ctx_size_in = sizeof(ctx);
	o.data_out = obuf;
	o.data_size_out = sizeof(obuf);
	o.ctx_out = &octx;
	o.ctx_size_out = sizeof(octx);
	if (bpf_prog_test_run_opts(fd, &o)) {
		perror("test_run xdp");
		return -100;
	}
	/* the output runs from data_meta; ctx_out.data is the meta length */
	if (octx.data > 32 || octx.data > o.data_size_out)
		return -101;
	if (out) {
		memset(out, 0, sizeof(*out));
		out->len = o.data_size_out - octx.data;
		memcpy(out->b, obuf + octx.data, out->len);
	}
	if (meta_out)
		memcpy(meta_out, obuf, octx.data);
	if (meta_out_len)
		*meta_out_len = octx.data;
	return o.retval;
}

int t_xdp(struct tenv *e, const struct pkt *p, const void *meta,
	  size_t meta_len, uint32_t ingress_ifindex)
{
	return t_xdp_run(e->fd_xdp, p, meta, meta_len, ingress_ifindex,
			 NULL, NULL, NULL);
}

static int tc_run(int fd, const struct pkt *p, uint32_t mark,
		  uint32_t ifindex, uint32_t *mark_out)
{
	struct __sk_buff skb, out;
	LIBBPF_OPTS(bpf_test_run_opts, o);

	memset(&skb, 0, sizeof(skb));
	memset(&out, 0, sizeof(out));
	skb.mark = mark;
	skb.ifindex = ifindex;
	skb.wire_len = p->len;
	o.data_in = p->b;
	o.data_size_in = p->len;
	o.ctx_in = &skb;
	o.ctx_size_in = sizeof(skb);
	o.ctx_out = &out;
	o.ctx_size_out = sizeof(out);
	if (bpf_prog_test_run_opts(fd, &o)) {
		perror("test_run tc");
		return -100;
	}
	if (mark_out)
		*mark_out = out.mark;
	return o.retval;
}

int t_tc(struct tenv *e, const struct pkt *p, uint32_t mark,
	 uint32_t ifindex, uint32_t *mark_out)
{
	return tc_run(e->fd_tc, p, mark, ifindex, mark_out);
}

int t_tc_sp(struct tenv *e, const struct pkt *p,
	    const struct ipso_tc_test_sp *sp, uint32_t mark, uint32_t ifindex,
	    uint32_t *mark_out)
{
	struct ipso_tc_test_sp none = { 0 };
	__u32 zero = 0;

	if (bpf_map_update_elem(e->fd_tc_test_sp, &zero, sp ? sp : &none,
				BPF_ANY)) {
		perror("ipso_tc_test_sp");
		return -100;
	}
	return tc_run(e->fd_tc_test, p, mark, ifindex, mark_out);
}

uint64_t t_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t t_stat(struct tenv *e, uint32_t stat)
{
	uint64_t v[512], s = 0;
	int i;

	if (e->ncpu > 512 || bpf_map_lookup_elem(e->fd_stats, &stat, v))
		return ~0ull;
	for (i = 0; i < e->ncpu; i++)
		s += v[i];
	return s;
}

int t_set_config(struct tenv *e, uint32_t flags)
{
	struct ipso_config c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(e->fd_config, &zero, &c))
		return -1;
	c.flags = flags;
	return bpf_map_update_elem(e->fd_config, &zero, &c, BPF_ANY);
}

void pol_init(struct ipso_policy_desc *d, int family, uint8_t dir,
	      uint32_t index, uint32_t prio, uint8_t action,
	      const char *src, int splen, const char *dst, int dplen)
{
	memset(d, 0, sizeof(*d));
	d->index = index;
	d->priority = prio;
	d->dir = dir;
	d->action = action;
	d->sel.family = family;
	addr_parse(family, src, &d->sel.saddr);
	addr_parse(family, dst, &d->sel.daddr);
	d->sel.prefixlen_s = splen;
	d->sel.prefixlen_d = dplen;
}

void pol_tmpl(struct ipso_policy_desc *d, uint32_t reqid, uint8_t mode,
	      const char *tsrc, const char *tdst, bool optional)
{
	struct ipso_tmpl_desc *t = &d->tmpl[d->ntmpl++];

	t->family = d->sel.family;
	addr_parse(t->family, tsrc, &t->saddr);
	addr_parse(t->family, tdst, &t->daddr);
	t->reqid = reqid;
	t->proto = IPPROTO_ESP;
	t->mode = mode;
	t->optional = optional;
	d->action = IPSO_ACT_PROTECT;
}

void sa_init(struct ipso_sa_desc *s, int family, const char *src,
	     const char *dst, uint32_t spi, uint32_t reqid, uint8_t mode,
	     uint8_t dir, uint64_t add_time)
{
	memset(s, 0, sizeof(*s));
	s->key.family = family;
	s->key.proto = IPPROTO_ESP;
	s->key.spi = htonl(spi);
	addr_parse(family, dst, &s->key.daddr);
	addr_parse(family, src, &s->saddr);
	s->reqid = reqid;
	s->mode = mode;
	s->dir = dir;
	s->add_time = add_time;
	s->icv_len = 16;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * `ipsec-offload explain`: `ip route get` for offload.  Builds a packet
 * from a description, runs the datapath's own classifier (program
 * ipso_explain of bpf/ipso_classify.bpf.o, sharing the pinned maps)
 * through BPF_PROG_TEST_RUN and prints the policy, SA, offload state,
 * handle and what the datapath does with it.  Interface: bpf/ipso_spd.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/rtnetlink.h>
#include <linux/icmp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "errors.h"
#include "fib.h"
#include "fmt.h"
#include "genl.h"
#include "json.h"
#include "pinned.h"
#include "xfrm_nl.h"

#ifdef IPSO_HAVE_CLASSIFY
#include "../bpf/ipso_spd.h"
#include "ipso_classify.skel.h"

struct pkt_desc {
	int family;
	union ipso_addr src, dst;
	__u8 proto;
	__u16 sport, dport;	/* ICMP: type, code */
	__u8 dir;
	__u32 ifindex, mark, if_id;
	bool nocache;
	bool routed;		/* dir out: route asked of the FIB */
	struct fib_route route;
};

static int parse_u32(const char *s, __u32 max, __u32 *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !*s || *s == '-' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_addr(const char *s, union ipso_addr *a, int *family)
{
	int f = strchr(s, ':') ? AF_INET6 : AF_INET;

	memset(a, 0, sizeof(*a));
	if (inet_pton(f, s, a->a8) != 1)
		return -EINVAL;
	if (*family && *family != f)
		return -EAFNOSUPPORT;
	*family = f;
	return 0;
}

static int parse_proto(const char *s, __u8 *p)
{
	static const struct { const char *n; __u8 v; } t[] = {
		{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		{ "icmp", IPPROTO_ICMP }, { "ipv6-icmp", IPPROTO_ICMPV6 },
		{ "icmpv6", IPPROTO_ICMPV6 }, { "esp", IPPROTO_ESP },
		{ "sctp", IPPROTO_SCTP }, { "gre", IPPROTO_GRE },
	};
	__u32 v;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(s, t[i].n)) {
			*p = t[i].v;
			return 0;
		}
	if (parse_u32(s, 255, &v))
		return -EINVAL;
	*p = v;
	return 0;
}

/* Returns 0 or an exit code after printing why. */
static int parse_desc(int argc, char **argv, struct pkt_desc *d)
{
	bool have_src = false, have_dst = false;
	__u32 v;

	memset(d, 0, sizeof(*d));
	d->dir = IPSO_DIR_OUT;
	d->proto = IPPROTO_UDP;		/* a real packet has some protocol */
	for (int i = 0; i < argc; i++) {
		const char *k = argv[i], *a = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(k, "nocache")) {
			d->nocache = true;
			continue;
		}
		if (!a)
			return ipso_fail(IPSO_EXIT_USAGE, "explain",
					 "'%s' needs a value", k);
		i++;
		if (!strcmp(k, "src") || !strcmp(k, "dst")) {
			int err = parse_addr(a, !strcmp(k, "src") ? &d->src :
						&d->dst, &d->family);

			if (err)
				return ipso_fail(IPSO_EXIT_USAGE, "explain",
					"%s '%s': %s", k, a, err == -EINVAL ?
					"not an IP address" :
					"src and dst families differ");
			if (!strcmp(k, "src"))
				have_src = true;
			else
				have_dst = true;
		} else if (!strcmp(k, "proto")) {
			if (parse_proto(a, &d->proto))
				return ipso_fail(IPSO_EXIT_USAGE, "explain",
						 "bad proto '%s'", a);
		} else if (!strcmp(k, "sport") || !strcmp(k, "type")) {
			if (parse_u32(a, 65535, &v))
				return ipso_fail(IPSO_EXIT_USAGE, "explain",
						 "bad %s '%s'", k, a);
			d->sport = v;
		} else if (!strcmp(k, "dport") || !strcmp(k, "code")) {
			if (parse_u32(a, 65535, &v))
				return ipso_fail(IPSO_EXIT_USAGE, "explain",
						 "bad %s '%s'", k, a);
			d->dport = v;
		} else if (!strcmp(k, "dir")) {
			if (!strcmp(a, "in"))
				d->dir = IPSO_DIR_IN;
			else if (!strcmp(a, "out"))
				d->dir = IPSO_DIR_OUT;
			else if (!strcmp(a, "fwd"))
				d->dir = IPSO_DIR_FWD;
			else
				return ipso_fail(IPSO_EXIT_USAGE, "explain",
					"dir must be in, out or fwd");
		} else if (!strcmp(k, "dev")) {
			d->ifindex = if_nametoindex(a);
			if (!d->ifindex)
				return ipso_fail(IPSO_EXIT_NO_DEV, a,
						 "no such device");
		} else if (!strcmp(k, "mark")) {
			if (parse_u32(a, UINT32_MAX, &d->mark))
				return ipso_fail(IPSO_EXIT_USAGE, "explain",
						 "bad mark '%s'", a);
		} else if (!strcmp(k, "if_id")) {
			if (parse_u32(a, UINT32_MAX, &d->if_id))
				return ipso_fail(IPSO_EXIT_USAGE, "explain",
						 "bad if_id '%s'", a);
		} else {
			return ipso_fail(IPSO_EXIT_USAGE, "explain",
					 "unknown keyword '%s' (try -h)", k);
		}
	}
	if (!have_src || !have_dst)
		return ipso_fail(IPSO_EXIT_USAGE, "explain",
				 "src and dst are required");
	return 0;
}

/* Ethernet + IP + L4 header, checksums left zero (not looked at). */
static size_t build_packet(const struct pkt_desc *d, __u8 *buf, size_t cap)
{
	struct ethhdr *eth = (struct ethhdr *)buf;
	size_t l3, l4len;
	__u8 *l4;

	memset(buf, 0, cap);
	switch (d->proto) {
	case IPPROTO_TCP:
		l4len = sizeof(struct tcphdr);
		break;
	case IPPROTO_UDP:
		l4len = sizeof(struct udphdr);
		break;
	default:
		l4len = 8;	/* ICMP header, or 8 bytes of anything */
	}
	l3 = d->family == AF_INET ? sizeof(struct iphdr) :
				    sizeof(struct ipv6hdr);
	if (sizeof(*eth) + l3 + l4len + 32 > cap)
		return 0;
	eth->h_proto = htons(d->family == AF_INET ? ETH_P_IP : ETH_P_IPV6);
	if (d->family == AF_INET) {
		struct iphdr *ip = (struct iphdr *)(eth + 1);

		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = d->proto;
		ip->tot_len = htons(l3 + l4len + 32);
		memcpy(&ip->saddr, d->src.a8, 4);
		memcpy(&ip->daddr, d->dst.a8, 4);
		l4 = (__u8 *)(ip + 1);
	} else {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)(eth + 1);

		ip6->version = 6;
		ip6->hop_limit = 64;
		ip6->nexthdr = d->proto;
		ip6->payload_len = htons(l4len + 32);
		memcpy(&ip6->saddr, d->src.a8, 16);
		memcpy(&ip6->daddr, d->dst.a8, 16);
		l4 = (__u8 *)(ip6 + 1);
	}
	if (d->proto == IPPROTO_TCP) {
		struct tcphdr *t = (struct tcphdr *)l4;

		t->source = htons(d->sport);
		t->dest = htons(d->dport);
		t->doff = 5;
	} else if (d->proto == IPPROTO_UDP) {
		struct udphdr *u = (struct udphdr *)l4;

		u->source = htons(d->sport);
		u->dest = htons(d->dport);
		u->len = htons(l4len + 32);
	} else if (d->proto == IPPROTO_ICMP || d->proto == IPPROTO_ICMPV6) {
		l4[0] = d->sport;	/* type */
		l4[1] = d->dport;	/* code */
	}
	return sizeof(*eth) + l3 + l4len + 32;
}

static const char *verdict_name(__u32 v)
{
	switch (v) {
	case IPSO_CLS_NONE:
		return "none";
	case IPSO_CLS_BYPASS:
		return "bypass";
	case IPSO_CLS_BLOCK:
		return "block";
	case IPSO_CLS_PROTECT:
		return "protect";
	case IPSO_CLS_UNSURE:
		return "unsure";
	default:
		return "invalid";
	}
}

static const char *parse_name(int st)
{
	switch (st) {
	case IPSO_PARSE_OK:
		return "ok";
	case IPSO_PARSE_NOT_IP:
		return "not-ip";
	case IPSO_PARSE_MALFORMED:
		return "malformed";
	case IPSO_PARSE_TOO_DEEP:
		return "too-many-extension-headers";
	default:
		return "invalid";
	}
}

static const struct {
	__u32 bit;
	const char *name;
} flag_names[] = {
	{ IPSO_CLS_F_CACHE_HIT, "cache-hit" },
	{ IPSO_CLS_F_CUT, "list-cut" },
	{ IPSO_CLS_F_MARK, "mark-dependent" },
	{ IPSO_CLS_F_IFINDEX, "ifindex-dependent" },
	{ IPSO_CLS_F_PORTS, "ports-unknown" },
	{ IPSO_CLS_F_REQUIRE, "requires-esp" },
	{ IPSO_CLS_F_SA_FOUND, "sa-found" },
	{ IPSO_CLS_F_SA_UNSURE, "sa-unsure" },
	{ IPSO_CLS_F_MULTI_TMPL, "multiple-templates" },
	{ IPSO_CLS_F_NO_SA, "no-sa" },
	{ IPSO_CLS_F_NO_CONFIG, "no-config" },
};

/*
 * What the kernel does before any output policy, if it decides alone.
 * No route is only reported (route.error): a flow explained before its
 * routes exist still gets the policy's answer.
 */
static const char *route_outcome(const struct pkt_desc *d)
{
	if (!d->routed || d->route.err)
		return NULL;
	if (d->route.no_xfrm)
		return "plaintext: the route's device has disable_xfrm (lo for "
		       "local addresses), so the kernel applies no output policy";
	return NULL;
}

/* What the datapath does with a packet classified like this. */
static const char *outcome(const struct pkt_desc *d,
			   const struct ipso_cls_result *r)
{
	const char *pre = route_outcome(d);

	if (pre)
		return pre;
	switch (r->verdict) {
	case IPSO_CLS_NONE:
	case IPSO_CLS_BYPASS:
		return "plaintext: no IPsec";
	case IPSO_CLS_BLOCK:
		return "dropped by the kernel's block policy";
	case IPSO_CLS_UNSURE:
		return "undecided here: left to the kernel";
	}
	if (r->flags & IPSO_CLS_F_NO_SA)
		return "held by the kernel: no valid SA (IKE acquire)";
	if (!(r->flags & IPSO_CLS_F_SA_FOUND))
		return "protected by the kernel; SA not resolved here";
	if (r->ofl_state == IPSO_OFL_OFFLOADED)
		return d->dir == IPSO_DIR_OUT ?
			"offloaded: tc egress marks the handle, the NIC encrypts" :
			"offloaded: the NIC decrypts, XDP checks the selector";
	if (r->ofl_state == IPSO_OFL_PENDING)
		return "software IPsec (offload pending)";
	if (r->ofl_state == IPSO_OFL_REJECTED)
		return "software IPsec (offload rejected by the driver)";
	return d->ifindex ? "software IPsec (not offloaded on this device)" :
			    "software IPsec (no device given)";
}

static const char *route_type_name(__u8 type)
{
	static const char *const names[] = {
		[RTN_UNICAST] = "unicast", [RTN_LOCAL] = "local",
		[RTN_BROADCAST] = "broadcast", [RTN_ANYCAST] = "anycast",
		[RTN_MULTICAST] = "multicast", [RTN_BLACKHOLE] = "blackhole",
		[RTN_UNREACHABLE] = "unreachable", [RTN_PROHIBIT] = "prohibit",
		[RTN_THROW] = "throw", [RTN_NAT] = "nat",
	};

	return type < sizeof(names) / sizeof(*names) && names[type] ?
	       names[type] : "other";
}

static void print_route_json(struct jw *w, const struct fib_route *rt)
{
	char dev[IF_NAMESIZE];

	jw_obj_open(w, "route");
	if (rt->err) {
		jw_str(w, "error", strerror(-rt->err));
	} else {
		jw_str(w, "type", route_type_name(rt->type));
		jw_str(w, "dev", if_indextoname(rt->oif, dev) ? dev : "");
		jw_bool(w, "output_policy", !rt->no_xfrm);
	}
	jw_close(w);
}

static void print_result(const struct ipso_opts *o, const struct pkt_desc *d,
			 const struct ipso_explain_out *x)
{
	const struct ipso_cls_result *r = &x->res;
	char a[FMT_ADDR_LEN], b[FMT_ADDR_LEN], spi[16];
	bool sa = r->flags & IPSO_CLS_F_SA_FOUND;
	bool pol = r->verdict != IPSO_CLS_NONE &&
		   r->verdict != IPSO_CLS_UNSURE;
	struct jw w;

	if (sa)
		snprintf(spi, sizeof(spi), "0x%08x", ntohl(r->sa.spi));
	if (o->json) {
		jw_init(&w, stdout, o->pretty);
		jw_obj_open(&w, NULL);
		jw_str(&w, "parse", parse_name(x->parse));
		jw_str(&w, "dir", xnl_dir_name(d->dir));
		jw_str(&w, "verdict", verdict_name(r->verdict));
		jw_arr_open(&w, "flags");
		for (size_t i = 0; i < sizeof(flag_names) / sizeof(*flag_names); i++)
			if (r->flags & flag_names[i].bit)
				jw_str(&w, NULL, flag_names[i].name);
		jw_close(&w);
		if (pol) {
			jw_obj_open(&w, "policy");
			jw_u64(&w, "index", r->policy_index);
			jw_u64(&w, "priority", r->priority);
			jw_str(&w, "action", fmt_action(r->action));
			jw_close(&w);
		} else {
			jw_null(&w, "policy");
		}
		if (sa) {
			jw_obj_open(&w, "sa");
			jw_str(&w, "dst", fmt_addr(a, r->sa.family, &r->sa.daddr));
			jw_str(&w, "spi", spi);
			jw_close(&w);
			jw_str(&w, "offload", ipso_state_name(r->ofl_state));
			if (r->ofl_state == IPSO_OFL_OFFLOADED)
				jw_u64(&w, "handle", r->handle);
		} else {
			jw_null(&w, "sa");
		}
		if (d->routed)
			print_route_json(&w, &d->route);
		jw_str(&w, "outcome", outcome(d, r));
		jw_close(&w);
		jw_end(&w);
		return;
	}
	if (x->parse != IPSO_PARSE_OK) {
		printf("packet: %s\n", parse_name(x->parse));
		return;
	}
	printf("flow %s %s -> %s proto %u sport %u dport %u\n",
	       xnl_dir_name(d->dir), fmt_addr(a, d->family, &d->src),
	       fmt_addr(b, d->family, &d->dst), d->proto, d->sport, d->dport);
	printf("verdict %s", verdict_name(r->verdict));
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(*flag_names); i++)
		if (r->flags & flag_names[i].bit)
			printf(" %s", flag_names[i].name);
	putchar('\n');
	if (pol)
		printf("policy index %u priority %u action %s\n",
		       r->policy_index, r->priority, fmt_action(r->action));
	if (sa) {
		printf("sa dst %s spi %s offload %s",
		       fmt_addr(a, r->sa.family, &r->sa.daddr), spi,
		       ipso_state_name(r->ofl_state));
		if (r->ofl_state == IPSO_OFL_OFFLOADED)
			printf(" handle %u", r->handle);
		putchar('\n');
	}
	printf("outcome %s\n", outcome(d, r));
}

static int run(const struct ipso_opts *o, const struct pkt_desc *d)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = o->pin_dir);
	struct __sk_buff ctx = { 0 };
	struct ipso_classify *skel;
	struct ipso_explain_out *outs = NULL;
	struct bpf_program *p;
	__u8 pkt[256];
	__u32 zero = 0, nonce;
	int ncpu, err, code = 0;
	size_t len = build_packet(d, pkt, sizeof(pkt));
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt,
		    .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	skel = ipso_classify__open_opts(&opts);
	if (!skel)
		return ipso_fail_errno(errno, "explain", "opening the classifier");
	/* Only the explain entry point is needed. */
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, p == skel->progs.ipso_explain);
	err = ipso_classify__load(skel);
	if (err) {
		code = ipso_fail_errno(err, "explain", "loading the classifier");
		goto out;
	}
	/* any non-zero value: the output map is this object's own */
	nonce = 1;
	ctx.cb[IPSO_EXPLAIN_CB_DIR] = d->dir |
		(d->nocache ? IPSO_EXPLAIN_F_NO_CACHE << 8 : 0);
	ctx.cb[IPSO_EXPLAIN_CB_IFINDEX] = d->ifindex;
	ctx.cb[IPSO_EXPLAIN_CB_MARK] = d->mark;
	ctx.cb[IPSO_EXPLAIN_CB_IF_ID] = d->if_id;
	ctx.cb[IPSO_EXPLAIN_CB_NONCE] = nonce;
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.ipso_explain),
				     &topts);
	if (err) {
		code = ipso_fail_errno(err, "explain", "BPF_PROG_TEST_RUN");
		goto out;
	}
	ncpu = libbpf_num_possible_cpus();
	outs = calloc(ncpu, sizeof(*outs));
	if (!outs || bpf_map__lookup_elem(skel->maps.ipso_exp_out, &zero,
					  sizeof(zero), outs,
					  ncpu * sizeof(*outs), 0)) {
		code = ipso_fail_errno(errno ? errno : ENOMEM, "explain",
				       "reading the result");
		goto out;
	}
	for (int c = 0; c < ncpu; c++) {
		if (outs[c].nonce != nonce)
			continue;
		print_result(o, d, &outs[c]);
		goto out;
	}
	code = ipso_fail(IPSO_EXIT_RUNTIME, "explain",
			 "the classifier left no result");
out:
	free(outs);
	ipso_classify__destroy(skel);
	return code;
}
#endif /* IPSO_HAVE_CLASSIFY */

#ifdef IPSO_HAVE_CLASSIFY
/* Output flows only: input and forward policy follow no local route. */
static void ask_route(struct pkt_desc *d)
{
	d->routed = d->dir == IPSO_DIR_OUT &&
		    !fib_output_route(d->family, &d->src, &d->dst, d->mark,
				      d->ifindex, &d->route);
}
#endif

static void usage(FILE *f)
{
	fputs("Usage: ipsec-offload [-j] explain src ADDR dst ADDR "
	      "[dir in|out|fwd]\n"
	      "         [proto NAME|N (default udp)] [sport N] [dport N]\n"
	      "         [type N] [code N]\n"
	      "         [dev DEV] [mark N] [if_id N] [nocache]\n"
	      "Runs the datapath classifier on a synthetic packet and prints "
	      "the policy,\nSA, offload state, handle and outcome.\n", f);
}

int cmd_explain(const struct ipso_opts *o, int argc, char **argv)
{
	if (argc < 1 || cli_is_help(argv[0])) {
		usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? IPSO_EXIT_USAGE : IPSO_EXIT_OK;
	}
#ifdef IPSO_HAVE_CLASSIFY
	{
		struct pkt_desc d;
		struct pinned pm;
		int code = parse_desc(argc, argv, &d);

		if (code)
			return code;
		ask_route(&d);
		if (pinned_open(&pm, o->pin_dir))
			return ipso_fail(IPSO_EXIT_RUNTIME, "maps",
				"no maps pinned under %s (run attach or "
				"sync first)", o->pin_dir);
		pinned_close(&pm);
		return run(o, &d);
	}
#else
	(void)o;
	return ipso_fail(IPSO_EXIT_UNSUPP, "explain",
			 "built without bpf/ipso_classify.bpf.o");
#endif
}

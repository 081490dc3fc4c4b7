// SPDX-License-Identifier: GPL-2.0
/*
 * `ipsec-offload explain`: `ip route get` for offload.  Runs the
 * datapath's own classifier on a packet built from a description
 * (spd_explain.h, the same path the datapath tests take) and prints the
 * policy, SA, offload state, handle and what the datapath does with it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "cli.h"
#include "errors.h"
#include "fib.h"
#include "fmt.h"
#include "genl.h"
#include "json.h"
#include "pinned.h"
#include "spd_explain.h"
#include "xfrm_nl.h"

struct pkt_desc {
	struct spd_explain_req req;
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
	d->req.dir = IPSO_DIR_OUT;
	d->req.proto = IPPROTO_UDP;		/* a real packet has some protocol */
	for (int i = 0; i < argc; i++) {
		const char *k = argv[i], *a = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(k, "nocache")) {
			d->req.flags |= IPSO_EXPLAIN_F_NO_CACHE;
			continue;
		}
		if (!a)
			return ipso_fail(IPSO_EXIT_USAGE, "explain",
					 "'%s' needs a value", k);
		i++;
		if (!strcmp(k, "src") || !strcmp(k, "dst")) {
			int err = parse_addr(a, !strcmp(k, "src") ? &d->req.saddr :
						&d->req.daddr, &d->req.family);

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
			if (parse_proto(a, &d->req.proto))
				return ipso_fail(IPSO_EXIT_USAGE, "explain",
						 "bad proto '%s'", a);
		} else if (!strcmp(k, "sport") || !strcmp(k, "type")) {
			if (parse_u32(a, 65535, &v))
				return ipso_fail(IPSO_EXIT_USAGE, "explain",
						 "bad %s '%s'", k, a);
			d->req.sport = v;
		} else if (!strcmp(k, "dport") || !strcmp(k, "code")) {
			if (parse_u32(a, 65535, &v))
				return ipso_fail(IPSO_EXIT_USAGE, "explain",
						 "bad %s '%s'", k, a);
			d->req.dport = v;
		} else if (!strcmp(k, "dir")) {
			if (!strcmp(a, "in"))
				d->req.dir = IPSO_DIR_IN;
			else if (!strcmp(a, "out"))
				d->req.dir = IPSO_DIR_OUT;
			else if (!strcmp(a, "fwd"))
				d->req.dir = IPSO_DIR_FWD;
			else
				return ipso_fail(IPSO_EXIT_USAGE, "explain",
					"dir must be in, out or fwd");
		} else if (!strcmp(k, "dev")) {
			d->req.ifindex = if_nametoindex(a);
			if (!d->req.ifindex)
				return ipso_fail(IPSO_EXIT_NO_DEV, a,
						 "no such device");
		} else if (!strcmp(k, "mark")) {
			if (parse_u32(a, UINT32_MAX, &d->req.mark))
				return ipso_fail(IPSO_EXIT_USAGE, "explain",
						 "bad mark '%s'", a);
		} else if (!strcmp(k, "if_id")) {
			if (parse_u32(a, UINT32_MAX, &d->req.if_id))
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
		return d->req.dir == IPSO_DIR_OUT ?
			"offloaded: tc egress marks the handle, the NIC encrypts" :
			"offloaded: the NIC decrypts, XDP checks the selector";
	if (r->ofl_state == IPSO_OFL_PENDING)
		return "software IPsec (offload pending)";
	if (r->ofl_state == IPSO_OFL_REJECTED)
		return "software IPsec (offload rejected by the driver)";
	return d->req.ifindex ? "software IPsec (not offloaded on this device)" :
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
		jw_str(&w, "dir", xnl_dir_name(d->req.dir));
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
	       xnl_dir_name(d->req.dir),
	       fmt_addr(a, d->req.family, &d->req.saddr),
	       fmt_addr(b, d->req.family, &d->req.daddr), d->req.proto,
	       d->req.sport, d->req.dport);
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
	struct spd_explainer x;
	struct ipso_explain_out out;
	int err, code = 0;

	err = spd_explain_open_shared(&x, o->pin_dir);
	if (err)
		return ipso_fail_errno(err, "explain", "loading the classifier");
	err = spd_explain_run(&x, &d->req, &out);
	if (err == -ESRCH)
		code = ipso_fail(IPSO_EXIT_RUNTIME, "explain",
				 "the classifier left no result");
	else if (err)
		code = ipso_fail_errno(err, "explain", "BPF_PROG_TEST_RUN");
	else
		print_result(o, d, &out);
	spd_explain_close(&x);
	return code;
}

/* Output flows only: input and forward policy follow no local route. */
static void ask_route(struct pkt_desc *d)
{
	d->routed = d->req.dir == IPSO_DIR_OUT &&
		    !fib_output_route(d->req.family, &d->req.saddr,
				      &d->req.daddr, d->req.mark,
				      d->req.ifindex, &d->route);
}

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
	struct pkt_desc d;
	struct pinned pm;
	int code;

	if (argc < 1 || cli_is_help(argv[0])) {
		usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? IPSO_EXIT_USAGE : IPSO_EXIT_OK;
	}
	code = parse_desc(argc, argv, &d);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * `ipsec-offload show sa|policy|offload|stats|devices`: what the maps
 * hold, joined with the kernel's own counters and lifetimes where we may
 * read them.  Never prints key material: the maps have none and the
 * kernel dump is decoded without it.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "errors.h"
#include "fmt.h"
#include "genl.h"
#include "json_print.h"
#include "fastpath.h"
#include "mirror.h"
#include "pinned.h"
#include "xfrm_nl.h"

static const char *const stat_names[] = {
	[IPSO_STAT_TX_NO_SA] = "tx_no_sa",
	[IPSO_STAT_TX_MARKED] = "tx_marked",
	[IPSO_STAT_TX_DROP_NOT_OFFLOADED] = "tx_drop_not_offloaded",
	[IPSO_STAT_TX_DROP_UNKNOWN_SA] = "tx_drop_unknown_sa",
	[IPSO_STAT_TX_MALFORMED] = "tx_malformed",
	[IPSO_STAT_RX_PASS] = "rx_pass",
	[IPSO_STAT_RX_HW_OK] = "rx_hw_ok",
	[IPSO_STAT_RX_DROP_SYNDROME] = "rx_drop_syndrome",
	[IPSO_STAT_RX_DROP_UNKNOWN_HANDLE] = "rx_drop_unknown_handle",
	[IPSO_STAT_RX_DROP_SELECTOR] = "rx_drop_selector",
	[IPSO_STAT_RX_PASS_UNKNOWN_SPI] = "rx_pass_unknown_spi",
	[IPSO_STAT_RX_DROP_PLAINTEXT] = "rx_drop_plaintext",
	[IPSO_STAT_RX_SW_ESP] = "rx_sw_esp",
	[IPSO_STAT_RX_IKE] = "rx_ike",
	[IPSO_STAT_RX_MALFORMED] = "rx_malformed",
	[IPSO_STAT_RX_UNSURE] = "rx_unsure",
	[IPSO_STAT_TX_PASS_INBOUND_SA] = "tx_pass_inbound_sa",
	[IPSO_STAT_TX_PASS_STALE] = "tx_pass_stale",
	[IPSO_STAT_RX_PASS_STALE] = "rx_pass_stale",
	[IPSO_STAT_TX_PASS_ESP] = "tx_pass_esp",
	[IPSO_STAT_FP_REDIRECT] = "fp_redirect",
	[IPSO_STAT_FP_PASS_NOT_IP] = "fp_pass_not_ip",
	[IPSO_STAT_FP_PASS_MALFORMED] = "fp_pass_malformed",
	[IPSO_STAT_FP_PASS_HEADER] = "fp_pass_header",
	[IPSO_STAT_FP_PASS_FRAG] = "fp_pass_frag",
	[IPSO_STAT_FP_PASS_TTL] = "fp_pass_ttl",
	[IPSO_STAT_FP_PASS_STALE] = "fp_pass_stale",
	[IPSO_STAT_FP_PASS_FIB] = "fp_pass_fib",
	[IPSO_STAT_FP_PASS_MTU] = "fp_pass_mtu",
	[IPSO_STAT_FP_PASS_FWD_POLICY] = "fp_pass_fwd_policy",
	[IPSO_STAT_FP_PASS_NO_POLICY] = "fp_pass_no_policy",
	[IPSO_STAT_FP_PASS_BYPASS] = "fp_pass_bypass",
	[IPSO_STAT_FP_PASS_BLOCK] = "fp_pass_block",
	[IPSO_STAT_FP_PASS_UNSURE] = "fp_pass_unsure",
	[IPSO_STAT_FP_PASS_BUNDLE] = "fp_pass_bundle",
	[IPSO_STAT_FP_PASS_NO_SA] = "fp_pass_no_sa",
	[IPSO_STAT_FP_PASS_NOT_OFFLOADED] = "fp_pass_not_offloaded",
	[IPSO_STAT_FP_PASS_NOT_PACKET] = "fp_pass_not_packet",
	[IPSO_STAT_FP_PASS_NO_DEV] = "fp_pass_no_dev",
	[IPSO_STAT_FP_DROP_REDIRECT] = "fp_drop_redirect",
};

_Static_assert(sizeof(stat_names) / sizeof(stat_names[0]) == IPSO_STAT__MAX,
	       "a name for every ipso_stat");

struct show {
	const struct ipso_opts *o;
	struct pinned pm;
	struct jprint p;
	/* offload entries sorted by SA key */
	struct ofl_ent {
		struct ipso_offload_key k;
		struct ipso_offload_val v;
	} *ofl;
	size_t nofl;
	/* kernel SAs (lifetimes, software counters), sorted by key */
	struct xnl_event *ksa;
	size_t nksa, cap_ksa;
	int module;		/* -1 unknown, 0 absent, 1 loaded */
	bool pol_stats;		/* show policy -s */
	int pol_stats_fd;	/* ipso_pol_stats, -1 when absent */
	/* the module's words for rejections, read once when first needed */
	struct ofl_msg {
		struct ipso_offload_key k;
		char text[IPSO_GENL_REASON_MSG_LEN];
	} *msgs;
	size_t nmsgs;
	bool msgs_read;
};

static int open_maps(struct show *s)
{
	int err = pinned_open(&s->pm, s->o->pin_dir);

	if (err == -ENOENT)
		return ipso_fail(IPSO_EXIT_RUNTIME, "maps",
			"no maps pinned under %s (run attach or sync first)",
			s->o->pin_dir);
	if (err)
		return ipso_fail_errno(err, "maps", s->o->pin_dir);
	return 0;
}

/* Read one value of a map that may be per-CPU; u64 fields only. */
static int read_counters(int fd, const void *key, void *out, size_t size)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (fd < 0)
		return -ENOENT;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	    info.type == BPF_MAP_TYPE_PERCPU_HASH)
		return pinned_percpu_sum(fd, key, out, size);
	if (info.value_size < size)
		return -EINVAL;
	return bpf_map_lookup_elem(fd, key, out) ? -errno : 0;
}

static int cmp_sa_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct ipso_sa_key));
}

static int load_offloads(struct show *s)
{
	struct ipso_offload_key k, nk;
	void *prev = NULL;
	int fd = s->pm.fd[PM_OFFLOAD];
	size_t cap = 0;

	if (fd < 0)
		return 0;
	while (!bpf_map_get_next_key(fd, prev, &nk)) {
		k = nk;
		prev = &k;
		if (s->nofl == cap) {
			struct ofl_ent *n;

			cap = cap ? cap * 2 : 256;
			n = realloc(s->ofl, cap * sizeof(*n));
			if (!n)
				return -ENOMEM;
			s->ofl = n;
		}
		s->ofl[s->nofl].k = k;
		if (bpf_map_lookup_elem(fd, &k, &s->ofl[s->nofl].v))
			continue;	/* deleted meanwhile */
		s->nofl++;
	}
	if (s->nofl)	/* qsort() must not see NULL, even for 0 */
		qsort(s->ofl, s->nofl, sizeof(*s->ofl), cmp_sa_key);
	return 0;
}

static int add_ksa(const struct xnl_event *ev, void *data)
{
	struct show *s = data;

	if (ev->kind != XNL_SA_PUT)
		return 0;
	if (s->nksa == s->cap_ksa) {
		struct xnl_event *n;

		s->cap_ksa = s->cap_ksa ? s->cap_ksa * 2 : 64;
		n = realloc(s->ksa, s->cap_ksa * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->ksa = n;
	}
	s->ksa[s->nksa++] = *ev;
	return 0;
}

static int cmp_ksa(const void *a, const void *b)
{
	const struct xnl_event *x = a, *y = b;

	return memcmp(&x->sa.key, &y->sa.key, sizeof(x->sa.key));
}

/* Kernel side of the SAs: best effort (needs CAP_NET_ADMIN). */
static void load_kernel_sas(struct show *s)
{
	if (xnl_dump_sas(add_ksa, s)) {
		s->nksa = 0;
		return;
	}
	if (s->nksa)	/* qsort() must not see NULL, even for 0 */
		qsort(s->ksa, s->nksa, sizeof(*s->ksa), cmp_ksa);
}

static const struct xnl_event *find_ksa(struct show *s,
					const struct ipso_sa_key *k)
{
	struct xnl_event key;

	key.sa.key = *k;
	return bsearch(&key, s->ksa, s->nksa, sizeof(*s->ksa), cmp_ksa);
}

static void print_selector(struct show *s, const struct ipso_selector *sel)
{
	char a[FMT_ADDR_LEN], b[FMT_ADDR_LEN], pr[8];
	struct jprint *p = &s->p;

	fmt_prefix(a, sel->family, &sel->saddr, sel->prefixlen_s);
	fmt_prefix(b, sel->family, &sel->daddr, sel->prefixlen_d);
	jp_open_obj(p, "selector");
	jp_text(p, "    sel");
	jp_str(p, PRINT_JSON, "family", NULL, fmt_family(sel->family));
	jp_str(p, PRINT_ANY, "src", " src %s", a);
	jp_str(p, PRINT_ANY, "dst", " dst %s", b);
	jp_u64(p, PRINT_JSON, "proto", NULL, sel->proto);
	jp_str(p, PRINT_FP, NULL, " proto %s", fmt_proto(pr, sel->proto));
	/* text: the ports a mask selects, and a device if any */
	jp_u64(p, PRINT_JSON | (sel->sport_mask ? PRINT_FP : 0), "sport",
	       " sport %llu", ntohs(sel->sport));
	jp_u64(p, PRINT_JSON, "sport_mask", NULL, ntohs(sel->sport_mask));
	jp_u64(p, PRINT_JSON | (sel->dport_mask ? PRINT_FP : 0), "dport",
	       " dport %llu", ntohs(sel->dport));
	jp_u64(p, PRINT_JSON, "dport_mask", NULL, ntohs(sel->dport_mask));
	jp_s64(p, PRINT_JSON, "ifindex", NULL, sel->ifindex);
	if (sel->ifindex)
		jp_str(p, PRINT_FP, NULL, " dev %s",
		       fmt_ifname(a, sel->ifindex));
	jp_text(p, "\n");
	jp_close(p);
}

static void print_hw_counters(struct jprint *p,
			      const struct ipso_hw_counters *hw)
{
	jp_open_obj(p, "hw");
	jp_u64(p, PRINT_ANY, "packets", "      hw: %llu packets", hw->packets);
	jp_u64(p, PRINT_ANY, "bytes", " %llu bytes,", hw->bytes);
	jp_u64(p, PRINT_ANY, "auth_fail", " auth_fail %llu", hw->auth_fail);
	jp_u64(p, PRINT_ANY, "replay_drop", " replay_drop %llu",
	       hw->replay_drop);
	jp_u64(p, PRINT_ANY, "no_sa_drop", " no_sa_drop %llu\n",
	       hw->no_sa_drop);
	jp_close(p);
}

static void print_sa_counters(struct jprint *p,
			      const struct ipso_sa_counters *sw)
{
	jp_open_obj(p, "bpf");
	jp_u64(p, PRINT_ANY, "tx_packets", "      bpf: tx %llu packets",
	       sw->tx_packets);
	jp_u64(p, PRINT_ANY, "tx_bytes", " %llu bytes,", sw->tx_bytes);
	jp_u64(p, PRINT_ANY, "rx_packets", " rx %llu packets", sw->rx_packets);
	jp_u64(p, PRINT_ANY, "rx_bytes", " %llu bytes,", sw->rx_bytes);
	jp_u64(p, PRINT_ANY, "rx_drop_selector", " rx_drop selector %llu",
	       sw->rx_drop_selector);
	jp_u64(p, PRINT_ANY, "rx_drop_syndrome", " syndrome %llu\n",
	       sw->rx_drop_syndrome);
	jp_close(p);
}

static void print_hw(struct show *s, __u32 handle)
{
	struct ipso_hw_counters hw;
	struct ipso_sa_counters sw;

	if (!read_counters(s->pm.fd[PM_HW_STATS], &handle, &hw, sizeof(hw)))
		print_hw_counters(&s->p, &hw);
	if (!read_counters(s->pm.fd[PM_SA_STATS], &handle, &sw, sizeof(sw)))
		print_sa_counters(&s->p, &sw);
}

static int collect_msg(const struct genl_offload *o, void *data)
{
	struct show *s = data;
	struct ofl_msg *m;

	if (!o->reason_msg[0])
		return 0;
	m = realloc(s->msgs, (s->nmsgs + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	s->msgs = m;
	m += s->nmsgs++;
	memset(&m->k, 0, sizeof(m->k));
	m->k.sa = o->sa;
	m->k.ifindex = o->ifindex;
	snprintf(m->text, sizeof(m->text), "%s", o->reason_msg);
	return 0;
}

/* Why the module (or its driver) refused k, in its words, or NULL. */
static const char *reject_msg(struct show *s, const struct ipso_offload_key *k)
{
	struct ipso_genl g;
	size_t i;

	if (!s->msgs_read) {
		s->msgs_read = true;
		if (!genl_open(&g)) {
			genl_dump_offloads(&g, collect_msg, s);
			genl_close(&g);
		}
	}
	for (i = 0; i < s->nmsgs; i++)
		if (s->msgs[i].k.ifindex == k->ifindex &&
		    s->msgs[i].k.sa.family == k->sa.family &&
		    s->msgs[i].k.sa.spi == k->sa.spi &&
		    !memcmp(&s->msgs[i].k.sa.daddr, &k->sa.daddr,
			    sizeof(k->sa.daddr)))
			return s->msgs[i].text;
	return NULL;
}

static void print_one_offload(struct show *s, const struct ofl_ent *e,
			      bool with_sa)
{
	const char *why;
	char dev[IF_NAMESIZE], a[FMT_ADDR_LEN], spi[16];
	struct jprint *p = &s->p;
	bool offloaded = e->v.state == IPSO_OFL_OFFLOADED;

	fmt_ifname(dev, e->k.ifindex);
	jp_open_obj(p, NULL);
	if (with_sa) {
		snprintf(spi, sizeof(spi), "0x%08x", ntohl(e->k.sa.spi));
		jp_str(p, PRINT_ANY, "daddr", "sa %s",
		       fmt_addr(a, e->k.sa.family, &e->k.sa.daddr));
		jp_str(p, PRINT_ANY, "spi", " spi %s ", spi);
	} else {
		jp_text(p, "    ");
	}
	jp_str(p, PRINT_ANY, "dev", "offload dev %s", dev);
	jp_u64(p, PRINT_JSON, "ifindex", NULL, e->k.ifindex);
	jp_str(p, PRINT_ANY, "state", " state %s",
	       ipso_state_name(e->v.state));
	if (offloaded)
		jp_u64(p, PRINT_ANY, "handle", " handle %llu", e->v.handle);
	else
		jp_null(p, "handle");
	if (e->v.state == IPSO_OFL_REJECTED) {
		jp_s64(p, PRINT_JSON, "reason", NULL, e->v.reason);
		jp_str(p, PRINT_ANY, "reason_text", " reason %s",
		       strerror(-e->v.reason));
		jp_s64(p, PRINT_FP, NULL, " (%lld)", e->v.reason);
		why = reject_msg(s, &e->k);
		if (why)
			jp_str(p, PRINT_ANY, "message", ": %s", why);
	}
	jp_text(p, "\n");
	if (offloaded)
		print_hw(s, e->v.handle);
	jp_close(p);
}

/* Why an SA has no offload entry, as far as show can tell. */
static const char *not_offloaded_why(struct show *s, int dir)
{
	if (s->module < 0) {
		struct ipso_genl g;

		s->module = !genl_open(&g);
		if (s->module)
			genl_close(&g);
	}
	if (!s->module)
		return "module not loaded";
	if (dir != IPSO_DIR_IN && dir != IPSO_DIR_OUT)
		return "direction unknown";
	return "no permitted device with the datapath attached, or no daemon";
}

static void print_sa_offloads(struct show *s, const struct ipso_sa_key *k,
			      int dir)
{
	size_t lo = 0, hi = s->nofl;

	/* lower bound of k in the sorted array */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cmp_sa_key(&s->ofl[mid].k.sa, k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	jp_open_arr(&s->p, "offload");
	for (; lo < s->nofl && !cmp_sa_key(&s->ofl[lo].k.sa, k); lo++)
		print_one_offload(s, &s->ofl[lo], false);
	jp_close(&s->p);
	if (!s->nofl || lo == 0 || cmp_sa_key(&s->ofl[lo - 1].k.sa, k))
		jp_str(&s->p, PRINT_ANY, "offload_note",
		       "    offload none (not offloaded: %s)\n",
		       not_offloaded_why(s, dir));
}

/* Limits the kernel calls infinite read as none (0) in text. */
static unsigned long long limit_or_zero(__u64 v)
{
	return v == UINT64_MAX ? 0 : v;
}

static void print_lifetime(struct jprint *p, const struct xnl_event *ev)
{
	jp_open_obj(p, "lifetime");
	jp_u64(p, PRINT_JSON, "soft_bytes", NULL, ev->lft_soft_bytes);
	jp_u64(p, PRINT_JSON, "hard_bytes", NULL, ev->lft_hard_bytes);
	jp_u64(p, PRINT_JSON, "soft_packets", NULL, ev->lft_soft_packets);
	jp_u64(p, PRINT_JSON, "hard_packets", NULL, ev->lft_hard_packets);
	jp_u64(p, PRINT_JSON, "soft_add_seconds", NULL, ev->lft_soft_add);
	jp_u64(p, PRINT_JSON, "hard_add_seconds", NULL, ev->lft_hard_add);
	jp_close(p);
	jp_text(p, "    lifetime soft %lluB/%llup/%llus "
		"hard %lluB/%llup/%llus (0 = none)\n",
		limit_or_zero(ev->lft_soft_bytes), limit_or_zero(ev->lft_soft_packets),
		(unsigned long long)ev->lft_soft_add,
		limit_or_zero(ev->lft_hard_bytes), limit_or_zero(ev->lft_hard_packets),
		(unsigned long long)ev->lft_hard_add);
}

static void print_kernel_side(struct show *s, const struct xnl_event *ev)
{
	struct jprint *p = &s->p;

	jp_open_obj(p, "kernel");
	jp_str(p, PRINT_ANY, "alg", "    alg %s", ev->alg);
	jp_u64(p, PRINT_ANY, "replay_window", " replay-window %llu\n",
	       ev->replay_window);
	jp_u64(p, PRINT_ANY, "packets", "    kernel: %llu packets",
	       ev->cur_packets);
	jp_u64(p, PRINT_ANY, "bytes", " %llu bytes\n", ev->cur_bytes);
	print_lifetime(p, ev);
	jp_close(p);
}

static void print_sa_flags(struct jprint *p, const struct ipso_sa *sa)
{
	jp_open_arr(p, "flags");
	if (sa->flags & IPSO_SA_F_ESN)
		jp_str(p, PRINT_ANY, NULL, " %s", "esn");
	if (sa->flags & IPSO_SA_F_NATT)
		jp_str(p, PRINT_ANY, NULL, " %s", "natt");
	if (sa->flags & IPSO_SA_F_DYING)
		jp_str(p, PRINT_ANY, NULL, " %s", "dying");
	jp_close(p);
	if (sa->flags & IPSO_SA_F_NATT) {
		jp_open_obj(p, "encap");
		jp_u64(p, PRINT_ANY, "sport", " encap sport %llu",
		       ntohs(sa->encap_sport));
		jp_u64(p, PRINT_ANY, "dport", " dport %llu",
		       ntohs(sa->encap_dport));
		jp_close(p);
	}
}

static void print_sa(struct show *s, const struct ipso_sa_key *k,
		     const struct ipso_sa *sa)
{
	const struct xnl_event *kev = find_ksa(s, k);
	char d[FMT_ADDR_LEN], src[FMT_ADDR_LEN], spi[16];
	struct jprint *p = &s->p;

	fmt_addr(d, sa->family, &sa->daddr);
	fmt_addr(src, sa->family, &sa->saddr);
	snprintf(spi, sizeof(spi), "0x%08x", ntohl(sa->spi));
	jp_open_obj(p, NULL);
	jp_u64(p, PRINT_JSON, "id", NULL, sa->sa_id);
	jp_str(p, PRINT_JSON, "family", NULL, fmt_family(sa->family));
	jp_str(p, PRINT_ANY, "src", "sa src %s", src);
	jp_str(p, PRINT_ANY, "dst", " dst %s", d);
	jp_str(p, PRINT_ANY, "proto", " proto %s", "esp");
	jp_str(p, PRINT_ANY, "spi", " spi %s", spi);
	jp_u64(p, PRINT_ANY, "reqid", " reqid %llu", sa->reqid);
	jp_str(p, PRINT_ANY, "mode", " mode %s", xnl_mode_name(sa->mode));
	jp_str(p, PRINT_ANY, "dir", " dir %s\n", xnl_dir_name(sa->dir));
	/* text: id and ICV length lead the second line */
	jp_text(p, "    id %u icv %u", sa->sa_id, sa->icv_len);
	print_sa_flags(p, sa);
	jp_text(p, "\n");
	jp_u64(p, PRINT_JSON, "icv_len", NULL, sa->icv_len);
	jp_u64(p, PRINT_JSON, "add_time", NULL, sa->add_time);
	print_selector(s, &sa->sel);
	if (kev)
		print_kernel_side(s, kev);
	print_sa_offloads(s, k, sa->dir);
	jp_close(p);
}

struct sa_ent {
	struct ipso_sa_key k;
	struct ipso_sa v;
};

/* Stable, human order: family, then destination, then SPI. */
static int cmp_sa_ent(const void *a, const void *b)
{
	const struct sa_ent *x = a, *y = b;
	int r;

	if (x->k.family != y->k.family)
		return x->k.family - y->k.family;
	r = memcmp(&x->k.daddr, &y->k.daddr, sizeof(x->k.daddr));
	if (r)
		return r;
	return ntohl(x->k.spi) < ntohl(y->k.spi) ? -1 :
	       ntohl(x->k.spi) > ntohl(y->k.spi);
}

static int show_sa(struct show *s)
{
	struct ipso_sa_key k, nk;
	struct sa_ent *v = NULL;
	size_t n = 0, cap = 0;
	void *prev = NULL;
	int err = load_offloads(s);

	if (err)
		return ipso_fail_errno(err, "show sa", NULL);
	load_kernel_sas(s);
	while (!bpf_map_get_next_key(s->pm.fd[PM_SAD], prev, &nk)) {
		k = nk;
		prev = &k;
		if (n == cap) {
			struct sa_ent *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return ipso_fail_errno(ENOMEM, "show sa", NULL);
			}
			v = nv;
		}
		v[n].k = k;
		if (!bpf_map_lookup_elem(s->pm.fd[PM_SAD], &k, &v[n].v))
			n++;
	}
	if (n)	/* qsort() must not see NULL, even for 0 */
		qsort(v, n, sizeof(*v), cmp_sa_ent);
	jp_open_arr(&s->p, NULL);
	for (size_t i = 0; i < n; i++)
		print_sa(s, &v[i].k, &v[i].v);
	jp_close(&s->p);
	jp_end(&s->p);
	free(v);
	return 0;
}

static void print_tmpl(struct jprint *p, const struct ipso_tmpl_desc *t)
{
	char a[FMT_ADDR_LEN], pr[8];

	jp_open_obj(p, NULL);
	jp_str(p, PRINT_ANY, "src", "    tmpl src %s",
	       fmt_addr(a, t->family, &t->saddr));
	jp_str(p, PRINT_ANY, "dst", " dst %s",
	       fmt_addr(a, t->family, &t->daddr));
	jp_str(p, PRINT_ANY, "proto", " proto %s", fmt_proto(pr, t->proto));
	jp_u64(p, PRINT_ANY, "spi", " spi 0x%08llx", ntohl(t->spi));
	jp_u64(p, PRINT_ANY, "reqid", " reqid %llu", t->reqid);
	jp_str(p, PRINT_ANY, "mode", " mode %s", xnl_mode_name(t->mode));
	/* text: only the exception, `level use` */
	jp_str(p, PRINT_JSON | (t->optional ? PRINT_FP : 0), "level",
	       " level %s", t->optional ? "use" : "required");
	jp_text(p, "\n");
	jp_close(p);
}

/* show policy -s: what the XDP fast path sent under the policy. */
static void print_pol_stats(struct show *s, __u32 index)
{
	struct ipso_pol_counters c = { 0 };

	/* no entry: the fast path never sent under it */
	read_counters(s->pol_stats_fd, &index, &c, sizeof(c));
	jp_open_obj(&s->p, "stats");
	jp_u64(&s->p, PRINT_ANY, "fastpath_packets",
	       "\tfastpath packets %llu", c.packets);
	jp_u64(&s->p, PRINT_ANY, "fastpath_bytes", " bytes %llu\n", c.bytes);
	jp_close(&s->p);
}

static int print_policy(const struct ipso_policy_desc *pol, void *data)
{
	struct show *s = data;
	struct jprint *p = &s->p;

	jp_open_obj(p, NULL);
	jp_u64(p, PRINT_ANY, "index", "policy index %llu", pol->index);
	jp_str(p, PRINT_ANY, "dir", " dir %s", xnl_dir_name(pol->dir));
	jp_u64(p, PRINT_ANY, "priority", " priority %llu", pol->priority);
	jp_str(p, PRINT_ANY, "action", " action %s", fmt_action(pol->action));
	/* text: mark and if_id on the first line, when set */
	if (pol->mark_m)
		jp_text(p, " mark 0x%x/0x%x", pol->mark_v, pol->mark_m);
	if (pol->if_id)
		jp_text(p, " if_id %u", pol->if_id);
	jp_text(p, "\n");
	print_selector(s, &pol->sel);
	jp_open_obj(p, "mark");
	jp_u64(p, PRINT_JSON, "value", NULL, pol->mark_v);
	jp_u64(p, PRINT_JSON, "mask", NULL, pol->mark_m);
	jp_close(p);
	jp_u64(p, PRINT_JSON, "if_id", NULL, pol->if_id);
	jp_open_arr(p, "tmpl");
	for (int i = 0; i < pol->ntmpl && i < IPSO_MAX_TMPL; i++)
		print_tmpl(p, &pol->tmpl[i]);
	jp_close(p);
	if (s->pol_stats)
		print_pol_stats(s, pol->index);
	jp_close(p);
	return 0;
}

struct pol_vec {
	struct ipso_policy_desc *v;
	size_t n, cap;
};

static int collect_policy(const struct ipso_policy_desc *p, void *data)
{
	struct pol_vec *pv = data;

	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? pv->cap * 2 : 256;
		struct ipso_policy_desc *v = realloc(pv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		pv->v = v;
		pv->cap = cap;
	}
	pv->v[pv->n++] = *p;
	return 0;
}

/* The order the kernel searches in: direction, priority, then index. */
static int cmp_policy(const void *a, const void *b)
{
	const struct ipso_policy_desc *x = a, *y = b;

	if (x->dir != y->dir)
		return x->dir - y->dir;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int show_policy(struct show *s)
{
	struct ipso_mirror *m = ipso_mirror_open(s->o->pin_dir);
	struct pol_vec pv = { 0 };
	int err;

	if (!m)
		return ipso_fail_errno(errno ? errno : EIO, "show policy",
				       "cannot open the mirror");
	err = ipso_mirror_for_each_policy(m, collect_policy, &pv);
	ipso_mirror_close(m);
	if (err) {
		free(pv.v);
		return ipso_fail_errno(err, "show policy", NULL);
	}
	if (pv.n)	/* qsort() must not see NULL, even for 0 */
		qsort(pv.v, pv.n, sizeof(*pv.v), cmp_policy);
	if (s->pol_stats) {
		char path[PATH_MAX];

		/* maps older than the fast path: every counter reads 0 */
		snprintf(path, sizeof(path), "%s/ipso_pol_stats",
			 s->o->pin_dir);
		s->pol_stats_fd = bpf_obj_get(path);
	}
	jp_open_arr(&s->p, NULL);
	for (size_t i = 0; i < pv.n; i++)
		print_policy(&pv.v[i], s);
	jp_close(&s->p);
	jp_end(&s->p);
	free(pv.v);
	return 0;
}

static int show_offload(struct show *s)
{
	int err = load_offloads(s);

	if (err)
		return ipso_fail_errno(err, "show offload", NULL);
	if (s->pm.fd[PM_OFFLOAD] < 0)
		return ipso_fail(IPSO_EXIT_RUNTIME, "show offload",
				 "no ipso_offload map under %s",
				 s->o->pin_dir);
	jp_open_arr(&s->p, NULL);
	for (size_t i = 0; i < s->nofl; i++)
		print_one_offload(s, &s->ofl[i], true);
	jp_close(&s->p);
	jp_end(&s->p);
	if (!s->nofl)
		jp_text(&s->p, "no offloads\n");
	return 0;
}

static size_t count_keys(int fd, size_t key_size)
{
	char k[64], nk[64];
	void *prev = NULL;
	size_t n = 0;

	if (fd < 0 || key_size > sizeof(k))
		return 0;
	while (!bpf_map_get_next_key(fd, prev, nk)) {
		memcpy(k, nk, key_size);
		prev = k;
		n++;
	}
	return n;
}

static void print_offload_counts(struct show *s)
{
	size_t nstate[4] = { 0 };

	for (size_t i = 0; i < s->nofl; i++)
		if (s->ofl[i].v.state < 4)
			nstate[s->ofl[i].v.state]++;
	jp_u64(&s->p, PRINT_ANY, "sas", "sas %llu",
	       count_keys(s->pm.fd[PM_SAD], sizeof(struct ipso_sa_key)));
	jp_open_obj(&s->p, "offloads");
	jp_text(&s->p, " offloads:");
	for (int i = 1; i < 4; i++) {
		jp_text(&s->p, " %s", ipso_state_name(i));
		jp_u64(&s->p, PRINT_ANY, ipso_state_name(i), " %llu",
		       nstate[i]);
	}
	jp_close(&s->p);
	jp_text(&s->p, "\n");
}

static void print_config(struct jprint *p, const struct ipso_config *cfg)
{
	jp_open_obj(p, "config");
	jp_u64(p, PRINT_ANY, "mark_magic", "mark magic 0x%08llx",
	       cfg->mark_magic);
	jp_u64(p, PRINT_ANY, "mark_magic_mask", "/0x%08llx",
	       cfg->mark_magic_mask);
	jp_u64(p, PRINT_ANY, "mark_handle_mask", " handle mask 0x%08llx",
	       cfg->mark_handle_mask);
	jp_u64(p, PRINT_JSON, "flags", NULL, cfg->flags);
	/* as the last sync or daemon tick read it; the fast path needs accept */
	jp_str(p, PRINT_ANY, "fwd_default", " fwd default %s",
	       cfg->flags & IPSO_CFG_F_FWD_ACCEPT ? "accept" : "block");
	jp_u64(p, PRINT_ANY, "generation", " generation %llu\n",
	       cfg->generation);
	jp_close(p);
}

static void print_datapath_stats(struct show *s)
{
	char name[32];

	jp_open_obj(&s->p, "datapath");
	for (__u32 i = 0; i < IPSO_STAT__MAX; i++) {
		__u64 v = 0;

		if (read_counters(s->pm.fd[PM_STATS], &i, &v, sizeof(v)))
			continue;
		if (i < sizeof(stat_names) / sizeof(stat_names[0]) &&
		    stat_names[i])
			snprintf(name, sizeof(name), "%s", stat_names[i]);
		else
			snprintf(name, sizeof(name), "stat_%u", i);
		jp_text(&s->p, "%-24s", name);
		jp_u64(&s->p, PRINT_ANY, name, " %llu\n", v);
	}
	jp_close(&s->p);
}

static int show_stats(struct show *s)
{
	struct ipso_config cfg = { 0 };
	__u32 zero = 0;
	int err = load_offloads(s);

	if (err)
		return ipso_fail_errno(err, "show stats", NULL);
	jp_open_obj(&s->p, NULL);
	print_offload_counts(s);
	if (s->pm.fd[PM_CONFIG] >= 0 &&
	    !bpf_map_lookup_elem(s->pm.fd[PM_CONFIG], &zero, &cfg))
		print_config(&s->p, &cfg);
	print_datapath_stats(s);
	jp_close(&s->p);
	jp_end(&s->p);
	return 0;
}

static int print_dev(const struct genl_dev *d, void *data)
{
	struct jprint *p = &((struct show *)data)->p;

	jp_open_obj(p, NULL);
	jp_str(p, PRINT_ANY, "dev", "dev %s", d->name);
	jp_u64(p, PRINT_ANY, "ifindex", " ifindex %llu", d->ifindex);
	jp_str(p, PRINT_ANY, "backend", " backend %s", d->backend);
	jp_u64(p, PRINT_ANY, "caps", " caps 0x%llx", d->caps);
	jp_u64(p, PRINT_ANY, "max_sa", " max_sa %llu\n", d->max_sa);
	jp_close(p);
	return 0;
}

static int show_devices(struct show *s)
{
	struct ipso_genl g;
	int err = genl_open(&g);

	if (err == -ENOENT)
		return ipso_fail(IPSO_EXIT_NO_MODULE, "show devices",
				 "bridge module not loaded");
	if (err)
		return ipso_fail_errno(err, "show devices", NULL);
	jp_open_arr(&s->p, NULL);
	err = genl_dump_devices(&g, print_dev, s);
	jp_close(&s->p);
	jp_end(&s->p);
	genl_close(&g);
	return err ? ipso_fail_errno(err, "show devices", NULL) : 0;
}

static void show_usage(FILE *f)
{
	fputs("Usage: ipsec-offload [-j [-p]] show { sa | policy [-s] | "
	      "offload | stats | devices | fastpath }\n"
	      "  policy -s: with what the XDP fast path sent under each\n", f);
}

int cmd_show(const struct ipso_opts *o, int argc, char **argv)
{
	struct show s = { .o = o, .module = -1, .pol_stats_fd = -1 };
	int code;

	if (argc < 1 || cli_is_help(argv[0])) {
		show_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? IPSO_EXIT_USAGE : IPSO_EXIT_OK;
	}
	if (argc == 2 && !strcmp(argv[0], "policy") &&
	    (!strcmp(argv[1], "-s") || !strcmp(argv[1], "stats"))) {
		s.pol_stats = true;	/* the map: opened by show_policy */
		argc--;
	}
	if (argc > 1)
		return ipso_fail(IPSO_EXIT_USAGE, "show",
				 "unexpected argument '%s'", argv[1]);
	jp_init(&s.p, o->json, o->pretty);
	if (!strcmp(argv[0], "devices"))
		return show_devices(&s);
	if (!strcmp(argv[0], "fastpath"))
		return fastpath_show(o, &s.p);
	if (strcmp(argv[0], "sa") && strcmp(argv[0], "policy") &&
	    strcmp(argv[0], "offload") && strcmp(argv[0], "stats"))
		return ipso_fail(IPSO_EXIT_USAGE, "show",
				 "unknown object '%s' (try show -h)", argv[0]);
	code = open_maps(&s);
	if (code)
		return code;
	if (!strcmp(argv[0], "sa"))
		code = show_sa(&s);
	else if (!strcmp(argv[0], "policy"))
		code = show_policy(&s);
	else if (!strcmp(argv[0], "offload"))
		code = show_offload(&s);
	else
		code = show_stats(&s);
	pinned_close(&s.pm);
	if (s.pol_stats_fd >= 0)
		close(s.pol_stats_fd);
	free(s.ofl);
	free(s.ksa);
	free(s.msgs);
	return code;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * `ipsec-offload show sa|policy|offload|stats|devices`: what the maps
 * hold, joined with the kernel's own counters and lifetimes where we may
 * read them.  Never prints key material: the maps have none and the
 * kernel dump is decoded without it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "errors.h"
#include "fmt.h"
#include "genl.h"
#include "json.h"
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
	[IPSO_STAT_RX_DROP_UNKNOWN_SPI] = "rx_drop_unknown_spi",
	[IPSO_STAT_RX_DROP_PLAINTEXT] = "rx_drop_plaintext",
	[IPSO_STAT_RX_SW_ESP] = "rx_sw_esp",
	[IPSO_STAT_RX_IKE] = "rx_ike",
	[IPSO_STAT_RX_MALFORMED] = "rx_malformed",
	[IPSO_STAT_RX_UNSURE] = "rx_unsure",
	[IPSO_STAT_TX_PASS_INBOUND_SA] = "tx_pass_inbound_sa",
	[IPSO_STAT_TX_PASS_STALE] = "tx_pass_stale",
	[IPSO_STAT_RX_PASS_STALE] = "rx_pass_stale",
	[IPSO_STAT_TX_PASS_ESP] = "tx_pass_esp",
};

struct show {
	const struct ipso_opts *o;
	struct pinned pm;
	struct jw w;
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
	qsort(s->ksa, s->nksa, sizeof(*s->ksa), cmp_ksa);
}

static const struct xnl_event *find_ksa(struct show *s,
					const struct ipso_sa_key *k)
{
	struct xnl_event key;

	key.sa.key = *k;
	return bsearch(&key, s->ksa, s->nksa, sizeof(*s->ksa), cmp_ksa);
}

static void print_selector(struct show *s, const struct ipso_selector *sel,
			   bool human_indent)
{
	char a[FMT_ADDR_LEN], b[FMT_ADDR_LEN], p[8];

	fmt_prefix(a, sel->family, &sel->saddr, sel->prefixlen_s);
	fmt_prefix(b, sel->family, &sel->daddr, sel->prefixlen_d);
	if (s->o->json) {
		jw_obj_open(&s->w, "selector");
		jw_str(&s->w, "family", fmt_family(sel->family));
		jw_str(&s->w, "src", a);
		jw_str(&s->w, "dst", b);
		jw_u64(&s->w, "proto", sel->proto);
		jw_u64(&s->w, "sport", ntohs(sel->sport));
		jw_u64(&s->w, "sport_mask", ntohs(sel->sport_mask));
		jw_u64(&s->w, "dport", ntohs(sel->dport));
		jw_u64(&s->w, "dport_mask", ntohs(sel->dport_mask));
		jw_s64(&s->w, "ifindex", sel->ifindex);
		jw_close(&s->w);
		return;
	}
	printf("%ssel src %s dst %s proto %s", human_indent ? "    " : "",
	       a, b, fmt_proto(p, sel->proto));
	if (sel->sport_mask)
		printf(" sport %u", ntohs(sel->sport));
	if (sel->dport_mask)
		printf(" dport %u", ntohs(sel->dport));
	if (sel->ifindex)
		printf(" dev %s", fmt_ifname(a, sel->ifindex));
	putchar('\n');
}

static void print_hw(struct show *s, __u32 handle)
{
	struct ipso_hw_counters hw;
	struct ipso_sa_counters sw;
	bool have_hw, have_sw;

	have_hw = !read_counters(s->pm.fd[PM_HW_STATS], &handle, &hw,
				 sizeof(hw));
	have_sw = !read_counters(s->pm.fd[PM_SA_STATS], &handle, &sw,
				 sizeof(sw));
	if (s->o->json) {
		if (have_hw) {
			jw_obj_open(&s->w, "hw");
			jw_u64(&s->w, "packets", hw.packets);
			jw_u64(&s->w, "bytes", hw.bytes);
			jw_u64(&s->w, "auth_fail", hw.auth_fail);
			jw_u64(&s->w, "replay_drop", hw.replay_drop);
			jw_u64(&s->w, "no_sa_drop", hw.no_sa_drop);
			jw_close(&s->w);
		}
		if (have_sw) {
			jw_obj_open(&s->w, "bpf");
			jw_u64(&s->w, "tx_packets", sw.tx_packets);
			jw_u64(&s->w, "tx_bytes", sw.tx_bytes);
			jw_u64(&s->w, "rx_packets", sw.rx_packets);
			jw_u64(&s->w, "rx_bytes", sw.rx_bytes);
			jw_u64(&s->w, "rx_drop_selector", sw.rx_drop_selector);
			jw_u64(&s->w, "rx_drop_syndrome", sw.rx_drop_syndrome);
			jw_close(&s->w);
		}
		return;
	}
	if (have_hw)
		printf("      hw: %llu packets %llu bytes, "
		       "auth_fail %llu replay_drop %llu"
		       " no_sa_drop %llu\n", hw.packets, hw.bytes,
		       hw.auth_fail, hw.replay_drop, hw.no_sa_drop);
	if (have_sw)
		printf("      bpf: tx %llu packets %llu bytes, "
		       "rx %llu packets %llu bytes, "
		       "rx_drop selector %llu syndrome %llu\n",
		       sw.tx_packets, sw.tx_bytes, sw.rx_packets, sw.rx_bytes,
		       sw.rx_drop_selector, sw.rx_drop_syndrome);
}

static void print_one_offload(struct show *s, const struct ofl_ent *e,
			      bool with_sa)
{
	char dev[IF_NAMESIZE], a[FMT_ADDR_LEN];

	fmt_ifname(dev, e->k.ifindex);
	if (s->o->json) {
		jw_obj_open(&s->w, NULL);
		if (with_sa) {
			jw_str(&s->w, "daddr", fmt_addr(a, e->k.sa.family,
							 &e->k.sa.daddr));
			snprintf(a, sizeof(a), "0x%08x", ntohl(e->k.sa.spi));
			jw_str(&s->w, "spi", a);
		}
		jw_str(&s->w, "dev", dev);
		jw_u64(&s->w, "ifindex", e->k.ifindex);
		jw_str(&s->w, "state", ipso_state_name(e->v.state));
		if (e->v.state == IPSO_OFL_OFFLOADED)
			jw_u64(&s->w, "handle", e->v.handle);
		else
			jw_null(&s->w, "handle");
		if (e->v.state == IPSO_OFL_REJECTED) {
			jw_s64(&s->w, "reason", e->v.reason);
			jw_str(&s->w, "reason_text", strerror(-e->v.reason));
		}
		if (e->v.state == IPSO_OFL_OFFLOADED)
			print_hw(s, e->v.handle);
		jw_close(&s->w);
		return;
	}
	if (with_sa)
		printf("sa %s spi 0x%08x ",
		       fmt_addr(a, e->k.sa.family, &e->k.sa.daddr),
		       ntohl(e->k.sa.spi));
	else
		printf("    ");
	printf("offload dev %s state %s", dev, ipso_state_name(e->v.state));
	if (e->v.state == IPSO_OFL_OFFLOADED)
		printf(" handle %u", e->v.handle);
	if (e->v.state == IPSO_OFL_REJECTED)
		printf(" reason %s (%d)", strerror(-e->v.reason), e->v.reason);
	putchar('\n');
	if (e->v.state == IPSO_OFL_OFFLOADED)
		print_hw(s, e->v.handle);
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
	if (s->o->json)
		jw_arr_open(&s->w, "offload");
	for (; lo < s->nofl && !cmp_sa_key(&s->ofl[lo].k.sa, k); lo++)
		print_one_offload(s, &s->ofl[lo], false);
	if (s->o->json)
		jw_close(&s->w);
	if (!s->nofl || lo == 0 || cmp_sa_key(&s->ofl[lo - 1].k.sa, k)) {
		const char *why = not_offloaded_why(s, dir);

		if (s->o->json)
			jw_str(&s->w, "offload_note", why);
		else
			printf("    offload none (not offloaded: %s)\n", why);
	}
}

static void print_kernel_side(struct show *s, const struct xnl_event *ev)
{
	if (s->o->json) {
		jw_obj_open(&s->w, "kernel");
		jw_str(&s->w, "alg", ev->alg);
		jw_u64(&s->w, "replay_window", ev->replay_window);
		jw_u64(&s->w, "packets", ev->cur_packets);
		jw_u64(&s->w, "bytes", ev->cur_bytes);
		jw_obj_open(&s->w, "lifetime");
		jw_u64(&s->w, "soft_bytes", ev->lft_soft_bytes);
		jw_u64(&s->w, "hard_bytes", ev->lft_hard_bytes);
		jw_u64(&s->w, "soft_packets", ev->lft_soft_packets);
		jw_u64(&s->w, "hard_packets", ev->lft_hard_packets);
		jw_u64(&s->w, "soft_add_seconds", ev->lft_soft_add);
		jw_u64(&s->w, "hard_add_seconds", ev->lft_hard_add);
		jw_close(&s->w);
		jw_close(&s->w);
		return;
	}
	printf("    alg %s replay-window %u\n", ev->alg, ev->replay_window);
	printf("    kernel: %llu packets %llu bytes\n",
	       ev->cur_packets, ev->cur_bytes);
	printf("    lifetime soft %lluB/%llup/%llus "
	       "hard %lluB/%llup/%llus (0 = none)\n",
	       ev->lft_soft_bytes == UINT64_MAX ? 0 : ev->lft_soft_bytes,
	       ev->lft_soft_packets == UINT64_MAX ? 0 : ev->lft_soft_packets,
	       ev->lft_soft_add,
	       ev->lft_hard_bytes == UINT64_MAX ? 0 : ev->lft_hard_bytes,
	       ev->lft_hard_packets == UINT64_MAX ? 0 : ev->lft_hard_packets,
	       ev->lft_hard_add);
}

static void print_sa(struct show *s, const struct ipso_sa_key *k,
		     const struct ipso_sa *sa)
{
	const struct xnl_event *kev = find_ksa(s, k);
	char d[FMT_ADDR_LEN], src[FMT_ADDR_LEN], spi[16];

	fmt_addr(d, sa->family, &sa->daddr);
	fmt_addr(src, sa->family, &sa->saddr);
	snprintf(spi, sizeof(spi), "0x%08x", ntohl(sa->spi));
	if (s->o->json) {
		jw_obj_open(&s->w, NULL);
		jw_u64(&s->w, "id", sa->sa_id);
		jw_str(&s->w, "family", fmt_family(sa->family));
		jw_str(&s->w, "src", src);
		jw_str(&s->w, "dst", d);
		jw_str(&s->w, "proto", "esp");
		jw_str(&s->w, "spi", spi);
		jw_u64(&s->w, "reqid", sa->reqid);
		jw_str(&s->w, "mode", xnl_mode_name(sa->mode));
		jw_str(&s->w, "dir", xnl_dir_name(sa->dir));
		jw_arr_open(&s->w, "flags");
		if (sa->flags & IPSO_SA_F_ESN)
			jw_str(&s->w, NULL, "esn");
		if (sa->flags & IPSO_SA_F_NATT)
			jw_str(&s->w, NULL, "natt");
		if (sa->flags & IPSO_SA_F_DYING)
			jw_str(&s->w, NULL, "dying");
		jw_close(&s->w);
		if (sa->flags & IPSO_SA_F_NATT) {
			jw_obj_open(&s->w, "encap");
			jw_u64(&s->w, "sport", ntohs(sa->encap_sport));
			jw_u64(&s->w, "dport", ntohs(sa->encap_dport));
			jw_close(&s->w);
		}
		jw_u64(&s->w, "icv_len", sa->icv_len);
		jw_u64(&s->w, "add_time", sa->add_time);
		print_selector(s, &sa->sel, false);
		if (kev)
			print_kernel_side(s, kev);
		print_sa_offloads(s, k, sa->dir);
		jw_close(&s->w);
		return;
	}
	printf("sa src %s dst %s proto esp spi %s reqid %u mode %s dir %s\n",
	       src, d, spi, sa->reqid, xnl_mode_name(sa->mode),
	       xnl_dir_name(sa->dir));
	printf("    id %u icv %u%s%s%s", sa->sa_id, sa->icv_len,
	       sa->flags & IPSO_SA_F_ESN ? " esn" : "",
	       sa->flags & IPSO_SA_F_NATT ? " natt" : "",
	       sa->flags & IPSO_SA_F_DYING ? " dying" : "");
	if (sa->flags & IPSO_SA_F_NATT)
		printf(" encap sport %u dport %u", ntohs(sa->encap_sport),
		       ntohs(sa->encap_dport));
	putchar('\n');
	print_selector(s, &sa->sel, true);
	if (kev)
		print_kernel_side(s, kev);
	print_sa_offloads(s, k, sa->dir);
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
	qsort(v, n, sizeof(*v), cmp_sa_ent);
	if (s->o->json)
		jw_arr_open(&s->w, NULL);
	for (size_t i = 0; i < n; i++)
		print_sa(s, &v[i].k, &v[i].v);
	if (s->o->json) {
		jw_close(&s->w);
		jw_end(&s->w);
	}
	free(v);
	return 0;
}

static int print_policy(const struct ipso_policy_desc *p, void *data)
{
	struct show *s = data;
	char a[FMT_ADDR_LEN], b[FMT_ADDR_LEN], pr[8];

	if (s->o->json) {
		jw_obj_open(&s->w, NULL);
		jw_u64(&s->w, "index", p->index);
		jw_str(&s->w, "dir", xnl_dir_name(p->dir));
		jw_u64(&s->w, "priority", p->priority);
		jw_str(&s->w, "action", fmt_action(p->action));
		print_selector(s, &p->sel, false);
		jw_obj_open(&s->w, "mark");
		jw_u64(&s->w, "value", p->mark_v);
		jw_u64(&s->w, "mask", p->mark_m);
		jw_close(&s->w);
		jw_u64(&s->w, "if_id", p->if_id);
		jw_arr_open(&s->w, "tmpl");
		for (int i = 0; i < p->ntmpl && i < IPSO_MAX_TMPL; i++) {
			const struct ipso_tmpl_desc *t = &p->tmpl[i];

			jw_obj_open(&s->w, NULL);
			jw_str(&s->w, "src", fmt_addr(a, t->family, &t->saddr));
			jw_str(&s->w, "dst", fmt_addr(b, t->family, &t->daddr));
			jw_str(&s->w, "proto", fmt_proto(pr, t->proto));
			jw_u64(&s->w, "spi", ntohl(t->spi));
			jw_u64(&s->w, "reqid", t->reqid);
			jw_str(&s->w, "mode", xnl_mode_name(t->mode));
			jw_str(&s->w, "level", t->optional ? "use" :
							      "required");
			jw_close(&s->w);
		}
		jw_close(&s->w);
		jw_close(&s->w);
		return 0;
	}
	printf("policy index %u dir %s priority %u action %s",
	       p->index, xnl_dir_name(p->dir), p->priority,
	       fmt_action(p->action));
	if (p->mark_m)
		printf(" mark 0x%x/0x%x", p->mark_v, p->mark_m);
	if (p->if_id)
		printf(" if_id %u", p->if_id);
	putchar('\n');
	print_selector(s, &p->sel, true);
	for (int i = 0; i < p->ntmpl && i < IPSO_MAX_TMPL; i++) {
		const struct ipso_tmpl_desc *t = &p->tmpl[i];

		printf("    tmpl src %s dst %s proto %s spi 0x%08x reqid %u "
		       "mode %s%s\n", fmt_addr(a, t->family, &t->saddr),
		       fmt_addr(b, t->family, &t->daddr),
		       fmt_proto(pr, t->proto), ntohl(t->spi), t->reqid,
		       xnl_mode_name(t->mode), t->optional ? " level use" : "");
	}
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
	if (err == -EOPNOTSUPP)
		return ipso_fail(IPSO_EXIT_UNSUPP, "show policy",
			"the mirror library cannot list policies yet");
	if (err) {
		free(pv.v);
		return ipso_fail_errno(err, "show policy", NULL);
	}
	qsort(pv.v, pv.n, sizeof(*pv.v), cmp_policy);
	if (s->o->json)
		jw_arr_open(&s->w, NULL);
	for (size_t i = 0; i < pv.n; i++)
		print_policy(&pv.v[i], s);
	if (s->o->json) {
		jw_close(&s->w);
		jw_end(&s->w);
	}
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
	if (s->o->json)
		jw_arr_open(&s->w, NULL);
	for (size_t i = 0; i < s->nofl; i++)
		print_one_offload(s, &s->ofl[i], true);
	if (s->o->json) {
		jw_close(&s->w);
		jw_end(&s->w);
	} else if (!s->nofl) {
		printf("no offloads\n");
	}
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

static int show_stats(struct show *s)
{
	struct ipso_config cfg = { 0 };
	size_t nstate[4] = { 0 };
	__u32 zero = 0;
	bool have_cfg;
	int err = load_offloads(s);

	if (err)
		return ipso_fail_errno(err, "show stats", NULL);
	for (size_t i = 0; i < s->nofl; i++)
		if (s->ofl[i].v.state < 4)
			nstate[s->ofl[i].v.state]++;
	have_cfg = s->pm.fd[PM_CONFIG] >= 0 &&
		   !bpf_map_lookup_elem(s->pm.fd[PM_CONFIG], &zero, &cfg);
	if (s->o->json) {
		jw_obj_open(&s->w, NULL);
		jw_u64(&s->w, "sas", count_keys(s->pm.fd[PM_SAD],
						sizeof(struct ipso_sa_key)));
		jw_obj_open(&s->w, "offloads");
		for (int i = 1; i < 4; i++)
			jw_u64(&s->w, ipso_state_name(i), nstate[i]);
		jw_close(&s->w);
		if (have_cfg) {
			jw_obj_open(&s->w, "config");
			jw_u64(&s->w, "mark_magic", cfg.mark_magic);
			jw_u64(&s->w, "mark_magic_mask", cfg.mark_magic_mask);
			jw_u64(&s->w, "mark_handle_mask", cfg.mark_handle_mask);
			jw_u64(&s->w, "flags", cfg.flags);
			jw_u64(&s->w, "generation", cfg.generation);
			jw_close(&s->w);
		}
		jw_obj_open(&s->w, "datapath");
	} else {
		printf("sas %zu offloads: pending %zu offloaded %zu "
		       "rejected %zu\n", count_keys(s->pm.fd[PM_SAD],
						    sizeof(struct ipso_sa_key)),
		       nstate[1], nstate[2], nstate[3]);
		if (have_cfg)
			printf("mark magic 0x%08x/0x%08x handle mask 0x%08x "
			       "generation %llu\n", cfg.mark_magic,
			       cfg.mark_magic_mask, cfg.mark_handle_mask,
			       (unsigned long long)cfg.generation);
	}
	for (__u32 i = 0; i < IPSO_STAT__MAX; i++) {
		__u64 v = 0;

		char name[32];

		if (read_counters(s->pm.fd[PM_STATS], &i, &v, sizeof(v)))
			continue;
		if (i < sizeof(stat_names) / sizeof(stat_names[0]) &&
		    stat_names[i])
			snprintf(name, sizeof(name), "%s", stat_names[i]);
		else
			snprintf(name, sizeof(name), "stat_%u", i);
		if (s->o->json)
			jw_u64(&s->w, name, v);
		else
			printf("%-24s %llu\n", name, v);
	}
	if (s->o->json) {
		jw_close(&s->w);
		jw_close(&s->w);
		jw_end(&s->w);
	}
	return 0;
}

static int print_dev(const struct genl_dev *d, void *data)
{
	struct show *s = data;

	if (s->o->json) {
		jw_obj_open(&s->w, NULL);
		jw_str(&s->w, "dev", d->name);
		jw_u64(&s->w, "ifindex", d->ifindex);
		jw_str(&s->w, "backend", d->backend);
		jw_u64(&s->w, "caps", d->caps);
		jw_u64(&s->w, "max_sa", d->max_sa);
		jw_close(&s->w);
	} else {
		printf("dev %s ifindex %u backend %s caps 0x%x max_sa %u\n",
		       d->name, d->ifindex, d->backend, d->caps, d->max_sa);
	}
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
	if (s->o->json)
		jw_arr_open(&s->w, NULL);
	err = genl_dump_devices(&g, print_dev, s);
	if (s->o->json) {
		jw_close(&s->w);
		jw_end(&s->w);
	}
	genl_close(&g);
	return err ? ipso_fail_errno(err, "show devices", NULL) : 0;
}

static void show_usage(FILE *f)
{
	fputs("Usage: ipsec-offload [-j [-p]] show { sa | policy | offload | "
	      "stats | devices }\n", f);
}

int cmd_show(const struct ipso_opts *o, int argc, char **argv)
{
	struct show s = { .o = o, .module = -1 };
	int code;

	if (argc < 1 || cli_is_help(argv[0])) {
		show_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? IPSO_EXIT_USAGE : IPSO_EXIT_OK;
	}
	if (argc > 1)
		return ipso_fail(IPSO_EXIT_USAGE, "show",
				 "unexpected argument '%s'", argv[1]);
	jw_init(&s.w, stdout, o->pretty);
	if (!strcmp(argv[0], "devices"))
		return show_devices(&s);
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
	free(s.ofl);
	free(s.ksa);
	return code;
}

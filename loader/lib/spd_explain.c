// SPDX-License-Identifier: GPL-2.0
/* The classifier on a synthetic packet; see spd_explain.h. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "spd_explain.h"
#include "ipso_classify.skel.h"

/* Payload after the upper-layer header: a frame of a real size. */
#define EXPLAIN_PAYLOAD	32
#define EXPLAIN_PROG_PIN "ipso_explain_prog"
#define EXPLAIN_RETRIES	3	/* a shared slot overwritten meanwhile */

static int explainer_init(struct spd_explainer *x)
{
	memset(x, 0, sizeof(*x));
	x->prog_fd = x->out_fd = -1;
	x->ncpu = libbpf_num_possible_cpus();
	if (x->ncpu <= 0)
		return x->ncpu ? x->ncpu : -EINVAL;
	/* another process's answer must not carry our nonce */
	if (getrandom(&x->nonce, sizeof(x->nonce), 0) != sizeof(x->nonce))
		x->nonce = (__u32)getpid() << 16;
	return 0;
}

int spd_explain_open(struct spd_explainer *x, const char *pin_dir)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	int err;

	err = explainer_init(x);
	if (err)
		return err;
	x->skel = ipso_classify__open_opts(&opts);
	if (!x->skel)
		return -errno;
	err = ipso_classify__load(x->skel);
	if (err) {
		spd_explain_close(x);
		return err;
	}
	x->prog_fd = bpf_program__fd(x->skel->progs.ipso_explain);
	x->out_fd = bpf_map__fd(x->skel->maps.ipso_exp_out);
	return 0;
}

/* The ids of the maps prog_fd uses; *n of them in ids (at most cap). */
static int prog_map_ids(int prog_fd, __u32 *ids, __u32 cap, __u32 *n)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	info.nr_map_ids = cap;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	*n = info.nr_map_ids < cap ? info.nr_map_ids : cap;
	return 0;
}

static int map_info_of_fd(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

/* The program's map of this object name (kernel names are cut at 15). */
static int prog_map_named(const struct bpf_map_info *maps, __u32 n,
			  const char *name)
{
	for (__u32 i = 0; i < n; i++)
		if (!strncmp(maps[i].name, name, BPF_OBJ_NAME_LEN - 1))
			return i;
	return -1;
}

/* Each map the program uses that the object pins by name is pinned now. */
static bool pinned_maps_match(const char *pin_dir,
			      const struct bpf_map_info *maps, __u32 n)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct ipso_classify *skel = ipso_classify__open_opts(&opts);
	struct bpf_map_info pinned;
	struct bpf_map *map;
	bool ok = skel != NULL;

	if (skel)
		bpf_object__for_each_map(map, skel->obj) {
			const char *path = bpf_map__pin_path(map);
			int i = prog_map_named(maps, n, bpf_map__name(map));
			int fd;

			if (!path || i < 0)
				continue;
			fd = bpf_obj_get(path);
			ok = fd >= 0 && !map_info_of_fd(fd, &pinned) &&
			     pinned.id == maps[i].id;
			if (fd >= 0)
				close(fd);
			if (!ok)
				break;
		}
	ipso_classify__destroy(skel);
	return ok;
}

/* The infos of the maps the program uses, *n of them (at most cap). */
static int prog_maps(int prog_fd, struct bpf_map_info *maps, __u32 cap,
		     __u32 *n)
{
	__u32 ids[64], got = 0, k = 0;
	int err = prog_map_ids(prog_fd, ids, cap < 64 ? cap : 64, &got);

	if (err)
		return err;
	for (__u32 i = 0; i < got; i++) {
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			return -errno;
		err = map_info_of_fd(fd, &maps[k]);
		close(fd);
		if (err)
			return err;
		k++;
	}
	*n = k;
	return 0;
}

/* The program's own ipso_exp_out (it is pinned nowhere). */
static int out_map_of(const struct bpf_map_info *maps, __u32 n)
{
	int i = prog_map_named(maps, n, "ipso_exp_out");

	if (i < 0)
		return -ENOENT;
	return bpf_map_get_fd_by_id(maps[i].id);
}

static int open_pinned(struct spd_explainer *x, const char *path,
		       const char *pin_dir)
{
	struct bpf_map_info maps[64];
	__u32 n = 0;
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return -errno;
	if (prog_maps(fd, maps, 64, &n) || !pinned_maps_match(pin_dir, maps, n) ||
	    (x->out_fd = out_map_of(maps, n)) < 0) {
		close(fd);
		x->out_fd = -1;
		return -ESTALE;
	}
	x->prog_fd = fd;
	return 0;
}

int spd_explain_open_shared(struct spd_explainer *x, const char *pin_dir)
{
	char path[PATH_MAX];
	int err;

	if (snprintf(path, sizeof(path), "%s/%s", pin_dir, EXPLAIN_PROG_PIN) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	err = explainer_init(x);
	if (err)
		return err;
	err = open_pinned(x, path, pin_dir);
	if (!err)
		return 0;
	if (err == -ESTALE)
		unlink(path);	/* its maps were replaced */
	err = spd_explain_open(x, pin_dir);
	if (err)
		return err;
	/* best effort (mode 0600, as every pin): the next call is fast */
	bpf_obj_pin(x->prog_fd, path);
	return 0;
}

void spd_explain_close(struct spd_explainer *x)
{
	if (x->skel) {
		ipso_classify__destroy(x->skel);
	} else {
		if (x->prog_fd >= 0)
			close(x->prog_fd);
		if (x->out_fd >= 0)
			close(x->out_fd);
	}
	x->skel = NULL;
	x->prog_fd = x->out_fd = -1;
}

static size_t l4_header_len(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return sizeof(struct tcphdr);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	default:
		return 8;	/* ICMP header, or 8 bytes of anything */
	}
}

/*
 * The headers follow the 14-byte Ethernet header, so they are built in
 * aligned locals and copied into the frame.
 */
static __u8 *put_ip4(const struct spd_explain_req *r, void *at, size_t l4len)
{
	struct iphdr ip;

	memset(&ip, 0, sizeof(ip));
	ip.version = 4;
	ip.ihl = 5;
	ip.ttl = 64;
	ip.protocol = r->proto;
	ip.tot_len = htons(sizeof(ip) + l4len + EXPLAIN_PAYLOAD);
	memcpy(&ip.saddr, r->saddr.a8, 4);
	memcpy(&ip.daddr, r->daddr.a8, 4);
	memcpy(at, &ip, sizeof(ip));
	return (__u8 *)at + sizeof(ip);
}

static __u8 *put_ip6(const struct spd_explain_req *r, void *at, size_t l4len)
{
	struct ipv6hdr ip6;

	memset(&ip6, 0, sizeof(ip6));
	ip6.version = 6;
	ip6.hop_limit = 64;
	ip6.nexthdr = r->proto;
	ip6.payload_len = htons(l4len + EXPLAIN_PAYLOAD);
	memcpy(&ip6.saddr, r->saddr.a8, 16);
	memcpy(&ip6.daddr, r->daddr.a8, 16);
	memcpy(at, &ip6, sizeof(ip6));
	return (__u8 *)at + sizeof(ip6);
}

/* The fields XFRM takes as ports: ports, or ICMP type and code. */
static void put_l4(const struct spd_explain_req *r, __u8 *l4, size_t l4len)
{
	__be16 ports[2] = { htons(r->sport), htons(r->dport) };
	struct tcphdr tcp;
	struct udphdr udp;

	switch (r->proto) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		l4[0] = r->sport;
		l4[1] = r->dport;
		return;
	case IPPROTO_TCP:
		memset(&tcp, 0, sizeof(tcp));
		tcp.doff = 5;
		memcpy(l4, &tcp, sizeof(tcp));
		break;
	case IPPROTO_UDP:
		memset(&udp, 0, sizeof(udp));
		udp.len = htons(l4len + EXPLAIN_PAYLOAD);
		memcpy(l4, &udp, sizeof(udp));
		break;
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		break;
	default:
		return;
	}
	memcpy(l4, ports, sizeof(ports));
}

size_t spd_explain_frame(const struct spd_explain_req *r, __u8 *buf,
			 size_t cap)
{
	struct ethhdr *eth = (struct ethhdr *)buf;
	size_t l4len = l4_header_len(r->proto);
	size_t l3 = r->family == AF_INET ? sizeof(struct iphdr) :
					   sizeof(struct ipv6hdr);
	size_t len = sizeof(*eth) + l3 + l4len + EXPLAIN_PAYLOAD;
	__u8 *l4;

	if (len > cap)
		return 0;
	memset(buf, 0, len);
	eth->h_proto = htons(r->family == AF_INET ? ETH_P_IP : ETH_P_IPV6);
	if (r->family == AF_INET)
		l4 = put_ip4(r, eth + 1, l4len);
	else
		l4 = put_ip6(r, eth + 1, l4len);
	put_l4(r, l4, l4len);
	return len;
}

/* The answer is in the slot of the CPU the run used: the one with its nonce. */
static int read_answer(struct spd_explainer *x, struct ipso_explain_out *out)
{
	struct ipso_explain_out *vals;
	__u32 zero = 0;
	int err = -ESRCH;

	vals = calloc(x->ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(x->out_fd, &zero, vals)) {
		err = -errno;
		goto out;
	}
	for (int i = 0; i < x->ncpu; i++)
		if (vals[i].nonce == x->nonce) {
			*out = vals[i];
			err = 0;
		}
out:
	free(vals);
	return err;
}

int spd_explain_run_frame(struct spd_explainer *x, const void *frame,
			  size_t len, const struct spd_explain_req *r,
			  struct ipso_explain_out *out)
{
	struct __sk_buff ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frame,
		    .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	int err, tries = 0;

	ctx.wire_len = len;
	ctx.cb[IPSO_EXPLAIN_CB_DIR] = r->dir | r->flags << 8;
	ctx.cb[IPSO_EXPLAIN_CB_IFINDEX] = r->ifindex;
	ctx.cb[IPSO_EXPLAIN_CB_MARK] = r->mark;
	ctx.cb[IPSO_EXPLAIN_CB_IF_ID] = r->if_id;
	do {
		/* 0 is no answer; a nonce is never used twice */
		if (!++x->nonce)
			++x->nonce;
		ctx.cb[IPSO_EXPLAIN_CB_NONCE] = x->nonce;
		if (bpf_prog_test_run_opts(x->prog_fd, &topts))
			return -errno;
		x->retval = (int)topts.retval;
		err = read_answer(x, out);
	} while (err == -ESRCH && !x->skel && ++tries < EXPLAIN_RETRIES);
	return err;
}

int spd_explain_run(struct spd_explainer *x, const struct spd_explain_req *r,
		    struct ipso_explain_out *out)
{
	__u8 frame[128];
	size_t len = spd_explain_frame(r, frame, sizeof(frame));

	if (!len)
		return -EINVAL;
	return spd_explain_run_frame(x, frame, len, r, out);
}

// SPDX-License-Identifier: GPL-2.0
/* The classifier on a synthetic packet; see spd_explain.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "spd_explain.h"
#include "ipso_classify.skel.h"

/* Ethernet + IP + an upper-layer header the parser can read. */
static size_t build_frame(const struct spd_explain_req *r, __u8 *b)
{
	size_t off = 14, ipl, l4 = 8;
	__u8 *ip, *p;

	memset(b, 0, 128);
	memcpy(b, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02", 12);
	if (r->proto == IPPROTO_TCP)
		l4 = 20;
	if (r->family == AF_INET) {
		b[12] = 0x08;
		ip = b + off;
		ipl = 20;
		ip[0] = 0x45;
		ip[8] = 64;
		ip[9] = r->proto;
		memcpy(ip + 12, &r->saddr, 4);
		memcpy(ip + 16, &r->daddr, 4);
		ip[2] = (ipl + l4) >> 8;
		ip[3] = (ipl + l4) & 0xff;
	} else {
		b[12] = 0x86;
		b[13] = 0xdd;
		ip = b + off;
		ipl = 40;
		ip[0] = 0x60;
		ip[5] = l4;
		ip[6] = r->proto;
		ip[7] = 64;
		memcpy(ip + 8, &r->saddr, 16);
		memcpy(ip + 24, &r->daddr, 16);
	}
	p = ip + ipl;
	if (r->proto == IPPROTO_ICMP || r->proto == IPPROTO_ICMPV6) {
		p[0] = r->sport;
		p[1] = r->dport;
	} else {
		p[0] = r->sport >> 8;
		p[1] = r->sport & 0xff;
		p[2] = r->dport >> 8;
		p[3] = r->dport & 0xff;
		if (r->proto == IPPROTO_UDP)
			p[5] = 8;
		if (r->proto == IPPROTO_TCP)
			p[12] = 5 << 4;
	}
	return off + ipl + l4 < 60 ? 60 : off + ipl + l4;
}

int spd_explain(const char *pin_dir, const struct spd_explain_req *r,
		struct ipso_explain_out *out)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = pin_dir);
	LIBBPF_OPTS(bpf_test_run_opts, o);
	struct ipso_explain_out *vals = NULL;
	struct ipso_classify *skel;
	struct __sk_buff skb;
	__u32 zero = 0, nonce;
	__u8 frame[128];
	int ncpu, i, err;

	skel = ipso_classify__open_opts(&oo);
	if (!skel)
		return -errno;
	bpf_program__set_autoload(skel->progs.ipso_floor_tc, false);
	bpf_program__set_autoload(skel->progs.ipso_floor_xdp, false);
	err = ipso_classify__load(skel);
	if (err)
		goto out;
	nonce = (__u32)time(NULL) ^ (__u32)getpid() << 16;
	memset(&skb, 0, sizeof(skb));
	o.data_in = frame;
	o.data_size_in = build_frame(r, frame);
	skb.wire_len = o.data_size_in;
	skb.cb[IPSO_EXPLAIN_CB_DIR] = r->dir |
		(r->no_cache ? IPSO_EXPLAIN_F_NO_CACHE << 8 : 0);
	skb.cb[IPSO_EXPLAIN_CB_IFINDEX] = r->ifindex;
	skb.cb[IPSO_EXPLAIN_CB_MARK] = r->mark;
	skb.cb[IPSO_EXPLAIN_CB_IF_ID] = r->if_id;
	skb.cb[IPSO_EXPLAIN_CB_NONCE] = nonce;
	o.ctx_in = &skb;
	o.ctx_size_in = sizeof(skb);
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.ipso_explain),
				   &o)) {
		err = -errno;
		goto out;
	}
	ncpu = libbpf_num_possible_cpus();
	vals = ncpu > 0 ? calloc(ncpu, sizeof(*vals)) : NULL;
	if (!vals) {
		err = -ENOMEM;
		goto out;
	}
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.ipso_exp_out), &zero,
				vals)) {
		err = -errno;
		goto out;
	}
	err = -ESRCH;
	for (i = 0; i < ncpu; i++)
		if (vals[i].nonce == nonce) {
			*out = vals[i];
			err = 0;
		}
out:
	free(vals);
	ipso_classify__destroy(skel);
	return err;
}

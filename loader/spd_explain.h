/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run the datapath's classifier on a synthetic packet (the `explain` /
 * `lookup` of DESIGN §9): builds an Ethernet frame for the flow, loads
 * the explain program of bpf/ipso_classify.bpf.o against the pinned maps
 * and runs it once with BPF_PROG_TEST_RUN.  See docs/datapath.md.
 */
#ifndef IPSO_SPD_EXPLAIN_H
#define IPSO_SPD_EXPLAIN_H

#include <stdbool.h>
#include "../bpf/ipso_spd.h"

struct spd_explain_req {
	int family;		/* AF_INET / AF_INET6 */
	union ipso_addr saddr;	/* network byte order, IPv4 first 4 bytes */
	union ipso_addr daddr;
	__u8 proto;		/* IPPROTO_* */
	__u8 dir;		/* enum ipso_dir */
	__u16 sport;		/* host order; ICMP/ICMPv6: type */
	__u16 dport;		/* host order; ICMP/ICMPv6: code */
	__u32 ifindex;		/* flowi oif: output device for dir out */
	__u32 mark;
	__u32 if_id;
	bool no_cache;		/* bypass the flow cache */
};

/* 0 and *out filled, or -errno. */
int spd_explain(const char *pin_dir, const struct spd_explain_req *r,
		struct ipso_explain_out *out);

#endif /* IPSO_SPD_EXPLAIN_H */

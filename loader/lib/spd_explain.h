/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The datapath's classifier on a synthetic packet: `explain` (see
 * docs/architecture.md, "What users touch") and the datapath tests both
 * go through here.  Loads the explain program of bpf/ipso_classify.bpf.o
 * against the pinned maps, builds an Ethernet frame for a flow (or takes
 * one given) and runs it with BPF_PROG_TEST_RUN.  See docs/datapath.md.
 */
#ifndef IPSO_SPD_EXPLAIN_H
#define IPSO_SPD_EXPLAIN_H

#include <stddef.h>
#include "ipso_spd.h"

struct spd_explain_req {
	int family;		/* AF_INET / AF_INET6 */
	union ipso_addr saddr;	/* network byte order, IPv4 first 4 bytes */
	union ipso_addr daddr;
	__u8 proto;		/* IPPROTO_* */
	__u8 dir;		/* enum ipso_dir */
	__u8 flags;		/* IPSO_EXPLAIN_F_* */
	__u16 sport;		/* host order; ICMP/ICMPv6: type */
	__u16 dport;		/* host order; ICMP/ICMPv6: code */
	__u32 ifindex;		/* flowi oif: output device for dir out */
	__u32 mark;
	__u32 if_id;
};

struct ipso_classify;

/* The explain program, loaded once for any number of runs. */
struct spd_explainer {
	struct ipso_classify *skel;	/* loaded by us; NULL: the pinned one */
	int prog_fd;		/* ipso_explain */
	int out_fd;		/* its ipso_exp_out */
	int ncpu;
	__u32 nonce;		/* of the last run; random start */
	int retval;		/* of the last run: the verdict, -1 unparsed */
};

/* Loads (and verifies) the explain program against the pinned maps. */
int spd_explain_open(struct spd_explainer *x, const char *pin_dir);
/*
 * The same for callers that run once per process (`explain` in a loop):
 * reuses the program pinned at pin_dir/ipso_explain_prog while it still
 * uses the maps pinned there, else loads it and pins it for the next
 * call.  Its output map is then shared: runs are told apart by a random
 * nonce, and a run whose slot another process overwrote is run again.
 */
int spd_explain_open_shared(struct spd_explainer *x, const char *pin_dir);
void spd_explain_close(struct spd_explainer *x);

/* Ethernet, IP, the upper-layer header and 32 bytes; 0 if cap is short. */
size_t spd_explain_frame(const struct spd_explain_req *r, __u8 *buf,
			 size_t cap);

/*
 * Runs the classifier once on frame with the direction, flags, device,
 * mark and if_id of r (its addresses and ports are the frame's).  0 with
 * *out and x->retval filled; -ESRCH when no CPU slot holds the run's
 * answer; another -errno.
 */
int spd_explain_run_frame(struct spd_explainer *x, const void *frame,
			  size_t len, const struct spd_explain_req *r,
			  struct ipso_explain_out *out);

/* The same on the frame spd_explain_frame() builds for r. */
int spd_explain_run(struct spd_explainer *x, const struct spd_explain_req *r,
		    struct ipso_explain_out *out);

#endif /* IPSO_SPD_EXPLAIN_H */

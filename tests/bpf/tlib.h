/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the datapath tests: a private bpffs with the datapath's
 * objects and the test object loaded, sharing their pinned maps, the
 * mirror on top, packet builders, and runners for BPF_PROG_TEST_RUN of
 * each program.
 */
#ifndef IPSO_TLIB_H
#define IPSO_TLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "mirror.h"
#include "spd_explain.h"
#include "ipso_spd.h"
#include "classify_test.h"

struct tenv {
	struct spd_explainer ex;	/* the loader's explain */
	struct ipso_classify *cls;	/* ex's object: the pinned maps */
	struct ipso_classify_test *test;	/* classify_test.h */
	struct ipso_xdp *xdp;
	struct ipso_tc *tc;
	struct ipso_fastpath *fp;	/* the gateway fast path */
	struct ipso_mirror *m;
	int fd_explain, fd_xdp, fd_tc, fd_floor_tc, fd_floor_xdp;
	int fd_stats, fd_config, fd_offload, fd_handles, fd_sad, fd_sa_stats;
	int fd_exp_out, fd_cache;
	int fd_tc_test, fd_tc_test_sp;	/* tc decision, test secpath */
	int fd_floor_cold, fd_floor_flows;	/* benchmark's cold floor */
	int fd_fp, fd_pol_stats, fd_devmap;	/* fast path */
	int ncpu;
};

extern int t_failed, t_passed;

#define CHECK(cond, ...)						\
	do {								\
		if (cond) {						\
			t_passed++;					\
			printf("ok   ");				\
		} else {						\
			t_failed++;					\
			printf("FAIL ");				\
		}							\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	} while (0)

int tenv_open(struct tenv *e);	/* loads objects, opens the mirror */
void tenv_close(struct tenv *e);
int t_finish(void);		/* prints summary, returns exit code */

/* --- packets ------------------------------------------------------------ */
struct pkt {
	uint8_t b[2048];
	size_t len;
};

struct pspec {
	int family;		/* AF_INET / AF_INET6 */
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;	/* host order; ICMP: type, code */
	int vlans;		/* 0, 1 (802.1Q), 2 (802.1ad + 802.1Q) */
	int v4_opts;		/* IPv4 option bytes (multiple of 4) */
	int v6_ext;		/* number of IPv6 dest-option headers */
	bool v6_frag;		/* add an IPv6 fragment header */
	bool v4_frag;		/* set MF in IPv4 */
	uint32_t spi;		/* ESP: host order */
	const uint8_t *payload;
	size_t payload_len;
};

void pkt_build(struct pkt *p, const struct pspec *s);
void addr_parse(int family, const char *s, union ipso_addr *a);

/* --- runners -------------------------------------------------------------- */
struct xparams {
	uint8_t dir;
	uint32_t ifindex, mark, if_id;
	bool no_cache;
	bool cache_always;	/* admit every search into the flow cache */
};

/*
 * Explain through the loader's spd_explain_run_frame(): returns the
 * program's retval (-100 when the run failed); out filled.
 */
int t_explain(struct tenv *e, const struct pkt *p, const struct xparams *x,
	      struct ipso_explain_out *out);
/* XDP with optional metadata; returns XDP action. */
int t_xdp(struct tenv *e, const struct pkt *p, const void *meta,
	  size_t meta_len, uint32_t ingress_ifindex);
/*
 * Any XDP program fd with optional metadata; out (may be NULL) gets the
 * frame after the run without its metadata, meta_out (may be NULL, 32
 * bytes) the metadata, *meta_out_len its length.  Returns the action.
 */
int t_xdp_run(int fd, const struct pkt *p, const void *meta,
	      size_t meta_len, uint32_t ingress_ifindex, struct pkt *out,
	      uint8_t *meta_out, size_t *meta_out_len);
/* tc egress; returns TC action and the mark after the run. */
int t_tc(struct tenv *e, const struct pkt *p, uint32_t mark,
	 uint32_t ifindex, uint32_t *mark_out);

/*
 * The tc egress decision (ipso_tc_test) with the secpath state sp (NULL:
 * no secpath); returns TC action and the mark after the run.
 */
int t_tc_sp(struct tenv *e, const struct pkt *p,
	    const struct ipso_tc_test_sp *sp, uint32_t mark, uint32_t ifindex,
	    uint32_t *mark_out);

uint64_t t_stat(struct tenv *e, uint32_t stat);	/* summed over CPUs */
uint64_t t_now_ns(void);	/* CLOCK_MONOTONIC, as bpf_ktime_get_ns() */
int t_set_config(struct tenv *e, uint32_t flags);

/* --- mirror descriptors ------------------------------------------------- */
void pol_init(struct ipso_policy_desc *d, int family, uint8_t dir,
	      uint32_t index, uint32_t prio, uint8_t action,
	      const char *src, int splen, const char *dst, int dplen);
void pol_tmpl(struct ipso_policy_desc *d, uint32_t reqid, uint8_t mode,
	      const char *tsrc, const char *tdst, bool optional);
void sa_init(struct ipso_sa_desc *s, int family, const char *src,
	     const char *dst, uint32_t spi, uint32_t reqid, uint8_t mode,
	     uint8_t dir, uint64_t add_time);

#endif /* IPSO_TLIB_H */

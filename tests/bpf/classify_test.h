/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * What the test object tests/bpf/ipso_classify_test.bpf.c shares with
 * the programs that load it.
 *
 * ipso_tc_test runs the tc egress decision of the attached program:
 * BPF_PROG_TEST_RUN cannot give a packet a secpath, so the test writes
 * the state the program is to see into the (unpinned) array
 * ipso_tc_test_sp, key 0, and runs ipso_tc_test on the frame.
 *
 * ipso_floor_tc_cold looks up struct ipso_floor_key in ipso_floor_flows,
 * a map the benchmark fills with as many entries as the SPD has policies.
 */
#ifndef IPSO_CLASSIFY_TEST_H
#define IPSO_CLASSIFY_TEST_H

#include "ipso_spd.h"

struct ipso_tc_test_sp {
	__u32 present;		/* 0: the packet has no secpath */
	__u32 spi;		/* network byte order */
	__u32 reqid;
	__u16 family;		/* AF_INET / AF_INET6 (anything, to test) */
	__u16 pad;
	union ipso_addr saddr;	/* the state's source: the helper's remote */
};

struct ipso_floor_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

#endif /* IPSO_CLASSIFY_TEST_H */

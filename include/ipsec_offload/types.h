/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Enumerations shared by the BPF datapath, the loader and the kernel
 * modules.  Values are ABI: they appear in pinned maps, in genetlink
 * messages and in `bpftool map dump` output.  Append only.
 */
#ifndef IPSEC_OFFLOAD_TYPES_H
#define IPSEC_OFFLOAD_TYPES_H

#if !defined(__VMLINUX_H__) && !defined(__KERNEL__)
#include <linux/types.h>
#endif
#ifdef __KERNEL__
#include <linux/types.h>
#endif

/* Same numbering as XFRM_POLICY_IN/OUT/FWD, so kernel values pass through. */
enum ipso_dir {
	IPSO_DIR_IN = 0,
	IPSO_DIR_OUT = 1,
	IPSO_DIR_FWD = 2,
	IPSO_DIR_UNKNOWN = 3,	/* SAs only: the kernel did not say */
};

/* Same numbering as XFRM_MODE_TRANSPORT/TUNNEL. */
enum ipso_mode {
	IPSO_MODE_TRANSPORT = 0,
	IPSO_MODE_TUNNEL = 1,
};

/* Per (SA, device), like FreeBSD's IFP_HS_HANDLED / IFP_HS_REJECTED. */
enum ipso_offload_state {
	IPSO_OFL_NONE = 0,
	IPSO_OFL_PENDING = 1,	/* requested, driver has not answered */
	IPSO_OFL_OFFLOADED = 2,	/* driver acked; handle is valid */
	IPSO_OFL_REJECTED = 3,	/* driver nacked; reason holds -errno */
};

/* Policy action as the kernel applies it. */
enum ipso_policy_action {
	IPSO_ACT_BYPASS = 0,	/* XFRM_POLICY_ALLOW without templates */
	IPSO_ACT_BLOCK = 1,	/* XFRM_POLICY_BLOCK */
	IPSO_ACT_PROTECT = 2,	/* XFRM_POLICY_ALLOW with templates */
};

/* Receive syndrome the NIC reports in the XDP metadata. */
enum ipso_syndrome {
	IPSO_SYN_OK = 0,
	IPSO_SYN_AUTH_FAIL = 1,	/* ICV mismatch */
	IPSO_SYN_REPLAY = 2,	/* outside or already in the replay window */
	IPSO_SYN_BAD_TRAILER = 3,	/* pad or next header malformed */
	IPSO_SYN_NO_SA = 4,	/* no hardware SA for (daddr, SPI) */
};

/*
 * Global outcome counters (per-CPU array ipso_stats, indexed by this
 * enum).  Every decision the programs take is counted exactly once.
 */
enum ipso_stat {
	/* tc egress */
	IPSO_STAT_TX_NO_SA = 0,		/* no secpath: passed untouched */
	IPSO_STAT_TX_MARKED,		/* offloaded here: marked */
	IPSO_STAT_TX_DROP_NOT_OFFLOADED,	/* SA known, not offloaded on dev */
	IPSO_STAT_TX_DROP_UNKNOWN_SA,	/* SA in secpath unknown to the SAD */
	IPSO_STAT_TX_MALFORMED,		/* could not read the secpath */
	/* XDP ingress */
	IPSO_STAT_RX_PASS,		/* nothing to say: to the stack */
	IPSO_STAT_RX_HW_OK,		/* decrypted by the NIC, selector ok */
	IPSO_STAT_RX_DROP_SYNDROME,	/* NIC reported a bad syndrome */
	IPSO_STAT_RX_DROP_UNKNOWN_HANDLE,	/* metadata names no live SA */
	IPSO_STAT_RX_DROP_SELECTOR,	/* inner flow outside SA selector */
	IPSO_STAT_RX_PASS_UNKNOWN_SPI,	/* ESP for an SPI the SAD lacks (a
					   rekey's new SA): to the kernel */
	IPSO_STAT_RX_DROP_PLAINTEXT,	/* policy requires ESP, got plain */
	IPSO_STAT_RX_SW_ESP,		/* ESP for a known SA: software path */
	IPSO_STAT_RX_IKE,		/* IKE / NAT-T keepalive: exempt */
	IPSO_STAT_RX_MALFORMED,		/* could not parse: passed */
	IPSO_STAT_RX_UNSURE,		/* classifier could not decide: passed */
	/* appended */
	IPSO_STAT_TX_PASS_INBOUND_SA,	/* secpath holds an inbound SA (a
					   decrypted packet forwarded): passed */
	IPSO_STAT_TX_PASS_STALE,	/* would drop, but the mirror's lease
					   expired (no one maintains it): passed */
	IPSO_STAT_RX_PASS_STALE,	/* same on XDP ingress: passed */
	IPSO_STAT_TX_PASS_ESP,		/* already ESP for its secpath SA (the
					   kernel's crypto-mode offload): passed */
	/* XDP fast path (forwarded plaintext, docs/datapath.md) */
	IPSO_STAT_FP_REDIRECT,		/* sent to the offload device */
	IPSO_STAT_FP_PASS_NOT_IP,	/* not IPv4/IPv6 */
	IPSO_STAT_FP_PASS_MALFORMED,	/* truncated / unparsable headers */
	IPSO_STAT_FP_PASS_HEADER,	/* VLAN tag, IPv4 options, IPv6
					   extension headers, NIC metadata */
	IPSO_STAT_FP_PASS_FRAG,		/* IPv4 or IPv6 fragment */
	IPSO_STAT_FP_PASS_TTL,		/* TTL / hop limit <= 1 */
	IPSO_STAT_FP_PASS_STALE,	/* mirror never written or lease
					   expired */
	IPSO_STAT_FP_PASS_FIB,		/* FIB lookup not SUCCESS (local,
					   no neighbour, unreachable...) */
	IPSO_STAT_FP_PASS_MTU,		/* too big for the egress once ESP
					   is added */
	IPSO_STAT_FP_PASS_FWD_POLICY,	/* dir fwd blocks or requires ESP */
	IPSO_STAT_FP_PASS_NO_POLICY,	/* no dir out policy: plain routing */
	IPSO_STAT_FP_PASS_BYPASS,	/* dir out allow without templates */
	IPSO_STAT_FP_PASS_BLOCK,	/* dir out block */
	IPSO_STAT_FP_PASS_UNSURE,	/* classifier or cache unsure, ICMP
					   error (the kernel's reverse
					   lookup) */
	IPSO_STAT_FP_PASS_BUNDLE,	/* more than one template */
	IPSO_STAT_FP_PASS_NO_SA,	/* protect, no outbound SA mirrored */
	IPSO_STAT_FP_PASS_NOT_OFFLOADED,	/* SA not OFFLOADED on the
						   egress device */
	IPSO_STAT_FP_PASS_NOT_PACKET,	/* offloaded, not in packet mode */
	IPSO_STAT_FP_PASS_NO_DEV,	/* egress device not in the devmap,
					   or no metadata room */
	IPSO_STAT_FP_DROP_REDIRECT,	/* redirect refused after rewrite */
	IPSO_STAT__MAX,
};

#endif /* IPSEC_OFFLOAD_TYPES_H */

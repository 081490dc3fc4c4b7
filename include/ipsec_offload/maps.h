/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Keys and values of the pinned maps shared by the BPF programs, the
 * loader and the bridge module.  Fixed size, explicitly padded, no
 * implicit holes: the same bytes are read by three compilers and by
 * bpftool through BTF.  No key material ever appears here.
 *
 * Who writes what:
 *   ipso_config     loader (mark layout read from the module, generation)
 *   ipso_sad        loader (mirror of the kernel SAD, no keys)
 *   ipso_offload    loader writes PENDING before it asks the module;
 *                   the module writes OFFLOADED / REJECTED and deletes
 *                   the entry on teardown, so the datapath never sees a
 *                   handle the driver does not hold
 *   ipso_handles    module (handle -> SA and device)
 *   ipso_hw_stats   module (cumulative NIC counters, indexed by handle)
 *   ipso_sa_stats   BPF programs (per-CPU, indexed by handle)
 *   ipso_stats      BPF programs (per-CPU, indexed by enum ipso_stat)
 *   ipso_pol_stats  XDP fast path (per-CPU, keyed by kernel policy index)
 *   ipso_fp_devmap  loader (the devices the fast path may redirect to)
 * The SPD maps and the flow cache are private to bpf/ and loader/.
 */
#ifndef IPSEC_OFFLOAD_MAPS_H
#define IPSEC_OFFLOAD_MAPS_H

#include "types.h"

/*
 * Where maps are pinned: the directory iproute2 uses for pinning by name,
 * so `ip link ... xdp obj`, `tc ... bpf obj` and the loader share them.
 */
#define IPSO_PIN_ROOT		"/sys/fs/bpf/tc"
#define IPSO_PIN_DIR		IPSO_PIN_ROOT "/globals"

#define IPSO_MAX_SA		131072	/* SAD entries */
#define IPSO_MAX_OFFLOADS	131072	/* (SA, device) pairs */
#define IPSO_MAX_HANDLES	131072	/* handles are < this */

/* Addresses: IPv4 in the first 4 bytes, rest zero; network byte order. */
union ipso_addr {
	__u8 a8[16];
	__u32 a32[4];	/* network byte order words */
};

/* The kernel's SA identity (daddr, SPI, proto) for one family. */
struct ipso_sa_key {
	union ipso_addr daddr;
	__u32 spi;		/* network byte order */
	__u8 proto;		/* IPPROTO_ESP */
	__u8 family;		/* AF_INET / AF_INET6 */
	__u16 pad;		/* zero */
};

/* An XFRM selector, as struct xfrm_selector defines it. */
struct ipso_selector {
	union ipso_addr daddr;
	union ipso_addr saddr;
	__u16 dport;		/* network byte order */
	__u16 dport_mask;	/* network byte order */
	__u16 sport;		/* network byte order; ICMP: type */
	__u16 sport_mask;	/* network byte order; ICMP: code in dport */
	__u8 prefixlen_d;
	__u8 prefixlen_s;
	__u8 proto;		/* 0 = any */
	__u8 family;		/* AF_INET / AF_INET6, 0 = unset (any) */
	__s32 ifindex;		/* 0 = any */
};

#define IPSO_SA_F_ESN		0x1	/* extended sequence numbers */
#define IPSO_SA_F_NATT		0x2	/* UDP encapsulated (encap_*) */
#define IPSO_SA_F_DYING		0x4	/* soft-expired: not chosen for TX */

/* ipso_sad value: one SA as the kernel has it, minus the keys. */
struct ipso_sa {
	__u32 sa_id;		/* loader's dense id, stable for the SA */
	__u32 reqid;
	__u32 spi;		/* network byte order */
	__u8 family;		/* outer family */
	__u8 mode;		/* enum ipso_mode */
	__u8 dir;		/* enum ipso_dir */
	__u8 proto;		/* IPPROTO_ESP */
	union ipso_addr saddr;	/* outer source */
	union ipso_addr daddr;	/* outer destination */
	struct ipso_selector sel;
	__u32 flags;		/* IPSO_SA_F_* */
	__u16 encap_sport;	/* network byte order, NAT-T only */
	__u16 encap_dport;	/* network byte order, NAT-T only */
	__u32 icv_len;		/* bytes */
	__u32 pad;		/* zero */
	__u64 add_time;		/* kernel curlft.add_time (s) */
};

/* ipso_offload: one SA on one device. */
struct ipso_offload_key {
	struct ipso_sa_key sa;
	__u32 ifindex;
};

struct ipso_offload_val {
	__u32 state;		/* enum ipso_offload_state */
	__u32 handle;		/* valid in OFFLOADED only */
	__s32 reason;		/* -errno in REJECTED, else 0 */
	__u32 flags;		/* IPSO_OFL_F_* */
};

/*
 * Packet mode: the device encrypts plaintext handed to it -- including a
 * frame the XDP fast path redirects to it (ndo_xdp_xmit), found by the
 * handle in struct ipso_xdp_meta (IPSO_META_F_ENCRYPT) or by the
 * device's own policy table.  The module sets it with OFFLOADED only for
 * a device that does both; without it the fast path leaves the SA's
 * packets to the kernel (docs/datapath.md, "XDP fast path").
 */
#define IPSO_OFL_F_PACKET	0x1

/* ipso_handles: handle -> the SA it offloads, on which device. */
struct ipso_handle_val {
	struct ipso_sa_key sa;
	__u32 ifindex;
	__u32 dir;		/* enum ipso_dir */
};

/* ipso_hw_stats: cumulative NIC counters for one handle. */
struct ipso_hw_counters {
	__u64 packets;
	__u64 bytes;		/* ESP payload bytes, as XFRM counts them */
	__u64 auth_fail;
	__u64 replay_drop;
	__u64 no_sa_drop;
	__u64 updated_ns;	/* ktime_get_ns() of the last poll */
};

/* ipso_sa_stats: what the BPF programs saw for one handle. */
struct ipso_sa_counters {
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 rx_drop_selector;
	__u64 rx_drop_syndrome;
};

/*
 * ipso_pol_stats: per-CPU hash keyed by the kernel's policy index (u32):
 * what the XDP fast path sent under that outbound policy.
 */
struct ipso_pol_counters {
	__u64 packets;
	__u64 bytes;		/* frame bytes as received, L2 included */
};

#define IPSO_MAX_POL_STATS	131072	/* policies with counters */

#define IPSO_CFG_F_RX_ENFORCE	0x1	/* XDP drops plaintext per policy */
/*
 * The kernel's default for forwarded packets no policy matches is accept
 * (XFRM_MSG_GETDEFAULT, `ip xfrm policy getdefault`), as the loader read
 * it at its last sync or daemon tick.  Unset (block, or not known): the
 * XDP fast path leaves such packets to the kernel.
 */
#define IPSO_CFG_F_FWD_ACCEPT	0x2

/* ipso_config: a one-element array. */
struct ipso_config {
	__u32 mark_magic;
	__u32 mark_magic_mask;
	__u32 mark_handle_mask;
	__u32 flags;		/* IPSO_CFG_F_* */
	__u64 generation;	/* bumped after every SAD/SPD change */
	/*
	 * Appended: the mirror's liveness lease, CLOCK_MONOTONIC ns as
	 * bpf_ktime_get_ns() reads it.  0 = no lease, the mirror is trusted
	 * as is; otherwise decisions that need a current SAD/SPD (unknown
	 * SPI or SA, plaintext enforcement) are taken only while
	 * bpf_ktime_get_ns() < live_until_ns, and pass when it ran out.
	 * The daemon keeps it a few seconds ahead and sets 1 (expired) when
	 * it stops maintaining the mirror.
	 */
	__u64 live_until_ns;
};

#endif /* IPSEC_OFFLOAD_MAPS_H */

/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Generic netlink family of the bridge module.  Every operation needs
 * CAP_NET_ADMIN in the caller's network namespace.
 *
 * Requests identify an SA as the kernel does: (FAMILY, DADDR, SPI, PROTO)
 * in the caller's netns; the device by IFINDEX.
 */
#ifndef IPSEC_OFFLOAD_GENL_H
#define IPSEC_OFFLOAD_GENL_H

#define IPSO_GENL_NAME		"ipsec_offload"
#define IPSO_GENL_VERSION	1
#define IPSO_GENL_MCGRP_EVENTS	"events"

enum ipso_cmd {
	IPSO_CMD_UNSPEC,
	IPSO_CMD_OFFLOAD_SA,	/* SA + IFINDEX [+ DIR]: queue an install */
	IPSO_CMD_WITHDRAW_SA,	/* SA + IFINDEX: tear the offload down */
	IPSO_CMD_GET_OFFLOAD,	/* dump: one message per (SA, device) */
	IPSO_CMD_SET_MAPS,	/* OFFLOAD_MAP_FD, HANDLE_MAP_FD, HW_STATS_MAP_FD */
	IPSO_CMD_GET_CONFIG,	/* mark layout, poll interval, version */
	IPSO_CMD_GET_DEVICES,	/* dump: devices with a registered driver */
	IPSO_CMD_NOTIFY,	/* multicast: an offload changed state */
	__IPSO_CMD_MAX,
};
#define IPSO_CMD_MAX (__IPSO_CMD_MAX - 1)

/*
 * The family's attributes, described once, in wire order (the order is
 * ABI: append only).  IPSO_ATTRS(X) calls X(NAME, WIRE, POLICY) for each:
 *   NAME    IPSO_ATTR_<NAME>;
 *   WIRE    its payload (enum ipso_attr_wire), which the loader's parser
 *           checks in the module's messages;
 *   POLICY  the module's nla_policy for it in requests: an attribute only
 *           the module sends is NLA_REJECT.  Expanded by the module only.
 * The module builds its policy (kmod/mlx5_ipsec/genl.c) and the loader its
 * parser (loader/lib/genl.c) from this one table.
 */
#define IPSO_ATTRS(X)							\
	/* u16: AF_INET / AF_INET6 */					\
	X(FAMILY,		U16,	{ .type = NLA_U16 })		\
	/* 4 or 16 bytes */						\
	X(DADDR,		ADDR,	NLA_POLICY_MIN_LEN(4))		\
	/* u32, network byte order */					\
	X(SPI,			U32,	{ .type = NLA_U32 })		\
	/* u8: IPPROTO_ESP */						\
	X(PROTO,		U8,	{ .type = NLA_U8 })		\
	X(IFINDEX,		U32,	NLA_POLICY_MIN(NLA_U32, 1))	\
	/* u8: enum ipso_dir */						\
	X(DIR,			U8,	NLA_POLICY_MAX(NLA_U8,		\
					       IPSO_DIR_UNKNOWN))	\
	/* u8: enum ipso_offload_state */				\
	X(STATE,		U8,	{ .type = NLA_REJECT })		\
	X(HANDLE,		U32,	{ .type = NLA_REJECT })		\
	/* s32: -errno of a rejection */				\
	X(REASON,		U32,	{ .type = NLA_REJECT })		\
	X(OFFLOAD_MAP_FD,	U32,	{ .type = NLA_U32 })		\
	X(HANDLE_MAP_FD,	U32,	{ .type = NLA_U32 })		\
	X(HW_STATS_MAP_FD,	U32,	{ .type = NLA_U32 })		\
	X(MARK_MAGIC,		U32,	{ .type = NLA_REJECT })		\
	X(MARK_MAGIC_MASK,	U32,	{ .type = NLA_REJECT })		\
	X(MARK_HANDLE_MASK,	U32,	{ .type = NLA_REJECT })		\
	/* u32: HW counter poll interval, ms */				\
	X(POLL_MS,		U32,	{ .type = NLA_REJECT })		\
	/* u32: IPSO_CAP_* */						\
	X(DEV_CAPS,		U32,	{ .type = NLA_REJECT })		\
	/* u32: device SA capacity */					\
	X(DEV_MAX_SA,		U32,	{ .type = NLA_REJECT })		\
	X(DEV_NAME,		STRING,	{ .type = NLA_REJECT })		\
	/* "sim", "xfrmdev" */						\
	X(BACKEND,		STRING,	{ .type = NLA_REJECT })		\
	/* nested: enum ipso_stats_attr */				\
	X(HW_STATS,		NESTED,	{ .type = NLA_REJECT })		\
	X(PAD,			PAD,	{ .type = NLA_REJECT })		\
	/* u32: the SA's XFRM mark value (absent: 0, no mark) */	\
	X(SA_MARK,		U32,	{ .type = NLA_U32 })		\
	/* the driver's own words for a rejection (extack), if any */	\
	X(REASON_MSG,		STRING,	{ .type = NLA_REJECT })

/* Payloads of the family's attributes (IPSO_ATTRS' WIRE). */
enum ipso_attr_wire {
	IPSO_ATTR_WIRE_U8 = 1,
	IPSO_ATTR_WIRE_U16,
	IPSO_ATTR_WIRE_U32,
	IPSO_ATTR_WIRE_ADDR,		/* 4 or 16 bytes */
	IPSO_ATTR_WIRE_STRING,		/* NUL-terminated */
	IPSO_ATTR_WIRE_NESTED,
	IPSO_ATTR_WIRE_PAD,		/* alignment only, anything */
};


#define IPSO_ATTR_ENUM(name, wire, policy) IPSO_ATTR_##name,
enum ipso_attr {
	IPSO_ATTR_UNSPEC,
	IPSO_ATTRS(IPSO_ATTR_ENUM)
	__IPSO_ATTR_MAX,
};

#undef IPSO_ATTR_ENUM
#define IPSO_ATTR_MAX (__IPSO_ATTR_MAX - 1)

enum ipso_stats_attr {
	IPSO_STATS_UNSPEC,
	IPSO_STATS_PACKETS,		/* u64 */
	IPSO_STATS_BYTES,		/* u64 */
	IPSO_STATS_AUTH_FAIL,		/* u64 */
	IPSO_STATS_REPLAY_DROP,		/* u64 */
	IPSO_STATS_NO_SA_DROP,		/* u64 */
	IPSO_STATS_PAD,
	__IPSO_STATS_MAX,
};
#define IPSO_STATS_MAX (__IPSO_STATS_MAX - 1)

/* Device capabilities (driver ops caps()). */
#define IPSO_CAP_PACKET		0x01	/* full ESP in the NIC */
#define IPSO_CAP_CRYPTO		0x02	/* in-place crypto, kernel builds ESP */
#define IPSO_CAP_TUNNEL		0x04
#define IPSO_CAP_TRANSPORT	0x08
#define IPSO_CAP_IPV6		0x10
#define IPSO_CAP_ESN		0x20
#define IPSO_CAP_NATT		0x40
#define IPSO_CAP_XDP_META	0x80	/* {handle, syndrome} in data_meta */
/*
 * Plaintext redirected to the device by XDP with IPSO_META_F_ENCRYPT
 * metadata is encrypted under that handle (ndo_xdp_xmit): the gateway
 * fast path may use the device (IPSO_OFL_F_PACKET).
 */
#define IPSO_CAP_XDP_TX		0x100

#endif /* IPSEC_OFFLOAD_GENL_H */

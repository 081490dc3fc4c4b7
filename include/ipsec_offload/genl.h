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

enum ipso_attr {
	IPSO_ATTR_UNSPEC,
	IPSO_ATTR_FAMILY,		/* u16: AF_INET / AF_INET6 */
	IPSO_ATTR_DADDR,		/* binary: 4 or 16 bytes */
	IPSO_ATTR_SPI,			/* u32, network byte order */
	IPSO_ATTR_PROTO,		/* u8: IPPROTO_ESP */
	IPSO_ATTR_IFINDEX,		/* u32 */
	IPSO_ATTR_DIR,			/* u8: enum ipso_dir */
	IPSO_ATTR_STATE,		/* u8: enum ipso_offload_state */
	IPSO_ATTR_HANDLE,		/* u32 */
	IPSO_ATTR_REASON,		/* s32: -errno of a rejection */
	IPSO_ATTR_OFFLOAD_MAP_FD,	/* u32 */
	IPSO_ATTR_HANDLE_MAP_FD,	/* u32 */
	IPSO_ATTR_HW_STATS_MAP_FD,	/* u32 */
	IPSO_ATTR_MARK_MAGIC,		/* u32 */
	IPSO_ATTR_MARK_MAGIC_MASK,	/* u32 */
	IPSO_ATTR_MARK_HANDLE_MASK,	/* u32 */
	IPSO_ATTR_POLL_MS,		/* u32: HW counter poll interval */
	IPSO_ATTR_DEV_CAPS,		/* u32: IPSO_CAP_* */
	IPSO_ATTR_DEV_MAX_SA,		/* u32: device SA capacity */
	IPSO_ATTR_DEV_NAME,		/* string */
	IPSO_ATTR_BACKEND,		/* string: "sim", "xfrmdev" */
	IPSO_ATTR_HW_STATS,		/* nested: enum ipso_stats_attr */
	IPSO_ATTR_PAD,
	/*
	 * Appended: u32, the SA's XFRM mark value, to find an SA that
	 * carries a mark (absent: 0, an SA without one)
	 */
	IPSO_ATTR_SA_MARK,
	/* string: the driver's own words for a rejection (extack), if any */
	IPSO_ATTR_REASON_MSG,
	__IPSO_ATTR_MAX,
};
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

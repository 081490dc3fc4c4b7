// SPDX-License-Identifier: GPL-2.0
/*
 * What mlx5e accepts for offload, so that the simulated NIC refuses what
 * a ConnectX would (docs/sim-nic.md, "Acceptance rules").  Read from
 * mlx5e_xfrm_validate_state() in 6.1 and 6.12; the rules are the same
 * for crypto offload in both, only 6.12 can say why (extack).  Packet
 * offload (6.2 and later) adds mlx5e's packet-mode rules for states and
 * its rules for policies.  The messages are this project's words.
 */
#include <linux/pfkeyv2.h>
#include <linux/version.h>
#include <linux/udp.h>
#include <net/xfrm.h>
#include "ipsim.h"

/* Key plus the 4-byte salt rfc4106 keeps at the end, in bits. */
#define IPSIM_GCM_KEY_128	(128 + 32)
#define IPSIM_GCM_KEY_256	(256 + 32)

static int ipsim_rule_algs(const struct xfrm_state *x,
			   struct netlink_ext_ack *extack)
{
	if (x->props.aalgo != SADB_AALG_NONE) {
		NL_SET_ERR_MSG_MOD(extack, "only AEAD SAs are offloaded");
		return -EINVAL;
	}
	if (x->props.ealgo != SADB_X_EALG_AES_GCM_ICV16) {
		NL_SET_ERR_MSG_MOD(extack, "only AES-GCM with a 16-byte ICV is offloaded");
		return -EINVAL;
	}
	if (x->props.calgo != SADB_X_CALG_NONE) {
		NL_SET_ERR_MSG_MOD(extack, "compressed SAs are not offloaded");
		return -EINVAL;
	}
	if (!x->aead || x->aead->alg_icv_len != 128) {
		NL_SET_ERR_MSG_MOD(extack, "the AEAD ICV must be 128 bits");
		return -EINVAL;
	}
	if (x->aead->alg_key_len != IPSIM_GCM_KEY_128 &&
	    x->aead->alg_key_len != IPSIM_GCM_KEY_256) {
		NL_SET_ERR_MSG_MOD(extack, "the AES-GCM key must be 128 or 256 bits");
		return -EINVAL;
	}
	if (!x->geniv || strcmp(x->geniv, "seqiv")) {
		NL_SET_ERR_MSG_MOD(extack, "the IV generator must be seqiv");
		return -EINVAL;
	}
	return 0;
}

static int ipsim_rule_shape(const struct xfrm_state *x,
			    struct netlink_ext_ack *extack)
{
	if (x->props.family != AF_INET && x->props.family != AF_INET6) {
		NL_SET_ERR_MSG_MOD(extack, "only IPv4 and IPv6 SAs are offloaded");
		return -EINVAL;
	}
	if (x->id.proto != IPPROTO_ESP) {
		NL_SET_ERR_MSG_MOD(extack, "only ESP SAs are offloaded");
		return -EINVAL;
	}
	if (x->props.mode != XFRM_MODE_TRANSPORT &&
	    x->props.mode != XFRM_MODE_TUNNEL) {
		NL_SET_ERR_MSG_MOD(extack, "only transport and tunnel mode are offloaded");
		return -EINVAL;
	}
	if (x->sel.proto != IPPROTO_IP && x->sel.proto != IPPROTO_UDP &&
	    x->sel.proto != IPPROTO_TCP) {
		NL_SET_ERR_MSG_MOD(extack, "the selector's protocol must be any, TCP or UDP");
		return -EINVAL;
	}
	if (x->tfcpad) {
		NL_SET_ERR_MSG_MOD(extack, "TFC padding is not offloaded");
		return -EINVAL;
	}
	return 0;
}

/* What both modes refuse: this NIC is a ConnectX without ESN. */
static int ipsim_rule_common(const struct xfrm_state *x,
			     struct netlink_ext_ack *extack)
{
	int err;

	err = ipsim_rule_algs(x, extack);
	if (!err)
		err = ipsim_rule_shape(x, extack);
	if (err)
		return err;
	if (x->props.flags & XFRM_STATE_ESN) {
		NL_SET_ERR_MSG_MOD(extack, "this device does not offload ESN");
		return -EINVAL;
	}
	return 0;
}

/* Crypto offload. */
int ipsim_mlx5e_validate_crypto(const struct xfrm_state *x,
				struct netlink_ext_ack *extack)
{
	int err;

	err = ipsim_rule_common(x, extack);
	if (err)
		return err;
	if (x->encap) {
		NL_SET_ERR_MSG_MOD(extack, "UDP encapsulation is offloaded in packet mode only");
		return -EINVAL;
	}
	return 0;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
/* NAT-T in packet mode: ESP in UDP, transport mode; IPv4 (the sim's). */
static int ipsim_rule_encap(const struct xfrm_state *x,
			    struct netlink_ext_ack *extack)
{
	if (!x->encap)
		return 0;
	if (x->encap->encap_type != UDP_ENCAP_ESPINUDP) {
		NL_SET_ERR_MSG_MOD(extack, "only ESP in UDP encapsulation is offloaded");
		return -EINVAL;
	}
	if (x->props.mode != XFRM_MODE_TRANSPORT) {
		NL_SET_ERR_MSG_MOD(extack, "UDP encapsulation is offloaded in transport mode only");
		return -EINVAL;
	}
	if (x->props.family != AF_INET) {
		NL_SET_ERR_MSG_MOD(extack, "this device offloads UDP encapsulation over IPv4 only");
		return -EINVAL;
	}
	return 0;
}

static bool ipsim_window_ok(u32 w)
{
	return w == 32 || w == 64 || w == 128 || w == 256;
}

/* Limits the kernel takes but the hardware's counters cannot. */
static int ipsim_rule_limits(const struct xfrm_lifetime_cfg *l,
			     struct netlink_ext_ack *extack)
{
	if (l->soft_byte_limit >= l->hard_byte_limit &&
	    l->hard_byte_limit != XFRM_INF) {
		NL_SET_ERR_MSG_MOD(extack, "the hard byte limit must be above the soft one");
		return -EINVAL;
	}
	if (!l->soft_byte_limit || !l->hard_byte_limit) {
		NL_SET_ERR_MSG_MOD(extack, "soft and hard byte limits must not be 0");
		return -EINVAL;
	}
	if (l->soft_packet_limit >= l->hard_packet_limit &&
	    l->hard_packet_limit != XFRM_INF) {
		NL_SET_ERR_MSG_MOD(extack, "the hard packet limit must be above the soft one");
		return -EINVAL;
	}
	if (!l->soft_packet_limit || !l->hard_packet_limit) {
		NL_SET_ERR_MSG_MOD(extack, "soft and hard packet limits must not be 0");
		return -EINVAL;
	}
	return 0;
}

/* Packet offload of a state: mlx5e_xfrm_validate_state(), packet type. */
int ipsim_mlx5e_validate_packet(const struct xfrm_state *x,
				struct netlink_ext_ack *extack)
{
	int err;

	err = ipsim_rule_common(x, extack);
	if (!err)
		err = ipsim_rule_encap(x, extack);
	if (err)
		return err;
	if (x->replay_esn && x->xso.dir == XFRM_DEV_OFFLOAD_IN &&
	    !ipsim_window_ok(x->replay_esn->replay_window)) {
		NL_SET_ERR_MSG_MOD(extack, "the replay window must be 32, 64, 128 or 256 packets");
		return -EINVAL;
	}
	if (!x->props.reqid) {
		NL_SET_ERR_MSG_MOD(extack, "packet offload needs a reqid");
		return -EINVAL;
	}
	return ipsim_rule_limits(&x->lft, extack);
}

static bool ipsim_sel_addr_zero(const xfrm_address_t *a)
{
	return !a->a6[0] && !a->a6[1] && !a->a6[2] && !a->a6[3];
}

/*
 * The sim's own rule: its steering, like mlx5e's, matches an address
 * whole or not at all (mlx5e 6.12 ignores the prefix length), so a
 * selector with a partial prefix is refused rather than matched
 * differently from the kernel.
 */
static int ipsim_rule_prefix(const struct xfrm_selector *sel,
			     struct netlink_ext_ack *extack)
{
	u8 full = sel->family == AF_INET ? 32 : 128;

	if ((sel->prefixlen_s && sel->prefixlen_s != full) ||
	    (sel->prefixlen_d && sel->prefixlen_d != full)) {
		NL_SET_ERR_MSG_MOD(extack, "the device matches whole addresses only (prefix 0 or full)");
		return -EINVAL;
	}
	return 0;
}

/* Policy offload: mlx5e_xfrm_validate_policy(). */
int ipsim_mlx5e_validate_policy(const struct xfrm_policy *xp,
				struct netlink_ext_ack *extack)
{
	const struct xfrm_selector *sel = &xp->selector;

	if (xp->type != XFRM_POLICY_TYPE_MAIN) {
		NL_SET_ERR_MSG_MOD(extack, "only main policies are offloaded");
		return -EINVAL;
	}
	if (xp->xfrm_nr > 1) {
		NL_SET_ERR_MSG_MOD(extack, "a policy with more than one template is not offloaded");
		return -EINVAL;
	}
	if (xp->xdo.dir != XFRM_DEV_OFFLOAD_IN &&
	    xp->xdo.dir != XFRM_DEV_OFFLOAD_OUT) {
		NL_SET_ERR_MSG_MOD(extack, "forward policies are not offloaded");
		return -EINVAL;
	}
	if (!xp->xfrm_vec[0].reqid && sel->proto == IPPROTO_IP &&
	    ipsim_sel_addr_zero(&sel->saddr) && ipsim_sel_addr_zero(&sel->daddr)) {
		NL_SET_ERR_MSG_MOD(extack, "a policy without reqid needs an address or an upper protocol");
		return -EINVAL;
	}
	if (xp->xdo.type != XFRM_DEV_OFFLOAD_PACKET) {
		NL_SET_ERR_MSG_MOD(extack, "policies are offloaded in packet mode only");
		return -EINVAL;
	}
	if (sel->proto != IPPROTO_IP && sel->proto != IPPROTO_UDP &&
	    sel->proto != IPPROTO_TCP) {
		NL_SET_ERR_MSG_MOD(extack, "the selector's protocol must be any, TCP or UDP");
		return -EINVAL;
	}
	if (xp->priority == U32_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "the device cannot take that policy priority");
		return -EINVAL;
	}
	return ipsim_rule_prefix(sel, extack);
}
#endif

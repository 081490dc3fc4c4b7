// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink control (include/ipsec_offload/genl.h).  Every op needs
 * CAP_NET_ADMIN (GENL_ADMIN_PERM: the maps and the NIC's SA table are
 * shared by all namespaces, so a namespace-local admin is not enough).
 * SAs and devices are looked up in the caller's netns; dumps show only
 * that netns.  Attribute validation is strict (resv_start_op covers every
 * command): unknown or output-only attributes are refused.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "ipso.h"

static struct genl_family ipso_genl_family;

enum { IPSO_MCGRP_EVENTS_IDX };

/*
 * Events name SAs (daddr, SPI, mark), handles and devices: listeners need
 * CAP_NET_ADMIN in the netns's user namespace, like the operations.  The
 * flag is in Debian's 6.1 and 6.12; a kernel without it lets anyone
 * listen (docs/kmod.md).
 */
static const struct genl_multicast_group ipso_mcgrps[] = {
	[IPSO_MCGRP_EVENTS_IDX] = {
		.name = IPSO_GENL_MCGRP_EVENTS,
#ifdef GENL_MCAST_CAP_NET_ADMIN
		.flags = GENL_MCAST_CAP_NET_ADMIN,
#endif
	},
};

/* From the family's one description (include/ipsec_offload/genl.h). */
#define IPSO_ATTR_POLICY(name, wire, policy)	\
	[IPSO_ATTR_##name] = policy,
static const struct nla_policy ipso_policy[IPSO_ATTR_MAX + 1] = {
	IPSO_ATTRS(IPSO_ATTR_POLICY)
};

#undef IPSO_ATTR_POLICY

/* ---- message building ---- */

static int ipso_put_sa(struct sk_buff *skb, const struct ipso_sa_key *k)
{
	int alen = k->family == AF_INET ? 4 : 16;

	if (nla_put_u16(skb, IPSO_ATTR_FAMILY, k->family) ||
	    nla_put(skb, IPSO_ATTR_DADDR, alen, k->daddr.a8) ||
	    nla_put_be32(skb, IPSO_ATTR_SPI, k->spi) ||
	    nla_put_u8(skb, IPSO_ATTR_PROTO, k->proto))
		return -EMSGSIZE;
	return 0;
}

static int ipso_put_stats(struct sk_buff *skb,
			  const struct ipso_sa_hw_stats *s)
{
	struct nlattr *nest = nla_nest_start(skb, IPSO_ATTR_HW_STATS);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, IPSO_STATS_PACKETS, s->packets,
			      IPSO_STATS_PAD) ||
	    nla_put_u64_64bit(skb, IPSO_STATS_BYTES, s->bytes,
			      IPSO_STATS_PAD) ||
	    nla_put_u64_64bit(skb, IPSO_STATS_AUTH_FAIL, s->auth_fail,
			      IPSO_STATS_PAD) ||
	    nla_put_u64_64bit(skb, IPSO_STATS_REPLAY_DROP, s->replay_drop,
			      IPSO_STATS_PAD) ||
	    nla_put_u64_64bit(skb, IPSO_STATS_NO_SA_DROP, s->no_sa_drop,
			      IPSO_STATS_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

struct ipso_ofl_msg {
	struct ipso_sa_key key;
	u32 mark;		/* the state's XFRM mark value */
	int ifindex;
	u8 dir, state;
	u32 handle;
	int reason;
	char reason_msg[IPSO_REASON_MSG_LEN];
	const struct ipso_sa_hw_stats *stats;	/* dumps only */
};

static int ipso_fill_ofl(struct sk_buff *skb, u32 portid, u32 seq, int flags,
			 u8 cmd, const struct ipso_ofl_msg *m)
{
	void *hdr = genlmsg_put(skb, portid, seq, &ipso_genl_family, flags,
				cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (ipso_put_sa(skb, &m->key) ||
	    (m->mark && nla_put_u32(skb, IPSO_ATTR_SA_MARK, m->mark)) ||
	    nla_put_u32(skb, IPSO_ATTR_IFINDEX, m->ifindex) ||
	    nla_put_u8(skb, IPSO_ATTR_DIR, m->dir) ||
	    nla_put_u8(skb, IPSO_ATTR_STATE, m->state) ||
	    nla_put_u32(skb, IPSO_ATTR_HANDLE, m->handle) ||
	    nla_put_s32(skb, IPSO_ATTR_REASON, m->reason) ||
	    (m->reason_msg[0] &&
	     nla_put_string(skb, IPSO_ATTR_REASON_MSG, m->reason_msg)) ||
	    (m->stats && ipso_put_stats(skb, m->stats))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Workqueue context: an entry changed state (NONE = removed). */
void ipso_genl_notify(const struct ipso_offload *o, u8 state, int reason)
{
	struct ipso_ofl_msg m = {
		.key = o->key, .mark = o->x->mark.v, .ifindex = o->ifindex,
		.dir = o->dir, .state = state, .reason = reason,
		.handle = state == IPSO_OFL_OFFLOADED ? o->handle : 0,
	};

	if (state == IPSO_OFL_REJECTED)
		strscpy(m.reason_msg, o->reason_msg, sizeof(m.reason_msg));
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (!skb)
		return;
	if (ipso_fill_ofl(skb, 0, 0, 0, IPSO_CMD_NOTIFY, &m)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast_netns(&ipso_genl_family, read_pnet(&o->net), skb,
				0, IPSO_MCGRP_EVENTS_IDX, GFP_KERNEL);
}

/* ---- request parsing ---- */

struct ipso_sa_req {
	u16 family;
	xfrm_address_t daddr;
	__be32 spi;
	u32 mark;	/* the SA's XFRM mark value, 0 = none */
	u8 proto;
};

static int ipso_parse_sa(struct genl_info *info, struct ipso_sa_req *r)
{
	struct nlattr **a = info->attrs;
	struct nlattr *d;
	int alen;

	if (GENL_REQ_ATTR_CHECK(info, IPSO_ATTR_FAMILY) ||
	    GENL_REQ_ATTR_CHECK(info, IPSO_ATTR_DADDR) ||
	    GENL_REQ_ATTR_CHECK(info, IPSO_ATTR_SPI) ||
	    GENL_REQ_ATTR_CHECK(info, IPSO_ATTR_PROTO))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->family = nla_get_u16(a[IPSO_ATTR_FAMILY]);
	if (r->family != AF_INET && r->family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[IPSO_ATTR_FAMILY],
				    "family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	d = a[IPSO_ATTR_DADDR];
	alen = r->family == AF_INET ? 4 : 16;
	if (nla_len(d) != alen) {
		NL_SET_ERR_MSG_ATTR(info->extack, d,
				    "daddr length does not match the family");
		return -EINVAL;
	}
	memcpy(&r->daddr, nla_data(d), alen);
	r->spi = nla_get_be32(a[IPSO_ATTR_SPI]);
	if (a[IPSO_ATTR_SA_MARK])
		r->mark = nla_get_u32(a[IPSO_ATTR_SA_MARK]);
	r->proto = nla_get_u8(a[IPSO_ATTR_PROTO]);
	if (r->proto != IPPROTO_ESP) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[IPSO_ATTR_PROTO],
				    "only ESP SAs can be offloaded");
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/*
 * The kernel's SA, as xfrm_state_lookup() finds it in the caller's netns:
 * an SA with an XFRM mark is found by its mark value (IPSO_ATTR_SA_MARK).
 */
static struct xfrm_state *ipso_lookup_sa(struct net *net,
					 const struct ipso_sa_req *r,
					 struct netlink_ext_ack *extack)
{
	struct xfrm_state *x;

	x = xfrm_state_lookup(net, r->mark, &r->daddr, r->spi, r->proto,
			      r->family);
	if (!x) {
		NL_SET_ERR_MSG_MOD(extack,
				   "no SA with this daddr, SPI and proto in this netns");
		return NULL;
	}
	if (x->km.state != XFRM_STATE_VALID) {
		xfrm_state_put(x);
		NL_SET_ERR_MSG_MOD(extack, "SA is not valid (expired or dying)");
		return NULL;
	}
	return x;
}

/* ---- ops ---- */

static int ipso_reply_ofl(struct genl_info *info, u8 cmd,
			  const struct ipso_ofl_msg *m)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (!msg)
		return -ENOMEM;
	if (ipso_fill_ofl(msg, info->snd_portid, info->snd_seq, 0, cmd, m)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return genlmsg_reply(msg, info);
}

static int ipso_cmd_offload_sa(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct ipso_ofl_snapshot snap;
	struct ipso_ofl_msg m = {};
	struct net_device *dev;
	struct xfrm_state *x;
	struct ipso_sa_req r;
	u8 dir;
	int err;

	err = ipso_parse_sa(info, &r);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, IPSO_ATTR_IFINDEX) ||
	    GENL_REQ_ATTR_CHECK(info, IPSO_ATTR_DIR))
		return -EINVAL;
	dir = nla_get_u8(info->attrs[IPSO_ATTR_DIR]);
	if (dir != IPSO_DIR_IN && dir != IPSO_DIR_OUT) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[IPSO_ATTR_DIR],
				    "direction must be in or out: a driver is never offered an SA of unknown or both directions");
		return -EINVAL;
	}
	/* Order of checks: the SA, the device, its driver, its state. */
	x = ipso_lookup_sa(net, &r, info->extack);
	if (!x)
		return -ENOENT;
	dev = dev_get_by_index(net,
			       nla_get_u32(info->attrs[IPSO_ATTR_IFINDEX]));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[IPSO_ATTR_IFINDEX],
				    "no such device in this netns");
		err = -ENODEV;
		goto out_x;
	}
	rcu_read_lock();
	err = ipso_netdev_find_rcu(dev) ? 0 : -EOPNOTSUPP;
	rcu_read_unlock();
	if (err) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[IPSO_ATTR_IFINDEX],
				    "device has no inline IPsec offload driver");
		goto out_dev;
	}
	if (!netif_running(dev)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[IPSO_ATTR_IFINDEX],
				    "device is down");
		err = -ENETDOWN;
		goto out_dev;
	}
	err = ipso_ofl_request(net, x, dev, dir, &snap);
	if (err == -EBUSY)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "offload of this SA on this device is being torn down; retry");
	else if (err == -EOPNOTSUPP)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "device has no inline IPsec offload driver");
	if (!err) {
		ipso_ofl_fill_key(x, &m.key);
		m.mark = x->mark.v;
		m.ifindex = dev->ifindex;
		m.dir = dir;
		m.state = snap.state;
		m.handle = snap.state == IPSO_OFL_OFFLOADED ? snap.handle : 0;
		m.reason = snap.reason;
		err = ipso_reply_ofl(info, IPSO_CMD_OFFLOAD_SA, &m);
	}
out_dev:
	dev_put(dev);
out_x:
	xfrm_state_put(x);
	return err;
}

static int ipso_cmd_withdraw_sa(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct ipso_offload *o;
	struct xfrm_state *x;
	struct ipso_sa_req r;
	int err, ifindex;

	err = ipso_parse_sa(info, &r);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, IPSO_ATTR_IFINDEX))
		return -EINVAL;
	ifindex = nla_get_u32(info->attrs[IPSO_ATTR_IFINDEX]);
	x = xfrm_state_lookup(net, r.mark, &r.daddr, r.spi, r.proto, r.family);
	if (!x) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "no SA with this daddr, SPI and proto in this netns");
		return -ENOENT;
	}
	rcu_read_lock();
	o = ipso_ofl_find_rcu(x, ifindex);
	if (o && net_eq(read_pnet(&o->net), net))
		ipso_ofl_withdraw(o, 0);
	else
		err = -ENOENT;
	rcu_read_unlock();
	xfrm_state_put(x);
	if (err)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "SA is not offloaded on this device");
	return err;
}

static int ipso_cmd_get_offload_dump(struct sk_buff *skb,
				     struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct ipso_offload *o;
	long idx = 0, skip = cb->args[0];
	int err = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(o, &ipso_ofl_list, node) {
		struct ipso_ofl_msg m;

		if (!net_eq(read_pnet(&o->net), net))
			continue;
		if (idx++ < skip)
			continue;
		m.key = o->key;
		m.mark = o->x->mark.v;
		m.ifindex = o->ifindex;
		m.dir = o->dir;
		spin_lock_bh(&ipso_lock);
		m.state = o->dying ? IPSO_OFL_NONE : o->state;
		m.handle = o->state == IPSO_OFL_OFFLOADED ? o->handle : 0;
		m.reason = o->reason;
		strscpy(m.reason_msg, o->reason_msg, sizeof(m.reason_msg));
		spin_unlock_bh(&ipso_lock);
		m.stats = &o->last;
		err = ipso_fill_ofl(skb, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI,
				    IPSO_CMD_GET_OFFLOAD, &m);
		if (err) {
			idx--;
			break;
		}
	}
	rcu_read_unlock();
	cb->args[0] = idx;
	return err && idx == skip ? err : skb->len;
}

static int ipso_cmd_set_maps(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;

	if (GENL_REQ_ATTR_CHECK(info, IPSO_ATTR_OFFLOAD_MAP_FD) ||
	    GENL_REQ_ATTR_CHECK(info, IPSO_ATTR_HANDLE_MAP_FD) ||
	    GENL_REQ_ATTR_CHECK(info, IPSO_ATTR_HW_STATS_MAP_FD))
		return -EINVAL;
	return ipso_maps_set(genl_info_net(info),
			     nla_get_u32(a[IPSO_ATTR_OFFLOAD_MAP_FD]),
			     nla_get_u32(a[IPSO_ATTR_HANDLE_MAP_FD]),
			     nla_get_u32(a[IPSO_ATTR_HW_STATS_MAP_FD]),
			     info->extack);
}

static int ipso_cmd_get_config(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &ipso_genl_family, 0,
				IPSO_CMD_GET_CONFIG);
	if (!hdr ||
	    nla_put_u32(msg, IPSO_ATTR_MARK_MAGIC, ipso_mark_magic) ||
	    nla_put_u32(msg, IPSO_ATTR_MARK_MAGIC_MASK, ipso_mark_magic_mask) ||
	    nla_put_u32(msg, IPSO_ATTR_MARK_HANDLE_MASK,
			ipso_mark_handle_mask) ||
	    nla_put_u32(msg, IPSO_ATTR_POLL_MS, ipso_poll_ms)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int ipso_cmd_get_devices_dump(struct sk_buff *skb,
				     struct netlink_callback *cb)
{
	return ipso_netdev_dump(skb, cb, &ipso_genl_family);
}

static const struct genl_small_ops ipso_ops[] = {
	{
		.cmd = IPSO_CMD_OFFLOAD_SA,
		.flags = GENL_ADMIN_PERM,
		.doit = ipso_cmd_offload_sa,
	},
	{
		.cmd = IPSO_CMD_WITHDRAW_SA,
		.flags = GENL_ADMIN_PERM,
		.doit = ipso_cmd_withdraw_sa,
	},
	{
		.cmd = IPSO_CMD_GET_OFFLOAD,
		.flags = GENL_ADMIN_PERM,
		.dumpit = ipso_cmd_get_offload_dump,
	},
	{
		.cmd = IPSO_CMD_SET_MAPS,
		.flags = GENL_ADMIN_PERM,
		.doit = ipso_cmd_set_maps,
	},
	{
		.cmd = IPSO_CMD_GET_CONFIG,
		.flags = GENL_ADMIN_PERM,
		.doit = ipso_cmd_get_config,
	},
	{
		.cmd = IPSO_CMD_GET_DEVICES,
		.flags = GENL_ADMIN_PERM,
		.dumpit = ipso_cmd_get_devices_dump,
	},
};

static struct genl_family ipso_genl_family __ro_after_init = {
	.name = IPSO_GENL_NAME,
	.version = IPSO_GENL_VERSION,
	.maxattr = IPSO_ATTR_MAX,
	.policy = ipso_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.small_ops = ipso_ops,
	.n_small_ops = ARRAY_SIZE(ipso_ops),
	.resv_start_op = IPSO_CMD_MAX + 1,	/* strict for every op */
	.mcgrps = ipso_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ipso_mcgrps),
};

int ipso_genl_init(void)
{
	return genl_register_family(&ipso_genl_family);
}

void ipso_genl_exit(void)
{
	genl_unregister_family(&ipso_genl_family);
}

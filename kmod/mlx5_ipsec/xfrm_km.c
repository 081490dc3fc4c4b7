// SPDX-License-Identifier: GPL-2.0
/*
 * Following the kernel's SAs: a key manager (struct xfrm_mgr) that only
 * listens.  Its notify callback sees what xfrm_user and af_key report
 * (DELSA, EXPIRE, FLUSHSA, UPDSA); the offload of a state that the kernel
 * deletes is torn down (asynchronously) and our reference dropped, so the
 * state is freed right after.  Deletions that notify no key manager (a
 * namespace going away, xfrm_dev_state_flush) are caught by the netns
 * hook (netdev.c) and by the stats poll, which tears down every entry
 * whose state is dead (stats.c).
 *
 * Runs in atomic context (the expiry timer calls it under x->lock):
 * only RCU lookups and ipso_lock here.
 */
#include <linux/xfrm.h>
#include <net/xfrm.h>

#include "ipso.h"

static bool ipso_match_dead_in_net(struct ipso_offload *o, const void *net)
{
	return net_eq(read_pnet(&o->net), net) &&
	       READ_ONCE(o->x->km.state) == XFRM_STATE_DEAD;
}

struct ipso_sa_match {
	struct net *net;
	struct ipso_sa_key key;
};

static bool ipso_match_sa_id(struct ipso_offload *o, const void *arg)
{
	const struct ipso_sa_match *m = arg;

	return net_eq(read_pnet(&o->net), m->net) &&
	       !memcmp(&o->key, &m->key, sizeof(m->key));
}

static int ipso_km_notify(struct xfrm_state *x, const struct km_event *c)
{
	struct ipso_sa_match m;

	switch (c->event) {
	case XFRM_MSG_DELSA:
		ipso_ofl_teardown_state(x, -ENOENT);
		ipso_xfrmdev_state_dead(x);
		break;
	case XFRM_MSG_EXPIRE:
		/* Soft expiry is the loader's business (IPSO_SA_F_DYING). */
		if (c->data.hard) {
			ipso_ofl_teardown_state(x, -ETIMEDOUT);
			ipso_xfrmdev_state_dead(x);
		}
		break;
	case XFRM_MSG_FLUSHSA:
		ipso_ofl_teardown_matching(ipso_match_dead_in_net, c->net,
					   -ENOENT);
		ipso_xfrmdev_forget(c->net, true);
		break;
	case XFRM_MSG_UPDSA:
		/*
		 * x is the update request; the state in the SAD was either
		 * replaced or changed in place (lifetimes, encapsulation).
		 * Either way the device's copy may be stale: take it back
		 * to software, with the device's counter, and let the
		 * loader offer it again.  xfrm_user notifies after the
		 * update, without the state's lock, which the hand-back
		 * takes.
		 */
		if (!x)
			break;
		m.net = xs_net(x);
		ipso_ofl_fill_key(x, &m.key);
		ipso_ofl_withdraw_matching(ipso_match_sa_id, &m, -ESTALE);
		break;
	default:
		break;
	}
	return 0;
}

/* km_query() calls every manager's acquire without a NULL check. */
static int ipso_km_acquire(struct xfrm_state *x, struct xfrm_tmpl *t,
			   struct xfrm_policy *xp)
{
	return -EINVAL;		/* we never negotiate SAs */
}

/*
 * xfrm_user_policy() calls every manager's compile_policy without a NULL
 * check and stops at the first non-negative *dir.  *dir holds the previous
 * manager's error: leaving it alone keeps the error the user would have
 * seen without us.
 */
static struct xfrm_policy *ipso_km_compile_policy(struct sock *sk, int opt,
						  u8 *data, int len, int *dir)
{
	if (*dir >= 0)
		*dir = -EINVAL;
	return NULL;
}

static struct xfrm_mgr ipso_km = {
	.notify = ipso_km_notify,
	.acquire = ipso_km_acquire,
	.compile_policy = ipso_km_compile_policy,
};

void ipso_km_init(void)
{
	xfrm_register_km(&ipso_km);
}

void ipso_km_exit(void)
{
	xfrm_unregister_km(&ipso_km);	/* includes synchronize_rcu() */
}

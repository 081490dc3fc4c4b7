// SPDX-License-Identifier: GPL-2.0
/* One-shot reconciliation of the kernel SAD and SPD into the mirror. */
#include <errno.h>
#include <string.h>

#include "errors.h"
#include "sync.h"
#include "xfrm_nl.h"

#define SYNC_RETRIES 5	/* dumps interrupted by concurrent changes */

struct sync_ctx {
	struct ipso_mirror *m;
	struct sync_stats *st;
};

static void refused(struct sync_ctx *c, int err, const char *what)
{
	c->st->skipped++;
	if (!c->st->first_err)
		c->st->first_err = err;
	ipso_log("sync: %s refused by the mirror: %s", what, strerror(-err));
}

static int on_policy(const struct xnl_event *ev, void *data)
{
	struct sync_ctx *c = data;
	int err;

	if (ev->kind != XNL_POL_PUT)
		return 0;
	err = ipso_mirror_put_policy(c->m, &ev->pol);
	if (err == -ENOMEM)
		return err;
	if (err)
		refused(c, err, "policy");
	else
		c->st->policies++;
	return 0;
}

static int on_sa(const struct xnl_event *ev, void *data)
{
	struct sync_ctx *c = data;
	struct shadow_sa *s;
	int err;

	if (ev->kind != XNL_SA_PUT)
		return 0;
	/* derives the direction from the policies */
	err = ipso_mirror_put_kernel_sa(c->m, &ev->sa, ev->sa_mark_v, ev->alg,
					&s);
	if (!s)
		return -ENOMEM;
	if (err)
		refused(c, err, "SA");
	else
		c->st->sas++;
	return 0;
}

static int dump_all(struct sync_ctx *c)
{
	int err;

	/* Policies first: an SA's direction is derived from them. */
	err = xnl_dump_policies(on_policy, c);
	if (err)
		return err;
	return xnl_dump_sas(on_sa, c);
}

int ipso_sync_defaults(struct ipso_mirror *m)
{
	bool accept = false;
	int err;

	err = xnl_get_fwd_default(&accept);
	ipso_mirror_set_fwd_accept(m, !err && accept);
	return err;
}

int ipso_sync(struct ipso_mirror *m, struct sync_stats *st)
{
	struct sync_ctx c = { .m = m, .st = st };
	int err, tries = 0;

	do {
		memset(st, 0, sizeof(*st));
		ipso_mirror_begin_sync(m);
		err = dump_all(&c);
	} while (err == -EINTR && ++tries < SYNC_RETRIES);
	if (err) {
		/* Nothing removed: end_sync() is what stages deletions. */
		ipso_mirror_commit(m);
		return err;
	}
	ipso_mirror_end_sync(m);
	ipso_sync_defaults(m);
	err = ipso_mirror_commit(m);
	if (err)
		return err;
	return st->first_err;
}

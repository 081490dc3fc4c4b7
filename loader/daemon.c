// SPDX-License-Identifier: GPL-2.0
/*
 * `ipsec-offload daemon`: sync, then follow XFRM events live, request
 * offloads, and on SIGTERM/SIGINT withdraw every offload so traffic goes
 * back to software IPsec before we exit.  SIGHUP forces a full resync.
 *
 * The event socket is opened before the initial dump, so nothing that
 * happens between the dump and the first read is lost; events that repeat
 * what the dump already showed are idempotent.  Events are applied in
 * batches: everything queued on the socket is staged, then committed
 * once (adds before removes, generation bumped).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <libmnl/libmnl.h>

#include "cli.h"
#include "errors.h"
#include "offload.h"
#include "sd_notify.h"
#include "sync.h"
#include "xfrm_nl.h"

#define DAEMON_RCVBUF		(32 << 20)	/* bursts of 100k events */
#define DAEMON_TICK_MS		1000		/* module / device rescan */
#define DAEMON_WITHDRAW_MS	5000
/* Commit at least every this many events, so an endless stream of
 * events cannot starve the commit (measured: smaller caps do not lower
 * the burst latency, every commit has a cost). */
#define DAEMON_BATCH_MAX	4096
#define DAEMON_LEASE_NS		(5ULL * 1000000000ULL)	/* > 4 ticks */

struct daemon {
	const struct ipso_opts *o;
	struct ipso_mirror *m;
	struct ofl_mgr om;
	struct devperm perm;
	bool offload;
	/* SAs to offer after the batch is committed */
	struct ipso_sa_key *offer;
	size_t noffer, cap_offer;
	bool need_resync;
	unsigned long events, batches, resyncs;
};

/*
 * Renewed every tick and expired (1) at exit, so the datapath stops
 * trusting a mirror that nobody maintains.
 */
static void renew_lease(struct daemon *d)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ipso_mirror_set_lease(d->m, (__u64)ts.tv_sec * 1000000000ULL +
				    ts.tv_nsec + DAEMON_LEASE_NS);
}

static void derr(const char *what, int err)
{
	fprintf(stderr, "ipsec-offload: daemon: %s: %s\n", what,
		strerror(err < 0 ? -err : err));
}

static void queue_offer(struct daemon *d, const struct ipso_sa_key *k)
{
	if (!d->offload || !d->om.connected)
		return;
	if (d->noffer == d->cap_offer) {
		size_t cap = d->cap_offer ? d->cap_offer * 2 : 64;
		struct ipso_sa_key *n = realloc(d->offer, cap * sizeof(*n));

		if (!n)
			return;
		d->offer = n;
		d->cap_offer = cap;
	}
	d->offer[d->noffer++] = *k;
}

static void refused(const char *what, int err)
{
	if (err)
		derr(what, err);
}

/* An SA's direction changed with a policy: re-mirrored, maybe offer. */
static void redirected(struct shadow_sa *s, int err, void *ctx)
{
	refused("SA refused by the mirror", err);
	queue_offer(ctx, &s->key);
}

static void forget_sa(struct daemon *d, const struct ipso_sa_key *k)
{
	if (d->offload)
		ofl_forget(&d->om, k);
}

static void sa_event(struct daemon *d, const struct xnl_event *ev)
{
	struct shadow *sh = ipso_mirror_shadow(d->m);
	struct shadow_sa *s;
	int err;

	switch (ev->kind) {
	case XNL_SA_PUT:
		err = ipso_mirror_put_kernel_sa(d->m, &ev->sa, ev->sa_mark_v,
						ev->alg, &s);
		if (!s) {
			d->need_resync = true;
			return;
		}
		refused("SA refused by the mirror", err);
		queue_offer(d, &s->key);
		break;
	case XNL_SA_EXPIRE:
		if (!ev->hard) {
			err = ipso_mirror_sa_dying(d->m, &ev->key);
			if (err != -ENOENT)
				refused("SA refused by the mirror", err);
			return;
		}
		/* a hard expire deletes the SA */
		__attribute__((fallthrough));
	case XNL_SA_DEL:
		ipso_mirror_del_sa(d->m, &ev->key);
		forget_sa(d, &ev->key);
		break;
	case XNL_SA_FLUSH: {
		size_t i;

		for (s = shadow_first_sa(sh, &i); s; s = shadow_next_sa(sh, s, &i))
			forget_sa(d, &s->key);
		ipso_mirror_flush_sas(d->m);
		break;
	}
	default:
		break;
	}
}

static void policy_event(struct daemon *d, const struct xnl_event *ev)
{
	struct shadow_pol *old = shadow_find_pol(ipso_mirror_shadow(d->m),
						 ev->dir, ev->index);
	struct ipso_policy_desc prev;
	bool had = old != NULL;
	int err;

	if (had)
		prev = old->d;
	switch (ev->kind) {
	case XNL_POL_PUT:
		err = ipso_mirror_put_policy(d->m, &ev->pol);
		if (err == -ENOMEM) {
			d->need_resync = true;
			return;
		}
		refused("policy refused by the mirror", err);
		ipso_mirror_redirect(d->m, &ev->pol, redirected, d);
		break;
	case XNL_POL_DEL:
		ipso_mirror_del_policy(d->m, ev->dir, ev->index);
		break;
	case XNL_POL_FLUSH:
		ipso_mirror_flush_policies(d->m);
		ipso_mirror_redirect(d->m, NULL, redirected, d);
		return;
	default:
		return;
	}
	if (had)
		ipso_mirror_redirect(d->m, &prev, redirected, d);
}

static int on_event(const struct xnl_event *ev, void *ctx)
{
	struct daemon *d = ctx;

	d->events++;
	if (ev->kind >= XNL_POL_PUT)
		policy_event(d, ev);
	else
		sa_event(d, ev);
	return 0;	/* one bad event must not stop the batch */
}

static void flush_offers(struct daemon *d)
{
	for (size_t i = 0; i < d->noffer; i++) {
		struct shadow_sa *s = shadow_find_sa(ipso_mirror_shadow(d->m),
						     &d->offer[i]);

		if (s)
			ofl_offer(&d->om, s);
	}
	d->noffer = 0;
}

static int resync(struct daemon *d)
{
	struct sync_stats st;
	int err;

	d->resyncs++;
	d->noffer = 0;
	err = ipso_sync(d->m, &st);
	if (err && !st.first_err)
		return err;
	if (st.first_err)
		derr("some entries could not be mirrored", st.first_err);
	ipso_log("daemon: synced %zu policies, %zu SAs", st.policies, st.sas);
	/* Adopt/offer: devices and the module are looked at again too. */
	if (d->offload)
		ofl_refresh(&d->om, ipso_mirror_shadow(d->m));
	return 0;
}

static void handle_xfrm(struct daemon *d, struct mnl_socket *nl)
{
	int n = xnl_event_read(nl, on_event, d, DAEMON_BATCH_MAX);
	int err;

	if (n == -ENOBUFS || d->need_resync) {
		/* Events were lost: the dump is the truth. */
		fprintf(stderr, "ipsec-offload: daemon: %s, full resync\n",
			n == -ENOBUFS ? "events lost (ENOBUFS)" :
					"out of memory");
		d->need_resync = false;
		ipso_mirror_commit(d->m);
		xnl_event_drain(nl);
		err = resync(d);
		if (err)
			derr("resync", err);
		return;
	}
	if (n < 0)
		derr("reading XFRM events", n);
	d->batches++;
	err = ipso_mirror_commit(d->m);
	if (err)
		derr("commit", err);
	if (ipso_verbose) {
		/* Per commit: events so far and when they reached the maps
		 * (CLOCK_MONOTONIC), for bench/loader_bench.sh. */
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ipso_log("daemon: commit events=%lu t_ns=%llu", d->events,
			 (unsigned long long)ts.tv_sec * 1000000000ULL +
			 ts.tv_nsec);
	}
	flush_offers(d);
}

/* SIGHUP: re-read the permission rules; keep the old ones if broken. */
static void reload_rules(struct daemon *d)
{
	struct devperm np;

	if (cli_load_perm(d->o, &np)) {
		fprintf(stderr, "ipsec-offload: daemon: keeping the previous "
			"rules\n");
		return;
	}
	devperm_free(&d->perm);
	d->perm = np;	/* d->om.perm points here */
	fprintf(stderr, "ipsec-offload: daemon: rules reloaded (%d)\n",
		d->perm.nrules);
}

static int make_fds(int *sfd, int *tfd)
{
	struct itimerspec its = {
		.it_interval = { DAEMON_TICK_MS / 1000,
				 (DAEMON_TICK_MS % 1000) * 1000000 },
		.it_value = { DAEMON_TICK_MS / 1000,
			      (DAEMON_TICK_MS % 1000) * 1000000 },
	};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	*sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	*tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (*sfd < 0 || *tfd < 0)
		return -errno;
	return timerfd_settime(*tfd, 0, &its, NULL) ? -errno : 0;
}

static int ep_add(int ep, int fd, int tag)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
}

enum { TAG_XFRM, TAG_SIG, TAG_TICK, TAG_GENL };

/* Returns the signal that ended the loop. */
static int loop(struct daemon *d, struct mnl_socket *nl, int sfd, int tfd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), genl_fd = -1;

	if (ep < 0 || ep_add(ep, mnl_socket_get_fd(nl), TAG_XFRM) ||
	    ep_add(ep, sfd, TAG_SIG) || ep_add(ep, tfd, TAG_TICK)) {
		derr("epoll", errno);
		return -1;
	}
	for (;;) {
		struct epoll_event evs[4];
		int n;

		if (d->offload && d->om.ev_fd >= 0 && genl_fd != d->om.ev_fd) {
			genl_fd = d->om.ev_fd;
			ep_add(ep, genl_fd, TAG_GENL);
		}
		n = epoll_wait(ep, evs, 4, -1);
		if (n < 0 && errno != EINTR) {
			derr("epoll_wait", errno);
			close(ep);
			return -1;
		}
		for (int i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case TAG_XFRM:
				handle_xfrm(d, nl);
				break;
			case TAG_GENL:
				ofl_read_events(&d->om);
				break;
			case TAG_TICK: {
				__u64 ticks;

				if (read(tfd, &ticks, sizeof(ticks)) < 0)
					break;
				renew_lease(d);
				ipso_sync_defaults(d->m);
				if (d->offload)
					ofl_refresh(&d->om,
						    ipso_mirror_shadow(d->m));
				break;
			}
			case TAG_SIG: {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					break;
				if (si.ssi_signo == SIGHUP) {
					int err;

					reload_rules(d);
					err = resync(d);

					if (err)
						derr("resync", err);
					break;
				}
				close(ep);
				return si.ssi_signo;
			}
			}
		}
	}
}

static int daemon_usage(int argc)
{
	fputs("Usage: ipsec-offload [--dev LIST] [-c FILE] daemon "
	      "[--mirror-only]\n"
	      "Sync, follow XFRM events, request offloads from the bridge "
	      "module.\nSIGTERM/SIGINT: withdraw every offload, then exit. "
	      "SIGHUP: re-read the rules, full resync.\n", argc ? stdout : stderr);
	return IPSO_EXIT_OK;
}

int cmd_daemon(const struct ipso_opts *o, int argc, char **argv)
{
	struct daemon d = { .o = o, .offload = true };
	struct mnl_socket *nl;
	int sfd = -1, tfd = -1, code = 0, err, sig;

	for (int i = 0; i < argc; i++) {
		if (cli_is_help(argv[i]))
			return daemon_usage(1);
		if (!strcmp(argv[i], "--mirror-only"))
			d.offload = false;
		else
			return ipso_fail(IPSO_EXIT_USAGE, "daemon",
					 "unexpected argument '%s'", argv[i]);
	}
	code = cli_load_perm(o, &d.perm);
	if (code)
		return code;
	d.m = cli_open_mirror(o, &code);
	if (!d.m)
		return code;
	err = ofl_init(&d.om, o->pin_dir, &d.perm);
	if (!err)
		err = make_fds(&sfd, &tfd);
	if (err) {
		code = ipso_fail_errno(err, "daemon", "setup");
		goto out;
	}
	nl = xnl_event_open(o->rcvbuf ? o->rcvbuf : DAEMON_RCVBUF);
	if (!nl) {
		code = ipso_fail_errno(errno, "daemon", "XFRM event socket");
		goto out;
	}
	err = resync(&d);
	if (err) {
		code = ipso_fail_errno(err, "daemon", "initial sync");
		mnl_socket_close(nl);
		goto out;
	}
	if (d.offload && !d.om.connected)
		fprintf(stderr, "ipsec-offload: daemon: bridge module not "
			"loaded; mirroring only, SAs stay in software\n");
	renew_lease(&d);
	printf("ipsec-offload: daemon ready: %zu policies, %zu SAs\n",
	       ipso_mirror_shadow(d.m)->npol, ipso_mirror_shadow(d.m)->nsa);
	fflush(stdout);
	ipso_sd_notify("READY=1");
	sig = loop(&d, nl, sfd, tfd);
	ipso_sd_notify("STOPPING=1");
	mnl_socket_close(nl);
	if (d.offload && d.om.connected) {
		int left = ofl_withdraw_all(&d.om, DAEMON_WITHDRAW_MS);

		if (left)
			fprintf(stderr, "ipsec-offload: daemon: %d offloads "
				"still held by the module after %d ms\n",
				left, DAEMON_WITHDRAW_MS);
		else
			fprintf(stderr, "ipsec-offload: daemon: every "
				"offload withdrawn\n");
	}
	/* Nobody maintains the mirror from here on. */
	ipso_mirror_set_lease(d.m, 1);
	ipso_log("daemon: %lu events in %lu batches, %lu resyncs",
		 d.events, d.batches, d.resyncs);
	if (sig < 0)
		code = IPSO_EXIT_RUNTIME;
out:
	ofl_fini(&d.om);
	devperm_free(&d.perm);
	free(d.offer);
	ipso_mirror_close(d.m);
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	return code;
}

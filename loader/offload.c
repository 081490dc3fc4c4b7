// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's side of offloading: it writes PENDING into ipso_offload
 * before it asks the module (the module then writes OFFLOADED or REJECTED
 * and deletes the entry on teardown, see include/ipsec_offload/maps.h),
 * adopts what the module already holds after a restart instead of asking
 * again, and withdraws everything on shutdown.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "config_map.h"
#include "errors.h"
#include "offload.h"

struct ofl_req {
	struct htab_node node;
	struct ipso_offload_key key;
	__u32 mark;		/* the SA's XFRM mark value */
	__u8 state;
	__u32 handle;
	__s32 reason;
};

static void warn(const char *fmt, const char *a, int err)
{
	fprintf(stderr, "ipsec-offload: offload: ");
	fprintf(stderr, fmt, a);
	fprintf(stderr, ": %s\n", strerror(err < 0 ? -err : err));
}

int ofl_init(struct ofl_mgr *om, const char *pin_dir,
	     const struct devperm *perm)
{
	memset(om, 0, sizeof(*om));
	om->pin_dir = pin_dir;
	om->perm = perm;
	om->ev_fd = -1;
	om->is_attached = attach_is_ours;
	for (int i = 0; i < PM__COUNT; i++)
		om->pm.fd[i] = -1;
	pinned_open(&om->pm, pin_dir);	/* maps the mirror did not create
					 * appear with attach */
	return htab_init(&om->req, offsetof(struct ofl_req, key),
			 sizeof(struct ipso_offload_key));
}

static void free_reqs(struct ofl_mgr *om)
{
	struct htab_node *n, *next;
	size_t i;

	for (n = htab_first(&om->req, &i); n; n = next) {
		next = htab_next(&om->req, n, &i);
		free(n);
	}
	memset(om->req.b, 0, om->req.nbuckets * sizeof(*om->req.b));
	om->req.count = 0;
}

void ofl_fini(struct ofl_mgr *om)
{
	free_reqs(om);
	htab_free(&om->req);
	if (om->connected)
		genl_close(&om->g);
	pinned_close(&om->pm);
}

static struct ofl_req *req_get(struct ofl_mgr *om,
			       const struct ipso_offload_key *k, bool create)
{
	if (!create)
		return htab_find(&om->req, k);
	return htab_get(&om->req, k, sizeof(struct ofl_req));
}

static void req_del(struct ofl_mgr *om, const struct ipso_offload_key *k)
{
	free(htab_del(&om->req, k));
}

static int on_adopt(const struct genl_offload *o, void *data)
{
	struct ofl_mgr *om = data;
	struct ipso_offload_key k = { .sa = o->sa, .ifindex = o->ifindex };
	struct ofl_req *r;

	if (o->state == IPSO_OFL_NONE)
		return 0;
	r = req_get(om, &k, true);
	if (!r)
		return -ENOMEM;
	r->mark = o->mark;
	r->state = o->state;
	r->handle = o->handle;
	r->reason = o->reason;
	return 0;
}

static void write_mark_layout(struct ofl_mgr *om, const struct genl_config *c)
{
	struct ipso_config *cfg;
	int fd = om->pm.fd[PM_CONFIG];

	if (fd < 0)
		return;
	cfg = ipso_config_map(fd);
	if (!cfg) {
		warn("%s", "cannot write the mark layout into ipso_config",
		     errno);
		return;
	}
	ipso_config_set_marks(cfg, c->magic, c->magic_mask, c->handle_mask);
	ipso_config_unmap(cfg);
}

static bool connect_module(struct ofl_mgr *om)
{
	struct genl_config cfg;
	int err;

	if (om->pm.fd[PM_OFFLOAD] < 0 || om->pm.fd[PM_CONFIG] < 0) {
		pinned_close(&om->pm);
		pinned_open(&om->pm, om->pin_dir);
	}
	err = genl_open(&om->g);
	if (err)
		return false;	/* -ENOENT: module not loaded, stay quiet */
	err = genl_get_config(&om->g, &cfg);
	if (err)
		warn("%s", "GET_CONFIG", err);
	else
		write_mark_layout(om, &cfg);
	if (om->pm.fd[PM_OFFLOAD] >= 0 && om->pm.fd[PM_HANDLES] >= 0 &&
	    om->pm.fd[PM_HW_STATS] >= 0) {
		err = genl_set_maps(&om->g, om->pm.fd[PM_OFFLOAD],
				    om->pm.fd[PM_HANDLES],
				    om->pm.fd[PM_HW_STATS]);
		if (err)
			warn("%s", "SET_MAPS", err);
	} else {
		fprintf(stderr, "ipsec-offload: offload: maps ipso_offload/"
			"ipso_handles/ipso_hw_stats not pinned under %s "
			"(attach a device first); not offloading\n",
			om->pin_dir);
		genl_close(&om->g);
		return false;
	}
	om->ev_fd = genl_subscribe(&om->g);
	if (om->ev_fd < 0)
		warn("%s", "cannot join the events group", om->ev_fd);
	free_reqs(om);
	err = genl_dump_offloads(&om->g, on_adopt, om);
	if (err)
		warn("%s", "GET_OFFLOAD dump", err);
	om->connected = true;
	fprintf(stderr, "ipsec-offload: offload: bridge module connected, "
		"%zu offloads adopted\n", om->req.count);
	return true;
}

struct dev_scan {
	struct ofl_mgr *om;
	struct ofl_dev devs[OFL_MAX_DEVS];
	int n;
};

/* Administratively up: a device that is down is offered nothing. */
static bool dev_is_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up = true;		/* when in doubt, let the module judge */

	if (fd < 0)
		return up;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr))
		up = ifr.ifr_flags & IFF_UP;
	close(fd);
	return up;
}

static int on_dev(const struct genl_dev *d, void *data)
{
	struct dev_scan *ds = data;

	if (ds->n == OFL_MAX_DEVS || !dev_is_up(d->name) ||
	    !ds->om->is_attached(d->ifindex, ds->om->pin_dir))
		return 0;
	ds->devs[ds->n].ifindex = d->ifindex;
	if (!if_indextoname(d->ifindex, ds->devs[ds->n].name))
		memcpy(ds->devs[ds->n].name, d->name, IF_NAMESIZE);
	ds->n++;
	return 0;
}

static const char *dev_name(const struct ofl_dev *devs, int n, __u32 ifindex)
{
	for (int i = 0; i < n; i++)
		if (devs[i].ifindex == ifindex)
			return devs[i].name;
	return NULL;
}

static void write_state(struct ofl_mgr *om, const struct ipso_offload_key *k,
			__u32 state, __s32 reason, __u64 flags)
{
	struct ipso_offload_val v = { .state = state, .reason = reason };

	if (om->pm.fd[PM_OFFLOAD] >= 0)
		bpf_map_update_elem(om->pm.fd[PM_OFFLOAD], k, &v, flags);
}

static void offer_on(struct ofl_mgr *om, const struct shadow_sa *sa,
		     const struct ofl_dev *d)
{
	struct ipso_offload_key k = { .sa = sa->key, .ifindex = d->ifindex };
	struct ofl_req *r;
	int err;

	if (htab_find(&om->req, &k) ||
	    !devperm_allows(om->perm, &sa->d, d->name))
		return;
	if (sa->d.mode != IPSO_MODE_TRANSPORT &&
	    sa->d.mode != IPSO_MODE_TUNNEL)
		return;		/* BEET etc.: software only */
	/* A driver is never offered an SA of unknown direction; it is
	 * offered again when a policy makes the direction known. */
	if (sa->d.dir != IPSO_DIR_IN && sa->d.dir != IPSO_DIR_OUT)
		return;
	r = req_get(om, &k, true);
	if (!r)
		return;
	/* PENDING first, never over what the module already wrote. */
	write_state(om, &k, IPSO_OFL_PENDING, 0, BPF_NOEXIST);
	r->state = IPSO_OFL_PENDING;
	r->mark = sa->mark_v;
	err = genl_offload_sa(&om->g, &sa->key, r->mark, d->ifindex,
			      sa->d.dir);
	if (err == -EBUSY || err == -ENETDOWN || err == -ENODEV ||
	    err == -EAGAIN || err == -ENOBUFS) {
		/* Transient (teardown still running, device going down):
		 * the next refresh tick asks again.  -ENOENT (the module
		 * cannot find the SA) is not. */
		if (om->pm.fd[PM_OFFLOAD] >= 0)
			bpf_map_delete_elem(om->pm.fd[PM_OFFLOAD], &k);
		req_del(om, &k);
		return;
	}
	if (err) {
		/* Recorded and shown, not retried on every event. */
		r->state = IPSO_OFL_REJECTED;
		r->reason = err;
		write_state(om, &k, IPSO_OFL_REJECTED, err, BPF_ANY);
		ipso_log("offload request on %s refused: %s", d->name,
			 strerror(-err));
	}
}

void ofl_offer(struct ofl_mgr *om, const struct shadow_sa *sa)
{
	if (!om->connected)
		return;
	for (int i = 0; i < om->ndevs; i++)
		offer_on(om, sa, &om->devs[i]);
}

static void withdraw(struct ofl_mgr *om, struct ofl_req *r)
{
	int err;

	if (r->state == IPSO_OFL_REJECTED) {
		/* Nothing held by the module; clear what we wrote. */
		if (om->pm.fd[PM_OFFLOAD] >= 0)
			bpf_map_delete_elem(om->pm.fd[PM_OFFLOAD], &r->key);
		req_del(om, &r->key);
		return;
	}
	err = genl_withdraw_sa(&om->g, &r->key.sa, r->mark, r->key.ifindex);
	if (err == -ENOENT) {
		req_del(om, &r->key);
		return;
	}
	if (err)
		ipso_log("withdraw refused: %s", strerror(-err));
}

bool ofl_refresh(struct ofl_mgr *om, const struct shadow *sh)
{
	struct dev_scan ds = { .om = om };
	struct htab_node *n, *next;
	const struct shadow_sa *s;
	size_t i;

	if (!om->connected && !connect_module(om))
		return false;
	if (genl_dump_devices(&om->g, on_dev, &ds) == -ENOENT) {
		/* The family went away: the module was unloaded. */
		genl_close(&om->g);
		om->connected = false;
		om->ev_fd = -1;
		free_reqs(om);
		om->ndevs = 0;
		return false;
	}
	/* Evict offloads on devices that are no longer eligible, and those
	 * the permission rules (reloaded on SIGHUP) no longer allow. */
	for (n = htab_first(&om->req, &i); n; n = next) {
		struct ofl_req *r = (struct ofl_req *)n;
		const char *name = dev_name(ds.devs, ds.n, r->key.ifindex);
		s = shadow_find_sa(sh, &r->key.sa);
		next = htab_next(&om->req, n, &i);
		if (!name || (s && !devperm_allows(om->perm, &s->d, name)))
			withdraw(om, r);
	}
	memcpy(om->devs, ds.devs, sizeof(ds.devs));
	om->ndevs = ds.n;
	/* Offer every SA on every (new) device: offer_on skips known pairs. */
	for (s = shadow_first_sa(sh, &i); s; s = shadow_next_sa(sh, s, &i))
		ofl_offer(om, s);
	return true;
}

void ofl_forget(struct ofl_mgr *om, const struct ipso_sa_key *key)
{
	for (int i = 0; i < om->ndevs; i++) {
		struct ipso_offload_key k = { .sa = *key,
					      .ifindex = om->devs[i].ifindex };
		struct ipso_offload_val v;
		struct ofl_req *r = htab_find(&om->req, &k);

		if (!r)
			continue;
		/* The module tears down what it holds; PENDING and our own
		 * REJECTED records would otherwise linger. */
		if (om->pm.fd[PM_OFFLOAD] >= 0 &&
		    !bpf_map_lookup_elem(om->pm.fd[PM_OFFLOAD], &k, &v) &&
		    v.state != IPSO_OFL_OFFLOADED)
			bpf_map_delete_elem(om->pm.fd[PM_OFFLOAD], &k);
		req_del(om, &k);
	}
}

static int on_notify(const struct genl_offload *o, void *data)
{
	struct ofl_mgr *om = data;
	struct ipso_offload_key k = { .sa = o->sa, .ifindex = o->ifindex };
	struct ofl_req *r = htab_find(&om->req, &k);

	ipso_log("module: ifindex %u spi 0x%08x -> %s handle %u reason %d",
		 o->ifindex, ntohl(o->sa.spi), ipso_state_name(o->state),
		 o->handle, o->reason);
	if (o->state == IPSO_OFL_NONE) {
		req_del(om, &k);
		return 0;
	}
	if (!r)
		r = req_get(om, &k, true);
	if (r) {
		r->mark = o->mark;
		r->state = o->state;
		r->handle = o->handle;
		r->reason = o->reason;
	}
	return 0;
}

void ofl_read_events(struct ofl_mgr *om)
{
	int err;

	if (!om->connected)
		return;
	err = genl_read_events(&om->g, on_notify, om);
	if (err == -ENOBUFS) {
		/* Lost notifications: the module's dump is authoritative. */
		free_reqs(om);
		genl_dump_offloads(&om->g, on_adopt, om);
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t held(struct ofl_mgr *om)
{
	free_reqs(om);
	genl_dump_offloads(&om->g, on_adopt, om);
	return om->req.count;
}

static int count_any(const struct genl_offload *o, void *data)
{
	(void)o;
	(*(size_t *)data)++;
	return 0;
}

/* Entries the module still has, torn-down-in-progress (NONE) included. */
static size_t present(struct ofl_mgr *om)
{
	size_t n = 0;

	if (genl_dump_offloads(&om->g, count_any, &n))
		return SIZE_MAX;
	return n;
}

int ofl_withdraw_all(struct ofl_mgr *om, int timeout_ms)
{
	struct htab_node *n, *next;
	long deadline = now_ms() + timeout_ms;
	size_t i, left;

	if (!om->connected)
		return 0;
	/* Ask for everything the module says it holds, not only what this
	 * process asked for: a predecessor's offloads were adopted. */
	held(om);
	for (n = htab_first(&om->req, &i); n; n = next) {
		next = htab_next(&om->req, n, &i);
		withdraw(om, (struct ofl_req *)n);
	}
	/* Done when the module's dump is empty: teardown finished, not
	 * merely started (entries being torn down are dumped as NONE). */
	while ((left = present(om)) && now_ms() < deadline) {
		struct pollfd p = { .fd = om->ev_fd, .events = POLLIN };

		if (om->ev_fd >= 0 && poll(&p, 1, 20) > 0)
			ofl_read_events(om);
		else if (om->ev_fd < 0)
			usleep(20 * 1000);
	}
	return left == SIZE_MAX ? -1 : (int)left;
}

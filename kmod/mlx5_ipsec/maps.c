// SPDX-License-Identifier: GPL-2.0
/*
 * The loader's pinned BPF maps, handed over by fd (IPSO_CMD_SET_MAPS):
 * ipso_offload (what the tc program trusts), ipso_handles and
 * ipso_hw_stats.  One set per network namespace, the one SET_MAPS was
 * sent from: a daemon sees and owns only its namespace's offloads.
 * Written only from the workqueue and SET_MAPS, under ipso_maps_mutex.
 *
 * Updates go through map->ops like the bpf(2) syscall does on 6.1
 * (kernel/bpf/syscall.c: bpf_map_update_value()): under rcu_read_lock()
 * with migration disabled.  The syscall additionally bumps bpf_prog_active
 * (bpf_disable_instrumentation()), which modules cannot reach; it only
 * keeps tracing programs from running on this CPU meanwhile, and the hash
 * map's own per-bucket map_locked counter already turns such a nested
 * update into -EBUSY instead of a deadlock, so we retry once on -EBUSY.
 */
#include <linux/bpf.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/netlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "ipso.h"

static DEFINE_MUTEX(ipso_maps_mutex);

struct ipso_net_maps {
	struct bpf_map *offload;	/* HASH: offload_key -> val */
	struct bpf_map *handles;	/* ARRAY or HASH: u32 -> val */
	struct bpf_map *hw_stats;	/* ARRAY: u32 -> counters */
};

static unsigned int ipso_maps_net_id;

static struct ipso_net_maps *ipso_maps_of(const struct ipso_offload *o)
{
	return net_generic(read_pnet(&o->net), ipso_maps_net_id);
}

static int ipso_map_update(struct bpf_map *map, void *key, void *val)
{
	int err, tries = 2;

	if (!map)
		return 0;
	do {
		migrate_disable();
		rcu_read_lock();
		err = map->ops->map_update_elem(map, key, val, BPF_ANY);
		rcu_read_unlock();
		migrate_enable();
	} while (err == -EBUSY && --tries);
	return err;
}

static int ipso_map_delete(struct bpf_map *map, void *key)
{
	int err;

	if (!map)
		return 0;
	if (map->map_type == BPF_MAP_TYPE_ARRAY)
		return 0;	/* arrays cannot delete; callers zero instead */
	migrate_disable();
	rcu_read_lock();
	err = map->ops->map_delete_elem(map, key);
	rcu_read_unlock();
	migrate_enable();
	return err == -ENOENT ? 0 : err;
}

static void ipso_map_warn(const char *map, int err, u32 spi)
{
	if (err)
		pr_warn_ratelimited("ipsec_offload: %s update for SA spi 0x%08x failed: %d\n",
				    map, ntohl(spi), err);
}

static void ipso_offload_key(const struct ipso_offload *o,
			     struct ipso_offload_key *k)
{
	memset(k, 0, sizeof(*k));
	k->sa = o->key;
	k->ifindex = o->ifindex;
}

/* OFFLOADED: counters zeroed, handle -> SA, then (SA, dev) -> handle. */
void ipso_maps_publish(struct ipso_offload *o)
{
	struct ipso_net_maps *m = ipso_maps_of(o);
	struct ipso_offload_val ov = {
		.state = IPSO_OFL_OFFLOADED,
		.handle = o->handle,
	};
	struct ipso_handle_val hv = {
		.sa = o->key,
		.ifindex = o->ifindex,
		.dir = o->dir,
	};
	struct ipso_hw_counters zero = { .updated_ns = ktime_get_ns() };
	struct ipso_offload_key k;
	u32 handle = o->handle;

	ipso_offload_key(o, &k);
	mutex_lock(&ipso_maps_mutex);
	ipso_map_warn("ipso_hw_stats",
		      ipso_map_update(m->hw_stats, &handle, &zero),
		      o->key.spi);
	ipso_map_warn("ipso_handles",
		      ipso_map_update(m->handles, &handle, &hv),
		      o->key.spi);
	ipso_map_warn("ipso_offload",
		      ipso_map_update(m->offload, &k, &ov), o->key.spi);
	mutex_unlock(&ipso_maps_mutex);
}

/* One (SA, device) entry of ipso_offload. */
static void ipso_maps_put_offload(struct ipso_offload *o,
				  struct ipso_offload_val *ov)
{
	struct ipso_net_maps *m = ipso_maps_of(o);
	struct ipso_offload_key k;

	ipso_offload_key(o, &k);
	mutex_lock(&ipso_maps_mutex);
	ipso_map_warn("ipso_offload",
		      ipso_map_update(m->offload, &k, ov), o->key.spi);
	mutex_unlock(&ipso_maps_mutex);
}

/*
 * The device numbers o's SA now (after the takeover) and encrypts what
 * XDP redirects to it: the fast path may hand it the SA's plaintext.
 */
void ipso_maps_publish_fastpath(struct ipso_offload *o)
{
	struct ipso_offload_val ov = {
		.state = IPSO_OFL_OFFLOADED,
		.handle = o->handle,
		.flags = IPSO_OFL_F_PACKET,
	};

	ipso_maps_put_offload(o, &ov);
}

void ipso_maps_reject(struct ipso_offload *o)
{
	struct ipso_offload_val ov = {
		.state = IPSO_OFL_REJECTED,
		.reason = o->reason,
	};

	ipso_maps_put_offload(o, &ov);
}

void ipso_maps_unpublish_offload(struct ipso_offload *o)
{
	struct ipso_net_maps *m = ipso_maps_of(o);
	struct ipso_offload_key k;

	ipso_offload_key(o, &k);
	mutex_lock(&ipso_maps_mutex);
	ipso_map_warn("ipso_offload", ipso_map_delete(m->offload, &k),
		      o->key.spi);
	mutex_unlock(&ipso_maps_mutex);
}

/* Arrays cannot delete: a zeroed ipso_handles value names no SA. */
void ipso_maps_unpublish_handle(struct ipso_offload *o)
{
	struct ipso_net_maps *m = ipso_maps_of(o);
	struct ipso_handle_val zero = {};
	u32 handle = o->handle;
	int err;

	mutex_lock(&ipso_maps_mutex);
	if (m->handles &&
	    m->handles->map_type == BPF_MAP_TYPE_ARRAY)
		err = ipso_map_update(m->handles, &handle, &zero);
	else
		err = ipso_map_delete(m->handles, &handle);
	ipso_map_warn("ipso_handles", err, o->key.spi);
	mutex_unlock(&ipso_maps_mutex);
}

void ipso_maps_write_hw_stats(struct ipso_offload *o,
			      const struct ipso_sa_hw_stats *s)
{
	struct ipso_net_maps *m = ipso_maps_of(o);
	u32 handle = o->handle;
	struct ipso_hw_counters c = {
		.packets = s->packets,
		.bytes = s->bytes,
		.auth_fail = s->auth_fail,
		.replay_drop = s->replay_drop,
		.no_sa_drop = s->no_sa_drop,
		.updated_ns = ktime_get_ns(),
	};
	int err;

	mutex_lock(&ipso_maps_mutex);
	err = ipso_map_update(m->hw_stats, &handle, &c);
	mutex_unlock(&ipso_maps_mutex);
	if (err)
		pr_warn_ratelimited("ipsec_offload: ipso_hw_stats[%u] update failed: %d\n",
				    handle, err);
}

/* ---- handover ---- */

struct ipso_map_spec {
	const char *name;
	u32 key_size;
	u32 value_size;
	bool hash_ok, array_ok;
	u32 min_entries;	/* arrays: indexed by handle */
};

/*
 * The caller must be able to write the map itself: a read-only fd (a
 * BPF_F_RDONLY map, or one opened read-only) does not hand us write
 * access.  The file is checked to be the map's, so a racing dup2() on
 * the fd number cannot pass another file's mode.
 */
static bool ipso_map_fd_writable(int fd, const struct bpf_map *map)
{
	struct file *f = fget(fd);
	bool ok;

	if (!f)
		return false;
	ok = f->private_data == map && (f->f_mode & FMODE_CAN_WRITE);
	fput(f);
	return ok;
}

/* Details go to the log: 6.1's extack only carries fixed strings. */
static struct bpf_map *ipso_map_take(int fd, const struct ipso_map_spec *sp,
				     struct netlink_ext_ack *extack)
{
	struct bpf_map *map = bpf_map_get(fd);
	bool type_ok;

	if (IS_ERR(map)) {
		NL_SET_ERR_MSG_MOD(extack, "map fd is not a BPF map");
		pr_info("ipsec_offload: SET_MAPS %s: fd %d is not a BPF map\n",
			sp->name, fd);
		return map;
	}
	if (!ipso_map_fd_writable(fd, map)) {
		NL_SET_ERR_MSG_MOD(extack, "map fd is not writable");
		pr_info("ipsec_offload: SET_MAPS %s: fd %d is read-only\n",
			sp->name, fd);
		goto bad;
	}
	if (READ_ONCE(map->frozen)) {
		NL_SET_ERR_MSG_MOD(extack, "map is frozen");
		pr_info("ipsec_offload: SET_MAPS %s: map is frozen\n",
			sp->name);
		goto bad;
	}
	if (strncmp(map->name, sp->name, sizeof(map->name))) {
		NL_SET_ERR_MSG_MOD(extack, "map name differs from maps.h");
		pr_info("ipsec_offload: SET_MAPS %s: map is named '%.*s'\n",
			sp->name, (int)sizeof(map->name), map->name);
		goto bad;
	}
	type_ok = (sp->hash_ok && map->map_type == BPF_MAP_TYPE_HASH) ||
		  (sp->array_ok && map->map_type == BPF_MAP_TYPE_ARRAY);
	/*
	 * Device-bound (offloaded) maps have ops without element updates
	 * (bpf_map_offload_ops); bpf_map_is_dev_bound() is not usable from
	 * a module, so test what we call.
	 */
	if (!type_ok || !map->ops->map_update_elem ||
	    !map->ops->map_delete_elem) {
		NL_SET_ERR_MSG_MOD(extack, "map has the wrong type");
		pr_info("ipsec_offload: SET_MAPS %s: wrong map type %u\n",
			sp->name, map->map_type);
		goto bad;
	}
	if (map->key_size != sp->key_size ||
	    map->value_size != sp->value_size) {
		NL_SET_ERR_MSG_MOD(extack,
				   "map key/value size differs from maps.h");
		pr_info("ipsec_offload: SET_MAPS %s: key/value size %u/%u, expected %u/%u\n",
			sp->name, map->key_size, map->value_size,
			sp->key_size, sp->value_size);
		goto bad;
	}
	if (map->map_type == BPF_MAP_TYPE_ARRAY &&
	    map->max_entries < sp->min_entries) {
		NL_SET_ERR_MSG_MOD(extack,
				   "array map smaller than the handle range");
		pr_info("ipsec_offload: SET_MAPS %s: %u entries, handles need %u\n",
			sp->name, map->max_entries, sp->min_entries);
		goto bad;
	}
	return map;
bad:
	bpf_map_put(map);
	return ERR_PTR(-EINVAL);
}

struct ipso_resync {
	struct work_struct work;
	struct net *net;	/* the maps' exit flushes us first */
};

/* After SET_MAPS: write the namespace's settled entries into its maps. */
static void ipso_resync_work(struct work_struct *w)
{
	struct ipso_resync *r = container_of(w, struct ipso_resync, work);
	struct ipso_offload *o;

	/* Entries are freed only on this workqueue: the walk is stable. */
	list_for_each_entry_rcu(o, &ipso_ofl_list, node, true) {
		if (READ_ONCE(o->dying) || !net_eq(read_pnet(&o->net), r->net))
			continue;
		if (READ_ONCE(o->state) == IPSO_OFL_OFFLOADED)
			ipso_maps_publish(o);
		else if (READ_ONCE(o->state) == IPSO_OFL_REJECTED)
			ipso_maps_reject(o);
	}
	kfree(r);
}

static void ipso_maps_resync(struct net *net)
{
	struct ipso_resync *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return;		/* the allocator has warned; maps stay as they are */
	r->net = net;
	INIT_WORK(&r->work, ipso_resync_work);
	queue_work(ipso_wq, &r->work);
}

int ipso_maps_set(struct net *net, int offload_fd, int handle_fd,
		  int stats_fd, struct netlink_ext_ack *extack)
{
	struct ipso_net_maps *nm = net_generic(net, ipso_maps_net_id);
	const u32 handles = ipso_handle_max() + 1;
	const struct ipso_map_spec specs[3] = {
		{ "ipso_offload", sizeof(struct ipso_offload_key),
		  sizeof(struct ipso_offload_val), true, false, 0 },
		{ "ipso_handles", sizeof(u32),
		  sizeof(struct ipso_handle_val), true, true, handles },
		{ "ipso_hw_stats", sizeof(u32),
		  sizeof(struct ipso_hw_counters), false, true, handles },
	};
	const int fds[3] = { offload_fd, handle_fd, stats_fd };
	struct bpf_map *m[3] = {}, *old[3];
	int i, err;

	for (i = 0; i < 3; i++) {
		m[i] = ipso_map_take(fds[i], &specs[i], extack);
		if (IS_ERR(m[i])) {
			err = PTR_ERR(m[i]);
			m[i] = NULL;
			goto err_put;
		}
	}
	mutex_lock(&ipso_maps_mutex);
	old[0] = nm->offload;
	old[1] = nm->handles;
	old[2] = nm->hw_stats;
	nm->offload = m[0];
	nm->handles = m[1];
	nm->hw_stats = m[2];
	mutex_unlock(&ipso_maps_mutex);
	for (i = 0; i < 3; i++)
		if (old[i])
			bpf_map_put(old[i]);
	/* Existing offloads must appear in the new maps too. */
	ipso_maps_resync(net);
	return 0;

err_put:
	for (i = 0; i < 3; i++)
		if (m[i])
			bpf_map_put(m[i]);
	return err;
}

/* The namespace's offloads were torn down first (netdev.c). */
static void __net_exit ipso_maps_net_exit(struct net *net)
{
	struct ipso_net_maps *nm = net_generic(net, ipso_maps_net_id);

	flush_workqueue(ipso_wq);	/* a resync may still name them */
	mutex_lock(&ipso_maps_mutex);
	if (nm->offload)
		bpf_map_put(nm->offload);
	if (nm->handles)
		bpf_map_put(nm->handles);
	if (nm->hw_stats)
		bpf_map_put(nm->hw_stats);
	memset(nm, 0, sizeof(*nm));
	mutex_unlock(&ipso_maps_mutex);
}

static struct pernet_operations ipso_maps_net_ops = {
	.exit = ipso_maps_net_exit,
	.id = &ipso_maps_net_id,
	.size = sizeof(struct ipso_net_maps),
};

/* Before netdev.c's, so that its exit (the teardowns) runs first. */
int ipso_maps_init(void)
{
	return register_pernet_subsys(&ipso_maps_net_ops);
}

void ipso_maps_exit(void)
{
	unregister_pernet_subsys(&ipso_maps_net_ops);
}

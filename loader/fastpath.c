// SPDX-License-Identifier: GPL-2.0
/*
 * `ipsec-offload attach DEV fastpath`: the XDP gateway fast path on the
 * inside device DEV.  The program is loaded once and pinned next to the
 * maps (IPSO_PIN_PROG_FASTPATH), sharing them by name; its devmap is
 * pinned by hand (IPSO_PIN_FP_DEVMAP) and filled with every device that
 * has an entry in ipso_offload, so a later attach after new offloads
 * adds their devices.  The program itself checks each SA's offload state
 * per packet: a device in the devmap is only where it may redirect.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ipsec_offload/maps.h"
#include "attach.h"
#include "errors.h"
#include "fastpath.h"
#include "pinned.h"

#include "ipso_fastpath.skel.h"

static int pin_path(char *buf, size_t n, const char *dir, const char *name)
{
	int len = snprintf(buf, n, "%s/%s", dir, name);

	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

static int obj_get(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (pin_path(path, sizeof(path), dir, name))
		return -ENAMETOOLONG;
	return bpf_obj_get(path);
}

/* Load the object against the pinned maps, its devmap reused or pinned. */
static int load_pinned(const char *pin_dir, bool replace)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct ipso_fastpath *fp;
	char path[PATH_MAX];
	int dm, err;

	fp = ipso_fastpath__open_opts(&opts);
	if (!fp)
		return -errno;
	dm = obj_get(pin_dir, IPSO_PIN_FP_DEVMAP);
	err = dm >= 0 ? bpf_map__reuse_fd(fp->maps.ipso_fp_devmap, dm) : 0;
	if (!err)
		err = ipso_fastpath__load(fp);
	if (!err && dm < 0)
		err = pin_path(path, sizeof(path), pin_dir,
			       IPSO_PIN_FP_DEVMAP) ?:
		      bpf_map__pin(fp->maps.ipso_fp_devmap, path);
	if (!err)
		err = pin_path(path, sizeof(path), pin_dir,
			       IPSO_PIN_PROG_FASTPATH);
	if (!err && replace && unlink(path) && errno != ENOENT)
		err = -errno;
	if (!err)
		err = bpf_program__pin(fp->progs.ipso_fastpath, path);
	if (dm >= 0)
		close(dm);
	ipso_fastpath__destroy(fp);
	return err;
}

static int fastpath_load(const char *pin_dir, bool reload, int *fd)
{
	int err;

	*fd = obj_get(pin_dir, IPSO_PIN_PROG_FASTPATH);
	if (*fd >= 0 && !reload)
		return 0;
	if (*fd >= 0)
		close(*fd);
	err = pin_dir_make(pin_dir);
	if (!err)
		err = load_pinned(pin_dir, reload);
	if (err)
		return err;
	*fd = obj_get(pin_dir, IPSO_PIN_PROG_FASTPATH);
	return *fd < 0 ? -ENOENT : 0;
}

/* Every device that has an offload entry goes into the devmap. */
static int fill_devmap(const char *pin_dir, int *added)
{
	struct ipso_offload_key k, next, *prev = NULL;
	struct bpf_devmap_val v;
	int ofl, dm, err = 0;

	*added = 0;
	ofl = obj_get(pin_dir, "ipso_offload");
	dm = obj_get(pin_dir, IPSO_PIN_FP_DEVMAP);
	if (ofl < 0 || dm < 0) {
		err = -ENOENT;
		goto out;
	}
	while (!bpf_map_get_next_key(ofl, prev, &next)) {
		k = next;
		prev = &k;
		memset(&v, 0, sizeof(v));
		v.ifindex = k.ifindex;
		if (!bpf_map_lookup_elem(dm, &k.ifindex, &v))
			continue;
		v.ifindex = k.ifindex;
		if (bpf_map_update_elem(dm, &k.ifindex, &v, BPF_ANY)) {
			err = -errno;
			break;
		}
		(*added)++;
	}
out:
	if (ofl >= 0)
		close(ofl);
	if (dm >= 0)
		close(dm);
	return err;
}

int fastpath_attach(const struct ipso_opts *o, const char *dev,
		    __u32 ifindex, bool reload)
{
	int fd, code, added, err = fastpath_load(o->pin_dir, reload, &fd);

	if (err == -EACCES && geteuid() == 0)
		return ipso_fail(IPSO_EXIT_UNSUPP, "attach",
				 "the kernel's verifier rejected the fast path "
				 "(%s; -vv prints the log)", strerror(-err));
	if (err)
		return ipso_fail_errno(err, "attach", "loading the fast path");
	code = attach_xdp_prog(ifindex, fd, dev, reload);
	close(fd);
	if (code)
		return code;
	err = fill_devmap(o->pin_dir, &added);
	if (err)
		return ipso_fail_errno(err, dev, "fast path devmap");
	if (!o->json)
		printf("attached fastpath %s (%d offload device%s added)\n",
		       dev, added, added == 1 ? "" : "s");
	return IPSO_EXIT_OK;
}

int fastpath_detach(const struct ipso_opts *o, const char *dev,
		    __u32 ifindex)
{
	int fd = obj_get(o->pin_dir, IPSO_PIN_PROG_FASTPATH), code;

	if (fd < 0)
		return IPSO_EXIT_OK;
	code = detach_xdp_prog(ifindex, fd, dev);
	close(fd);
	return code;
}

static void print_dev(struct jprint *p, const char *key, __u32 ifindex)
{
	char name[IF_NAMESIZE] = "";

	jp_open_obj(p, NULL);
	jp_str(p, PRINT_ANY, "dev", " %s",
	       if_indextoname(ifindex, name) ? name : "?");
	jp_u64(p, PRINT_JSON, key, NULL, ifindex);
	jp_close(p);
}

/* The devices whose XDP hook holds our pinned fast path. */
static void print_attached(struct jprint *p, int prog_fd)
{
	struct if_nameindex *ifs = prog_fd >= 0 ? if_nameindex() : NULL;

	jp_text(p, "fastpath attached:");
	jp_open_arr(p, "attached");
	for (struct if_nameindex *i = ifs; i && i->if_index; i++)
		if (attach_xdp_is(i->if_index, prog_fd))
			print_dev(p, "ifindex", i->if_index);
	jp_close(p);
	jp_text(p, "\n");
	if (ifs)
		if_freenameindex(ifs);
}

static void print_egress(struct jprint *p, int dm)
{
	__u32 k, *prev = NULL;

	jp_text(p, "redirects to:");
	jp_open_arr(p, "egress");
	while (dm >= 0 && !bpf_map_get_next_key(dm, prev, &k)) {
		print_dev(p, "ifindex", k);
		prev = &k;
	}
	jp_close(p);
	jp_text(p, "\n");
}

int fastpath_show(const struct ipso_opts *o, struct jprint *p)
{
	int fd = obj_get(o->pin_dir, IPSO_PIN_PROG_FASTPATH);
	int dm = obj_get(o->pin_dir, IPSO_PIN_FP_DEVMAP);

	jp_open_obj(p, NULL);
	jp_str(p, PRINT_JSON, "loaded", NULL, fd >= 0 ? "yes" : "no");
	print_attached(p, fd);
	print_egress(p, dm);
	jp_close(p);
	jp_end(p);
	if (fd >= 0)
		close(fd);
	if (dm >= 0)
		close(dm);
	return IPSO_EXIT_OK;
}

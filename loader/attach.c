// SPDX-License-Identifier: GPL-2.0
/*
 * `ipsec-offload attach DEV` / `detach DEV`.  Idempotent: attaching twice
 * changes nothing, detaching what is not attached succeeds.  A device
 * whose XDP hook or whose tc egress slot holds somebody else's program is
 * refused, never overwritten.  A program counts as ours when its name is
 * that of the pinned program, so an attach done by `ip link ... xdp obj`
 * from the same object is recognised too.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../include/ipsec_offload/mark.h"
#include "attach.h"
#include "cli.h"
#include "config_map.h"
#include "errors.h"
#include "fastpath.h"
#include "pinned.h"

#include "ipso_tc.skel.h"
#include "ipso_xdp.skel.h"

static int pinned_prog(const char *pin_dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	return bpf_obj_get(path);
}

static int prog_name_by_fd(int fd, char name[BPF_OBJ_NAME_LEN])
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	memcpy(name, info.name, BPF_OBJ_NAME_LEN);
	return 0;
}

static int prog_name_by_id(__u32 id, char name[BPF_OBJ_NAME_LEN])
{
	int fd = bpf_prog_get_fd_by_id(id), err;

	if (fd < 0)
		return -errno;
	err = prog_name_by_fd(fd, name);
	close(fd);
	return err;
}

/* 1 ours, 0 foreign, -errno. */
static int is_same_prog(__u32 id, int our_fd)
{
	char a[BPF_OBJ_NAME_LEN], b[BPF_OBJ_NAME_LEN];
	int err = prog_name_by_id(id, a);

	if (err)
		return err;
	err = prog_name_by_fd(our_fd, b);
	if (err)
		return err;
	return !strncmp(a, b, BPF_OBJ_NAME_LEN);
}

static void tc_hook_opts(struct bpf_tc_hook *h, struct bpf_tc_opts *o,
			 __u32 ifindex)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = ifindex;
	h->attach_point = BPF_TC_EGRESS;
	memset(o, 0, sizeof(*o));
	o->sz = sizeof(*o);
	o->handle = IPSO_TC_HANDLE;
	o->priority = IPSO_TC_PRIO;
}

bool attach_is_ours(__u32 ifindex, const char *pin_dir)
{
	struct bpf_tc_hook h;
	struct bpf_tc_opts o;
	int fd = pinned_prog(pin_dir, IPSO_PIN_PROG_TC);
	bool ours;

	if (fd < 0)
		return false;
	tc_hook_opts(&h, &o, ifindex);
	ours = !bpf_tc_query(&h, &o) && is_same_prog(o.prog_id, fd) == 1;
	close(fd);
	return ours;
}

static struct bpf_program *find_prog(struct bpf_object *obj,
				     enum bpf_prog_type type)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj)
		if (bpf_program__type(p) == type)
			return p;
	return NULL;
}

static int pin_prog(struct bpf_object *obj, enum bpf_prog_type type,
		    const char *pin_dir, const char *name, bool replace)
{
	struct bpf_program *p = find_prog(obj, type);
	char path[PATH_MAX];

	if (!p)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	if (replace && unlink(path) && errno != ENOENT)
		return -errno;
	return bpf_program__pin(p, path);
}

static int load_objects(const char *pin_dir, bool replace)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct ipso_tc *tc = NULL;
	struct ipso_xdp *xdp = NULL;
	int err;

	tc = ipso_tc__open_opts(&opts);
	xdp = ipso_xdp__open_opts(&opts);
	if (!tc || !xdp) {
		err = -errno;
		goto out;
	}
	err = ipso_tc__load(tc);
	if (!err)
		err = ipso_xdp__load(xdp);
	if (!err)
		err = pin_prog(tc->obj, BPF_PROG_TYPE_SCHED_CLS, pin_dir,
			       IPSO_PIN_PROG_TC, replace);
	if (!err)
		err = pin_prog(xdp->obj, BPF_PROG_TYPE_XDP, pin_dir,
			       IPSO_PIN_PROG_XDP, replace);
out:
	ipso_tc__destroy(tc);
	ipso_xdp__destroy(xdp);
	return err;
}

int attach_load(const char *pin_dir, bool reload, int *xdp_fd, int *tc_fd)
{
	int err;

	*xdp_fd = pinned_prog(pin_dir, IPSO_PIN_PROG_XDP);
	*tc_fd = pinned_prog(pin_dir, IPSO_PIN_PROG_TC);
	if (*xdp_fd >= 0 && *tc_fd >= 0 && !reload)
		return 0;
	if (*xdp_fd >= 0)
		close(*xdp_fd);
	if (*tc_fd >= 0)
		close(*tc_fd);
	err = pin_dir_make(pin_dir);
	if (!err)
		err = load_objects(pin_dir, reload);
	if (err)
		return err;
	*xdp_fd = pinned_prog(pin_dir, IPSO_PIN_PROG_XDP);
	*tc_fd = pinned_prog(pin_dir, IPSO_PIN_PROG_TC);
	if (*xdp_fd < 0 || *tc_fd < 0)
		return -ENOENT;
	return 0;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* Ours but another load (an older build, or ip link's): swap it. */
static int replace_xdp(__u32 ifindex, __u32 old_id, int fd, const char *dev)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int old = bpf_prog_get_fd_by_id(old_id), err;

	if (old < 0)
		return ipso_fail_errno(errno, dev, "XDP replace");
	opts.old_prog_fd = old;
	err = bpf_xdp_attach(ifindex, fd, XDP_FLAGS_REPLACE, &opts);
	close(old);
	return err ? ipso_fail_errno(err, dev, "XDP replace") : 0;
}

int attach_xdp_prog(__u32 ifindex, int fd, const char *dev, bool reload)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char name[BPF_OBJ_NAME_LEN] = "";
	int err;

	if (bpf_xdp_query(ifindex, 0, &q))
		return ipso_fail_errno(errno, dev, "XDP query");
	if (q.prog_id) {
		err = is_same_prog(q.prog_id, fd);
		if (err == 1 && reload && q.prog_id != prog_id(fd))
			return replace_xdp(ifindex, q.prog_id, fd, dev);
		if (err == 1)
			return 0;
		prog_name_by_id(q.prog_id, name);
		return ipso_fail(IPSO_EXIT_BUSY, dev,
				 "has a foreign XDP program '%s' (id %u); "
				 "remove it first", name, q.prog_id);
	}
	err = bpf_xdp_attach(ifindex, fd, XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err)
		return ipso_fail_errno(err, dev, "XDP attach");
	return 0;
}

bool attach_xdp_is(__u32 ifindex, int fd)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	return fd >= 0 && !bpf_xdp_query(ifindex, 0, &q) && q.prog_id &&
	       is_same_prog(q.prog_id, fd) == 1;
}

int detach_xdp_prog(__u32 ifindex, int fd, const char *dev)
{
	int err;

	if (!attach_xdp_is(ifindex, fd))
		return 0;
	err = bpf_xdp_detach(ifindex, 0, NULL);
	return err ? ipso_fail_errno(err, dev, "XDP detach") : 0;
}

static int attach_tc(__u32 ifindex, int fd, const char *dev, bool reload)
{
	struct bpf_tc_hook h;
	struct bpf_tc_opts o;
	char name[BPF_OBJ_NAME_LEN] = "";
	int err;

	tc_hook_opts(&h, &o, ifindex);
	err = bpf_tc_hook_create(&h);
	if (err && err != -EEXIST)
		return ipso_fail_errno(err, dev, "tc clsact");
	if (!bpf_tc_query(&h, &o)) {
		err = is_same_prog(o.prog_id, fd);
		if (err == 1 && reload && o.prog_id != prog_id(fd)) {
			tc_hook_opts(&h, &o, ifindex);
			o.prog_fd = fd;
			o.flags = BPF_TC_F_REPLACE;
			err = bpf_tc_attach(&h, &o);
			return err ? ipso_fail_errno(err, dev, "tc replace") : 0;
		}
		if (err == 1)
			return 0;
		prog_name_by_id(o.prog_id, name);
		return ipso_fail(IPSO_EXIT_BUSY, dev,
				 "tc egress handle 0x%x prio %u holds a "
				 "foreign program '%s'", IPSO_TC_HANDLE,
				 IPSO_TC_PRIO, name);
	}
	tc_hook_opts(&h, &o, ifindex);
	o.prog_fd = fd;
	err = bpf_tc_attach(&h, &o);
	if (err)
		return ipso_fail_errno(err, dev, "tc egress attach");
	return 0;
}

/*
 * Until the bridge module tells the daemon its layout (GET_CONFIG), the
 * datapath sees the documented default rather than an all-zero mask.
 */
static void default_mark_layout(const char *pin_dir)
{
	struct ipso_config *cfg;
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/ipso_config", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	cfg = ipso_config_map(fd);
	if (cfg && !ipso_config_has_marks(cfg))
		ipso_config_set_marks(cfg, IPSO_MARK_DEFAULT_MAGIC,
				      IPSO_MARK_DEFAULT_MAGIC_MASK,
				      IPSO_MARK_DEFAULT_HANDLE_MASK);
	ipso_config_unmap(cfg);
	close(fd);
}

/* DEV, then for attach the words fastpath and reload in any order. */
static int dev_arg(const char *cmd, int argc, char **argv, __u32 *ifindex,
		   bool *reload, bool *fastpath)
{
	if (argc < 1 || cli_is_help(argv[0])) {
		fprintf(argc < 1 ? stderr : stdout,
			"Usage: ipsec-offload %s DEV%s\n", cmd,
			reload ? " [fastpath] [reload]\n"
			"  fastpath: the XDP gateway fast path on the inside "
			"device DEV\n"
			"  reload: load the programs again and replace ours on "
			"DEV (after an upgrade)" : "");
		return argc < 1 ? IPSO_EXIT_USAGE : -1;
	}
	for (int i = 1; i < argc; i++) {
		if (reload && !*reload && !strcmp(argv[i], "reload"))
			*reload = true;
		else if (fastpath && !*fastpath && !strcmp(argv[i], "fastpath"))
			*fastpath = true;
		else
			return ipso_fail(IPSO_EXIT_USAGE, cmd,
					 "unexpected argument '%s'", argv[i]);
	}
	if (strlen(argv[0]) >= IF_NAMESIZE)
		return ipso_fail(IPSO_EXIT_USAGE, cmd,
				 "device name too long: '%s'", argv[0]);
	*ifindex = if_nametoindex(argv[0]);
	if (!*ifindex)
		return ipso_fail(IPSO_EXIT_NO_DEV, argv[0], "no such device");
	return 0;
}

int cmd_attach(const struct ipso_opts *o, int argc, char **argv)
{
	int xdp_fd, tc_fd, code, err;
	bool reload = false, fastpath = false;
	__u32 ifindex;

	code = dev_arg("attach", argc, argv, &ifindex, &reload, &fastpath);
	if (code)
		return code < 0 ? IPSO_EXIT_OK : code;
	if (fastpath)
		return fastpath_attach(o, argv[0], ifindex, reload);
	err = attach_load(o->pin_dir, reload, &xdp_fd, &tc_fd);
	if (err == -EOPNOTSUPP)
		return ipso_fail(IPSO_EXIT_UNSUPP, "attach",
				 "built without the datapath objects "
				 "(bpf/ipso_tc.bpf.o, bpf/ipso_xdp.bpf.o)");
	if (err == -EACCES && geteuid() == 0)
		return ipso_fail(IPSO_EXIT_UNSUPP, "attach",
				 "the kernel's verifier rejected the datapath "
				 "programs (%s; -vv prints the log)",
				 strerror(-err));
	if (err == -EINVAL)
		return ipso_fail(IPSO_EXIT_RUNTIME, "attach",
				 "the kernel refused the datapath programs or "
				 "their pinned maps (pinned by another build? "
				 "-vv prints the libbpf log)");
	if (err)
		return ipso_fail_errno(err, "attach",
				       "loading the datapath programs");
	code = attach_xdp_prog(ifindex, xdp_fd, argv[0], reload);
	if (!code) {
		code = attach_tc(ifindex, tc_fd, argv[0], reload);
		if (code) {
			/* All or nothing: undo the XDP half we just did. */
			bpf_xdp_detach(ifindex, 0, NULL);
		}
	}
	close(xdp_fd);
	close(tc_fd);
	if (!code)
		default_mark_layout(o->pin_dir);
	if (!code && !o->json)
		printf("attached %s\n", argv[0]);
	return code;
}

int cmd_detach(const struct ipso_opts *o, int argc, char **argv)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_tc_hook h;
	struct bpf_tc_opts t;
	int xdp_fd, tc_fd, code, err;
	__u32 ifindex;

	code = dev_arg("detach", argc, argv, &ifindex, NULL, NULL);
	if (code)
		return code < 0 ? IPSO_EXIT_OK : code;
	code = fastpath_detach(o, argv[0], ifindex);
	if (code)
		return code;
	xdp_fd = pinned_prog(o->pin_dir, IPSO_PIN_PROG_XDP);
	tc_fd = pinned_prog(o->pin_dir, IPSO_PIN_PROG_TC);
	if (xdp_fd >= 0 && !bpf_xdp_query(ifindex, 0, &q) && q.prog_id &&
	    is_same_prog(q.prog_id, xdp_fd) == 1) {
		err = bpf_xdp_detach(ifindex, 0, NULL);
		if (err)
			code = ipso_fail_errno(err, argv[0], "XDP detach");
	}
	tc_hook_opts(&h, &t, ifindex);
	if (!code && tc_fd >= 0 && !bpf_tc_query(&h, &t) &&
	    is_same_prog(t.prog_id, tc_fd) == 1) {
		tc_hook_opts(&h, &t, ifindex);
		err = bpf_tc_detach(&h, &t);
		if (err)
			code = ipso_fail_errno(err, argv[0], "tc detach");
	}
	if (xdp_fd >= 0)
		close(xdp_fd);
	if (tc_fd >= 0)
		close(tc_fd);
	if (!code && !o->json)
		printf("detached %s\n", argv[0]);
	return code;
}

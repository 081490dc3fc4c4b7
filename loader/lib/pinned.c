// SPDX-License-Identifier: GPL-2.0
/* Access to the ABI maps pinned by name. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pinned.h"

const char *const pinned_names[PM__COUNT] = {
	[PM_CONFIG] = "ipso_config",
	[PM_SAD] = "ipso_sad",
	[PM_OFFLOAD] = "ipso_offload",
	[PM_HANDLES] = "ipso_handles",
	[PM_HW_STATS] = "ipso_hw_stats",
	[PM_SA_STATS] = "ipso_sa_stats",
	[PM_STATS] = "ipso_stats",
};

int pinned_open(struct pinned *p, const char *pin_dir)
{
	char path[PATH_MAX];

	for (int i = 0; i < PM__COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, pinned_names[i]);
		p->fd[i] = bpf_obj_get(path);
	}
	if (p->fd[PM_SAD] < 0) {
		int err = errno;

		pinned_close(p);
		return -err;
	}
	return 0;
}

void pinned_close(struct pinned *p)
{
	for (int i = 0; i < PM__COUNT; i++) {
		if (p->fd[i] >= 0)
			close(p->fd[i]);
		p->fd[i] = -1;
	}
}

int pinned_percpu_sum(int fd, const void *key, void *out, size_t size)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t words = size / 8;
	__u64 *vals, *sum = out;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc(ncpu, size);
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, key, vals)) {
		int err = -errno;

		free(vals);
		return err;
	}
	memset(out, 0, size);
	for (int c = 0; c < ncpu; c++)
		for (size_t w = 0; w < words; w++)
			sum[w] += vals[c * words + w];
	free(vals);
	return 0;
}

bool pin_dir_is_bpffs(const char *dir)
{
	struct statfs st;

	return !statfs(dir, &st) && st.f_type == BPF_FS_MAGIC;
}

int pin_dir_make(const char *dir)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return pin_dir_check(dir);
}

/*
 * Whoever can write the pin directory can replace our maps and programs
 * with their own: an existing one must be ours and closed to others.
 */
int pin_dir_check(const char *dir)
{
	struct stat st;

	if (stat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		fprintf(stderr, "ipsec-offload: %s: owner uid %u, mode %04o: "
			"must be owned by uid %u and not writable by group "
			"or others\n", dir, (unsigned int)st.st_uid,
			(unsigned int)(st.st_mode & 07777),
			(unsigned int)geteuid());
		return -EPERM;
	}
	return 0;
}

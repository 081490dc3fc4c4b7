/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pinned maps of the ABI (include/ipsec_offload/maps.h) that the
 * loader reads or writes directly, by name under the pin directory.
 */
#ifndef IPSO_PINNED_H
#define IPSO_PINNED_H

#include <stdbool.h>

#include "ipsec_offload/maps.h"

enum pinned_map {
	PM_CONFIG,
	PM_SAD,
	PM_OFFLOAD,
	PM_HANDLES,
	PM_HW_STATS,
	PM_SA_STATS,
	PM_STATS,
	PM__COUNT,
};

struct pinned {
	int fd[PM__COUNT];	/* -1 when absent */
};

extern const char *const pinned_names[PM__COUNT];

/* Open whatever exists; returns 0 if at least the SAD was found. */
int pinned_open(struct pinned *p, const char *pin_dir);
void pinned_close(struct pinned *p);

/* Sum a per-CPU value of `size` bytes made of u64 fields. */
int pinned_percpu_sum(int fd, const void *key, void *out, size_t size);

/* Is dir on a BPF filesystem? */
bool pin_dir_is_bpffs(const char *dir);
/* Create the directory (and parents) if needed, then pin_dir_check(). */
int pin_dir_make(const char *dir);
/* 0 if dir is a directory of ours that group and others cannot write. */
int pin_dir_check(const char *dir);

#endif /* IPSO_PINNED_H */

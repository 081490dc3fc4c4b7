/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching the datapath: XDP on ingress, tc clsact egress, programs
 * loaded once and pinned next to the maps so every attach shares them.
 */
#ifndef IPSO_ATTACH_H
#define IPSO_ATTACH_H

#include <stdbool.h>
#include <linux/types.h>

/* Our tc egress filter: fixed handle and priority, so we find it again. */
#define IPSO_TC_HANDLE		0x150
#define IPSO_TC_PRIO		0x100

/* Pinned program names under the pin directory. */
#define IPSO_PIN_PROG_XDP	"ipso_prog_xdp"
#define IPSO_PIN_PROG_TC	"ipso_prog_tc"

/*
 * XDP program fd on ifindex: nothing to do when it (or an earlier load of
 * the same program) is there, refused when a foreign program is; with
 * reload, ours is replaced by fd.  Returns an exit code.
 */
int attach_xdp_prog(__u32 ifindex, int fd, const char *dev, bool reload);
/* Does ifindex's XDP hook hold fd's program (by name)? */
bool attach_xdp_is(__u32 ifindex, int fd);
/* Detach the XDP program if it is fd's; returns an exit code. */
int detach_xdp_prog(__u32 ifindex, int fd, const char *dev);

/* Is our tc egress program attached to ifindex? */
bool attach_is_ours(__u32 ifindex, const char *pin_dir);

/*
 * Load (once, or again with reload: the new programs replace the pinned
 * ones) and pin the programs; returns the pinned program fds.
 * -EOPNOTSUPP when this binary was built without the datapath objects.
 */
int attach_load(const char *pin_dir, bool reload, int *xdp_fd, int *tc_fd);

#endif /* IPSO_ATTACH_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipso_config is written by several processes: the mirror (generation),
 * the daemon (lease, mark layout), `attach` (default mark layout).  A
 * lookup-modify-update of the whole element lets one writer put back
 * another's older field, and an older generation would make cached flows
 * valid again.  So writers map the element (the array is BPF_F_MMAPABLE)
 * and store only their own fields, each with one atomic store.
 */
#ifndef IPSO_CONFIG_MAP_H
#define IPSO_CONFIG_MAP_H

#include <stdbool.h>
#include <ipsec_offload/maps.h>

/* NULL with errno set; EINVAL: a pin made without BPF_F_MMAPABLE (stale) */
struct ipso_config *ipso_config_map(int fd);
void ipso_config_unmap(struct ipso_config *c);

/* Odd: a commit is removing things; even: done.  Never goes back. */
__u64 ipso_config_bump_generation(struct ipso_config *c, bool odd);
void ipso_config_set_lease(struct ipso_config *c, __u64 until_ns);
/* Set or clear IPSO_CFG_F_* bits, leaving the others alone. */
void ipso_config_set_flags(struct ipso_config *c, __u32 flags, bool on);
/* Whether a mark layout was written (its magic mask is non-zero). */
bool ipso_config_has_marks(const struct ipso_config *c);
/* Magic and handle mask first, the magic mask (the "set" flag) last. */
void ipso_config_set_marks(struct ipso_config *c, __u32 magic,
			   __u32 magic_mask, __u32 handle_mask);

#endif /* IPSO_CONFIG_MAP_H */

/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The mirror's liveness lease (ipso_config.live_until_ns).  A drop that
 * is right only if the mirrored SAD/SPD is current -- an SPI or SA the
 * mirror does not know, plaintext the mirrored SPD says must be ESP -- is
 * wrong once nobody maintains the mirror: an IKE daemon rekeys, the
 * kernel accepts the new SA, the stale maps do not know it.  So those
 * drops happen only while the lease runs; after it they pass (and are
 * counted as such) and the kernel decides.  Decisions keyed by what the
 * module writes (handles, offload states, NIC metadata) do not depend
 * on it.
 */
#ifndef IPSO_LEASE_BPF_H
#define IPSO_LEASE_BPF_H

#include "maps.bpf.h"

/* 0: no lease, trusted as is; else trusted while now < live_until_ns. */
static __always_inline bool ipso_mirror_trusted(const struct ipso_config *cfg)
{
	__u64 until;

	if (!cfg)
		return false;
	until = *(volatile const __u64 *)&cfg->live_until_ns;
	return !until || bpf_ktime_get_ns() < until;
}

#endif /* IPSO_LEASE_BPF_H */

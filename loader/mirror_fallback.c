// SPDX-License-Identifier: GPL-2.0
/*
 * Weak fallbacks for mirror functions appended to mirror.h after the
 * mirror library was written; the library's own definitions win at link
 * time.
 */
#include <errno.h>
#include <stddef.h>

#include "mirror.h"

/* Declared here too: the loader builds whether or not mirror.h has it. */
int ipso_mirror_set_lease(struct ipso_mirror *m, __u64 until_ns);

__attribute__((weak))
int ipso_mirror_for_each_policy(const struct ipso_mirror *m,
				int (*cb)(const struct ipso_policy_desc *p,
					  void *ctx),
				void *ctx)
{
	(void)m;
	(void)cb;
	(void)ctx;
	return -EOPNOTSUPP;
}

/* Liveness lease (appended to mirror.h by the datapath). */
__attribute__((weak))
int ipso_mirror_set_lease(struct ipso_mirror *m, __u64 until_ns)
{
	(void)m;
	(void)until_ns;
	return -EOPNOTSUPP;
}

// SPDX-License-Identifier: GPL-2.0
/* Field-wise writes of the pinned ipso_config element (config_map.h). */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "config_map.h"

static size_t config_map_len(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

struct ipso_config *ipso_config_map(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	void *p;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return NULL;
	if (!(info.map_flags & BPF_F_MMAPABLE) ||
	    info.value_size != sizeof(struct ipso_config)) {
		errno = EINVAL;
		return NULL;
	}
	p = mmap(NULL, config_map_len(), PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

void ipso_config_unmap(struct ipso_config *c)
{
	if (c)
		munmap(c, config_map_len());
}

__u64 ipso_config_bump_generation(struct ipso_config *c, bool odd)
{
	__u64 cur = __atomic_load_n(&c->generation, __ATOMIC_ACQUIRE), next;

	do {
		next = odd ? (cur + 1) | 1 : (cur + 2) & ~1ull;
	} while (!__atomic_compare_exchange_n(&c->generation, &cur, next,
					      false, __ATOMIC_SEQ_CST,
					      __ATOMIC_ACQUIRE));
	return next;
}

void ipso_config_set_lease(struct ipso_config *c, __u64 until_ns)
{
	__atomic_store_n(&c->live_until_ns, until_ns, __ATOMIC_RELEASE);
}

void ipso_config_set_flags(struct ipso_config *c, __u32 flags, bool on)
{
	if (on)
		__atomic_fetch_or(&c->flags, flags, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&c->flags, ~flags, __ATOMIC_RELEASE);
}

bool ipso_config_has_marks(const struct ipso_config *c)
{
	return __atomic_load_n(&c->mark_magic_mask, __ATOMIC_ACQUIRE) != 0;
}

void ipso_config_set_marks(struct ipso_config *c, __u32 magic,
			   __u32 magic_mask, __u32 handle_mask)
{
	__atomic_store_n(&c->mark_magic, magic, __ATOMIC_RELAXED);
	__atomic_store_n(&c->mark_handle_mask, handle_mask, __ATOMIC_RELAXED);
	__atomic_store_n(&c->mark_magic_mask, magic_mask, __ATOMIC_RELEASE);
}

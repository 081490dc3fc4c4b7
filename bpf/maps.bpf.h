/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Every map of the datapath, defined once.  All are pinned by name
 * (LIBBPF_PIN_BY_NAME), so each object that includes this header --
 * loaded by libbpf with pin_root_path IPSO_PIN_DIR, by `ip link ... xdp
 * obj` or by `tc filter ... bpf obj` -- reuses the same maps.
 * Hash maps are not preallocated: the guest has little memory and most
 * tables are sparse.
 */
#ifndef IPSO_MAPS_BPF_H
#define IPSO_MAPS_BPF_H

#include "ipso_spd.h"

/* --- shared with loader and module (include/ipsec_offload/maps.h) --- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipso_config);
	/* writers store single fields through a mapping: loader/lib/config_map.h */
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IPSO_MAX_SA);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipso_sa_key);
	__type(value, struct ipso_sa);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_sad SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IPSO_MAX_OFFLOADS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipso_offload_key);
	__type(value, struct ipso_offload_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_offload SEC(".maps");

/* handle -> SA and device; an absent key is an unknown handle. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IPSO_MAX_HANDLES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct ipso_handle_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_handles SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IPSO_MAX_HANDLES);
	__type(key, __u32);
	__type(value, struct ipso_hw_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_hw_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IPSO_MAX_HANDLES);
	__type(key, __u32);
	__type(value, struct ipso_sa_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_sa_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IPSO_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_stats SEC(".maps");

/* outbound policy index -> what the XDP fast path sent under it */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, IPSO_MAX_POL_STATS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct ipso_pol_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_pol_stats SEC(".maps");

/* --- private to bpf/ and loader/lib/mirror.c (bpf/ipso_spd.h) --- */

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, IPSO_SPD_MAX_NODES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipso_lpm4_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_spd_lpm4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, IPSO_SPD_MAX_NODES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipso_lpm6_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_spd_lpm6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);	/* values page-aligned */
	__uint(max_entries, IPSO_DIR16_SLOTS);
	__type(key, __u32);
	__type(value, struct ipso_dir16);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_spd_dir16 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IPSO_SPD_MAX_NODES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipso_pfx4_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_spd_pfx4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);	/* values page-aligned */
	__uint(max_entries, IPSO_SPD_MAX_NODE_IDS);
	__type(key, __u32);
	__type(value, struct ipso_spd_node);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_spd_node SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);	/* values page-aligned */
	__uint(max_entries, IPSO_SPD_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct ipso_spd_ent);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_spd_ent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IPSO_SPD_MAX_POLICIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct ipso_spd_pol);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_spd_pol SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IPSO_SA_IDX_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipso_sa_idx_key);
	__type(value, struct ipso_sa_idx_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_sa_idx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipso_sa_reqids);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_sa_reqids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IPSO_MAX_SA);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipso_sa_src_key);
	__type(value, struct ipso_sa_src_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_sa_bysrc SEC(".maps");

struct {
	/* direct-mapped, per CPU: a fill is a plain write, no lock */
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IPSO_FLOW_CACHE_SIZE);
	__type(key, __u32);
	__type(value, struct ipso_cache_ent);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ipso_flow_cache SEC(".maps");

/*
 * Not pinned: each process that loads the explain program gets its own,
 * zeroed, so the only slot carrying its nonce is the CPU its run used.
 * A shared map would keep earlier callers' results in the other CPUs'
 * slots, and a repeated nonce would make one of those the answer.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipso_explain_out);
} ipso_exp_out SEC(".maps");

/* Per-CPU scratch for the XDP program: the BPF stack is 512 bytes for
 * the whole call chain, and the classifier needs most of it. */
struct ipso_xdp_scratch {
	struct ipso_flow fl;	/* first: ipso_classify wants it 8-aligned */
	__u32 pad;
	struct ipso_cls_result res;
	struct bpf_fib_lookup fib;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipso_xdp_scratch);
} ipso_xdp_scratch SEC(".maps");

static __always_inline void ipso_count(__u32 stat)
{
	__u64 *c = bpf_map_lookup_elem(&ipso_stats, &stat);

	if (c)
		*c += 1;
}

static __always_inline struct ipso_sa_counters *ipso_sa_ctr(__u32 handle)
{
	return bpf_map_lookup_elem(&ipso_sa_stats, &handle);
}

/* One packet of bytes under policy index; its entry made on first use. */
static __always_inline void ipso_pol_count(__u32 index, __u64 bytes)
{
	struct ipso_pol_counters *c, zero = {};

	c = bpf_map_lookup_elem(&ipso_pol_stats, &index);
	if (!c) {
		bpf_map_update_elem(&ipso_pol_stats, &index, &zero,
				    BPF_NOEXIST);
		c = bpf_map_lookup_elem(&ipso_pol_stats, &index);
		if (!c)
			return;
	}
	c->packets++;
	c->bytes += bytes;
}

#endif /* IPSO_MAPS_BPF_H */

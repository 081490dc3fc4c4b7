// SPDX-License-Identifier: GPL-2.0
/*
 * ipsec_offload.ko: bridges the BPF datapath's markings to NIC inline IPsec
 * contexts.  This file owns the module parameters, their validation and the
 * order in which the parts start and stop.
 */
#include <linux/version.h>
#include <linux/bitops.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "ipso.h"

#define IPSO_POLL_MS_MIN	10
#define IPSO_POLL_MS_MAX	60000

u32 ipso_mark_magic = IPSO_MARK_DEFAULT_MAGIC;
u32 ipso_mark_magic_mask = IPSO_MARK_DEFAULT_MAGIC_MASK;
u32 ipso_mark_handle_mask = IPSO_MARK_DEFAULT_HANDLE_MASK;
unsigned int ipso_poll_ms = 1000;

/* Read-only after load: the datapath reads them without locks. */
module_param_named(mark_magic, ipso_mark_magic, uint, 0444);
MODULE_PARM_DESC(mark_magic, "skb->mark value (within mark_magic_mask) that says 'carries a handle'");
module_param_named(mark_magic_mask, ipso_mark_magic_mask, uint, 0444);
MODULE_PARM_DESC(mark_magic_mask, "mark bits compared with mark_magic");
module_param_named(mark_handle_mask, ipso_mark_handle_mask, uint, 0444);
MODULE_PARM_DESC(mark_handle_mask, "contiguous mark bits that carry the handle");
module_param_named(poll_ms, ipso_poll_ms, uint, 0444);
MODULE_PARM_DESC(poll_ms, "hardware counter poll interval in ms (10..60000)");

static bool ipso_mask_is_contiguous(u32 mask)
{
	u32 m;

	if (!mask)
		return false;
	m = mask >> __ffs(mask);
	return !(m & (m + 1));
}

static int ipso_params_validate(void)
{
	if (!ipso_mark_magic_mask || !ipso_mark_magic) {
		pr_err("ipsec_offload: mark_magic (0x%x) and mark_magic_mask (0x%x) must be non-zero\n",
		       ipso_mark_magic, ipso_mark_magic_mask);
		return -EINVAL;
	}
	if (ipso_mark_magic & ~ipso_mark_magic_mask) {
		pr_err("ipsec_offload: mark_magic 0x%x has bits outside mark_magic_mask 0x%x\n",
		       ipso_mark_magic, ipso_mark_magic_mask);
		return -EINVAL;
	}
	if (!ipso_mask_is_contiguous(ipso_mark_handle_mask)) {
		pr_err("ipsec_offload: mark_handle_mask 0x%x must be one contiguous run of bits\n",
		       ipso_mark_handle_mask);
		return -EINVAL;
	}
	if (ipso_mark_handle_mask & ipso_mark_magic_mask) {
		pr_err("ipsec_offload: mark_handle_mask 0x%x overlaps mark_magic_mask 0x%x\n",
		       ipso_mark_handle_mask, ipso_mark_magic_mask);
		return -EINVAL;
	}
	if (ipso_poll_ms < IPSO_POLL_MS_MIN || ipso_poll_ms > IPSO_POLL_MS_MAX) {
		pr_err("ipsec_offload: poll_ms %u out of range %u..%u\n",
		       ipso_poll_ms, IPSO_POLL_MS_MIN, IPSO_POLL_MS_MAX);
		return -EINVAL;
	}
	return 0;
}

static int __init ipso_init(void)
{
	int err;

	err = ipso_params_validate();
	if (err)
		return err;
	err = ipso_db_init();
	if (err)
		return err;
	err = ipso_wq_init();
	if (err)
		goto err_db;
	/* Before the netdev pernet ops: exits run in reverse order. */
	err = ipso_maps_init();
	if (err)
		goto err_wq;
	ipso_km_init();
	err = ipso_netdev_init();
	if (err)
		goto err_km;
	err = ipso_tx_init();
	if (err)
		goto err_netdev;
	err = ipso_rx_guard_init();
	if (err)
		goto err_tx;
	ipso_stats_init();
	/* Last: userspace can reach us only once everything is ready. */
	err = ipso_genl_init();
	if (err)
		goto err_stats;
	pr_info("ipsec_offload: loaded (mark 0x%08x/0x%08x, handle mask 0x%08x, handles 1..%u, poll %u ms)\n",
		ipso_mark_magic, ipso_mark_magic_mask, ipso_mark_handle_mask,
		ipso_handle_max(), ipso_poll_ms);
	return 0;

err_stats:
	ipso_stats_exit();
	ipso_rx_guard_exit();
err_tx:
	ipso_tx_exit();
err_netdev:
	ipso_netdev_exit();
err_km:
	ipso_km_exit();
	ipso_maps_exit();
err_wq:
	ipso_wq_exit();
err_db:
	ipso_db_exit();
	return err;
}

static void __exit ipso_exit(void)
{
	/* No new requests, no more transform skipping. */
	ipso_genl_exit();
	ipso_tx_exit();
	/*
	 * Tear every offload down while the SA hooks still run, so nothing
	 * is missed; the netdev notifier goes first so that no backend we
	 * own registers a device behind our back.
	 */
	ipso_netdev_exit();
	ipso_netdevs_release_all();
	ipso_ofl_withdraw_matching(NULL, NULL, -ESHUTDOWN);
	flush_workqueue(ipso_wq);
	/* No NIC owns a replay window any more. */
	ipso_rx_guard_exit();
	ipso_stats_exit();
	ipso_km_exit();
	/* Crypto bindings we made stay with their states (xfrmdev.c). */
	ipso_xfrmdev_forget(NULL, false);
	ipso_maps_exit();
	ipso_wq_exit();
	ipso_db_exit();
	pr_info("ipsec_offload: unloaded\n");
}

module_init(ipso_init);
module_exit(ipso_exit);
MODULE_LICENSE("GPL");
/*
 * bpf_map_get() (maps.c) is exported in namespace BPF_INTERNAL on newer
 * kernels (seen in 6.12); the namespace became a string in 6.13.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
MODULE_IMPORT_NS("BPF_INTERNAL");
#else
MODULE_IMPORT_NS(BPF_INTERNAL);
#endif
MODULE_DESCRIPTION("Inline IPsec offload bridge: BPF markings to NIC crypto contexts");

// SPDX-License-Identifier: GPL-2.0
/*
 * ipsec_sim: module init, parameters, and the debugfs control files.
 *
 * Parameter (range-checked at load and on write):
 *   max_sa        SA capacity of each host end, 1..IPSO_MAX_HANDLES
 *   crypto_mode   host ends created while set use crypto mode
 *                 (crypto_mode.c) instead of packet mode
 *   tso           host ends created while set have TSO turned on
 *                 (netdev.c); off by default
 * debugfs, /sys/kernel/debug/ipsec_sim/:
 *   fail_next_add  the next N sa_add calls fail with fail_errno
 *   fail_errno     the errno they fail with (positive, default ENOSPC)
 *   add_delay_ms   sleep this long in every sa_add (0..10000)
 *   add_settle_ms  sleep this long after an sa_add programmed the SA,
 *                  before it returns: a slow completion (0..10000)
 *   errors         count of failed adds and the last failure, read-only
 *   devices        every host end: counters and SA table, read-only
 *   unplug         write a host end's name: both ends vanish, like a
 *                  hot-unplugged card
 */
#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/rtnetlink.h>
#include <net/rtnetlink.h>
#include "ipsim.h"

unsigned int ipsim_max_sa = 1024;

static int ipsim_max_sa_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
	if (n < 1 || n > IPSO_MAX_HANDLES)
		return -ERANGE;
	WRITE_ONCE(ipsim_max_sa, n);
	return 0;
}

static const struct kernel_param_ops ipsim_max_sa_ops = {
	.set = ipsim_max_sa_set,
	.get = param_get_uint,
};
module_param_cb(max_sa, &ipsim_max_sa_ops, &ipsim_max_sa, 0644);
MODULE_PARM_DESC(max_sa, "SA capacity per device (1..131072, default 1024)");

bool ipsim_crypto_mode;
module_param_named(crypto_mode, ipsim_crypto_mode, bool, 0644);
MODULE_PARM_DESC(crypto_mode, "host ends created while set are crypto-offload NICs (xfrmdev_ops) instead of packet-mode NICs");

bool ipsim_tso;
module_param_named(tso, ipsim_tso, bool, 0644);
MODULE_PARM_DESC(tso, "host ends created while set segment TCP super-packets in \"hardware\" (TSO on)");

/* Fault injection state. */
static atomic_t ipsim_fail_next = ATOMIC_INIT(0);
static u32 ipsim_fail_errno = ENOSPC;
static u32 ipsim_add_delay_ms;
static u32 ipsim_add_settle_ms;
static DEFINE_SPINLOCK(ipsim_err_lock);
static unsigned long ipsim_err_count;
static char ipsim_last_err[96];
static struct dentry *ipsim_dbg;

/* Called at the start of every sa_add: may sleep, may fail the add. */
int ipsim_fault_before_add(void)
{
	u32 ms = READ_ONCE(ipsim_add_delay_ms);

	if (ms)
		msleep(ms);
	if (atomic_dec_if_positive(&ipsim_fail_next) >= 0)
		return -(int)READ_ONCE(ipsim_fail_errno);
	return 0;
}

/* Called after an sa_add programmed the SA, before it returns. */
void ipsim_fault_after_add(void)
{
	u32 ms = READ_ONCE(ipsim_add_settle_ms);

	if (ms)
		msleep(ms);
}

void ipsim_note_error(struct net_device *dev, u32 handle, int err,
		      const char *what)
{
	spin_lock_bh(&ipsim_err_lock);
	ipsim_err_count++;
	snprintf(ipsim_last_err, sizeof(ipsim_last_err),
		 "%s handle %u %s: %d", dev->name, handle, what, err);
	spin_unlock_bh(&ipsim_err_lock);
	netdev_info(dev, "%s failed for handle %u: %d\n", what, handle, err);
}

static int ipsim_fail_next_get(void *data, u64 *val)
{
	*val = atomic_read(&ipsim_fail_next);
	return 0;
}

static int ipsim_fail_next_set(void *data, u64 val)
{
	if (val > INT_MAX)
		return -ERANGE;
	atomic_set(&ipsim_fail_next, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ipsim_fail_next_fops, ipsim_fail_next_get,
			 ipsim_fail_next_set, "%llu\n");

static int ipsim_fail_errno_get(void *data, u64 *val)
{
	*val = READ_ONCE(ipsim_fail_errno);
	return 0;
}

static int ipsim_fail_errno_set(void *data, u64 val)
{
	if (val < 1 || val >= MAX_ERRNO)
		return -ERANGE;
	WRITE_ONCE(ipsim_fail_errno, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ipsim_fail_errno_fops, ipsim_fail_errno_get,
			 ipsim_fail_errno_set, "%llu\n");

static int ipsim_ms_get(void *data, u64 *val)
{
	*val = READ_ONCE(*(u32 *)data);
	return 0;
}

static int ipsim_ms_set(void *data, u64 val)
{
	if (val > 10000)
		return -ERANGE;
	WRITE_ONCE(*(u32 *)data, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ipsim_ms_fops, ipsim_ms_get, ipsim_ms_set, "%llu\n");

static int ipsim_errors_show(struct seq_file *m, void *v)
{
	spin_lock_bh(&ipsim_err_lock);
	seq_printf(m, "count %lu\nlast %s\n", ipsim_err_count,
		   ipsim_err_count ? ipsim_last_err : "none");
	spin_unlock_bh(&ipsim_err_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ipsim_errors);

static int ipsim_devices_show(struct seq_file *m, void *v)
{
	struct ipsim_priv *p;

	mutex_lock(&ipsim_hw_lock);
	list_for_each_entry(p, &ipsim_hw_devs, hw_node) {
		seq_printf(m, "device %s ifindex %d registered %d xdp %d\n",
			   p->dev->name, p->dev->ifindex, p->registered,
			   !!rcu_access_pointer(p->xdp_prog));
		ipsim_dev_stats_show(m, p);
		ipsim_sat_show(m, &p->sat);
		ipsim_pkt_policies_show(m, p);
	}
	mutex_unlock(&ipsim_hw_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ipsim_devices);

/* "Drop the device": unregister a host end (and its peer) by name. */
static ssize_t ipsim_unplug_write(struct file *f, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	struct net_device *dev = NULL;
	struct ipsim_priv *p;
	char name[IFNAMSIZ];
	LIST_HEAD(kill);

	if (len == 0 || len >= IFNAMSIZ)
		return -EINVAL;
	if (copy_from_user(name, ubuf, len))
		return -EFAULT;
	name[len] = '\0';
	strim(name);

	rtnl_lock();
	mutex_lock(&ipsim_hw_lock);
	list_for_each_entry(p, &ipsim_hw_devs, hw_node) {
		if (!strcmp(p->dev->name, name) &&
		    p->dev->reg_state == NETREG_REGISTERED) {
			dev = p->dev;
			break;
		}
	}
	mutex_unlock(&ipsim_hw_lock);
	if (dev) {
		ipsim_link_ops.dellink(dev, &kill);
		unregister_netdevice_many(&kill);
	}
	rtnl_unlock();
	return dev ? len : -ENODEV;
}

static const struct file_operations ipsim_unplug_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = ipsim_unplug_write,
	.llseek = noop_llseek,
};

static void ipsim_debugfs_init(void)
{
	ipsim_dbg = debugfs_create_dir("ipsec_sim", NULL);
	debugfs_create_file_unsafe("fail_next_add", 0600, ipsim_dbg, NULL,
				   &ipsim_fail_next_fops);
	debugfs_create_file_unsafe("fail_errno", 0600, ipsim_dbg, NULL,
				   &ipsim_fail_errno_fops);
	debugfs_create_file_unsafe("add_delay_ms", 0600, ipsim_dbg,
				   &ipsim_add_delay_ms, &ipsim_ms_fops);
	debugfs_create_file_unsafe("add_settle_ms", 0600, ipsim_dbg,
				   &ipsim_add_settle_ms, &ipsim_ms_fops);
	debugfs_create_file("errors", 0400, ipsim_dbg, NULL,
			    &ipsim_errors_fops);
	debugfs_create_file("devices", 0400, ipsim_dbg, NULL,
			    &ipsim_devices_fops);
	debugfs_create_file("unplug", 0200, ipsim_dbg, NULL,
			    &ipsim_unplug_fops);
}

static int __init ipsim_init(void)
{
	int err;

	ipsim_wq = alloc_workqueue("ipsec_sim", 0, 0);
	if (!ipsim_wq)
		return -ENOMEM;
	err = rtnl_link_register(&ipsim_link_ops);
	if (err) {
		destroy_workqueue(ipsim_wq);
		return err;
	}
	ipsim_debugfs_init();
	return 0;
}

static void __exit ipsim_exit(void)
{
	debugfs_remove_recursive(ipsim_dbg);
	rtnl_link_unregister(&ipsim_link_ops);
	destroy_workqueue(ipsim_wq);
}

module_init(ipsim_init);
module_exit(ipsim_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Simulated inline-IPsec NIC (ipsec-offload test backend)");
MODULE_ALIAS_RTNL_LINK(IPSIM_KIND);

// SPDX-License-Identifier: GPL-2.0
/*
 * Debug-tier fixture, never for production: on load it does what the
 * debug kernel must catch, chosen by the "bug" parameter:
 *   bug=uaf   read a kmalloc()ed byte after kfree()   -> KASAN report
 *   bug=leak  kmalloc() and drop the only pointer     -> kmemleak report
 * The module loads either way, so the report, not a failed insmod, is
 * what fails the test.
 */
#include <linux/compiler.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *bug = "uaf";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "uaf (use after free) or leak (unreferenced object)");

/* Not __init: the leak's backtrace must still resolve after the load. */
static noinline int ipso_debug_fixture_leak(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	memset(p, 0x5a, 64);
	pr_info("ipso_debug_fixture: leaking 64 bytes on purpose\n");
	/* the only pointer dies with this frame */
	OPTIMIZER_HIDE_VAR(p);
	return 0;
}

static int __init ipso_debug_fixture_init(void)
{
	char *p;

	if (!strcmp(bug, "leak"))
		return ipso_debug_fixture_leak();

	p = kmalloc(64, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	memset(p, 0x5a, 64);
	kfree(p);
	/* hide the free from the compiler, which would warn or fold the read */
	OPTIMIZER_HIDE_VAR(p);
	pr_info("ipso_debug_fixture: read after free: %d\n", READ_ONCE(p[8]));
	return 0;
}

static void __exit ipso_debug_fixture_exit(void)
{
}

module_init(ipso_debug_fixture_init);
module_exit(ipso_debug_fixture_exit);
MODULE_DESCRIPTION("ipsec-offload debug-tier fixture: deliberate use after free or leak");
MODULE_LICENSE("GPL");

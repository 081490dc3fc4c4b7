// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * tc egress (docs/architecture.md, "TX"): the kernel has already chosen
 * policy and SA; this program only carries the choice to the device.  A
 * packet whose secpath names an SA offloaded on this device gets
 * skb->mark = MAGIC | handle; an outbound SA that is not offloaded here is
 * dropped (fail closed: the device must never send it as plaintext); a
 * packet without an SA passes untouched -- policy is never re-decided
 * here -- and so does one the kernel already made ESP for its SA
 * (crypto-mode offload).  The decision is in tc_egress.h.
 */
#include "common.bpf.h"
#include "parse.h"
#include "tc_egress.h"

SEC("tc")
int ipso_tc_egress(struct __sk_buff *skb)
{
	struct bpf_xfrm_state x;

	__builtin_memset(&x, 0, sizeof(x));
	/*
	 * -EINVAL is the helper's only failure once size and flags are
	 * right (they are constants here): no secpath, or no state at 0.
	 */
	if (bpf_skb_get_xfrm_state(skb, 0, &x, sizeof(x), 0) < 0)
		return ipso_tc_decide(skb, NULL);
	return ipso_tc_decide(skb, &x);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

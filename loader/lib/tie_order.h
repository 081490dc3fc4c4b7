/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the running kernel breaks a tie between matching policies of equal
 * priority (docs/datapath.md, "Order among matching policies").
 */
#ifndef IPSO_TIE_ORDER_H
#define IPSO_TIE_ORDER_H

enum ipso_tie_order {
	IPSO_TIE_POS,		/* link order, exact and inexact alike */
	IPSO_TIE_LEGACY,	/* exact beats inexact, but the list head */
};

/*
 * Asks the kernel, in a throw-away network namespace: 0 with *order set,
 * -EOPNOTSUPP when the probe could not run, or -errno.
 */
int ipso_tie_order_probe(enum ipso_tie_order *order);

/*
 * The tie order the mirror encodes: IPSO_TIE_ORDER=pos|legacy if set,
 * else the probe's answer (once per process), else a guess from the
 * kernel release with a warning.  *how (if how) says which.
 */
enum ipso_tie_order ipso_tie_order(const char **how);

const char *ipso_tie_order_name(enum ipso_tie_order order);

#endif /* IPSO_TIE_ORDER_H */

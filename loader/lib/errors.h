/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One-line errors ("ipsec-offload: <object>: <cause>") and the documented
 * exit codes.  Every failure path of the CLI ends here so users and scripts
 * see the same shape everywhere.
 */
#ifndef IPSO_ERRORS_H
#define IPSO_ERRORS_H

enum ipso_exit {
	IPSO_EXIT_OK = 0,
	IPSO_EXIT_USAGE = 1,	/* bad command line or config syntax */
	IPSO_EXIT_RUNTIME = 2,	/* anything else that went wrong */
	IPSO_EXIT_NO_MODULE = 3,	/* bridge module not loaded */
	IPSO_EXIT_PERM = 4,	/* missing CAP_NET_ADMIN / CAP_BPF */
	IPSO_EXIT_NO_DEV = 5,	/* no such device */
	IPSO_EXIT_BUSY = 6,	/* device has a foreign XDP/tc program */
	IPSO_EXIT_FULL = 7,	/* a map is full */
	IPSO_EXIT_UNSUPP = 8,	/* kernel too old / feature missing */
};

/* Print "ipsec-offload: <object>: <cause>" and return code. */
int ipso_fail(int code, const char *object, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same, the cause being strerror(-err) after an optional context. */
int ipso_fail_errno(int err, const char *object, const char *what);

/* Map -errno to an exit code (EPERM -> PERM, ENOSPC -> FULL, ...). */
int ipso_exit_for_errno(int err);

/* Verbose diagnostics (-v); printed on stderr only when enabled. */
extern int ipso_verbose;
void ipso_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* IPSO_ERRORS_H */

// SPDX-License-Identifier: GPL-2.0
/* One-line error reporting and exit code mapping. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"

int ipso_verbose;

int ipso_fail(int code, const char *object, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ipsec-offload: %s: ", object);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int ipso_exit_for_errno(int err)
{
	switch (err < 0 ? -err : err) {
	case EPERM:
	case EACCES:
		return IPSO_EXIT_PERM;
	case ENODEV:
	case ENXIO:
		return IPSO_EXIT_NO_DEV;
	case EBUSY:
	case EEXIST:
		return IPSO_EXIT_BUSY;
	case ENOSPC:
	case E2BIG:
		return IPSO_EXIT_FULL;
	case EOPNOTSUPP:
	case ENOSYS:
		return IPSO_EXIT_UNSUPP;
	case EINVAL:
		return IPSO_EXIT_RUNTIME;
	default:
		return IPSO_EXIT_RUNTIME;
	}
}

int ipso_fail_errno(int err, const char *object, const char *what)
{
	int e = err < 0 ? -err : err;
	const char *cause;

	switch (e) {
	case EPERM:
	case EACCES:
		cause = "permission denied (needs CAP_NET_ADMIN and CAP_BPF)";
		break;
	case ENOSPC:
	case E2BIG:
		cause = "map full";
		break;
	default:
		cause = strerror(e);
	}
	if (what && *what)
		return ipso_fail(ipso_exit_for_errno(e), object, "%s: %s",
				 what, cause);
	return ipso_fail(ipso_exit_for_errno(e), object, "%s", cause);
}

void ipso_log(const char *fmt, ...)
{
	va_list ap;

	if (!ipso_verbose)
		return;
	fputs("ipsec-offload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper: write SAs into the pinned maps through the real mirror
 * (loader/lib/mirror.c), as the daemon would.  The maps end up holding
 * exactly the SAs given (and no policies): what an earlier process left
 * is adopted and replaced.
 *   mirror_tool sa SRC DST SPI REQID transport|tunnel in|out|unknown ...
 * (any number of SA sextuples; IPv4 or IPv6 addresses)
 *   mirror_tool lease none|expired|+SECONDS
 * (ipso_mirror_set_lease(): 0, 1, or now + SECONDS)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "tlib.h"

static struct ipso_mirror *open_mirror(void)
{
	struct ipso_mirror *m = ipso_mirror_open(IPSO_PIN_DIR);

	if (!m)
		fprintf(stderr, "mirror_tool: open %s: %s\n", IPSO_PIN_DIR,
			strerror(errno));
	return m;
}

static int lease(const char *arg)
{
	struct ipso_mirror *m;
	__u64 until;
	int err;

	if (!strcmp(arg, "none"))
		until = 0;
	else if (!strcmp(arg, "expired"))
		until = 1;
	else if (arg[0] == '+')
		until = t_now_ns() + strtoull(arg + 1, NULL, 0) * 1000000000ull;
	else
		return 2;
	m = open_mirror();
	if (!m)
		return 1;
	err = ipso_mirror_set_lease(m, until);
	ipso_mirror_close(m);
	if (err) {
		fprintf(stderr, "mirror_tool: set_lease: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ipso_mirror *m;
	int i, err;

	if (argc == 3 && !strcmp(argv[1], "lease")) {
		err = lease(argv[2]);
		if (err != 2)
			return err;
	}
	if (argc < 8 || strcmp(argv[1], "sa") || (argc - 2) % 6) {
		fprintf(stderr, "usage: mirror_tool sa SRC DST SPI REQID "
			"transport|tunnel in|out|unknown ...\n"
			"       mirror_tool lease none|expired|+SECONDS\n");
		return 2;
	}
	m = open_mirror();
	if (!m)
		return 1;
	ipso_mirror_begin_sync(m);
	for (i = 2; i + 6 <= argc; i += 6) {
		struct ipso_sa_desc sa;
		int family = strchr(argv[i], ':') ? AF_INET6 : AF_INET;
		uint8_t dir = !strcmp(argv[i + 5], "in") ? IPSO_DIR_IN :
			      !strcmp(argv[i + 5], "out") ? IPSO_DIR_OUT :
			      IPSO_DIR_UNKNOWN;

		sa_init(&sa, family, argv[i], argv[i + 1],
			strtoul(argv[i + 2], NULL, 0),
			strtoul(argv[i + 3], NULL, 0),
			!strcmp(argv[i + 4], "tunnel") ? IPSO_MODE_TUNNEL :
			IPSO_MODE_TRANSPORT, dir, 1);
		err = ipso_mirror_put_sa(m, &sa);
		if (err) {
			fprintf(stderr, "mirror_tool: put_sa: %s\n",
				strerror(-err));
			return 1;
		}
	}
	ipso_mirror_end_sync(m);
	err = ipso_mirror_commit(m);
	ipso_mirror_close(m);
	if (err) {
		fprintf(stderr, "mirror_tool: commit: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}

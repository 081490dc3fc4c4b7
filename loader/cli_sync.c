// SPDX-License-Identifier: GPL-2.0
/* `ipsec-offload sync`: one-shot reconciliation of SAD/SPD into the maps. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "errors.h"
#include "json.h"
#include "pinned.h"
#include "sync.h"

/* Open the mirror at the pin dir, explaining the usual failures. */
struct ipso_mirror *cli_open_mirror(const struct ipso_opts *o, int *code)
{
	struct ipso_mirror *m;
	int err = pin_dir_make(o->pin_dir);

	if (err) {
		*code = ipso_fail_errno(err, "maps", o->pin_dir);
		return NULL;
	}
	if (!pin_dir_is_bpffs(o->pin_dir)) {
		*code = ipso_fail(IPSO_EXIT_RUNTIME, "maps",
				  "%s is not on a BPF filesystem", o->pin_dir);
		return NULL;
	}
	m = ipso_mirror_open(o->pin_dir);
	if (!m)
		*code = ipso_fail_errno(errno ? errno : EIO, "maps",
					"cannot open the pinned maps");
	return m;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int cmd_sync(const struct ipso_opts *o, int argc, char **argv)
{
	struct sync_stats st;
	struct ipso_mirror *m;
	double t0;
	int code = 0, err;

	if (argc > 0) {
		if (cli_is_help(argv[0])) {
			puts("Usage: ipsec-offload sync\n"
			     "Mirror the kernel SAD and SPD into the maps once "
			     "(reconciling: vanished entries are removed).");
			return IPSO_EXIT_OK;
		}
		return ipso_fail(IPSO_EXIT_USAGE, "sync",
				 "unexpected argument '%s'", argv[0]);
	}
	m = cli_open_mirror(o, &code);
	if (!m)
		return code;
	t0 = now_s();
	err = ipso_sync(m, &st);
	if (err && !st.first_err) {
		code = ipso_fail_errno(err, "sync", "mirroring the SAD/SPD");
	} else {
		double dt = now_s() - t0;

		if (o->json) {
			struct jw w;

			jw_init(&w, stdout, o->pretty);
			jw_obj_open(&w, NULL);
			jw_u64(&w, "policies", st.policies);
			jw_u64(&w, "sas", st.sas);
			jw_u64(&w, "skipped", st.skipped);
			jw_u64(&w, "usec", (uint64_t)(dt * 1e6));
			jw_close(&w);
			jw_end(&w);
		} else {
			printf("synced %zu policies, %zu SAs in %.3f s\n",
			       st.policies, st.sas, dt);
		}
		if (st.first_err)
			code = ipso_fail_errno(st.first_err, "sync",
				"some entries could not be mirrored "
				"(see -v)");
	}
	ipso_mirror_close(m);
	return code;
}

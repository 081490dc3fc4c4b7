// SPDX-License-Identifier: GPL-2.0
/* `ipsec-offload config check [FILE] | show`: device permission rules. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "errors.h"

int cmd_config(const struct ipso_opts *o, int argc, char **argv)
{
	struct ipso_opts local = *o;
	struct devperm dp;
	int code;

	if (argc < 1 || cli_is_help(argv[0])) {
		fputs("Usage: ipsec-offload config { check [FILE] | show }\n"
		      "Rules: MATCH... dev NAME[,NAME...]|all|none, first match "
		      "wins;\nMATCH := reqid N | spi N | src PREFIX | "
		      "dst PREFIX | dir in|out | any\n",
		      argc < 1 ? stderr : stdout);
		return argc < 1 ? IPSO_EXIT_USAGE : IPSO_EXIT_OK;
	}
	if (!strcmp(argv[0], "check")) {
		if (argc > 2)
			return ipso_fail(IPSO_EXIT_USAGE, "config",
					 "unexpected argument '%s'", argv[2]);
		if (argc == 2) {
			local.conf_path = argv[1];
			local.conf_given = true;
		}
	} else if (strcmp(argv[0], "show") || argc > 1) {
		return ipso_fail(IPSO_EXIT_USAGE, "config",
				 "unknown command '%s' (try config -h)",
				 argv[argc > 1 ? 1 : 0]);
	}
	code = cli_load_perm(&local, &dp);
	if (code)
		return code;
	if (!strcmp(argv[0], "check"))
		printf("%s: %d rule(s) ok\n", local.conf_path, dp.nrules);
	else
		devperm_print(&dp, stdout);
	devperm_free(&dp);
	return IPSO_EXIT_OK;
}

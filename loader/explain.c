// SPDX-License-Identifier: GPL-2.0
/* `ipsec-offload explain`: placeholder until the datapath entry point. */
#include "cli.h"
#include "errors.h"

int cmd_explain(const struct ipso_opts *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	(void)argv;
	return ipso_fail(IPSO_EXIT_UNSUPP, "explain", "not implemented yet");
}

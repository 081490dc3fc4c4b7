// SPDX-License-Identifier: GPL-2.0
/*
 * ipsec-offload: mirror the kernel SAD/SPD into the datapath's BPF maps,
 * ask the bridge module to offload SAs, and show what happens.  The kernel
 * stays authoritative: nothing here changes its policies or SAs.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "errors.h"

static void usage(FILE *f)
{
	fputs(
"Usage: ipsec-offload [OPTIONS] OBJECT [COMMAND] [ARGS]\n"
"OBJECT := attach DEV [fastpath] [reload] | detach DEV | sync | daemon |\n"
"          show { sa | policy [-s] | offload | stats | devices |\n"
"                 fastpath } |\n"
"          explain PACKET | config { check [FILE] | show }\n"
"OPTIONS := -j/--json  -p/--pretty  -v/--verbose  -V/--version  -h/--help\n"
"           --pin-dir DIR   maps and programs (default $IPSO_PIN_DIR or\n"
"                           /sys/fs/bpf/tc/globals)\n"
"           -c/--config FILE  device permission rules\n"
"                           (default /etc/ipsec-offload.conf if present)\n"
"           --dev LIST      permit offload only on these devices (a,b,c)\n"
"Each OBJECT accepts -h.  Exit codes: 0 ok, 1 usage, 2 runtime error,\n"
"3 module not loaded, 4 permission denied, 5 no such device, 6 busy\n"
"(foreign program), 7 map full, 8 not supported.\n", f);
}

bool cli_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help") ||
	       !strcmp(arg, "help");
}

int cli_load_perm(const struct ipso_opts *o, struct devperm *dp)
{
	int err;

	memset(dp, 0, sizeof(*dp));
	err = devperm_load(dp, o->conf_path, o->conf_given);
	if (err == -EINVAL)
		return IPSO_EXIT_USAGE;
	if (err)
		return ipso_fail_errno(err, "config", o->conf_path);
	if (o->dev_list && devperm_set_global(dp, o->dev_list)) {
		devperm_free(dp);
		return ipso_fail(IPSO_EXIT_USAGE, "config",
				 "bad --dev list '%s'", o->dev_list);
	}
	return 0;
}

enum { OPT_PIN_DIR = 256, OPT_DEV, OPT_RCVBUF };

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ "config", required_argument, NULL, 'c' },
	{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
	{ NULL, 0, NULL, 0 },
};

struct object {
	const char *name;
	int (*fn)(const struct ipso_opts *o, int argc, char **argv);
};

static const struct object objects[] = {
	{ "attach", cmd_attach },
	{ "detach", cmd_detach },
	{ "sync", cmd_sync },
	{ "daemon", cmd_daemon },
	{ "show", cmd_show },
	{ "explain", cmd_explain },
	{ "lookup", cmd_explain },
	{ "config", cmd_config },
};

static int parse_opts(int argc, char **argv, struct ipso_opts *o)
{
	long rcvbuf;
	char *end;
	int c;

	o->pin_dir = getenv("IPSO_PIN_DIR");
	if (!o->pin_dir || !*o->pin_dir)
		o->pin_dir = IPSO_PIN_DIR;
	else if (o->pin_dir[0] != '/')
		return ipso_fail(IPSO_EXIT_USAGE, "options",
				 "IPSO_PIN_DIR needs an absolute path");
	o->conf_path = IPSO_CONF_DEFAULT;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jpvVhc:", long_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'p':
			o->pretty = true;
			break;
		case 'v':
			ipso_verbose++;
			break;
		case 'V':
			printf("ipsec-offload %s\n", IPSO_VERSION);
			exit(IPSO_EXIT_OK);
		case 'h':
			usage(stdout);
			exit(IPSO_EXIT_OK);
		case 'c':
			o->conf_path = optarg;
			o->conf_given = true;
			break;
		case OPT_PIN_DIR:
			if (!*optarg || optarg[0] != '/')
				return ipso_fail(IPSO_EXIT_USAGE, "options",
					"--pin-dir needs an absolute path");
			o->pin_dir = optarg;
			break;
		case OPT_DEV:
			o->dev_list = optarg;
			break;
		case OPT_RCVBUF:
			errno = 0;
			rcvbuf = strtol(optarg, &end, 0);
			if (errno || end == optarg || *end || rcvbuf <= 0 ||
			    rcvbuf > INT_MAX)
				return ipso_fail(IPSO_EXIT_USAGE, "options",
					"bad --rcvbuf '%s' (1 to %d bytes)",
					optarg, INT_MAX);
			o->rcvbuf = rcvbuf;
			break;
		default:
			return ipso_fail(IPSO_EXIT_USAGE, "options",
				"unknown or incomplete option '%s' (try -h)",
				argv[optind - 1]);
		}
	}
	return 0;
}

/* libbpf's own messages only with -v: our errors are one line each. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (ipso_verbose < 2 && (level == LIBBPF_DEBUG || !ipso_verbose))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	struct ipso_opts o = { 0 };
	int err = parse_opts(argc, argv, &o);

	if (err)
		return err;
	libbpf_set_print(libbpf_print);
	if (optind >= argc) {
		usage(stderr);
		return IPSO_EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		usage(stdout);
		return IPSO_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		if (strcmp(argv[optind], objects[i].name))
			continue;
		return objects[i].fn(&o, argc - optind - 1, argv + optind + 1);
	}
	return ipso_fail(IPSO_EXIT_USAGE, "options",
			 "unknown object '%s' (try -h)", argv[optind]);
}

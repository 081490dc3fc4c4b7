/* SPDX-License-Identifier: GPL-2.0 */
/* Global options and the entry points of each CLI object. */
#ifndef IPSO_CLI_H
#define IPSO_CLI_H

#include <stdbool.h>

#include "devperm.h"

#define IPSO_VERSION	"0.1"

struct ipso_opts {
	bool json;
	bool pretty;
	const char *pin_dir;	/* --pin-dir, $IPSO_PIN_DIR, IPSO_PIN_DIR */
	const char *conf_path;	/* -c, else IPSO_CONF_DEFAULT if present */
	bool conf_given;
	const char *dev_list;	/* --dev */
	int rcvbuf;		/* --rcvbuf: XFRM event socket buffer */
};

/* argv[0] is the object's first word ("sa" for show sa, ...). */
int cmd_attach(const struct ipso_opts *o, int argc, char **argv);
int cmd_detach(const struct ipso_opts *o, int argc, char **argv);
int cmd_sync(const struct ipso_opts *o, int argc, char **argv);
int cmd_daemon(const struct ipso_opts *o, int argc, char **argv);
int cmd_show(const struct ipso_opts *o, int argc, char **argv);
int cmd_explain(const struct ipso_opts *o, int argc, char **argv);
int cmd_config(const struct ipso_opts *o, int argc, char **argv);

/* Load -c/--dev into dp; returns an exit code. */
int cli_load_perm(const struct ipso_opts *o, struct devperm *dp);

struct ipso_mirror;
/* Open the mirror at o->pin_dir or print why not (exit code in *code). */
struct ipso_mirror *cli_open_mirror(const struct ipso_opts *o, int *code);

/* True for -h / --help / help. */
bool cli_is_help(const char *arg);

#endif /* IPSO_CLI_H */

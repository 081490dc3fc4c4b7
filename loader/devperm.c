// SPDX-License-Identifier: GPL-2.0
/* Per-SA device permission rules: parsing and matching. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devperm.h"
#include "errors.h"

enum {
	DP_REQID = 1 << 0,
	DP_SPI = 1 << 1,
	DP_SRC = 1 << 2,
	DP_DST = 1 << 3,
	DP_DIR = 1 << 4,
};

static int parse_u32(const char *s, __u32 *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > 0xffffffffUL)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_prefix(const char *s, union ipso_addr *a, __u8 *family,
			__u8 *plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	__u32 len;
	int max;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->a8) == 1) {
		*family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, a->a8) == 1) {
		*family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	len = max;
	if (slash && (parse_u32(slash, &len) || len > (__u32)max))
		return -EINVAL;
	*plen = len;
	return 0;
}

static int parse_devs(const char *s, char devs[][IF_NAMESIZE], int *n)
{
	char buf[DEVPERM_MAX_DEVS * IF_NAMESIZE + 8], *save, *tok;

	if (strlen(s) >= sizeof(buf))
		return -E2BIG;
	strcpy(buf, s);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == DEVPERM_MAX_DEVS || strlen(tok) >= IF_NAMESIZE)
			return -E2BIG;
		strcpy(devs[(*n)++], tok);
	}
	return *n ? 0 : -EINVAL;
}

/* Returns NULL or a static description of the syntax error. */
static const char *parse_rule(char *line, struct devperm_rule *r)
{
	char *save, *tok, *arg;
	bool have_dev = false, any = false;

	memset(r, 0, sizeof(*r));
	for (tok = strtok_r(line, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(tok, "any")) {
			any = true;
			continue;
		}
		arg = strtok_r(NULL, " \t", &save);
		if (!arg)
			return "keyword without a value";
		if (!strcmp(tok, "reqid")) {
			if (parse_u32(arg, &r->reqid))
				return "bad reqid";
			r->has |= DP_REQID;
		} else if (!strcmp(tok, "spi")) {
			__u32 spi;

			if (parse_u32(arg, &spi))
				return "bad spi";
			r->spi = htonl(spi);
			r->has |= DP_SPI;
		} else if (!strcmp(tok, "src")) {
			if (parse_prefix(arg, &r->src, &r->family_s, &r->plen_s))
				return "bad src prefix";
			r->has |= DP_SRC;
		} else if (!strcmp(tok, "dst")) {
			if (parse_prefix(arg, &r->dst, &r->family_d, &r->plen_d))
				return "bad dst prefix";
			r->has |= DP_DST;
		} else if (!strcmp(tok, "dir")) {
			if (!strcmp(arg, "in"))
				r->dir = IPSO_DIR_IN;
			else if (!strcmp(arg, "out"))
				r->dir = IPSO_DIR_OUT;
			else
				return "dir must be in or out";
			r->has |= DP_DIR;
		} else if (!strcmp(tok, "dev")) {
			if (have_dev)
				return "dev given twice";
			have_dev = true;
			if (!strcmp(arg, "all"))
				r->all = true;
			else if (strcmp(arg, "none") &&
				 parse_devs(arg, r->devs, &r->ndevs))
				return "bad device list";
		} else {
			return "unknown keyword";
		}
	}
	if (!have_dev)
		return "missing dev";
	if (!any && !r->has)
		return "no match (use 'any')";
	return NULL;
}

/* One line of a rules file: a rule appended to dp, or blank/comment. */
static int load_line(struct devperm *dp, const char *path, int lineno,
		     char *line)
{
	struct devperm_rule r, *nr;
	char *hash = strchr(line, '#');
	const char *err;

	if (hash)
		*hash = 0;
	line[strcspn(line, "\r\n")] = 0;
	if (!line[strspn(line, " \t")])
		return 0;
	err = parse_rule(line, &r);
	if (err) {
		ipso_fail(IPSO_EXIT_USAGE, "config", "%s:%d: %s", path, lineno,
			  err);
		return -EINVAL;
	}
	r.line = lineno;
	nr = realloc(dp->rules, (dp->nrules + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	dp->rules = nr;
	dp->rules[dp->nrules++] = r;
	return 0;
}

/* On failure nothing of the file is kept: dp is left empty. */
int devperm_load(struct devperm *dp, const char *path, bool must_exist)
{
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	char *line = NULL;
	int lineno = 0, err = 0;

	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		return -errno;
	}
	while (!err && getline(&line, &cap, f) >= 0) {
		lineno++;
		err = load_line(dp, path, lineno, line);
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	if (err)
		devperm_free(dp);
	return err;
}

int devperm_set_global(struct devperm *dp, const char *list)
{
	return parse_devs(list, dp->global, &dp->nglobal);
}

void devperm_free(struct devperm *dp)
{
	free(dp->rules);
	memset(dp, 0, sizeof(*dp));
}

static bool in_prefix(const union ipso_addr *net, __u8 plen,
		      const union ipso_addr *a)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (memcmp(net->a8, a->a8, bytes))
		return false;
	return !bits || !((net->a8[bytes] ^ a->a8[bytes]) & (0xff00 >> bits));
}

static bool rule_matches(const struct devperm_rule *r,
			 const struct ipso_sa_desc *sa)
{
	if ((r->has & DP_REQID) && r->reqid != sa->reqid)
		return false;
	if ((r->has & DP_SPI) && r->spi != sa->key.spi)
		return false;
	if ((r->has & DP_DIR) && r->dir != sa->dir)
		return false;
	if ((r->has & DP_SRC) && (r->family_s != sa->key.family ||
				  !in_prefix(&r->src, r->plen_s, &sa->saddr)))
		return false;
	if ((r->has & DP_DST) && (r->family_d != sa->key.family ||
				  !in_prefix(&r->dst, r->plen_d, &sa->key.daddr)))
		return false;
	return true;
}

static bool listed(const char (*devs)[IF_NAMESIZE], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(devs[i], name))
			return true;
	return false;
}

bool devperm_allows(const struct devperm *dp, const struct ipso_sa_desc *sa,
		    const char *ifname)
{
	if (dp->nglobal && !listed(dp->global, dp->nglobal, ifname))
		return false;
	for (int i = 0; i < dp->nrules; i++) {
		const struct devperm_rule *r = &dp->rules[i];

		if (!rule_matches(r, sa))
			continue;
		return r->all || listed(r->devs, r->ndevs, ifname);
	}
	return true;
}

void devperm_print(const struct devperm *dp, FILE *f)
{
	if (dp->nglobal) {
		fprintf(f, "global dev");
		for (int i = 0; i < dp->nglobal; i++)
			fprintf(f, "%c%s", i ? ',' : ' ', dp->global[i]);
		fputc('\n', f);
	}
	for (int i = 0; i < dp->nrules; i++) {
		const struct devperm_rule *r = &dp->rules[i];

		fprintf(f, "rule line %d: ", r->line);
		if (r->all)
			fprintf(f, "dev all\n");
		else if (!r->ndevs)
			fprintf(f, "dev none\n");
		else {
			fprintf(f, "dev");
			for (int d = 0; d < r->ndevs; d++)
				fprintf(f, "%c%s", d ? ',' : ' ', r->devs[d]);
			fputc('\n', f);
		}
	}
	if (!dp->nrules && !dp->nglobal)
		fprintf(f, "every attached device\n");
}

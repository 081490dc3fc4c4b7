// SPDX-License-Identifier: GPL-2.0
/*
 * keyscan.so: at exit, search the whole writable memory of the process
 * (heap, data, bss, stacks: the rw mappings of /proc/self/maps) for a
 * key, and print how many copies are left.  Preloaded into the loader by
 * tests/guest/test_loader_keys.sh: a key that an SA dump or event
 * carried must not survive in the loader's buffers.
 *
 *   LD_PRELOAD=keyscan.so IPSO_KEYSCAN=HEX[,HEX...] COMMAND...
 * prints "keyscan: N copies" on stderr (also to IPSO_KEYSCAN_OUT when
 * set).  A key shorter than 8 bytes is ignored.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 64

static int unhex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;
	unsigned int b;

	if (!strncmp(s, "0x", 2))
		s += 2;
	while (s[0] && s[0] != ',' && s[1] && n < max) {
		if (sscanf(s, "%2x", &b) != 1)
			return -1;
		out[n++] = b;
		s += 2;
	}
	return (int)n;
}

/* Copies of key in [lo, hi), not counting the scanner's own copy. */
static unsigned long count_in(const unsigned char *lo, const unsigned char *hi,
			      const unsigned char *key, size_t len)
{
	const unsigned char *p = lo;
	unsigned long n = 0;

	while (p + len <= hi) {
		const unsigned char *q = memmem(p, hi - p, key, len);

		if (!q)
			break;
		if (q != key)
			n++;
		p = q + 1;
	}
	return n;
}

static unsigned long scan(const unsigned char *key, size_t len)
{
	unsigned long lo, hi, n = 0;
	char line[512], perms[8];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return ~0ul;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		/* rw private mappings; not the vsyscall page and friends */
		if (perms[0] != 'r' || perms[1] != 'w' || strstr(line, "[v"))
			continue;
		n += count_in((const unsigned char *)lo,
			      (const unsigned char *)hi, key, len);
	}
	fclose(f);
	return n;
}

__attribute__((destructor)) static void keyscan_at_exit(void)
{
	const char *spec = getenv("IPSO_KEYSCAN");
	const char *out = getenv("IPSO_KEYSCAN_OUT");
	unsigned char key[KEY_MAX];
	unsigned long copies = 0;
	FILE *f;
	int len;

	while (spec && *spec) {
		len = unhex(spec, key, sizeof(key));
		if (len >= 8)
			copies += scan(key, len);
		spec = strchr(spec, ',');
		if (spec)
			spec++;
	}
	memset(key, 0, sizeof(key));
	fprintf(stderr, "keyscan: %lu copies\n", copies);
	if (out && (f = fopen(out, "a"))) {
		fprintf(f, "keyscan: %lu copies\n", copies);
		fclose(f);
	}
}

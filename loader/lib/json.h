/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny streaming JSON writer (objects, arrays, strings, integers,
 * booleans), enough for `-j` output.  No dependency beyond libc; strings
 * are escaped per RFC 8259.  -p pretty-prints with two-space indents.
 */
#ifndef IPSO_JSON_H
#define IPSO_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 16

struct jw {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JW_MAX_DEPTH];
	char closer[JW_MAX_DEPTH];
};

void jw_init(struct jw *w, FILE *f, bool pretty);
/* name is NULL inside arrays and for the top level value. */
void jw_obj_open(struct jw *w, const char *name);
void jw_arr_open(struct jw *w, const char *name);
void jw_close(struct jw *w);	/* closes the innermost object/array */
void jw_str(struct jw *w, const char *name, const char *val);
void jw_u64(struct jw *w, const char *name, uint64_t val);
void jw_s64(struct jw *w, const char *name, int64_t val);
void jw_bool(struct jw *w, const char *name, bool val);
void jw_null(struct jw *w, const char *name);
void jw_end(struct jw *w);	/* final newline */

#endif /* IPSO_JSON_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One call per field for both outputs, after iproute2's json_print.h: a
 * field goes to the JSON writer under its key (PRINT_JSON), to stdout
 * through its text format (PRINT_FP), or to whichever is on (PRINT_ANY).
 * Objects and arrays exist in JSON only; jp_text() in text only.
 */
#ifndef IPSO_JSON_PRINT_H
#define IPSO_JSON_PRINT_H

#include <stdbool.h>

#include "json.h"

enum print_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

struct jprint {
	bool json;
	struct jw w;
};

void jp_init(struct jprint *p, bool json, bool pretty);
void jp_open_obj(struct jprint *p, const char *key);
void jp_open_arr(struct jprint *p, const char *key);
void jp_close(struct jprint *p);
void jp_end(struct jprint *p);	/* JSON: the final newline */

/* fmt takes the value once: %s, or %llu / %llx / %lld for the numbers. */
void jp_str(struct jprint *p, enum print_type t, const char *key,
	    const char *fmt, const char *val);
void jp_u64(struct jprint *p, enum print_type t, const char *key,
	    const char *fmt, unsigned long long val);
void jp_s64(struct jprint *p, enum print_type t, const char *key,
	    const char *fmt, long long val);
void jp_null(struct jprint *p, const char *key);	/* JSON only */
void jp_text(struct jprint *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* IPSO_JSON_PRINT_H */

// SPDX-License-Identifier: GPL-2.0
/* Text and JSON from one call per field; see json_print.h. */
#include <stdarg.h>
#include <stdio.h>

#include "json_print.h"

void jp_init(struct jprint *p, bool json, bool pretty)
{
	p->json = json;
	jw_init(&p->w, stdout, pretty);
}

void jp_open_obj(struct jprint *p, const char *key)
{
	if (p->json)
		jw_obj_open(&p->w, key);
}

void jp_open_arr(struct jprint *p, const char *key)
{
	if (p->json)
		jw_arr_open(&p->w, key);
}

void jp_close(struct jprint *p)
{
	if (p->json)
		jw_close(&p->w);
}

void jp_end(struct jprint *p)
{
	if (p->json)
		jw_end(&p->w);
}

/* Whether the field goes to the writer that is on, and to which. */
static bool to_json(const struct jprint *p, enum print_type t)
{
	return p->json && (t & PRINT_JSON);
}

static bool to_text(const struct jprint *p, enum print_type t)
{
	return !p->json && (t & PRINT_FP);
}

void jp_str(struct jprint *p, enum print_type t, const char *key,
	    const char *fmt, const char *val)
{
	if (to_json(p, t))
		jw_str(&p->w, key, val);
	else if (to_text(p, t))
		printf(fmt, val);
}

void jp_u64(struct jprint *p, enum print_type t, const char *key,
	    const char *fmt, unsigned long long val)
{
	if (to_json(p, t))
		jw_u64(&p->w, key, val);
	else if (to_text(p, t))
		printf(fmt, val);
}

void jp_s64(struct jprint *p, enum print_type t, const char *key,
	    const char *fmt, long long val)
{
	if (to_json(p, t))
		jw_s64(&p->w, key, val);
	else if (to_text(p, t))
		printf(fmt, val);
}

void jp_null(struct jprint *p, const char *key)
{
	if (p->json)
		jw_null(&p->w, key);
}

void jp_text(struct jprint *p, const char *fmt, ...)
{
	va_list ap;

	if (p->json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

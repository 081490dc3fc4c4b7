// SPDX-License-Identifier: GPL-2.0
/* Streaming JSON writer used by every `-j` output. */
#include <inttypes.h>

#include "json.h"

void jw_init(struct jw *w, FILE *f, bool pretty)
{
	w->f = f;
	w->pretty = pretty;
	w->depth = 0;
	w->first[0] = true;
}

static void indent(struct jw *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

static void put_string(struct jw *w, const char *s)
{
	fputc('"', w->f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':
			fputs("\\\"", w->f);
			break;
		case '\\':
			fputs("\\\\", w->f);
			break;
		case '\n':
			fputs("\\n", w->f);
			break;
		case '\t':
			fputs("\\t", w->f);
			break;
		default:
			if (c < 0x20)
				fprintf(w->f, "\\u%04x", c);
			else
				fputc(c, w->f);
		}
	}
	fputc('"', w->f);
}

/* Separator, indentation and "name": before a value. */
static void member(struct jw *w, const char *name)
{
	if (w->depth > 0) {
		if (!w->first[w->depth])
			fputc(',', w->f);
		w->first[w->depth] = false;
		indent(w);
	}
	if (name) {
		put_string(w, name);
		fputs(w->pretty ? ": " : ":", w->f);
	}
}

static void open(struct jw *w, const char *name, char c)
{
	member(w, name);
	fputc(c, w->f);
	if (w->depth < JW_MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
	w->closer[w->depth] = c == '{' ? '}' : ']';
}

void jw_obj_open(struct jw *w, const char *name)
{
	open(w, name, '{');
}

void jw_arr_open(struct jw *w, const char *name)
{
	open(w, name, '[');
}

void jw_close(struct jw *w)
{
	bool empty = w->first[w->depth];
	char c = w->closer[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (!empty)
		indent(w);
	fputc(c, w->f);
}

void jw_str(struct jw *w, const char *name, const char *val)
{
	member(w, name);
	if (val)
		put_string(w, val);
	else
		fputs("null", w->f);
}

void jw_u64(struct jw *w, const char *name, uint64_t val)
{
	member(w, name);
	fprintf(w->f, "%" PRIu64, val);
}

void jw_s64(struct jw *w, const char *name, int64_t val)
{
	member(w, name);
	fprintf(w->f, "%" PRId64, val);
}

void jw_bool(struct jw *w, const char *name, bool val)
{
	member(w, name);
	fputs(val ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *name)
{
	member(w, name);
	fputs("null", w->f);
}

void jw_end(struct jw *w)
{
	fputc('\n', w->f);
	fflush(w->f);
}

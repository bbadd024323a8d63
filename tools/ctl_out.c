// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_out.c — safe text and the JSON writer of ctl_out.h. The writer pretty-prints (two spaces
 * per level) because the same document is read by people with jq and by scripts.
 */
#include <inttypes.h>
#include <stddef.h>

#include "ctl_out.h"

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n, i;
	uint32_t cp;

	if (*p < 0x80)
		return 1;
	if ((*p & 0xe0) == 0xc0)
		n = 2, cp = *p & 0x1f;
	else if ((*p & 0xf0) == 0xe0)
		n = 3, cp = *p & 0x0f;
	else if ((*p & 0xf8) == 0xf0)
		n = 4, cp = *p & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)	/* also stops at the terminating NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values above U+10FFFF are not UTF-8. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void out_text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\' || !(n = utf8_len(p))) {
			fprintf(f, "\\x%02x", *p++);
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
}

void out_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	fputc('"', f);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p++, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
			p++;
		} else if (*p == '\t') {
			fputs("\\t", f);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if ((n = utf8_len(p))) {
			fwrite(p, 1, n, f);
			p += n;
		} else {
			fputs("\\ufffd", f);
			p++;
		}
	}
	fputc('"', f);
}

void jw_init(struct jw *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->need_comma = false;
}

/* Start a member or element: comma, newline, indentation, key. */
static void jw_key(struct jw *w, const char *key)
{
	if (w->need_comma)
		fputc(',', w->f);
	if (w->depth)
		fprintf(w->f, "\n%*s", 2 * w->depth, "");
	if (key) {
		out_json_string(w->f, key);
		fputs(": ", w->f);
	}
	w->need_comma = true;
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	fputc(c, w->f);
	w->depth++;
	w->need_comma = false;
}

static void jw_close(struct jw *w, char c)
{
	bool empty = !w->need_comma;

	w->depth--;
	if (!empty)
		fprintf(w->f, "\n%*s", 2 * w->depth, "");
	fputc(c, w->f);
	w->need_comma = true;
	if (!w->depth)
		fputc('\n', w->f);
}

void jw_object(struct jw *w, const char *key)
{
	jw_open(w, key, '{');
}

void jw_array(struct jw *w, const char *key)
{
	jw_open(w, key, '[');
}

void jw_end_object(struct jw *w)
{
	jw_close(w, '}');
}

void jw_end_array(struct jw *w)
{
	jw_close(w, ']');
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	if (s)
		out_json_string(w->f, s);
	else
		fputs("null", w->f);
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

void jw_u64_if(struct jw *w, const char *key, bool known, uint64_t v)
{
	if (known)
		jw_u64(w, key, v);
	else
		jw_null(w, key);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *key)
{
	jw_key(w, key);
	fputs("null", w->f);
}

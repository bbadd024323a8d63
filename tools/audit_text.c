// SPDX-License-Identifier: GPL-2.0
/*
 * audit_text.c — safe, column-fitted printing of untrusted text; see audit_text.h. Text is
 * walked one display unit at a time (a character, or the escape standing for a byte or an
 * invisible character), so a cut never splits a UTF-8 sequence.
 */
#include <stdint.h>
#include <string.h>

#include "audit_text.h"

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, one column */

struct text_unit {
	char text[8]; /* NUL-terminated display form */
	size_t width;
	bool escaped; /* shown as an escape, not as itself */
};

/* The length of a well-formed UTF-8 sequence at p and its code point, or 0. */
static size_t utf8_decode(const unsigned char *p, uint32_t *ret)
{
	size_t n, i;
	uint32_t cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret = cp;
	return n;
}

/* C1 controls and the invisible characters that reorder or hide text. */
static bool invisible(uint32_t cp)
{
	return cp < 0xa0 || cp == 0xad || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
	       cp == 0xfeff;
}

/* The unit at *p; advances *p past it. */
static void next_unit(const unsigned char **p, struct text_unit *u)
{
	const unsigned char *s = *p;
	uint32_t cp;
	size_t n;

	if (*s >= 0x20 && *s < 0x7f) {
		u->text[0] = (char)*s;
		u->text[1] = '\0';
		u->width = 1;
		u->escaped = false;
		*p = s + 1;
		return;
	}
	n = *s >= 0x80 ? utf8_decode(s, &cp) : 0;
	u->escaped = !n || invisible(cp);
	if (!n) {
		u->width = (size_t)snprintf(u->text, sizeof(u->text), "\\x%02x", *s);
		*p = s + 1;
	} else if (invisible(cp)) {
		u->width = (size_t)snprintf(u->text, sizeof(u->text), "\\u%04x", (unsigned)cp);
		*p = s + n;
	} else {
		memcpy(u->text, s, n);
		u->text[n] = '\0';
		u->width = 1;
		*p = s + n;
	}
}

size_t text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct text_unit u;
	size_t w = 0;

	while (*p) {
		next_unit(&p, &u);
		w += u.width;
	}
	return w;
}

bool text_is_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct text_unit u;

	while (*p) {
		next_unit(&p, &u);
		if (u.escaped)
			return false;
	}
	return true;
}

/* Print units from *p while they fit in budget columns; return the columns used. */
static size_t print_units(FILE *f, const unsigned char **p, size_t budget)
{
	const unsigned char *q;
	struct text_unit u;
	size_t used = 0;

	while (**p) {
		q = *p;
		next_unit(&q, &u);
		if (used + u.width > budget)
			break;
		fputs(u.text, f);
		used += u.width;
		*p = q;
	}
	return used;
}

/* Skip units from the start until at most keep columns remain of total. */
static const unsigned char *tail_start(const char *s, size_t total, size_t keep)
{
	const unsigned char *p = (const unsigned char *)s;
	struct text_unit u;

	while (*p && total > keep) {
		next_unit(&p, &u);
		total -= u.width;
	}
	return p;
}

size_t text_print(FILE *f, const char *s, size_t width, enum text_cut cut, bool pad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t total = text_width(s), used, head;

	if (total <= width) {
		used = print_units(f, &p, total);
	} else if (width == 0) {
		used = 0;
	} else if (cut == TEXT_CUT_END) {
		used = print_units(f, &p, width - 1);
		fputs(ELLIPSIS, f);
		used++;
	} else {
		head = (width - 1) / 3;
		used = print_units(f, &p, head);
		fputs(ELLIPSIS, f);
		p = tail_start(s, total, width - 1 - used);
		used += 1 + print_units(f, &p, width - 1 - used);
	}
	if (pad)
		fprintf(f, "%*s", (int)(width > used ? width - used : 0), "");
	return used;
}

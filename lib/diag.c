// SPDX-License-Identifier: GPL-2.0
/* diag.c — see diag.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static void diag_vadd(struct sf_diag *d, const char *kind, const char *where, unsigned int line,
		      const char *fmt, va_list ap)
{
	char msg[768], full[1024];
	size_t n;
	char *p;

	if (d->errors + d->warnings > DIAG_MAX)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line)
		n = snprintf(full, sizeof(full), "%s:%u: %s%s\n", where, line, kind, msg);
	else
		n = snprintf(full, sizeof(full), "%s: %s%s\n", where, kind, msg);
	if (n >= sizeof(full))
		n = sizeof(full) - 1;
	if (d->len + n + 1 > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;

		while (cap < d->len + n + 1)
			cap *= 2;
		p = realloc(d->text, cap);
		if (!p)
			return;
		d->text = p;
		d->cap = cap;
	}
	memcpy(d->text + d->len, full, n + 1);
	d->len += n;
}

void diag_error(struct sf_diag *d, const char *where, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, "", where, line, fmt, ap);
	va_end(ap);
	d->errors++;
}

void diag_warn(struct sf_diag *d, const char *where, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, "warning: ", where, line, fmt, ap);
	va_end(ap);
	d->warnings++;
}

const char *diag_text(const struct sf_diag *d)
{
	return d->text ? d->text : "";
}

void diag_free(struct sf_diag *d)
{
	free(d->text);
	memset(d, 0, sizeof(*d));
}

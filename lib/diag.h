/* SPDX-License-Identifier: GPL-2.0 */
/*
 * diag.h — collect every error of a config file or message as "where:line: what" lines, so
 * that an admin sees all mistakes at once and nothing is applied while any remain.
 */
#ifndef SF_DIAG_H
#define SF_DIAG_H

#include <stddef.h>

#define DIAG_MAX 100	/* further errors are counted, not kept */

struct sf_diag {
	char *text;		/* "where:line: what\n" lines, NUL-terminated, or NULL */
	size_t len, cap;
	unsigned int errors;	/* how many were reported */
	unsigned int warnings;
};

void diag_error(struct sf_diag *d, const char *where, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_warn(struct sf_diag *d, const char *where, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The collected text, "" when empty. */
const char *diag_text(const struct sf_diag *d);
void diag_free(struct sf_diag *d);

#endif /* SF_DIAG_H */

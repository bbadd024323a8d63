/* SPDX-License-Identifier: GPL-2.0 */
/*
 * audit_text.h — printing untrusted text in columns.
 *
 * Paths, request lines and process names in the log come from the sites, that is from
 * whoever controls a customer's PHP code. Printed raw they could move the cursor, rewrite
 * earlier lines or reverse the text (escape sequences, C1 and bidi controls). Everything the
 * human output shows goes through here: printable ASCII and well-formed UTF-8 stay as they
 * are; control characters, invalid bytes and invisible formatting characters are shown as
 * \xNN or \uNNNN. Widths count one column per character (no East Asian double width).
 */
#ifndef SF_AUDIT_TEXT_H
#define SF_AUDIT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum text_cut {
	TEXT_CUT_END,	 /* keep the beginning: "GET /wp-admin/lo…" */
	TEXT_CUT_MIDDLE, /* keep both ends, more of the end: "/var/www/…/uploads/x.php" */
};

/* The width of s as text_print shows it. */
size_t text_width(const char *s);

/*
 * Print s in a column of width columns: shown safely, shortened with "…" when wider, then
 * padded with spaces when pad (not for the last column). Returns the columns printed.
 */
size_t text_print(FILE *f, const char *s, size_t width, enum text_cut cut, bool pad);

/* Whether s is printable ASCII or well-formed UTF-8 without any control character. */
bool text_is_clean(const char *s);

#endif /* SF_AUDIT_TEXT_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h — a small, strict, bounded JSON reader for one-object-per-line logs, and a writer for
 * JSON strings.
 *
 * The reader accepts exactly one JSON object per call (surrounding whitespace allowed) and
 * records its top-level members. Values that are strings, numbers, true, false or null are
 * kept; nested objects and arrays are checked for syntax and then skipped. Strings are
 * decoded, including \uXXXX escapes and surrogate pairs, into a buffer inside the object, so
 * a parsed object never points into the caller's text. Limits: JSON_MAX_TEXT bytes of text,
 * JSON_MAX_MEMBERS members, JSON_MAX_DEPTH levels of nesting. Bytes >= 0x80 are passed through
 * unchecked (file names need not be UTF-8), but a \u0000 escape is refused: C strings cannot
 * hold it.
 */
#ifndef SF_JSON_H
#define SF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JSON_MAX_TEXT	 65536
#define JSON_MAX_MEMBERS 64
#define JSON_MAX_DEPTH	 32

enum json_type {
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
	JSON_NESTED, /* an object or array: syntax-checked, content not kept */
};

struct json_member {
	const char *key;
	enum json_type type;
	/* JSON_STRING: the decoded string; JSON_NUMBER: the number's text; otherwise NULL. */
	const char *str;
};

struct json_object {
	size_t n;
	struct json_member members[JSON_MAX_MEMBERS];
	/* Decoded keys and values; text never decodes to more than its own length plus one. */
	char buf[JSON_MAX_TEXT + 1];
};

/*
 * Parse text[0..len) as one JSON object into *obj. Returns 0; -EINVAL when the text is not
 * JSON (or holds \u0000); -E2BIG when it exceeds a limit; -ENOTUNIQ when a key repeats.
 */
int json_parse_object(const char *text, size_t len, struct json_object *obj);

/* The member named key, or NULL. */
const struct json_member *json_get(const struct json_object *obj, const char *key);

/* Write s as a JSON string, quotes included; bytes >= 0x80 are written unchanged. */
void json_write_string(FILE *f, const char *s);

#endif /* SF_JSON_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * json.c — the strict, bounded JSON reader and the JSON string writer of json.h.
 *
 * A recursive-descent parser over [p, end) that writes decoded strings into the object's own
 * buffer. Every read is checked against end, so the text need not be NUL-terminated, and
 * nesting is bounded by JSON_MAX_DEPTH, so hostile input cannot exhaust the stack.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "json.h"

struct json_parser {
	const char *p, *end;
	char *out, *out_end; /* where decoded strings go; NULL while only checking syntax */
};

static void skip_ws(struct json_parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int put_byte(struct json_parser *ps, char c)
{
	if (!ps->out)
		return 0;
	/* Cannot happen (decoding never grows text), but a bound is cheaper than a proof. */
	if (ps->out >= ps->out_end)
		return -E2BIG;
	*ps->out++ = c;
	return 0;
}

static int put_utf8(struct json_parser *ps, uint32_t cp)
{
	char b[4];
	int n, i, err;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	for (i = 0; i < n; i++) {
		err = put_byte(ps, b[i]);
		if (err)
			return err;
	}
	return 0;
}

/* Four hex digits after "\u". */
static int read_hex4(struct json_parser *ps, uint32_t *ret)
{
	uint32_t v = 0;
	int i;

	if (ps->end - ps->p < 4)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		char c = *ps->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

/* The code point of a \u escape (ps->p after the 'u'); a high surrogate needs its low half. */
static int read_unicode_escape(struct json_parser *ps, uint32_t *ret)
{
	uint32_t hi, lo;
	int err;

	err = read_hex4(ps, &hi);
	if (err)
		return err;
	if (hi == 0 || (hi >= 0xdc00 && hi <= 0xdfff))
		return -EINVAL;
	if (hi < 0xd800 || hi > 0xdbff) {
		*ret = hi;
		return 0;
	}
	if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
		return -EINVAL;
	ps->p += 2;
	err = read_hex4(ps, &lo);
	if (err)
		return err;
	if (lo < 0xdc00 || lo > 0xdfff)
		return -EINVAL;
	*ret = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

/* One escape sequence; ps->p is just after the backslash. */
static int read_escape(struct json_parser *ps)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	uint32_t cp;
	int err;

	if (ps->p >= ps->end)
		return -EINVAL;
	if (*ps->p == 'u') {
		ps->p++;
		err = read_unicode_escape(ps, &cp);
		return err ? err : put_utf8(ps, cp);
	}
	e = memchr(from, *ps->p, sizeof(from) - 1);
	if (!e)
		return -EINVAL;
	ps->p++;
	return put_byte(ps, to[e - from]);
}

/* A string; ps->p is at the opening quote. *ret is the decoded string when decoding. */
static int read_string(struct json_parser *ps, const char **ret)
{
	char *start = ps->out;
	int err;

	ps->p++;
	for (;;) {
		unsigned char c;

		if (ps->p >= ps->end)
			return -EINVAL;
		c = (unsigned char)*ps->p;
		if (c == '"')
			break;
		if (c < 0x20)
			return -EINVAL;
		if (c == '\\') {
			ps->p++;
			err = read_escape(ps);
		} else {
			ps->p++;
			err = put_byte(ps, (char)c);
		}
		if (err)
			return err;
	}
	ps->p++;
	err = put_byte(ps, '\0');
	if (err)
		return err;
	if (ret)
		*ret = start;
	return 0;
}

static bool at_digit(const struct json_parser *ps)
{
	return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

static void skip_digits(struct json_parser *ps)
{
	while (at_digit(ps))
		ps->p++;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; *ret is a copy of its text when decoding. */
static int read_number(struct json_parser *ps, const char **ret)
{
	const char *start = ps->p;
	char *copy = ps->out;
	int err;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (!at_digit(ps))
		return -EINVAL;
	if (*ps->p++ != '0')
		skip_digits(ps);
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (!at_digit(ps))
			return -EINVAL;
		skip_digits(ps);
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!at_digit(ps))
			return -EINVAL;
		skip_digits(ps);
	}
	for (const char *q = start; q < ps->p; q++) {
		err = put_byte(ps, *q);
		if (err)
			return err;
	}
	err = put_byte(ps, '\0');
	if (!err && ret)
		*ret = copy;
	return err;
}

static int read_literal(struct json_parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n))
		return -EINVAL;
	ps->p += n;
	return 0;
}

static int skip_value(struct json_parser *ps, int depth);

/* Check the syntax of an object or array at ps->p without keeping anything. */
static int skip_container(struct json_parser *ps, int depth)
{
	char close = *ps->p == '{' ? '}' : ']';
	bool object = close == '}';
	int err;

	if (depth >= JSON_MAX_DEPTH)
		return -E2BIG;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return 0;
	}
	for (;;) {
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"')
				return -EINVAL;
			err = read_string(ps, NULL);
			if (err)
				return err;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p++ != ':')
				return -EINVAL;
		}
		err = skip_value(ps, depth + 1);
		if (err)
			return err;
		skip_ws(ps);
		if (ps->p >= ps->end)
			return -EINVAL;
		if (*ps->p == close) {
			ps->p++;
			return 0;
		}
		if (*ps->p++ != ',')
			return -EINVAL;
		skip_ws(ps);
	}
}

/* Any value, syntax only. */
static int skip_value(struct json_parser *ps, int depth)
{
	char *saved = ps->out;
	int err;

	skip_ws(ps);
	if (ps->p >= ps->end)
		return -EINVAL;
	ps->out = NULL;
	switch (*ps->p) {
	case '{':
	case '[':
		err = skip_container(ps, depth);
		break;
	case '"':
		err = read_string(ps, NULL);
		break;
	case 't':
		err = read_literal(ps, "true");
		break;
	case 'f':
		err = read_literal(ps, "false");
		break;
	case 'n':
		err = read_literal(ps, "null");
		break;
	default:
		err = read_number(ps, NULL);
		break;
	}
	ps->out = saved;
	return err;
}

/* A member's value at top level: kept unless nested. */
static int read_member_value(struct json_parser *ps, struct json_member *m)
{
	m->str = NULL;
	if (ps->p >= ps->end)
		return -EINVAL;
	switch (*ps->p) {
	case '{':
	case '[':
		m->type = JSON_NESTED;
		return skip_value(ps, 1);
	case '"':
		m->type = JSON_STRING;
		return read_string(ps, &m->str);
	case 't':
		m->type = JSON_TRUE;
		return read_literal(ps, "true");
	case 'f':
		m->type = JSON_FALSE;
		return read_literal(ps, "false");
	case 'n':
		m->type = JSON_NULL;
		return read_literal(ps, "null");
	default:
		m->type = JSON_NUMBER;
		return read_number(ps, &m->str);
	}
}

/* One "key": value pair of the top-level object; 1 when it is one too many. */
static int read_member(struct json_parser *ps, struct json_object *obj)
{
	struct json_member *m;
	const char *key;
	int err;

	if (ps->p >= ps->end || *ps->p != '"')
		return -EINVAL;
	err = read_string(ps, &key);
	if (err)
		return err;
	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p++ != ':')
		return -EINVAL;
	skip_ws(ps);
	/* Over the limit: 1 after checking the value, as a broken line is "not JSON" anyway. */
	if (obj->n == JSON_MAX_MEMBERS) {
		err = skip_value(ps, 1);
		return err ? err : 1;
	}
	m = &obj->members[obj->n];
	m->key = key;
	err = read_member_value(ps, m);
	if (err)
		return err;
	obj->n++;
	return 0;
}

static int check_unique(const struct json_object *obj)
{
	size_t i, j;

	for (i = 1; i < obj->n; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(obj->members[i].key, obj->members[j].key))
				return -ENOTUNIQ;
	return 0;
}

static int read_object(struct json_parser *ps, struct json_object *obj)
{
	int err, limit = 0;

	if (ps->p >= ps->end || *ps->p++ != '{')
		return -EINVAL;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return 0;
	}
	for (;;) {
		err = read_member(ps, obj);
		if (err == 1)
			limit = -E2BIG; /* keep checking the syntax */
		else if (err)
			return err;
		skip_ws(ps);
		if (ps->p >= ps->end)
			return -EINVAL;
		if (*ps->p == '}') {
			ps->p++;
			return limit;
		}
		if (*ps->p++ != ',')
			return -EINVAL;
		skip_ws(ps);
	}
}

int json_parse_object(const char *text, size_t len, struct json_object *obj)
{
	struct json_parser ps = {
		.p = text,
		.end = text + len,
		.out = obj->buf,
		.out_end = obj->buf + sizeof(obj->buf),
	};
	int err;

	obj->n = 0;
	if (len > JSON_MAX_TEXT)
		return -E2BIG;
	skip_ws(&ps);
	err = read_object(&ps, obj);
	if (err)
		return err;
	skip_ws(&ps);
	if (ps.p != ps.end)
		return -EINVAL;
	return check_unique(obj);
}

const struct json_member *json_get(const struct json_object *obj, const char *key)
{
	size_t i;

	for (i = 0; i < obj->n; i++)
		if (!strcmp(obj->members[i].key, key))
			return &obj->members[i];
	return NULL;
}

void json_write_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * test_audit_json.c — unit tests of tools/json.c, the strict JSON reader behind
 * sitefence-audit: what it accepts and decodes (escapes, \u escapes, surrogate pairs, numbers,
 * nested values), what it refuses (broken syntax, lone surrogates, control characters, junk
 * after the object, too many members, too deep nesting, duplicate keys), and how the writer
 * escapes strings. Runs on the host.
 */
#include <stdlib.h>

#include "json.h"
#include "tap.h"

static struct json_object obj;

static int parse(const char *s)
{
	return json_parse_object(s, strlen(s), &obj);
}

/* The string value of key, or NULL. */
static const char *str(const char *key)
{
	const struct json_member *m = json_get(&obj, key);

	return m && m->type == JSON_STRING ? m->str : NULL;
}

static void test_accepts_flat_object_with_all_value_types(void)
{
	if (!ASSERT_EQ(parse(" {\"s\":\"x\", \"n\":-12.5e+3,\"t\":true,\"f\":false,\"z\":null}\n"),
		       0, "parse"))
		return;
	ASSERT_EQ(obj.n, 5, "members");
	ASSERT_STREQ(str("s"), "x", "string");
	ASSERT_EQ(json_get(&obj, "n")->type, JSON_NUMBER, "number type");
	ASSERT_STREQ(json_get(&obj, "n")->str, "-12.5e+3", "number text");
	ASSERT_EQ(json_get(&obj, "t")->type, JSON_TRUE, "true");
	ASSERT_EQ(json_get(&obj, "f")->type, JSON_FALSE, "false");
	ASSERT_EQ(json_get(&obj, "z")->type, JSON_NULL, "null");
	ASSERT_TRUE(json_get(&obj, "missing") == NULL, "absent key");
}

static void test_accepts_empty_object(void)
{
	ASSERT_EQ(parse("{}"), 0, "{}");
	ASSERT_EQ(obj.n, 0, "no members");
	ASSERT_EQ(parse("{ }"), 0, "{ }");
}

static void test_decodes_simple_escapes(void)
{
	if (!ASSERT_EQ(parse("{\"k\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}"), 0, "parse"))
		return;
	ASSERT_STREQ(str("k"), "a\"b\\c/d\b\f\n\r\t", "decoded");
}

static void test_decodes_unicode_escapes_to_utf8(void)
{
	if (!ASSERT_EQ(parse("{\"k\":\"\\u0041\\u00e9\\u20AC\\u001b\"}"), 0, "parse"))
		return;
	ASSERT_STREQ(str("k"), "A\xc3\xa9\xe2\x82\xac\x1b", "1-, 2-, 3-byte forms");
}

static void test_decodes_surrogate_pair(void)
{
	if (!ASSERT_EQ(parse("{\"k\":\"x\\ud83d\\ude00y\"}"), 0, "parse"))
		return;
	ASSERT_STREQ(str("k"), "x\xf0\x9f\x98\x80y", "U+1F600");
	ASSERT_EQ(parse("{\"k\":\"\\uDBFF\\uDFFF\"}"), 0, "highest pair");
	ASSERT_STREQ(str("k"), "\xf4\x8f\xbf\xbf", "U+10FFFF");
}

static void test_refuses_lone_or_broken_surrogates(void)
{
	ASSERT_EQ(parse("{\"k\":\"\\ud83d\"}"), -EINVAL, "high alone");
	ASSERT_EQ(parse("{\"k\":\"\\ud83dx\"}"), -EINVAL, "high then a character");
	ASSERT_EQ(parse("{\"k\":\"\\ud83d\\u0041\"}"), -EINVAL, "high then not low");
	ASSERT_EQ(parse("{\"k\":\"\\ude00\"}"), -EINVAL, "low alone");
	ASSERT_EQ(parse("{\"k\":\"\\ud83d\\ud83d\"}"), -EINVAL, "two highs");
}

static void test_refuses_bad_escapes(void)
{
	ASSERT_EQ(parse("{\"k\":\"\\x41\"}"), -EINVAL, "\\x");
	ASSERT_EQ(parse("{\"k\":\"\\u12\"}"), -EINVAL, "short \\u");
	ASSERT_EQ(parse("{\"k\":\"\\u12g4\"}"), -EINVAL, "non-hex \\u");
	ASSERT_EQ(parse("{\"k\":\"\\u0000\"}"), -EINVAL, "\\u0000 (C strings cannot hold it)");
	ASSERT_EQ(parse("{\"k\":\"\\"), -EINVAL, "backslash at the end");
}

static void test_refuses_raw_control_characters_in_strings(void)
{
	ASSERT_EQ(parse("{\"k\":\"a\tb\"}"), -EINVAL, "tab");
	ASSERT_EQ(parse("{\"k\":\"a\nb\"}"), -EINVAL, "newline");
	ASSERT_EQ(json_parse_object("{\"k\":\"a\0b\"}", 10, &obj), -EINVAL, "NUL byte");
}

static void test_passes_high_bytes_through(void)
{
	if (!ASSERT_EQ(parse("{\"k\":\"caf\xc3\xa9 \xff\"}"), 0, "parse"))
		return;
	ASSERT_STREQ(str("k"), "caf\xc3\xa9 \xff", "bytes kept");
}

static void test_number_grammar(void)
{
	static const char *const good[] = { "0", "-0", "1", "123", "1.5", "-0.25", "1e9", "1E-2",
					    "2.5e+10" };
	static const char *const bad[] = { "01", "+1", ".5", "1.", "1e", "-", "0x1", "1.e3",
					   "--1", "NaN", "Infinity" };
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(buf, sizeof(buf), "{\"n\":%s}", good[i]);
		if (ASSERT_EQ(parse(buf), 0, good[i]))
			ASSERT_STREQ(json_get(&obj, "n")->str, good[i], "number text kept");
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "{\"n\":%s}", bad[i]);
		ASSERT_EQ(parse(buf), -EINVAL, bad[i]);
	}
}

static void test_refuses_broken_syntax(void)
{
	static const char *const bad[] = {
		"",	   "   ",	      "[]",	       "\"s\"",	       "{",
		"}",	   "{\"a\"}",	      "{\"a\":}",      "{\"a\":1,}",   "{\"a\":1 \"b\":2}",
		"{a:1}",   "{'a':1}",	      "{\"a\":tru}",   "{\"a\":nul}",  "{\"a\":1}x",
		"{\"a\":1}{}", "{\"a\":\"x}", "{\"a\":[1,2}", "{\"a\":{\"b\"}}", "{\"a\":[1,]}",
		"{,}",	   "{\"a\":1,,\"b\":2}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ(parse(bad[i]), -EINVAL, bad[i]);
}

static void test_truncated_line_is_not_json(void)
{
	const char *line =
		"{\"time\":\"2026-11-27T12:34:56Z\",\"type\":\"access\",\"path\":\"/x\"}";
	size_t len = strlen(line), i;

	for (i = 0; i < len; i++)
		if (!ASSERT_EQ(json_parse_object(line, i, &obj), -EINVAL, "prefix"))
			printf("#   prefix length %zu\n", i);
	ASSERT_EQ(json_parse_object(line, len, &obj), 0, "whole line");
}

static void test_skips_nested_values_but_checks_them(void)
{
	if (!ASSERT_EQ(parse("{\"a\":{\"x\":[1,{\"y\":\"\\u00e9\"},[]],\"z\":{}},\"b\":\"k\"}"), 0,
		       "parse"))
		return;
	ASSERT_EQ(json_get(&obj, "a")->type, JSON_NESTED, "nested type");
	ASSERT_TRUE(json_get(&obj, "a")->str == NULL, "nested content not kept");
	ASSERT_STREQ(str("b"), "k", "member after the nested one");
	ASSERT_EQ(parse("{\"a\":[1 2]}"), -EINVAL, "broken array");
	ASSERT_EQ(parse("{\"a\":{\"x\":\"\\ud800\"}}"), -EINVAL, "bad escape inside");
}

static void test_bounds_nesting_depth(void)
{
	char buf[256];
	int depth, i, n;

	for (depth = JSON_MAX_DEPTH - 1; depth <= JSON_MAX_DEPTH + 1; depth++) {
		n = snprintf(buf, sizeof(buf), "{\"a\":");
		for (i = 0; i < depth; i++)
			buf[n++] = '[';
		for (i = 0; i < depth; i++)
			buf[n++] = ']';
		buf[n++] = '}';
		buf[n] = '\0';
		/* The top-level object is level 0; its value starts at level 1. */
		ASSERT_EQ(parse(buf), depth < JSON_MAX_DEPTH ? 0 : -E2BIG, "depth");
	}
	/* Broken syntax deeper than the limit is still not JSON, never a crash. */
	memset(buf, '[', sizeof(buf) - 1);
	memcpy(buf, "{\"a\":", 5);
	buf[sizeof(buf) - 1] = '\0';
	ASSERT_NEQ(parse(buf), 0, "unterminated deep nesting");
}

static void test_bounds_member_count(void)
{
	char buf[2048];
	int i, n;

	for (int count = JSON_MAX_MEMBERS; count <= JSON_MAX_MEMBERS + 1; count++) {
		n = snprintf(buf, sizeof(buf), "{");
		for (i = 0; i < count; i++)
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s\"k%d\":%d",
				      i ? "," : "", i, i);
		snprintf(buf + n, sizeof(buf) - (size_t)n, "}");
		ASSERT_EQ(parse(buf), count <= JSON_MAX_MEMBERS ? 0 : -E2BIG, "members");
	}
	/* Over the limit and broken: not JSON wins. */
	buf[strlen(buf) - 1] = ',';
	ASSERT_EQ(parse(buf), -EINVAL, "too many members and unterminated");
}

static void test_bounds_text_length(void)
{
	size_t len = JSON_MAX_TEXT, i;
	char *s = malloc(len + 2);

	if (!ASSERT_PTR(s, "malloc"))
		return;
	/* {"k":"xxxx...x"} of exactly JSON_MAX_TEXT bytes. */
	memcpy(s, "{\"k\":\"", 6);
	for (i = 6; i < len - 2; i++)
		s[i] = 'x';
	memcpy(s + len - 2, "\"}", 2);
	if (ASSERT_EQ(json_parse_object(s, len, &obj), 0, "at the limit"))
		ASSERT_EQ(strlen(str("k")), len - 8, "value length");
	s[len - 1] = ' ';
	s[len] = '}';
	ASSERT_EQ(json_parse_object(s, len + 1, &obj), -E2BIG, "one byte over");
	free(s);
}

static void test_refuses_duplicate_keys(void)
{
	ASSERT_EQ(parse("{\"a\":1,\"b\":2,\"a\":3}"), -ENOTUNIQ, "duplicate");
	ASSERT_EQ(parse("{\"a\":1,\"\\u0061\":3}"), -ENOTUNIQ, "duplicate after decoding");
}

static void test_writer_escapes_strings(void)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	if (!ASSERT_PTR(f, "open_memstream"))
		return;
	json_write_string(f, "q\"b\\n\n r\r t\t \x01 \x1f \x7f caf\xc3\xa9 /");
	fclose(f);
	ASSERT_STREQ(out, "\"q\\\"b\\\\n\\n r\\r t\\t \\u0001 \\u001f \\u007f caf\xc3\xa9 /\"",
		     "escaped");
	free(out);
}

static void test_writer_output_parses_back(void)
{
	const char *in = "a\"\\\n\x02\xc3\xa9\xf0\x9f\x98\x80";
	char *out = NULL, *line = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	if (!ASSERT_PTR(f, "open_memstream"))
		return;
	json_write_string(f, in);
	fclose(f);
	if (asprintf(&line, "{\"k\":%s}", out) > 0 && ASSERT_EQ(parse(line), 0, "parse back"))
		ASSERT_STREQ(str("k"), in, "round trip");
	free(line);
	free(out);
}

TAP_TESTS(TAP_TEST(test_accepts_flat_object_with_all_value_types),
	  TAP_TEST(test_accepts_empty_object),
	  TAP_TEST(test_decodes_simple_escapes),
	  TAP_TEST(test_decodes_unicode_escapes_to_utf8),
	  TAP_TEST(test_decodes_surrogate_pair),
	  TAP_TEST(test_refuses_lone_or_broken_surrogates),
	  TAP_TEST(test_refuses_bad_escapes),
	  TAP_TEST(test_refuses_raw_control_characters_in_strings),
	  TAP_TEST(test_passes_high_bytes_through),
	  TAP_TEST(test_number_grammar),
	  TAP_TEST(test_refuses_broken_syntax),
	  TAP_TEST(test_truncated_line_is_not_json),
	  TAP_TEST(test_skips_nested_values_but_checks_them),
	  TAP_TEST(test_bounds_nesting_depth),
	  TAP_TEST(test_bounds_member_count),
	  TAP_TEST(test_bounds_text_length),
	  TAP_TEST(test_refuses_duplicate_keys),
	  TAP_TEST(test_writer_escapes_strings),
	  TAP_TEST(test_writer_output_parses_back))

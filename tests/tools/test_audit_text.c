// SPDX-License-Identifier: GPL-2.0
/*
 * test_audit_text.c — unit tests of tools/audit_text.c, which prints text chosen by the sites
 * (paths, request lines, process names) in sitefence-audit's columns: control characters,
 * invalid UTF-8 and invisible or bidirectional formatting characters must come out escaped,
 * and shortening must keep columns aligned without splitting a character. Runs on the host.
 */
#include <stdlib.h>

#include "audit_text.h"
#include "tap.h"

static char out[512];

/* text_print into out; returns the columns it reports. */
static size_t show(const char *s, size_t width, enum text_cut cut, bool pad)
{
	FILE *f = fmemopen(out, sizeof(out), "w");
	size_t cols;

	if (!f)
		return (size_t)-1;
	cols = text_print(f, s, width, cut, pad);
	fclose(f);
	return cols;
}

static void test_plain_text_is_printed_and_padded(void)
{
	ASSERT_EQ(show("abc", 6, TEXT_CUT_END, true), 3, "columns");
	ASSERT_STREQ(out, "abc   ", "padded");
	show("abc", 6, TEXT_CUT_END, false);
	ASSERT_STREQ(out, "abc", "not padded");
}

static void test_control_characters_are_escaped(void)
{
	show("a\x1b[2Jb\tc\x7f", 40, TEXT_CUT_END, false);
	ASSERT_STREQ(out, "a\\x1b[2Jb\\x09c\\x7f", "ESC, TAB, DEL");
	ASSERT_EQ(text_width("a\x1b"), 5, "an escape counts its own width");
}

static void test_invalid_utf8_is_escaped_bytewise(void)
{
	show("\xff\xc3(\xe2\x82\xc0\xed\xa0\x80", 80, TEXT_CUT_END, false);
	ASSERT_STREQ(out, "\\xff\\xc3(\\xe2\\x82\\xc0\\xed\\xa0\\x80",
		     "stray byte, cut sequence, surrogate");
	show("\xc0\xaf\xe0\x80\xaf", 80, TEXT_CUT_END, false);
	ASSERT_STREQ(out, "\\xc0\\xaf\\xe0\\x80\\xaf", "overlong forms");
}

static void test_valid_utf8_is_kept(void)
{
	show("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 80, TEXT_CUT_END, true);
	ASSERT_EQ(text_width("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), 8, "one column each");
	ASSERT_TRUE(!strncmp(out, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 ", 15), "kept");
}

static void test_invisible_characters_are_escaped(void)
{
	show("a\xe2\x80\xae" "b\xc2\x9b" "c\xe2\x80\x8b" "d\xef\xbb\xbf", 80, TEXT_CUT_END, false);
	ASSERT_STREQ(out, "a\\u202eb\\u009bc\\u200bd\\ufeff", "RLO, CSI (C1), ZWSP, BOM");
}

static void test_cut_at_the_end(void)
{
	ASSERT_EQ(show("GET /wp-admin/index.php", 10, TEXT_CUT_END, true), 10, "columns");
	ASSERT_STREQ(out, "GET /wp-a\xe2\x80\xa6", "cut with an ellipsis");
}

static void test_cut_in_the_middle_keeps_more_of_the_end(void)
{
	ASSERT_EQ(show("/var/www/shop/wp-content/uploads/x.php", 20, TEXT_CUT_MIDDLE, true), 20,
		  "columns");
	ASSERT_STREQ(out, "/var/w\xe2\x80\xa6uploads/x.php", "head, ellipsis, tail");
}

static void test_cut_never_splits_a_character(void)
{
	show("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3, TEXT_CUT_END, true);
	ASSERT_STREQ(out, "\xc3\xa9\xc3\xa9\xe2\x80\xa6", "two characters and the ellipsis");
	/* An escape does not fit in the one column left: it is dropped whole, then padded. */
	ASSERT_EQ(show("ab\x1b" "cdef", 4, TEXT_CUT_END, true), 3, "columns used");
	ASSERT_STREQ(out, "ab\xe2\x80\xa6 ", "escape not split");
}

static void test_clean_means_nothing_escaped(void)
{
	ASSERT_TRUE(text_is_clean("/srv/caf\xc3\xa9/a b\\c"), "UTF-8, blank, backslash");
	ASSERT_FALSE(text_is_clean("/srv/a\nb"), "newline");
	ASSERT_FALSE(text_is_clean("/srv/\xff"), "invalid byte");
	ASSERT_FALSE(text_is_clean("/srv/\xe2\x80\xae"), "bidi override");
}

TAP_TESTS(TAP_TEST(test_plain_text_is_printed_and_padded),
	  TAP_TEST(test_control_characters_are_escaped),
	  TAP_TEST(test_invalid_utf8_is_escaped_bytewise),
	  TAP_TEST(test_valid_utf8_is_kept),
	  TAP_TEST(test_invisible_characters_are_escaped),
	  TAP_TEST(test_cut_at_the_end),
	  TAP_TEST(test_cut_in_the_middle_keeps_more_of_the_end),
	  TAP_TEST(test_cut_never_splits_a_character),
	  TAP_TEST(test_clean_means_nothing_escaped))

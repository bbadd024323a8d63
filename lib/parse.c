// SPDX-License-Identifier: GPL-2.0
/* parse.c — checked parsers for numbers, booleans, durations, sizes and words; see parse.h. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

/* Digits only (no sign, no spaces, no 0x); strtoull alone accepts "-1" and " 1". */
static int parse_digits(const char *s, const char **end, uint64_t *ret)
{
	unsigned long long v;
	char *e;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno == ERANGE)
		return -ERANGE;
	*end = e;
	*ret = v;
	return 0;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	const char *end;
	uint64_t v;
	int err;

	err = parse_digits(s, &end, &v);
	if (err)
		return err;
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
	uint64_t v;
	int err;

	err = parse_u64(s, min, max, &v);
	if (err)
		return err;
	*ret = (uint32_t)v;
	return 0;
}

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	bool neg = s && *s == '-';
	uint64_t v;
	int64_t sv;
	int err;

	err = parse_u64(neg ? s + 1 : s, 0, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &v);
	if (err)
		return err;
	sv = neg ? (int64_t)(0 - v) : (int64_t)v;
	if (sv < min || sv > max)
		return -ERANGE;
	*ret = sv;
	return 0;
}

int parse_int(const char *s, int min, int max, int *ret)
{
	int64_t v;
	int err;

	err = parse_i64(s, min, max, &v);
	if (err)
		return err;
	*ret = (int)v;
	return 0;
}

int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*ret = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Parse "<digits><unit>" where unit is one of units[] with its multiplier. */
static int parse_with_unit(const char *s, const char *const *units, const uint64_t *mult,
			   size_t nunits, uint64_t min, uint64_t max, uint64_t *ret)
{
	const char *end;
	uint64_t v, m = mult[0];
	size_t i;
	int err;

	err = parse_digits(s, &end, &v);
	if (err)
		return err;
	if (*end) {
		for (i = 0; i < nunits && strcmp(end, units[i]); i++)
			;
		if (i == nunits)
			return -EINVAL;
		m = mult[i];
	}
	if (m && v > UINT64_MAX / m)
		return -ERANGE;
	v *= m;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_duration_ms(const char *s, uint64_t min_ms, uint64_t max_ms, uint64_t *ret)
{
	/* The first entry is the default unit (seconds). */
	static const char *const units[] = { "s", "ms", "m", "h", "d" };
	static const uint64_t mult[] = { 1000, 1, 60000, 3600000, 86400000 };

	return parse_with_unit(s, units, mult, 5, min_ms, max_ms, ret);
}

int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	static const char *const units[] = { "", "K", "M", "G" };
	static const uint64_t mult[] = { 1, 1ULL << 10, 1ULL << 20, 1ULL << 30 };

	return parse_with_unit(s, units, mult, 4, min, max, ret);
}

int split_words(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			break;
		if (n == max)
			return -E2BIG;
		if (*p == '"') {
			char *q = strchr(p + 1, '"');

			if (!q)
				return -EINVAL;
			*q = '\0';
			words[n++] = p + 1;
			p = q + 1;
			if (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				return -EINVAL;
			continue;
		}
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

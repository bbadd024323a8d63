// SPDX-License-Identifier: GPL-2.0
/*
 * audit_time.c — parsing and formatting of the times in audit records and on the command line;
 * see audit_time.h. Calendar arithmetic is done here (days_from_civil) rather than with
 * timegm(), so that parsing never depends on the TZ environment.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit_time.h"
#include "parse.h"

#define US_PER_SEC 1000000LL
/* Ages beyond a century are typos. */
#define MAX_AGE_MS (100ULL * 366 * 86400 * 1000)

struct broken_time {
	int year, month, day, hour, min, sec, usec;
	int zone_min; /* offset east of UTC */
};

/* Exactly n decimal digits. */
static int read_digits(const char **p, int n, int *ret)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -EINVAL;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return 0;
}

static int read_char(const char **p, char c)
{
	if (**p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/* YYYY-MM-DD */
static int read_date(const char **p, struct broken_time *t)
{
	if (read_digits(p, 4, &t->year) || read_char(p, '-') || read_digits(p, 2, &t->month) ||
	    read_char(p, '-') || read_digits(p, 2, &t->day))
		return -EINVAL;
	if (t->month < 1 || t->month > 12 || t->day < 1 ||
	    t->day > days_in_month(t->year, t->month))
		return -EINVAL;
	return 0;
}

/* HH:MM[:SS[.frac]]; seconds are required when strict. */
static int read_clock(const char **p, struct broken_time *t, bool strict)
{
	int i;

	if (read_digits(p, 2, &t->hour) || read_char(p, ':') || read_digits(p, 2, &t->min))
		return -EINVAL;
	if (**p == ':') {
		(*p)++;
		if (read_digits(p, 2, &t->sec))
			return -EINVAL;
		if (**p == '.') {
			(*p)++;
			/* 1 to 9 digits; what lies beyond microseconds is dropped. */
			for (i = 0; i < 9 && **p >= '0' && **p <= '9'; i++, (*p)++)
				if (i < 6)
					t->usec = t->usec * 10 + (**p - '0');
			if (i == 0)
				return -EINVAL;
			for (; i < 6; i++)
				t->usec *= 10;
		}
	} else if (strict) {
		return -EINVAL;
	}
	/* 60 is a leap second; it counts as the next second, as timegm() would. */
	if (t->hour > 23 || t->min > 59 || t->sec > 60)
		return -EINVAL;
	return 0;
}

/* Z or +HH:MM / -HH:MM */
static int read_zone(const char **p, struct broken_time *t)
{
	int sign, h, m;

	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		return 0;
	}
	if (**p != '+' && **p != '-')
		return -EINVAL;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (read_digits(p, 2, &h) || read_char(p, ':') || read_digits(p, 2, &m) || h > 23 ||
	    m > 59)
		return -EINVAL;
	t->zone_min = sign * (h * 60 + m);
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t to_epoch_us(const struct broken_time *t)
{
	int64_t secs = days_from_civil(t->year, t->month, t->day) * 86400 + t->hour * 3600 +
		       t->min * 60 + t->sec - (int64_t)t->zone_min * 60;

	return secs * US_PER_SEC + t->usec;
}

/* Date, optional clock after 'T' or ' ', optional zone; clock and zone required when strict. */
static int parse_absolute(const char *s, bool strict, int64_t *ret)
{
	struct broken_time t = { 0 };
	const char *p = s;

	if (read_date(&p, &t))
		return -EINVAL;
	if (*p == 'T' || *p == 't' || (!strict && *p == ' ')) {
		p++;
		if (read_clock(&p, &t, strict))
			return -EINVAL;
	} else if (strict) {
		return -EINVAL;
	}
	if ((*p || strict) && read_zone(&p, &t))
		return -EINVAL;
	if (*p)
		return -EINVAL;
	*ret = to_epoch_us(&t);
	return 0;
}

int audit_time_parse_log(const char *s, int64_t *ret)
{
	return parse_absolute(s, true, ret);
}

int audit_time_parse_arg(const char *s, int64_t now_us, int64_t *ret)
{
	uint64_t ms;
	int err;

	/* An age is all digits then a unit; anything with a '-' or ':' is a date. */
	err = parse_duration_ms(s, 0, MAX_AGE_MS, &ms);
	if (!err) {
		*ret = now_us - (int64_t)ms * 1000;
		return 0;
	}
	if (err == -ERANGE)
		return err;
	return parse_absolute(s, false, ret);
}

void audit_time_format(int64_t us, enum audit_time_style style, char *buf, size_t size)
{
	int64_t secs = us / US_PER_SEC, frac = us % US_PER_SEC;
	time_t tt;
	struct tm tm;

	if (frac < 0) {
		frac += US_PER_SEC;
		secs--;
	}
	tt = (time_t)secs;
	if (!gmtime_r(&tt, &tm)) {
		snprintf(buf, size, "?");
		return;
	}
	switch (style) {
	case AUDIT_TIME_RFC3339:
		snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
		break;
	case AUDIT_TIME_HUMAN:
		snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		break;
	case AUDIT_TIME_DATE:
		snprintf(buf, size, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday);
		break;
	}
}

void audit_time_json(FILE *f, bool has, int64_t us)
{
	char buf[AUDIT_TIME_BUF];

	if (!has) {
		fputs("null", f);
		return;
	}
	audit_time_format(us, AUDIT_TIME_RFC3339, buf, sizeof(buf));
	fprintf(f, "\"%s\"", buf);
}

int64_t audit_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * audit_time.h — times in sitefence-audit: microseconds since the epoch, UTC throughout.
 *
 * The log writes RFC 3339 UTC times with microseconds; the command line also takes a date, a
 * date with a time of day, or an age ("10m" ago). A time without a zone is UTC, as in the log,
 * so that what the tool prints can be pasted back into --since and --until unchanged.
 */
#ifndef SF_AUDIT_TIME_H
#define SF_AUDIT_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Long enough for every style below, NUL included. */
#define AUDIT_TIME_BUF 40

enum audit_time_style {
	AUDIT_TIME_RFC3339, /* 2026-11-27T12:34:56.123456Z */
	AUDIT_TIME_HUMAN,   /* 2026-11-27 12:34:56 */
	AUDIT_TIME_DATE,    /* 2026-11-27 */
};

/* A log time: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)". 0 or -EINVAL. */
int audit_time_parse_log(const char *s, int64_t *ret);

/*
 * A command-line time: the log's form, "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.frac]]" (or with
 * a 'T'), each with an optional zone, or an age: a number with a unit (s, m, h, d, ms) before
 * now_us. 0, -EINVAL or -ERANGE.
 */
int audit_time_parse_arg(const char *s, int64_t now_us, int64_t *ret);

/* Format us in style into buf (at least AUDIT_TIME_BUF bytes). */
void audit_time_format(int64_t us, enum audit_time_style style, char *buf, size_t size);

/* Write us as a JSON string in the log's form, or null when !has. */
void audit_time_json(FILE *f, bool has, int64_t us);

/* The current time. */
int64_t audit_time_now(void);

#endif /* SF_AUDIT_TIME_H */

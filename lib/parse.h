/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse.h — the checked number and word parsers that every part of sitefence uses: the config
 * file, the control protocol, the command-line tools and the Apache directives. Nothing in
 * sitefence calls atoi/strtol directly: a value that is empty, has trailing junk, or lies
 * outside its range is an error, never clamped or silently truncated.
 *
 * All functions return 0 or a negative errno (-EINVAL: not a number; -ERANGE: out of range)
 * and leave *ret untouched on failure.
 */
#ifndef SF_PARSE_H
#define SF_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret);
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret);
int parse_int(const char *s, int min, int max, int *ret);

/* "on"/"off", "yes"/"no", "true"/"false", "1"/"0". */
int parse_bool(const char *s, bool *ret);

/*
 * A duration: a number with an optional unit (ms, s, m, h, d; seconds when none), in
 * milliseconds, within [min_ms, max_ms].
 */
int parse_duration_ms(const char *s, uint64_t min_ms, uint64_t max_ms, uint64_t *ret);

/* A size: a number with an optional K, M or G suffix (powers of 1024), in bytes. */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/*
 * Split line into at most max whitespace-separated words, in place; '#' outside a word starts
 * a comment. Double quotes group a word with spaces (no escapes inside). Returns the number of
 * words, or -E2BIG when there are more than max, or -EINVAL for an unterminated quote.
 */
int split_words(char *line, char **words, int max);

#endif /* SF_PARSE_H */

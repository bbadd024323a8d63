/* SPDX-License-Identifier: GPL-2.0 */
/*
 * audit_log.h — reading the audit log and its rotated siblings, oldest first, as a stream of
 * decoded records; and following the live file across rotations, like tail -F.
 *
 * Lines that are not records (not JSON, invalid, unknown type, longer than AUDIT_LINE_MAX,
 * an unfinished last line) are counted by reason with the place of the first one, never
 * fatal. A file that cannot be read is remembered and reading goes on with the next one; the
 * caller reports both at the end.
 */
#ifndef SF_AUDIT_LOG_H
#define SF_AUDIT_LOG_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit_record.h"

/* The longest line accepted, without its newline. */
#define AUDIT_LINE_MAX JSON_MAX_TEXT

/* At most this many rotated siblings are read (the newest ones). */
#define AUDIT_ROTATED_MAX 10000

struct audit_line {
	const char *text; /* the line as read, NUL-terminated, without its newline */
	size_t len;
	const struct audit_record *rec;
	const char *file; /* the file's base name */
	uint64_t lineno;
};

/* Called for each record; a non-zero return stops the reading and is returned. */
typedef int (*audit_line_fn)(const struct audit_line *line, void *ctx);

struct audit_log;

/*
 * Open the log at path (the live file, which must exist) and, when rotated, find its rotated
 * siblings path.1, path.2.gz, ... Returns 0 or -errno; on failure *ret_failed is the file (or
 * the directory, for the siblings) that could not be opened (free it), or NULL.
 */
int audit_log__open(const char *path, bool rotated, struct audit_log **ret,
		    char **ret_failed);
void audit_log__free(struct audit_log *log);

/*
 * Read all files, oldest first. With follow, an unfinished last line of the live file is kept
 * for audit_log__follow; otherwise it is read as a record if it is one, or counted.
 */
int audit_log__read(struct audit_log *log, bool follow, audit_line_fn fn, void *ctx);

/*
 * After audit_log__read(follow = true): wait for lines appended to the live file and pass them
 * to fn until *stop is set. When the file is replaced by a new one that has data (rotation),
 * the old one is read to its end first; when it shrinks (copytruncate), reading restarts at
 * its beginning. -ENOTSUP when the live file is compressed; -EIO after a read error.
 */
int audit_log__follow(struct audit_log *log, audit_line_fn fn, void *ctx,
		      volatile sig_atomic_t *stop);

/* Print "N lines skipped: ..." to f if any were; return the number skipped. */
uint64_t audit_log__report_skipped(const struct audit_log *log, FILE *f, const char *prog);

/* Print the read errors to f; return their number. */
uint64_t audit_log__report_errors(const struct audit_log *log, FILE *f, const char *prog);

#endif /* SF_AUDIT_LOG_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * audit.h — the commands of sitefence-audit and the options they share. main() parses the
 * options into struct audit_opts, opens the log and calls one command; a command writes its
 * result to stdout and returns 0 or -errno, leaving the error message to main().
 */
#ifndef SF_AUDIT_H
#define SF_AUDIT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "audit_log.h"
#include "audit_record.h"

#define AUDIT_PROG "sitefence-audit"

struct audit_opts {
	const char *file;
	bool rotated; /* also read file.1, file.2.gz, ... */
	struct audit_filter filter;
	bool json;
	/* query */
	bool follow;
	bool has_limit;
	uint32_t limit;
	/* summary */
	uint32_t top;
	/* suggest */
	bool include_denied, include_foreign;
};

/* Set by SIGINT and SIGTERM: --follow stops waiting. */
extern volatile sig_atomic_t audit_exiting;

int audit_cmd_query(const struct audit_opts *o, struct audit_log *log);
int audit_cmd_summary(const struct audit_opts *o, struct audit_log *log);
int audit_cmd_suggest(const struct audit_opts *o, struct audit_log *log);

#endif /* SF_AUDIT_H */

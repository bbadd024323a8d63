// SPDX-License-Identifier: GPL-2.0
/* log.c — see log.h. Messages go to stderr, which systemd's journal collects for the daemon. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *log_prog = "sitefence";
static enum log_level log_level = LOG_LVL_INFO;

void log_init(const char *prog, enum log_level level)
{
	log_prog = prog;
	log_level = level;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

bool log_enabled(enum log_level level)
{
	return level <= log_level;
}

static void vlog(enum log_level level, const char *func, int err, const char *fmt, va_list ap)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err < 0)
		err = -err;
	fprintf(stderr, "%s: %s%s%s%s%s%s\n", log_prog, prefix[level], func ? func : "",
		func ? ": " : "", msg, err ? ": " : "", err ? strerror(err) : "");
}

void sf_log(enum log_level level, const char *func, int err, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vlog(level, func, err, fmt, ap);
	va_end(ap);
}

void sf_fatal(const char *func, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, func, err, fmt, ap);
	va_end(ap);
	exit(1);
}

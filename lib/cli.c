// SPDX-License-Identifier: GPL-2.0
/* cli.c — usage errors of the command-line tools; see cli.h. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
}

void cli_bad_option(const char *prog, int c, char **argv)
{
	const char *arg = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, '\0' };
	int len = !strncmp(arg, "--", 2) ? (int)strcspn(arg, "=") : 0;

	if (c == ':')
		cli_usage_error(prog, "option '%.*s' needs a value", len ? len : 2,
				len ? arg : shortopt);
	else
		cli_usage_error(prog, "unknown option '%.*s'", len ? len : 2,
				len ? arg : shortopt);
}

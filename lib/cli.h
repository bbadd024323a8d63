/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli.h — how the command-line tools report a usage error: one line on stderr,
 * "PROG: what was wrong (see --help)", after which the caller exits with status 2.
 */
#ifndef SF_CLI_H
#define SF_CLI_H

__attribute__((format(printf, 2, 3))) void cli_usage_error(const char *prog, const char *fmt,
							   ...);
/*
 * getopt_long returned c (':' a missing value, '?' an unknown option) for argv[optind - 1]:
 * say which option, by its own spelling (a long option's optopt is its value, not a name).
 */
void cli_bad_option(const char *prog, int c, char **argv);

#endif /* SF_CLI_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * sitefence-audit — the administrator's tool for the sitefenced audit log: list the denials
 * (query, the default; --follow waits for new ones), summarise them per site and op
 * (summary), and turn a site's audit-mode records into the SitefenceAllow directives that
 * would allow them (suggest). See sitefence-audit(8).
 *
 * This file parses the command line and dispatches; the commands are audit_query.c,
 * audit_summary.c and audit_suggest.c, the log reader is audit_log.c.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_time.h"
#include "parse.h"
#include "cli.h"

#ifndef SITEFENCE_VERSION
#define SITEFENCE_VERSION "0.1"
#endif

#define DEFAULT_LOG	 "/var/log/sitefence/audit.log"
#define MAX_LIMIT	 1000000
#define MAX_TOP		 1000
#define DEFAULT_TOP	 5

volatile sig_atomic_t audit_exiting;

enum command {
	CMD_QUERY,
	CMD_SUMMARY,
	CMD_SUGGEST,
};

static const struct {
	const char *name;
	int (*run)(const struct audit_opts *o, struct audit_log *log);
} commands[] = {
	[CMD_QUERY] = { "query", audit_cmd_query },
	[CMD_SUMMARY] = { "summary", audit_cmd_summary },
	[CMD_SUGGEST] = { "suggest", audit_cmd_suggest },
};

enum {
	OPT_SINCE = 256,
	OPT_UNTIL,
	OPT_OP,
	OPT_PATH,
	OPT_PID,
	OPT_UID,
	OPT_VERDICT,
	OPT_JSON,
	OPT_TOP,
	OPT_NO_ROTATED,
	OPT_INCLUDE_DENIED,
	OPT_INCLUDE_FOREIGN,
	OPT_VERSION,
};

static const struct option long_options[] = {
	{ "file", required_argument, NULL, 'f' },
	{ "no-rotated", no_argument, NULL, OPT_NO_ROTATED },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "site", required_argument, NULL, 's' },
	{ "op", required_argument, NULL, OPT_OP },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "uid", required_argument, NULL, OPT_UID },
	{ "verdict", required_argument, NULL, OPT_VERDICT },
	{ "follow", no_argument, NULL, 'F' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "limit", required_argument, NULL, 'n' },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "include-denied", no_argument, NULL, OPT_INCLUDE_DENIED },
	{ "include-foreign", no_argument, NULL, OPT_INCLUDE_FOREIGN },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
"Usage: sitefence-audit [OPTIONS] [query]          list matching records\n"
"       sitefence-audit [OPTIONS] summary          counts per site and op\n"
"       sitefence-audit [OPTIONS] suggest --site S SitefenceAllow directives for\n"
"                                                  the audit-mode records of S\n"
"\n"
"Reads the sitefenced audit log and its rotated files (PATH.1, PATH.2.gz, ...),\n"
"oldest first. Times are UTC. Exit status: 0 (also when nothing matched),\n"
"1 runtime error, 2 usage error; skipped lines are reported on stderr.\n"
"\n"
"Options:\n"
"  -f, --file PATH       the log (default " DEFAULT_LOG ")\n"
"      --no-rotated      read PATH only, not PATH.1, PATH.2.gz, ...\n"
"      --since TIME      records at or after TIME\n"
"      --until TIME      records before TIME\n"
"                        TIME: 2026-11-27T12:34:56Z (RFC 3339), 2026-11-27,\n"
"                        \"2026-11-27 12:34[:56]\" (UTC unless a zone like +01:00\n"
"                        follows), or an age: 30s, 10m, 2h, 3d\n"
"  -s, --site NAME       records of site NAME (repeatable; '-' = no site yet)\n"
"      --op OP           records of op OP, e.g. open, exec, connect (repeatable)\n"
"      --path GLOB       records whose path matches GLOB (repeatable); '*' also\n"
"                        matches '/', so /srv/* matches everything under /srv\n"
"      --pid N           records of process (or thread) N\n"
"      --uid N           records of uid N\n"
"      --verdict V       deny (blocked) or audit (allowed in audit-only mode)\n"
"  -F, --follow          query: then wait for new records, across log rotations,\n"
"                        until interrupted (-n 0 -F: only new records)\n"
"  -n, --limit N         query: only the last N matching records\n"
"      --json            query: the records as JSON lines; summary, suggest: one\n"
"                        JSON document\n"
"      --top N           summary: paths per site and op (default 5)\n"
"      --include-denied  suggest: use deny records too, not only audit ones\n"
"      --include-foreign suggest: do not comment out directives for directories\n"
"                        owned by another uid than the site's\n"
"  -h, --help            this help\n"
"      --version         the version\n"
"\n"
"With --site, --op, --path, --pid, --uid or --verdict, query lists access\n"
"records only; otherwise also the kernel's lost-record notices and the daemon's\n"
"events.\n"
"\n"
"Examples:\n"
"  sitefence-audit --since 1h                    the last hour's records\n"
"  sitefence-audit -s shop.example --op exec -n 20\n"
"                                                the site's last 20 exec denials\n"
"  sitefence-audit --path '/etc/*' --verdict deny\n"
"                                                blocked accesses under /etc\n"
"  sitefence-audit -F -n 0 -s shop.example       watch the site's new denials\n"
"  sitefence-audit --since 2026-11-20 summary    per site and op since Nov 20\n"
"  sitefence-audit suggest --site shop.example   directives for the site\n"
"  sitefence-audit --json --since 1d | jq -r .path\n"
"                                                paths denied in the last day\n";

#define usage_error(...) cli_usage_error(AUDIT_PROG, __VA_ARGS__)

/* A number option: parse_u32 within [min, max]. */
static int opt_u32(const char *name, const char *arg, uint32_t min, uint32_t max,
		   uint32_t *ret)
{
	int err = parse_u32(arg, min, max, ret);

	if (err)
		fprintf(stderr, "%s: bad %s '%s': %s (see --help)\n", AUDIT_PROG, name, arg,
			err == -ERANGE ? "out of range" : "not a number");
	return err;
}

static int opt_time(const char *name, const char *arg, int64_t now, int64_t *ret)
{
	int err = audit_time_parse_arg(arg, now, ret);

	if (err)
		fprintf(stderr, "%s: bad %s '%s': not a time (see --help)\n", AUDIT_PROG, name,
			arg);
	return err;
}

static int opt_list(const char *name, const char **list, int *n, const char *arg)
{
	if (*n == FILTER_MAX_LIST) {
		fprintf(stderr, "%s: too many %s options (at most %d)\n", AUDIT_PROG, name,
			FILTER_MAX_LIST);
		return -E2BIG;
	}
	list[(*n)++] = arg;
	return 0;
}

static int opt_verdict(const char *arg, struct audit_filter *f)
{
	f->has_verdict = true;
	if (!strcmp(arg, "deny"))
		f->verdict = VERDICT_DENY;
	else if (!strcmp(arg, "audit"))
		f->verdict = VERDICT_AUDIT;
	else {
		usage_error("bad --verdict '%s': deny or audit", arg);
		return -EINVAL;
	}
	return 0;
}

/* The filter options. */
static int parse_filter_opt(int c, const char *arg, int64_t now, struct audit_filter *f)
{
	switch (c) {
	case OPT_SINCE:
		f->has_since = true;
		return opt_time("--since", arg, now, &f->since_us);
	case OPT_UNTIL:
		f->has_until = true;
		return opt_time("--until", arg, now, &f->until_us);
	case 's':
		return opt_list("--site", f->sites, &f->nsites, arg);
	case OPT_OP:
		return opt_list("--op", f->ops, &f->nops, arg);
	case OPT_PATH:
		return opt_list("--path", f->paths, &f->npaths, arg);
	case OPT_PID:
		f->has_pid = true;
		return opt_u32("--pid", arg, 1, UINT32_MAX, &f->pid);
	case OPT_UID:
		f->has_uid = true;
		return opt_u32("--uid", arg, 0, UINT32_MAX - 1, &f->uid);
	case OPT_VERDICT:
		return opt_verdict(arg, f);
	}
	return -EINVAL;
}

/* One option; seen[cmd] is the last option given that only command cmd takes. */
static int parse_opt(int c, const char *arg, int64_t now, struct audit_opts *o,
		     const char **seen)
{
	switch (c) {
	case 'f':
		o->file = arg;
		return 0;
	case OPT_NO_ROTATED:
		o->rotated = false;
		return 0;
	case 'F':
		o->follow = true;
		seen[CMD_QUERY] = "--follow";
		return 0;
	case 'n':
		o->has_limit = true;
		seen[CMD_QUERY] = "--limit";
		return opt_u32("--limit", arg, 0, MAX_LIMIT, &o->limit);
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_TOP:
		seen[CMD_SUMMARY] = "--top";
		return opt_u32("--top", arg, 1, MAX_TOP, &o->top);
	case OPT_INCLUDE_DENIED:
	case OPT_INCLUDE_FOREIGN:
		*(c == OPT_INCLUDE_DENIED ? &o->include_denied : &o->include_foreign) = true;
		seen[CMD_SUGGEST] =
			c == OPT_INCLUDE_DENIED ? "--include-denied" : "--include-foreign";
		return 0;
	}
	return parse_filter_opt(c, arg, now, &o->filter);
}


/* The command word, and what may follow it: nothing. */
static int parse_command(int argc, char **argv, enum command *ret)
{
	size_t i;

	*ret = CMD_QUERY;
	if (optind == argc)
		return 0;
	if (optind + 1 < argc) {
		usage_error("unexpected argument '%s'", argv[optind + 1]);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[optind], commands[i].name)) {
			*ret = (enum command)i;
			return 0;
		}
	}
	usage_error("unknown command '%s'", argv[optind]);
	return -EINVAL;
}

/* What no single option can check: options of another command, --site for suggest, ... */
static int check_options(const struct audit_opts *o, enum command cmd, const char **seen)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (seen[i] && i != cmd) {
			usage_error("%s applies only to the %s command", seen[i], commands[i].name);
			return -EINVAL;
		}
	}
	if (cmd == CMD_SUGGEST && (o->filter.nsites != 1 || !strcmp(o->filter.sites[0], "-"))) {
		usage_error("suggest needs exactly one --site NAME");
		return -EINVAL;
	}
	if (o->filter.has_since && o->filter.has_until && o->filter.since_us > o->filter.until_us) {
		usage_error("--since is later than --until");
		return -EINVAL;
	}
	return 0;
}

/* Returns 0 to run the command, 1 when done (help, version), -EINVAL on a usage error. */
static int parse_args(int argc, char **argv, struct audit_opts *o, enum command *ret_cmd)
{
	const char *seen[sizeof(commands) / sizeof(commands[0])] = { NULL };
	int64_t now = audit_time_now();
	int c;

	*o = (struct audit_opts){ .file = DEFAULT_LOG, .rotated = true, .top = DEFAULT_TOP };
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:s:Fn:h", long_options, NULL)) != -1) {
		if (c == 'h' || c == OPT_VERSION) {
			fputs(c == 'h' ? usage_text : AUDIT_PROG " " SITEFENCE_VERSION "\n",
			      stdout);
			return 1;
		}
		if (c == '?' || c == ':') {
			cli_bad_option(AUDIT_PROG, c, argv);
			return -EINVAL;
		}
		if (parse_opt(c, optarg, now, o, seen))
			return -EINVAL;
	}
	if (parse_command(argc, argv, ret_cmd))
		return -EINVAL;
	return check_options(o, *ret_cmd, seen);
}

static void on_signal(int sig)
{
	(void)sig;
	audit_exiting = 1;
}

/* SIGINT and SIGTERM end --follow cleanly; no SA_RESTART, so the wait is interrupted. */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* What went wrong in a command; read errors (-EIO) are reported per file instead. */
static const char *describe(int err)
{
	switch (err) {
	case -E2BIG:
		return "too many distinct sites, ops or directories to tally";
	case -ENOTSUP:
		return "cannot follow a compressed file";
	default:
		return strerror(-err);
	}
}

static int run(const struct audit_opts *o, enum command cmd)
{
	struct audit_log *log;
	char *failed;
	int err, status = 0;

	err = audit_log__open(o->file, o->rotated, &log, &failed);
	if (err) {
		fprintf(stderr, "%s: cannot open %s: %s\n", AUDIT_PROG, failed ? failed : o->file,
			strerror(-err));
		free(failed);
		return 1;
	}
	catch_signals();
	err = commands[cmd].run(o, log);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: error writing the output: %s\n", AUDIT_PROG, strerror(errno));
		status = 1;
	}
	audit_log__report_skipped(log, stderr, AUDIT_PROG);
	if (audit_log__report_errors(log, stderr, AUDIT_PROG))
		status = 1;
	if (err && err != -EIO) {
		fprintf(stderr, "%s: %s: %s\n", AUDIT_PROG, commands[cmd].name, describe(err));
		status = 1;
	}
	audit_log__free(log);
	return err ? 1 : status;
}

int main(int argc, char **argv)
{
	struct audit_opts o;
	enum command cmd;
	int err;

	err = parse_args(argc, argv, &o, &cmd);
	if (err)
		return err > 0 ? 0 : 2;
	return run(&o, cmd);
}

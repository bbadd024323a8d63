// SPDX-License-Identifier: GPL-2.0
/*
 * sitefencectl — the administrator's status and control tool for sitefence: is the fence
 * working (status, the default), what are the sites doing (sites), apply or check the
 * configuration (reload, check), and run a command confined to a site (exec). See
 * sitefencectl(8).
 *
 * This file parses the command line and dispatches. Options may come before the command word
 * and after it, up to the first argument that is not an option: for exec that is the command
 * to run, whose own options must not be taken for ours.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cmd.h"
#include "fence.h"
#include "parse.h"
#include "proto.h"
#include "cli.h"

#ifndef SITEFENCE_VERSION
#define SITEFENCE_VERSION "0.1"
#endif

#define DEFAULT_TIMEOUT_MS 10000
#define MIN_TIMEOUT_MS	   100
#define MAX_TIMEOUT_MS	   3600000

/* Options, as bits, so that each command can say which it takes. */
enum {
	O_JSON = 1 << 0,
	O_SOCKET = 1 << 1,
	O_TIMEOUT = 1 << 2,
	O_PIN_DIR = 1 << 3,
	O_RUN_DIR = 1 << 4,
	O_SITE = 1 << 5,
	O_USER = 1 << 6,
	O_NBITS = 7,
};

static const char *const opt_names[O_NBITS] = { "--json", "--socket", "--timeout", "--pin-dir",
						"--run-dir", "--site", "--user" };

#define O_STATUS (O_JSON | O_SOCKET | O_TIMEOUT | O_PIN_DIR | O_RUN_DIR)

static const struct command {
	const char *name;
	int (*run)(const struct ctl_opts *o);
	unsigned int opts;	/* O_* it takes */
	unsigned int needs;	/* O_* it cannot do without */
	int min_args, max_args;
	const char *args;	/* what the arguments are, for messages */
} commands[] = {
	{ "status", ctl_cmd_status, O_STATUS, 0, 0, 0, NULL },
	{ "sites", ctl_cmd_sites, O_STATUS, 0, 0, 0, NULL },
	{ "reload", ctl_cmd_reload, O_SOCKET | O_TIMEOUT, 0, 0, 0, NULL },
	{ "check", ctl_cmd_check, 0, 0, 0, 1, "[FILE]" },
	{ "exec", ctl_cmd_exec, O_SOCKET | O_TIMEOUT | O_SITE | O_USER, O_SITE, 1, INT_MAX,
	  "-- COMMAND [ARG...]" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

enum { OPT_JSON = 256, OPT_PIN_DIR, OPT_RUN_DIR, OPT_SITE, OPT_VERSION };

static const struct option long_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "socket", required_argument, NULL, 's' },
	{ "timeout", required_argument, NULL, 't' },
	{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
	{ "run-dir", required_argument, NULL, OPT_RUN_DIR },
	{ "site", required_argument, NULL, OPT_SITE },
	{ "user", required_argument, NULL, 'u' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
"Usage: sitefencectl [OPTIONS] [status]         is the fence working? (the default)\n"
"       sitefencectl [OPTIONS] sites            the sites, their counters and workers\n"
"       sitefencectl [OPTIONS] reload           make sitefenced re-read its config\n"
"       sitefencectl check [FILE]               check a config file (sitefenced -n)\n"
"       sitefencectl [OPTIONS] exec --site NAME [--user UID[:GID]] -- COMMAND [ARG...]\n"
"                                               run COMMAND confined to site NAME\n"
"\n"
"status shows, each part on its own: whether the kernel can run the fence; whether\n"
"the fence is loaded (pinned in " SF_PIN_DIR "), its programs, policy\n"
"generation and statistics; the daemon sitefenced; the registered spawners; the\n"
"processes by tag; the sites with their counters and workers. When sitefenced is\n"
"down the fence stays in force, and the sites are read from its state files.\n"
"Needs root.\n"
"\n"
"Exit status: status: 0 all is well, 3 degraded (the fence is in force but needs\n"
"attention, e.g. sitefenced is down), 1 the fence is not in force (not loaded, or\n"
"the kernel cannot run it). check: sitefenced's. exec: the command's, or 1 when it\n"
"could not be run confined. Otherwise 0 success, 1 error. 2: usage error.\n"
"\n"
"Options:\n"
"      --json            status, sites: one JSON document instead of text\n"
"  -s, --socket PATH     sitefenced's control socket (default " SF_CONTROL_SOCK ")\n"
"  -t, --timeout TIME    wait this long for sitefenced's answers (default 10s;\n"
"                        e.g. 500ms, 30s, 2m)\n"
"      --pin-dir DIR     where the fence is pinned (default " SF_PIN_DIR ")\n"
"      --run-dir DIR     sitefenced's state files (default " CTL_RUN_DIR ")\n"
"      --site NAME       exec: the site to confine the command to\n"
"  -u, --user UID[:GID]  exec: run as these ids (default: the site's uid and gid)\n"
"  -h, --help            this help\n"
"      --version         the version\n"
"\n"
"Examples:\n"
"  sitefencectl                                  is the fence working?\n"
"  sitefencectl --json | jq -r '.problems[]'     what needs attention, if anything\n"
"  sitefencectl sites                            per site: mode, workers, denials\n"
"  sitefencectl check /tmp/sitefenced.conf       check a config before installing it\n"
"  sitefencectl reload                           apply the installed config\n"
"  sitefencectl exec --site shop.example -- php /srv/shop/cron.php\n"
"                                                a cron job of the site, confined\n"
"  sitefencectl exec --site shop.example -- /bin/bash -l\n"
"                                                a shell for the site's customer\n";

#define usage_error(...) cli_usage_error(CTL_PROG, __VA_ARGS__)

/* "UID" or "UID:GID". */
static int opt_user(const char *arg, struct ctl_opts *o)
{
	char buf[64], *gid;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		goto out_bad;
	gid = strchr(buf, ':');
	if (gid)
		*gid++ = '\0';
	if (parse_u32(buf, 0, UINT32_MAX - 1, &o->uid) ||
	    (gid && parse_u32(gid, 0, UINT32_MAX - 1, &o->gid)))
		goto out_bad;
	o->has_uid = true;
	o->has_gid = gid != NULL;
	return 0;
out_bad:
	usage_error("bad --user '%s': UID or UID:GID, as numbers", arg);
	return -EINVAL;
}

static int opt_timeout(const char *arg, struct ctl_opts *o)
{
	uint64_t ms;

	if (parse_duration_ms(arg, MIN_TIMEOUT_MS, MAX_TIMEOUT_MS, &ms)) {
		usage_error("bad --timeout '%s': a duration from 100ms to 1h, e.g. 5s", arg);
		return -EINVAL;
	}
	o->timeout_ms = (int)ms;
	return 0;
}

/* One option; *seen collects the O_* bits given. */
static int parse_opt(int c, const char *arg, struct ctl_opts *o, unsigned int *seen)
{
	switch (c) {
	case OPT_JSON:
		*seen |= O_JSON;
		o->json = true;
		return 0;
	case 's':
		*seen |= O_SOCKET;
		o->socket = arg;
		return 0;
	case 't':
		*seen |= O_TIMEOUT;
		return opt_timeout(arg, o);
	case OPT_PIN_DIR:
		*seen |= O_PIN_DIR;
		o->pin_dir = arg;
		return 0;
	case OPT_RUN_DIR:
		*seen |= O_RUN_DIR;
		o->run_dir = arg;
		return 0;
	case OPT_SITE:
		*seen |= O_SITE;
		o->site = arg;
		return 0;
	case 'u':
		*seen |= O_USER;
		return opt_user(arg, o);
	}
	return -EINVAL;
}

/*
 * The options at the start of argv, up to the first other argument, whose index goes to
 * *ret_next. Returns 0, 1 when done (help, version), or -EINVAL on a usage error.
 */
static int parse_opts(int argc, char **argv, struct ctl_opts *o, unsigned int *seen,
		      int *ret_next)
{
	int c, err;

	optind = 0;	/* GNU getopt: start afresh, as this runs once per part of argv */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:t:u:h", long_options, NULL)) != -1) {
		if (c == 'h' || c == OPT_VERSION) {
			fputs(c == 'h' ? usage_text : CTL_PROG " " SITEFENCE_VERSION "\n", stdout);
			return 1;
		}
		if (c == '?' || c == ':') {
			cli_bad_option(CTL_PROG, c, argv);
			return -EINVAL;
		}
		err = parse_opt(c, optarg, o, seen);
		if (err)
			return err;
	}
	*ret_next = optind;
	return 0;
}

static int find_command(const char *word, const struct command **ret)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++) {
		if (!strcmp(word, commands[i].name)) {
			*ret = &commands[i];
			return 0;
		}
	}
	usage_error("unknown command '%s'", word);
	return -EINVAL;
}

/* What no single option can check: options of another command, arguments, --site. */
static int check_args(const struct ctl_opts *o, const struct command *cmd, unsigned int seen)
{
	int i;

	for (i = 0; i < O_NBITS; i++) {
		if ((seen & (1u << i)) && !(cmd->opts & (1u << i))) {
			usage_error("%s does not apply to %s", opt_names[i], cmd->name);
			return -EINVAL;
		}
		if ((cmd->needs & (1u << i)) && !(seen & (1u << i))) {
			usage_error("%s needs %s", cmd->name, opt_names[i]);
			return -EINVAL;
		}
	}
	if (o->nargs > cmd->max_args) {
		usage_error("unexpected argument '%s'", o->args[cmd->max_args]);
		return -EINVAL;
	}
	if (o->nargs < cmd->min_args) {
		usage_error("%s needs %s", cmd->name, cmd->args);
		return -EINVAL;
	}
	return 0;
}

/* Returns 0 to run *ret_cmd, 1 when done (help, version), -EINVAL on a usage error. */
static int parse_args(int argc, char **argv, struct ctl_opts *o, const struct command **ret_cmd)
{
	unsigned int seen = 0;
	int next, err;

	*o = (struct ctl_opts){ .socket = SF_CONTROL_SOCK, .pin_dir = SF_PIN_DIR,
				.run_dir = CTL_RUN_DIR, .timeout_ms = DEFAULT_TIMEOUT_MS };
	*ret_cmd = &commands[0];
	err = parse_opts(argc, argv, o, &seen, &next);
	if (err)
		return err;
	argc -= next;
	argv += next;
	if (argc) {
		err = find_command(argv[0], ret_cmd);
		if (!err)
			err = parse_opts(argc, argv, o, &seen, &next);
		if (err)
			return err;
		argc -= next;
		argv += next;
	}
	o->args = argv;
	o->nargs = argc;
	return check_args(o, *ret_cmd, seen);
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	struct ctl_opts o;
	int err;

	err = parse_args(argc, argv, &o, &cmd);
	if (err)
		return err > 0 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	return cmd->run(&o);
}

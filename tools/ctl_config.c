// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_config.c — sitefencectl reload and check: apply the configuration file, or check one
 * before it is installed.
 *
 * reload asks the running daemon (RELOAD), which keeps the running policy when the file has
 * errors and answers with them as "file:line: message" lines; check runs "sitefenced -n", the
 * daemon's own parser, so that the two can never disagree about what is valid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_cmd.h"
#include "ctl_daemon.h"

#define SITEFENCED_PATH "/usr/sbin/sitefenced"

/* Lines from the daemon, each ending in a newline. */
static void put_lines(FILE *f, const char *text)
{
	size_t n = strlen(text);

	fputs(text, f);
	if (n && text[n - 1] != '\n')
		fputc('\n', f);
}

int ctl_cmd_reload(const struct ctl_opts *o)
{
	struct sf_msg m;
	const char *body;
	int err, status;

	err = ctl_request(o->socket, o->timeout_ms, SF_MSG_RELOAD, "", &m);
	if (err) {
		fprintf(stderr, "%s: reload: cannot reach sitefenced at %s: %s\n", CTL_PROG,
			o->socket, ctl_daemon_strerror(err));
		return CTL_EXIT_FAIL;
	}
	body = sf_reply_body(&m);
	if (sf_reply_ok(&m)) {
		puts("ok");
		fflush(stdout);
		put_lines(stderr, body);	/* warnings, if any */
		status = CTL_EXIT_OK;
	} else {
		put_lines(stderr, *body ? body : "sitefenced gave no reason");
		fprintf(stderr, "%s: reload: configuration not applied; the running policy stays"
			" in force\n", CTL_PROG);
		status = CTL_EXIT_FAIL;
	}
	sf_msg_free(&m);
	return status;
}

/*
 * Run sitefenced -n in place of this process, so that its output and exit status are the
 * command's: $SITEFENCED, else /usr/sbin/sitefenced, else sitefenced in PATH.
 */
int ctl_cmd_check(const struct ctl_opts *o)
{
	const char *bin = getenv("SITEFENCED");
	char *argv[] = { NULL, "-n", "-f", NULL, NULL };

	if (o->nargs)
		argv[3] = o->args[0];
	else
		argv[2] = NULL;
	fflush(stdout);
	if (bin && *bin) {
		argv[0] = (char *)bin;
		execv(bin, argv);
	} else if (!access(SITEFENCED_PATH, X_OK)) {
		bin = SITEFENCED_PATH;
		argv[0] = (char *)bin;
		execv(bin, argv);
	} else {
		bin = "sitefenced";
		argv[0] = (char *)bin;
		execvp(bin, argv);
	}
	fprintf(stderr, "%s: check: cannot run %s: %s\n", CTL_PROG, bin, strerror(errno));
	return CTL_EXIT_FAIL;
}

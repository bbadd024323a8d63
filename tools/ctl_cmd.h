/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl_cmd.h — sitefencectl's options and commands. sitefencectl.c parses the command line and
 * dispatches to the commands: ctl_status.c (status, sites), ctl_config.c (reload, check) and
 * ctl_exec.c (exec). They read the pinned fence with ctl_pins.c, ask sitefenced with
 * ctl_daemon.c, assemble the site table with ctl_sites.c and print with ctl_out.c.
 *
 * A command prints its own messages and returns the process's exit status.
 */
#ifndef SF_CTL_CMD_H
#define SF_CTL_CMD_H

#include <stdbool.h>
#include <stdint.h>

#define CTL_PROG	"sitefencectl"
#define CTL_RUN_DIR	"/run/sitefence"

enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAIL = 1,	/* an error, or (status) the fence is not in force */
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_DEGRADED = 3,	/* status: the fence is in force, but not everything is well */
};

struct ctl_opts {
	const char *socket;	/* sitefenced's control socket */
	const char *pin_dir;	/* where the fence is pinned */
	const char *run_dir;	/* sitefenced's state files, read when it is down */
	int timeout_ms;		/* for each answer of the daemon */
	bool json;
	const char *site;	/* exec --site */
	bool has_uid, has_gid;	/* exec --user UID[:GID] */
	uint32_t uid, gid;
	char **args;		/* what follows the command word and its options */
	int nargs;
};

int ctl_cmd_status(const struct ctl_opts *o);
int ctl_cmd_sites(const struct ctl_opts *o);
int ctl_cmd_reload(const struct ctl_opts *o);
int ctl_cmd_check(const struct ctl_opts *o);
int ctl_cmd_exec(const struct ctl_opts *o);

#endif /* SF_CTL_CMD_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_exec.c — sitefencectl exec: run a command confined to a site, for a site's cron jobs
 * and its customer's shell.
 *
 * The order matters. As root and untagged, ask sitefenced for the site's token (TAG_PEER) and
 * open it: that open is the request to the kernel, which tags this process SITE(id) if it
 * agrees. Then prove that it did: a SITE task may not change its tag, so a second open of the
 * token must now fail. If it succeeds the fence is not in force, and the command is not run:
 * confinement was asked for, and running unconfined instead would be silent and wrong. Only
 * then drop to the site's uid and gid (which the fence now allows and no other), forbid new
 * privileges, and exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ctl_cmd.h"
#include "ctl_daemon.h"
#include "sitetab.h"

#define WHY_LEN 1024

struct target {
	const char *site;
	bool known;		/* the daemon listed the site */
	uint32_t mode;
	uint32_t uid, gid;
};

/* The first line of the daemon's detail lines, for a one-line message. */
static const char *first_line(const char *text, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(text, "\n"), text);
	return buf[0] ? buf : "no reason given";
}

/* The site's mode, uid and gid from STATUS; --user overrides the ids. */
static int find_target(const struct ctl_opts *o, struct target *t, char *why)
{
	struct ctl_dstatus st;
	char *dwhy = NULL, line[256];
	size_t i;
	int err;

	err = ctl_status_get(o->socket, o->timeout_ms, &st, &dwhy);
	if (err) {
		snprintf(why, WHY_LEN, "cannot reach sitefenced at %s: %s", o->socket,
			 err == -EREMOTEIO ? first_line(dwhy, line, sizeof(line)) :
					     ctl_daemon_strerror(err));
		free(dwhy);
		return err;
	}
	for (i = 0; i < st.sites.n && strcmp(st.sites.v[i].name, t->site); i++)
		;
	if (i < st.sites.n) {
		t->known = true;
		t->mode = st.sites.v[i].mode;
		t->uid = st.sites.v[i].uid;
		t->gid = st.sites.v[i].gid;
	}
	ctl_dstatus_free(&st);
	if (!t->known && !o->has_uid) {
		snprintf(why, WHY_LEN, "site %s is not registered with sitefenced", t->site);
		return -ENOENT;
	}
	if (!t->known && !o->has_gid) {
		snprintf(why, WHY_LEN, "sitefenced does not list site %s: give --user UID:GID",
			 t->site);
		return -ENOENT;
	}
	t->uid = o->has_uid ? o->uid : t->uid;
	t->gid = o->has_gid ? o->gid : t->gid;
	return 0;
}

/* Ask for the site's token: an O_PATH descriptor to open. */
static int get_token(const struct ctl_opts *o, const struct target *t, int *ret_fd, char *why)
{
	char req[512], line[256];
	struct sf_msg m;
	int err;

	snprintf(req, sizeof(req), "site %s\n", t->site);
	err = ctl_request(o->socket, o->timeout_ms, SF_MSG_TAG_PEER, req, &m);
	if (err) {
		snprintf(why, WHY_LEN, "cannot reach sitefenced at %s: %s", o->socket,
			 ctl_daemon_strerror(err));
		return err;
	}
	if (!sf_reply_ok(&m)) {
		snprintf(why, WHY_LEN, "sitefenced refused: %s",
			 first_line(sf_reply_body(&m), line, sizeof(line)));
		err = -EPERM;
	} else if (m.fd < 0) {
		snprintf(why, WHY_LEN, "sitefenced sent no token for site %s", t->site);
		err = -EPROTO;
	} else {
		*ret_fd = m.fd;
		m.fd = -1;
	}
	sf_msg_free(&m);
	return err;
}

/* Open the token (the kernel tags this process), then prove the tag took. */
static int take_site(int token, const struct target *t, char *why)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", token);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, WHY_LEN, "the kernel refused site %s: %s (a process that is"
			 " multi-threaded or already confined cannot take a site)", t->site,
			 strerror(errno));
		return -EPERM;
	}
	close(fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		snprintf(why, WHY_LEN, "the fence is not in force: the token of site %s could be"
			 " opened twice, so this process is not confined; not running the command"
			 " unconfined", t->site);
		return -ENOTCONN;
	}
	if (errno != EPERM && errno != EACCES) {
		snprintf(why, WHY_LEN, "cannot verify the confinement to site %s: reopening its"
			 " token: %s; not running the command", t->site, strerror(errno));
		return -ENOTCONN;
	}
	return 0;
}

/*
 * HOME, USER and LOGNAME of the site's user, looked up before confinement (the passwd file may
 * be outside the site's roots); root's would point the command at files it may not touch.
 */
static void set_user_env(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	if (!pw) {
		unsetenv("HOME");
		unsetenv("USER");
		unsetenv("LOGNAME");
		return;
	}
	setenv("HOME", pw->pw_dir, 1);
	setenv("USER", pw->pw_name, 1);
	setenv("LOGNAME", pw->pw_name, 1);
}

static int drop_privileges(const struct target *t, char *why)
{
	gid_t gid = t->gid;
	int err;

	if (setgroups(1, &gid) || setresgid(gid, gid, gid) || setresuid(t->uid, t->uid, t->uid)) {
		err = -errno;
		snprintf(why, WHY_LEN, "cannot take uid %u gid %u: %s", t->uid, t->gid,
			 strerror(-err));
		return err;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		snprintf(why, WHY_LEN, "cannot set no_new_privs: %s", strerror(-err));
		return err;
	}
	return 0;
}

/*
 * Every descriptor this process inherited beyond stdin, stdout and stderr was opened outside
 * the fence, which checks opens, not reads: none of them may reach the confined command.
 */
static int close_inherited(char *why)
{
	int err;

	if (close_range(3, ~0u, CLOSE_RANGE_CLOEXEC)) {
		err = -errno;
		snprintf(why, WHY_LEN, "cannot close inherited descriptors: %s", strerror(-err));
		return err;
	}
	return 0;
}

static int confine(const struct ctl_opts *o, struct target *t, char *why)
{
	int token, err;

	err = find_target(o, t, why);
	if (err)
		return err;
	err = close_inherited(why);
	if (err)
		return err;
	set_user_env(t->uid);
	err = get_token(o, t, &token, why);
	if (err)
		return err;
	err = take_site(token, t, why);
	close(token);
	if (err)
		return err;
	return drop_privileges(t, why);
}

int ctl_cmd_exec(const struct ctl_opts *o)
{
	struct target t = { .site = o->site };
	char why[WHY_LEN];

	if (geteuid() != 0) {
		fprintf(stderr, "%s: exec: needs root (sitefenced serves only root, and only root"
			" may take a site)\n", CTL_PROG);
		return CTL_EXIT_FAIL;
	}
	if (confine(o, &t, why)) {
		fprintf(stderr, "%s: exec: %s\n", CTL_PROG, why);
		return CTL_EXIT_FAIL;
	}
	if (t.known && t.mode == SF_MODE_AUDIT)
		fprintf(stderr, "%s: warning: site %s is in audit mode: what its roots do not allow"
			" is logged, not denied\n", CTL_PROG, t.site);
	execvp(o->args[0], o->args);
	fprintf(stderr, "%s: exec: cannot run %s: %s\n", CTL_PROG, o->args[0], strerror(errno));
	return CTL_EXIT_FAIL;
}

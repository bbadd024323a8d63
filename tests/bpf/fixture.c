// SPDX-License-Identifier: GPL-2.0
/* fixture.c — see fixture.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fence.h"
#include "fixture.h"
#include "parse.h"
#include "proto.h"

static const char site_table[] =
	"site a.test uid=2001 gid=2001\n"
	"root a.test " FX_ROOT "/a rwxc\n"
	"root a.test " FX_ROOT "/a/data rwc\n"
	"site b.test uid=2002 gid=2002 groups=2002\n"
	"root b.test " FX_ROOT "/b rwxcu\n"
	"site c.test uid=2001 gid=2001\n"
	"root c.test " FX_ROOT "/c rwxc\n"
	"site d.test uid=2004 gid=2004 mode=audit\n"
	"root d.test " FX_ROOT "/d rwxc\n"
	"site e.test uid=2005 gid=2005\n"
	"root e.test " FX_OVL "/e rwxc\n";

static const char config[] = "audit_log " FX_AUDIT "\n"
			     "audit_rate 100000\n"
			     "audit_burst 100000\n"
			     "site_uid_min 1000\n"
			     "site_gid_min 1000\n"
			     "global " FX_ROOT "/shared r\n";

static struct {
	const char *name;
	uint32_t id;
} sites[] = { { "a.test", 0 }, { "b.test", 0 }, { "c.test", 0 }, { "d.test", 0 }, { "e.test", 0 } };

static pid_t daemon_pid;
static off_t audit_mark;

int fx_write(const char *path, const char *text, mode_t mode, uid_t uid, gid_t gid)
{
	size_t len = strlen(text);
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fchown(fd, uid, gid) || fchmod(fd, mode))
		err = -errno;
	close(fd);
	return err;
}

static int mkdir_owned(const char *path, mode_t mode, uid_t uid)
{
	if (mkdir(path, mode) && errno != EEXIST)
		return -errno;
	if (chown(path, uid, uid) || chmod(path, mode))
		return -errno;
	return 0;
}

static int copy_file(const char *from, const char *to, mode_t mode, uid_t uid)
{
	char buf[65536];
	int in, out, err = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			err = -EIO;
	if (n < 0 || fchown(out, uid, uid) || fchmod(out, mode))
		err = -errno;
	close(in);
	close(out);
	return err;
}

/* A tmpfs of its own for the site trees, as a server would have a filesystem for /srv. */
static int mount_sites(void)
{
	struct stat a, b;

	if (mkdir("/srv", 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(FX_ROOT, 0755) && errno != EEXIST)
		return -errno;
	if (stat(FX_ROOT, &a) || stat("/srv", &b))
		return -errno;
	if (a.st_dev == b.st_dev && mount("sftest", FX_ROOT, "tmpfs", 0, "mode=0755"))
		return -errno;
	return 0;
}

static int make_deep(const char *base, int depth)
{
	char path[4096];
	int i, n;

	n = snprintf(path, sizeof(path), "%s", base);
	for (i = 0; i < depth; i++) {
		n += snprintf(path + n, sizeof(path) - n, "/d%d", i);
		if (mkdir_owned(path, 0755, UID_A))
			return -errno;
	}
	snprintf(path + n, sizeof(path) - n, "/f");
	return fx_write(path, "deep\n", 0644, UID_A, UID_A);
}

static int make_trees(void)
{
	int err = 0;

	err = err ?: mount_sites();
	err = err ?: mkdir_owned(FX_ROOT "/a", 0755, UID_A);
	err = err ?: mkdir_owned(FX_ROOT "/a/data", 0755, UID_A);
	err = err ?: mkdir_owned(FX_ROOT "/a/bin", 0755, UID_A);
	err = err ?: mkdir_owned(FX_ROOT "/a/deep", 0755, UID_A);
	err = err ?: mkdir_owned(FX_ROOT "/b", 0755, UID_B);
	err = err ?: mkdir_owned(FX_ROOT "/b/drop", 0777, UID_B);
	err = err ?: mkdir_owned(FX_ROOT "/b/bin", 0755, UID_B);
	err = err ?: mkdir_owned(FX_ROOT "/c", 0755, UID_A);
	err = err ?: mkdir_owned(FX_ROOT "/d", 0755, UID_D);
	err = err ?: mkdir_owned(FX_ROOT "/shared", 0755, 0);
	err = err ?: mkdir_owned("/var/lib", 0755, 0);
	err = err ?: mkdir_owned(FX_OVL, 0755, 0);
	err = err ?: mkdir_owned(FX_OVL "/e", 0755, UID_E);
	err = err ?: fx_write(FX_ROOT "/a/index.php", "<?php echo 'a';\n", 0644, UID_A, UID_A);
	err = err ?: fx_write(FX_ROOT "/a/data/lib.bin", "not code\n", 0755, UID_A, UID_A);
	err = err ?: fx_write(FX_ROOT "/a/private", "b's, inside a\n", 0600, UID_B, UID_B);
	err = err ?: copy_file("/usr/bin/true", FX_ROOT "/a/bin/true", 0755, UID_A);
	err = err ?: copy_file("/usr/bin/true", FX_ROOT "/a/data/true", 0755, UID_A);
	err = err ?: fx_write(FX_ROOT "/b/secret.txt", "secret of b\n", 0644, UID_B, UID_B);
	err = err ?: fx_write(FX_ROOT "/b/public-rw", "anyone may write\n", 0666, UID_B, UID_B);
	err = err ?: copy_file("/usr/bin/true", FX_ROOT "/b/bin/true", 0755, UID_B);
	err = err ?: fx_write(FX_ROOT "/c/own.txt", "c's file, uid 2001\n", 0644, UID_A, UID_A);
	err = err ?: fx_write(FX_ROOT "/shared/readme", "global root\n", 0644, 0, 0);
	err = err ?: fx_write(FX_OVL "/e/file.txt", "e on the overlay\n", 0644, UID_E, UID_E);
	err = err ?: fx_write(FX_OVL "/outside.txt", "next to e\n", 0644, 0, 0);
	err = err ?: make_deep(FX_ROOT "/a/deep", SF_MAX_DEPTH + 6);
	if (err)
		return err;
	/* Names in a's tree that lead into b's: a symlink and a hard link (made by root). */
	unlink(FX_ROOT "/a/sym-to-b");
	unlink(FX_ROOT "/a/hardlink-to-b");
	if (symlink(FX_ROOT "/b/secret.txt", FX_ROOT "/a/sym-to-b") ||
	    link(FX_ROOT "/b/secret.txt", FX_ROOT "/a/hardlink-to-b"))
		return -errno;
	return 0;
}

static const char *sitefenced_path(void)
{
	const char *p = getenv("SITEFENCED");

	return p && *p ? p : "build/sitefenced";
}

int fx_daemon_start(void)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int i, fd, err;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		fd = open(FX_DIR "/sitefenced.log", O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(sitefenced_path(), "sitefenced", "-f", FX_CONF, (char *)NULL);
		_exit(127);
	}
	daemon_pid = pid;
	/* The first load verifies every program, which takes seconds under emulation. */
	for (i = 0; i < 1200; i++) {
		if (!sf_client_connect(SF_CONTROL_SOCK, &fd)) {
			close(fd);
			return 0;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			daemon_pid = 0;
			fprintf(stderr, "# sitefenced exited; see %s/sitefenced.log\n", FX_DIR);
			return -ECHILD;
		}
		nanosleep(&ts, NULL);
	}
	err = -ETIMEDOUT;
	fprintf(stderr, "# sitefenced did not open its socket in time\n");
	return err;
}

int fx_daemon_stop(bool kill9)
{
	int status;

	if (!daemon_pid)
		return -ESRCH;
	kill(daemon_pid, kill9 ? SIGKILL : SIGTERM);
	waitpid(daemon_pid, &status, 0);
	daemon_pid = 0;
	return 0;
}

bool fx_daemon_alive(void)
{
	return daemon_pid && waitpid(daemon_pid, NULL, WNOHANG) == 0;
}

/* One request on an open connection; the reply text in *ret_reply. */
static int call(int fd, uint16_t type, const char *req, char **ret_reply)
{
	struct sf_msg reply;
	int err;

	err = sf_client_call(fd, type, req, strlen(req), &reply, 60000);
	if (err)
		return err;
	*ret_reply = reply.data;
	reply.data = NULL;
	sf_msg_free(&reply);
	return 0;
}

/* Register the test site table (HELLO, then SET_SITES on the same connection). */
static int register_sites(void)
{
	char *reply = NULL, *line, *save, *w[4];
	uint32_t id;
	size_t i;
	int fd, err;

	err = sf_client_connect(SF_CONTROL_SOCK, &fd);
	if (err)
		return err;
	err = call(fd, SF_MSG_HELLO, "owner tests\n", &reply);
	free(reply);
	reply = NULL;
	if (!err)
		err = call(fd, SF_MSG_SET_SITES, site_table, &reply);
	close(fd);
	if (err)
		return err;
	if (strncmp(reply, "ok\n", 3)) {
		fprintf(stderr, "# SET_SITES refused:\n%s", reply);
		free(reply);
		return -EINVAL;
	}
	for (line = strtok_r(reply, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (split_words(line, w, 4) != 3 || strcmp(w[0], "site") ||
		    parse_u32(w[2], 1, UINT32_MAX, &id))
			continue;
		for (i = 0; i < sizeof(sites) / sizeof(sites[0]); i++)
			if (!strcmp(sites[i].name, w[1]))
				sites[i].id = id;
	}
	free(reply);
	for (i = 0; i < sizeof(sites) / sizeof(sites[0]); i++)
		if (!sites[i].id)
			return -ENOENT;
	return 0;
}

int fx_control(uint16_t type, const char *req, char **ret_reply)
{
	int fd, err;

	err = sf_client_connect(SF_CONTROL_SOCK, &fd);
	if (err)
		return err;
	err = call(fd, type, req, ret_reply);
	close(fd);
	return err;
}

uint32_t fx_site_id(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(sites) / sizeof(sites[0]); i++)
		if (!strcmp(sites[i].name, name))
			return sites[i].id;
	return 0;
}

/* A daemon left by an earlier test program that died would hold the instance lock. */
static void stop_stray_daemons(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	char path[64], comm[32];
	struct dirent *de;
	int i, fd;
	pid_t pid;
	DIR *d;

	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		pid = atoi(de->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		i = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		comm[i > 0 ? i : 0] = '\0';
		if (strcmp(comm, "sitefenced\n"))
			continue;
		kill(pid, SIGTERM);
		for (i = 0; i < 250 && !kill(pid, 0); i++)
			nanosleep(&ts, NULL);
	}
	if (d)
		closedir(d);
}

int fx_setup(void)
{
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Workers are orphaned by their spawner; collect them here. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (mkdir(FX_DIR, 0755) && errno != EEXIST)
		return -errno;
	err = make_trees();
	if (!err)
		err = fx_write(FX_CONF, config, 0644, 0, 0);
	if (!err && !fx_daemon_alive()) {
		stop_stray_daemons();
		err = fx_daemon_start();
	}
	if (!err)
		err = register_sites();
	if (err)
		fprintf(stderr, "# fixture setup failed: %s\n", strerror(-err));
	return err;
}

/* Leave no sites behind: later tests in the same guest may use the same names. */
static void unregister_sites(void)
{
	char *reply = NULL;
	int fd;

	if (sf_client_connect(SF_CONTROL_SOCK, &fd))
		return;
	if (!call(fd, SF_MSG_HELLO, "owner tests\n", &reply)) {
		free(reply);
		reply = NULL;
		if (!call(fd, SF_MSG_SET_SITES, "", &reply))
			free(reply);
	}
	close(fd);
}

void fx_teardown(void)
{
	unregister_sites();
	fx_daemon_stop(false);
}

/* ---- workers ------------------------------------------------------------------------------- */

static int open_token(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", FX_TOKENS, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* In the worker: take the site, then the identity, as the MPM does. */
static int become(const char *site, uid_t uid, gid_t gid)
{
	char tok[64];
	int err;

	if (site != FX_UNTAGGED && site != FX_PENDING) {
		snprintf(tok, sizeof(tok), "site-%u", fx_site_id(site));
		err = open_token(tok);
		if (err) {
			fprintf(stderr, "# worker: cannot take site %s: %s\n", site, strerror(-err));
			return err;
		}
	}
	if (gid && (setgroups(1, &gid) || setresgid(gid, gid, gid))) {
		fprintf(stderr, "# worker: cannot become gid %u: %s\n", gid, strerror(errno));
		return -errno;
	}
	if (uid && setresuid(uid, uid, uid)) {
		fprintf(stderr, "# worker: cannot become uid %u: %s\n", uid, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * The spawner: an intermediate process (so the test program itself stays untagged) that takes
 * the spawner tag, arms, forks the worker and leaves. The worker reports its pid, then fn's
 * result, through the pipe.
 */
static pid_t spawn(const char *site, uid_t uid, gid_t gid, fx_fn fn, void *arg, int out)
{
	pid_t p, w;
	int r;

	p = fork();
	if (p != 0)
		return p;
	if (site != FX_UNTAGGED && (open_token("spawner") || open_token("arm"))) {
		fprintf(stderr, "# spawner: cannot take the spawner tag or arm: %s\n",
			strerror(errno));
		_exit(1);
	}
	w = fork();
	if (w < 0)
		_exit(1);
	if (w == 0) {
		pid_t self = getpid();

		if (write(out, &self, sizeof(self)) != sizeof(self))
			_exit(1);
		r = become(site, uid, gid) ? -1 : fn(arg);
		if (write(out, &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	_exit(0);
}

static bool read_int(int fd, void *v, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, timeout_ms) == 1 && read(fd, v, len) == (ssize_t)len;
}

pid_t fx_start(const char *site, uid_t uid, gid_t gid, fx_fn fn, void *arg)
{
	pid_t p, w = -1;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	p = spawn(site, uid, gid, fn, arg, fds[1]);
	close(fds[1]);
	if (p > 0) {
		waitpid(p, NULL, 0);
		if (!read_int(fds[0], &w, sizeof(w), 20000))
			w = -1;
	}
	close(fds[0]);
	return w;
}

void fx_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

int fx_run(const char *site, uid_t uid, gid_t gid, fx_fn fn, void *arg)
{
	int fds[2], r = -1;
	pid_t p, w;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	p = spawn(site, uid, gid, fn, arg, fds[1]);
	close(fds[1]);
	if (p > 0) {
		waitpid(p, NULL, 0);
		if (!read_int(fds[0], &w, sizeof(w), 20000) ||
		    !read_int(fds[0], &r, sizeof(r), 60000))
			r = -1;
		else
			waitpid(w, NULL, 0);
	}
	close(fds[0]);
	return r;
}

/* ---- the audit log ----------------------------------------------------------------------- */

void fx_audit_mark(void)
{
	struct stat st;

	audit_mark = stat(FX_AUDIT, &st) ? 0 : st.st_size;
}

static char *audit_since_mark(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *in, *out;
	int c;

	in = fopen(FX_AUDIT, "re");
	if (!in)
		return NULL;
	out = open_memstream(&buf, &len);
	if (out) {
		fseeko(in, audit_mark, SEEK_SET);
		while ((c = getc(in)) != EOF)
			putc(c, out);
		fclose(out);
	}
	fclose(in);
	return buf;
}

static bool line_has_all(const char *line, size_t len, const char *const *frags, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!memmem(line, len, frags[i], strlen(frags[i])))
			return false;
	return true;
}

bool fx_audit_wait(int timeout_ms, ...)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	const char *frags[16];
	int n = 0, waited;
	va_list ap;

	va_start(ap, timeout_ms);
	while (n < 16 && (frags[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	for (waited = 0; waited <= timeout_ms; waited += 50) {
		char *text = audit_since_mark(), *p = text;

		while (p && *p) {
			char *nl = strchrnul(p, '\n');

			if (line_has_all(p, nl - p, frags, n)) {
				free(text);
				return true;
			}
			p = *nl ? nl + 1 : nl;
		}
		free(text);
		nanosleep(&ts, NULL);
	}
	return false;
}

void fx_audit_dump(void)
{
	char *text = audit_since_mark(), *p = text;

	while (p && *p) {
		char *nl = strchrnul(p, '\n');

		printf("#   audit: %.*s\n", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
	free(text);
}

int fx_debug(uint32_t set, uint32_t clear)
{
	struct {
		uint64_t token_dev;
		uint32_t debug, pad;
	} c;
	uint32_t zero = 0;
	int fd, err = 0;

	fd = bpf_obj_get(SF_PIN_DIR "/sf_config");
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, &c))
		err = -errno;
	c.debug = (c.debug | set) & ~clear;
	if (!err && bpf_map_update_elem(fd, &zero, &c, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}

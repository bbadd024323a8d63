// SPDX-License-Identifier: GPL-2.0
/* ops.c — see ops.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ops.h"
#include "fdpass.h"

#define RESULT(expr) ((expr) < 0 ? errno : 0)

int op_read(void *arg)
{
	struct op *o = arg;
	int fd = open(o->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

int op_write(void *arg)
{
	struct op *o = arg;
	int fd = open(o->path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

int op_create(void *arg)
{
	struct op *o = arg;
	int fd = open(o->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return errno;
	close(fd);
	return RESULT(unlink(o->path));
}

int op_access(void *arg)
{
	struct op *o = arg;

	return RESULT(access(o->path, o->flags));
}

int op_unlink(void *arg)
{
	return RESULT(unlink(((struct op *)arg)->path));
}

int op_rename(void *arg)
{
	struct op *o = arg;

	return RESULT(rename(o->path, o->path2));
}

int op_link(void *arg)
{
	struct op *o = arg;

	return RESULT(link(o->path, o->path2));
}

int op_symlink(void *arg)
{
	struct op *o = arg;
	int r = RESULT(symlink(o->path2, o->path));

	if (!r)
		unlink(o->path);
	return r;
}

int op_mkdir(void *arg)
{
	struct op *o = arg;
	int r = RESULT(mkdir(o->path, 0755));

	return r ? r : RESULT(rmdir(o->path));
}

int op_chmod(void *arg)
{
	struct op *o = arg;

	return RESULT(chmod(o->path, o->flags));
}

int op_chown(void *arg)
{
	struct op *o = arg;

	return RESULT(chown(o->path, o->arg, -1));
}

int op_truncate(void *arg)
{
	return RESULT(truncate(((struct op *)arg)->path, 0));
}

/* exec in a child so that the worker survives; the child reports execve's errno. */
int op_exec(void *arg)
{
	struct op *o = arg;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		char *argv[] = { (char *)o->path, NULL };
		char *envp[] = { NULL };

		execve(o->path, argv, envp);
		_exit(errno);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int op_mmap_exec(void *arg)
{
	struct op *o = arg;
	void *p;
	int fd, r = 0;

	fd = open(o->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		r = errno;
	else
		munmap(p, 4096);
	close(fd);
	return r;
}

int op_mprotect_exec(void *arg)
{
	struct op *o = arg;
	void *p;
	int fd, r;

	fd = open(o->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return errno;
	r = RESULT(mprotect(p, 4096, PROT_READ | PROT_EXEC));
	munmap(p, 4096);
	return r;
}

int op_opath_reopen(void *arg)
{
	struct op *o = arg;
	char proc[64];
	int fd, r;

	fd = open(o->path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 1000 + errno;	/* O_PATH itself is not what is being tested */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	r = open(proc, O_RDONLY | O_CLOEXEC);
	close(fd);
	if (r < 0)
		return errno;
	close(r);
	return 0;
}

/* The sender queued one fd on o->fd; a withheld fd shows as MSG_CTRUNC with no rights. */
int op_receive(void *arg)
{
	struct op *o = arg;
	ssize_t n;
	char byte;
	int fd;

	n = fdpass_recv(o->fd, &byte, 1, &fd, 0);
	if (n == -EBADMSG)
		return EACCES;
	if (n < 0)
		return 1000 + (int)-n;
	if (fd < 0)
		return 2000;
	close(fd);
	return 0;
}

int op_connect(void *arg)
{
	struct op *o = arg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", o->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 1000 + errno;
	r = RESULT(connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd);
	return r;
}

int op_inotify(void *arg)
{
	struct op *o = arg;
	int fd, r;

	fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0)
		return 1000 + errno;
	r = RESULT(inotify_add_watch(fd, o->path, IN_CREATE));
	close(fd);
	return r;
}

int op_fork_read(void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(op_read(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* cat exits 1 when it cannot open its file: report that as EACCES, success as 0. */
int op_exec_cat(void *arg)
{
	struct op *o = arg;
	int status, devnull;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		char *argv[] = { "cat", (char *)o->path, NULL };
		char *envp[] = { NULL };

		devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execve("/usr/bin/cat", argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 0 ? 0 : WEXITSTATUS(status) == 1 ? EACCES : 3000;
}

int op_sleep(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ops.h — the operations the fence tests try from inside a worker. Each takes a struct op and
 * returns 0 when the operation succeeded or the errno it failed with, so a test reads as
 * "ASSERT_EQ(fx_run(site, uid, gid, op_read, &op), EACCES)".
 */
#ifndef SF_TEST_OPS_H
#define SF_TEST_OPS_H

#include <sys/types.h>

struct op {
	const char *path;
	const char *path2;
	int flags;
	int fd;
	long arg;
};

int op_read(void *o);		/* open(path, O_RDONLY) */
int op_write(void *o);		/* open(path, O_WRONLY) */
int op_create(void *o);		/* open(path, O_CREAT|O_EXCL|O_WRONLY), then unlink it */
int op_access(void *o);		/* access(path, flags) */
int op_unlink(void *o);
int op_rename(void *o);		/* rename(path, path2) */
int op_link(void *o);		/* link(path, path2) */
int op_symlink(void *o);	/* symlink(path2, path) */
int op_mkdir(void *o);		/* mkdir(path), then rmdir */
int op_chmod(void *o);		/* chmod(path, flags) */
int op_chown(void *o);		/* chown(path, arg, -1) */
int op_truncate(void *o);	/* truncate(path, 0) */
int op_exec(void *o);		/* run path in a child; its exec errno, or 0 */
int op_mmap_exec(void *o);	/* mmap(path, PROT_READ|PROT_EXEC) */
int op_mprotect_exec(void *o);	/* mmap(path, PROT_READ), mprotect(+PROT_EXEC) */
int op_opath_reopen(void *o);	/* open(path, O_PATH) (must work), reopen via /proc/self/fd */
int op_receive(void *o);	/* recvmsg on fd: EACCES when the passed fd was withheld */
int op_connect(void *o);	/* connect a unix stream socket to path */
int op_inotify(void *o);	/* inotify_add_watch(path) */
int op_fork_read(void *o);	/* fork; the child does op_read */
int op_exec_cat(void *o);	/* run /usr/bin/cat path, which must not be able to read it */
int op_sleep(void *o);		/* wait to be killed */

#endif /* SF_TEST_OPS_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * test_guest_lsm.c — proves that the test guest runs BPF LSM programs: a program attached to
 * file_open denies one file to one process and not to another, and stops once detached.
 * Must run as root in the guest (tests/vm/run); on a kernel without BPF LSM it fails.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "deny_open.skel.h"

/* Open path in a child process whose tgid the program targets; return the child's errno. */
static int open_in_child(struct deny_open_bpf *skel, const char *path, bool target)
{
	int pipefd[2], status, err = -1;
	char go;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd;

		/* Wait until the parent has (or has not) targeted us. */
		close(pipefd[1]);
		if (read(pipefd[0], &go, 1) != 1)
			_exit(255);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		_exit(fd < 0 ? errno : 0);
	}
	close(pipefd[0]);
	skel->bss->target_tgid = target ? (__u32)pid : 0;
	if (write(pipefd[1], "g", 1) != 1)
		kill(pid, SIGKILL);
	close(pipefd[1]);
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		err = WEXITSTATUS(status);
	return err;
}

static void test_file_open_denied_to_target_only(void)
{
	/* /run is a tmpfs in the guest: stat() and the kernel agree on its identities. */
	char path[] = "/run/sf-deny-open.XXXXXX";
	struct deny_open_bpf *skel;
	struct stat st;
	int fd;

	fd = mkstemp(path);
	if (!ASSERT_OK(fd, "mkstemp"))
		return;
	close(fd);
	if (!ASSERT_OK(stat(path, &st), "stat"))
		goto out_unlink;

	skel = deny_open_bpf__open_and_load();
	if (!ASSERT_PTR(skel, "open and load deny_open.bpf.o"))
		goto out_unlink;
	/* The kernel's dev_t layout is major << 20 | minor, not glibc's. */
	skel->bss->target_dev = major(st.st_dev) << 20 | minor(st.st_dev);
	skel->bss->target_ino = st.st_ino;
	if (!ASSERT_OK(deny_open_bpf__attach(skel), "attach lsm/file_open"))
		goto out_destroy;

	ASSERT_EQ(open_in_child(skel, path, true), EPERM, "targeted process opens the file");
	ASSERT_EQ(open_in_child(skel, path, false), 0, "other process opens the file");
	ASSERT_EQ(skel->bss->denied, 1, "denials counted by the program");

	deny_open_bpf__detach(skel);
	ASSERT_EQ(open_in_child(skel, path, true), 0, "targeted process after detach");
	ASSERT_EQ(skel->bss->denied, 1, "no denial after detach");
out_destroy:
	deny_open_bpf__destroy(skel);
out_unlink:
	unlink(path);
}

TAP_TESTS(TAP_TEST(test_file_open_denied_to_target_only))

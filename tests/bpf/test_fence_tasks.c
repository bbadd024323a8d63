// SPDX-License-Identifier: GPL-2.0
/*
 * test_fence_tasks.c — what a confined task may do to its own identity and to other tasks:
 * setuid/setgid/setgroups only to its site's ids, tag changes only once and only by the kernel,
 * no bpf(), mounts or user namespaces, no signals or ptrace across sites, setuid binaries only
 * when listed, and tags that follow fork and exec. Also the backstop that keeps a task
 * confined when 6.1's task storage read misses. Runs in the test guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>

#include "fence.h"
#include "fixture.h"
#include "ops.h"
#include "tap.h"

#define SECRET FX_ROOT "/b/secret.txt"
#define AUDIT_TIMEOUT 5000

static int open_token(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", FX_TOKENS, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int try_setuid(void *arg)
{
	uid_t uid = (uid_t)(long)arg;

	return setresuid(uid, uid, uid) ? errno : 0;
}

static int try_setgid(void *arg)
{
	gid_t gid = (gid_t)(long)arg;

	return setresgid(gid, gid, gid) ? errno : 0;
}

static int try_setgroups(void *arg)
{
	gid_t g = (gid_t)(long)arg;

	return setgroups(1, &g) ? errno : 0;
}

static void test_setuid_only_to_the_sites_uid(void)
{
	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", 0, 0, try_setuid, (void *)(long)UID_B), EPERM, "a → uid of b");
	ASSERT_EQ(fx_run("a.test", 0, 0, try_setuid, (void *)0L), 0, "a stays root (unchanged)");
	ASSERT_EQ(fx_run("a.test", 0, 0, try_setuid, (void *)(long)UID_A), 0, "a → its own uid");
	ASSERT_EQ(fx_run(FX_PENDING, 0, 0, try_setuid, (void *)(long)UID_A), EPERM,
		  "pending → any uid");
	ASSERT_TRUE(fx_audit_wait(AUDIT_TIMEOUT, "\"site\":\"a.test\"", "\"op\":\"setuid\"",
				  "\"target_uid\":2002", NULL), "setuid record");
}

static void test_setgid_and_setgroups_only_to_the_sites_groups(void)
{
	ASSERT_EQ(fx_run("a.test", 0, 0, try_setgid, (void *)(long)UID_B), EPERM, "a → gid of b");
	ASSERT_EQ(fx_run("a.test", 0, 0, try_setgid, (void *)(long)UID_A), 0, "a → its own gid");
	ASSERT_EQ(fx_run("a.test", 0, 0, try_setgroups, (void *)0L), EPERM, "a → groups [0]");
	ASSERT_EQ(fx_run("a.test", 0, 0, try_setgroups, (void *)(long)UID_B), EPERM,
		  "a → groups [2002]");
	ASSERT_EQ(fx_run("b.test", 0, 0, try_setgroups, (void *)(long)UID_B), 0,
		  "b → its listed group");
}

/* A site is chosen once: a site worker cannot take another site's token, nor its own again. */
static int take_token(void *arg)
{
	return open_token(arg);
}

static void test_a_site_is_chosen_once(void)
{
	char tb[32], ta[32];

	snprintf(tb, sizeof(tb), "site-%u", fx_site_id("b.test"));
	snprintf(ta, sizeof(ta), "site-%u", fx_site_id("a.test"));
	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", 0, 0, take_token, tb), EPERM, "a takes b's token");
	ASSERT_EQ(fx_run("a.test", 0, 0, take_token, ta), EPERM, "a takes its own token again");
	ASSERT_EQ(fx_run("a.test", 0, 0, take_token, "spawner"), EPERM, "a becomes a spawner");
	ASSERT_EQ(fx_run(FX_PENDING, 0, 0, take_token, "arm"), EPERM, "pending arms");
	ASSERT_TRUE(fx_audit_wait(AUDIT_TIMEOUT, "\"site\":\"a.test\"", "\"op\":\"token\"", NULL),
		    "token record");
}

static void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

/* Tags are per task: with a second thread alive, one could keep the old tag and pick another. */
static int take_token_threaded(void *arg)
{
	pthread_t t;

	if (pthread_create(&t, NULL, idle_thread, NULL))
		return 1000;
	return open_token(arg);
}

static void test_multithreaded_process_cannot_take_a_site(void)
{
	char ta[32];

	snprintf(ta, sizeof(ta), "site-%u", fx_site_id("a.test"));
	ASSERT_EQ(fx_run(FX_PENDING, 0, 0, take_token_threaded, ta), EPERM, "two threads, token");
	ASSERT_EQ(fx_run(FX_PENDING, 0, 0, take_token, ta), 0, "one thread, token");
}

static int try_bpf(void *arg)
{
	union bpf_attr attr;

	(void)arg;
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (unsigned long)SF_PIN_DIR "/sf_tags";
	if (syscall(SYS_bpf, BPF_OBJ_GET, &attr, sizeof(attr)) >= 0)
		return 0;
	return errno;
}

static void test_bpf_is_refused(void)
{
	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", 0, 0, try_bpf, NULL), EPERM, "a (root) opens the tag map");
	ASSERT_EQ(fx_run(FX_PENDING, 0, 0, try_bpf, NULL), EPERM, "pending opens the tag map");
	ASSERT_EQ(fx_run(FX_UNTAGGED, 0, 0, try_bpf, NULL), 0, "untagged root opens it");
	ASSERT_TRUE(fx_audit_wait(AUDIT_TIMEOUT, "\"op\":\"bpf\"", "\"site\":\"a.test\"", NULL),
		    "bpf record");
}

static int try_unshare(void *arg)
{
	return unshare((int)(long)arg) ? errno : 0;
}

static int try_mount(void *arg)
{
	(void)arg;
	return mount("none", FX_ROOT "/a", "tmpfs", 0, NULL) ? errno : 0;
}

static void test_no_namespaces_or_mounts(void)
{
	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, try_unshare, (void *)(long)CLONE_NEWUSER), EPERM,
		  "a makes a user namespace");
	ASSERT_EQ(fx_run("a.test", 0, 0, try_unshare, (void *)(long)CLONE_NEWNS), EPERM,
		  "a (root) makes a mount namespace");
	ASSERT_EQ(fx_run("a.test", 0, 0, try_mount, NULL), EPERM, "a (root) mounts");
	ASSERT_EQ(fx_run(FX_UNTAGGED, UID_A, UID_A, try_unshare, (void *)(long)CLONE_NEWUSER), 0,
		  "untagged makes a user namespace");
	ASSERT_TRUE(fx_audit_wait(AUDIT_TIMEOUT, "\"op\":\"userns\"", "\"site\":\"a.test\"", NULL),
		    "userns record");
}

static int try_kill(void *arg)
{
	return kill((pid_t)(long)arg, SIGTERM) ? errno : 0;
}

static int try_ptrace(void *arg)
{
	pid_t pid = (pid_t)(long)arg;

	if (ptrace(PTRACE_ATTACH, pid, 0, 0))
		return errno;
	ptrace(PTRACE_DETACH, pid, 0, 0);
	return 0;
}

static void test_no_signals_or_ptrace_across_sites(void)
{
	pid_t c = fx_start("c.test", UID_A, UID_A, op_sleep, NULL);
	pid_t a2 = fx_start("a.test", UID_A, UID_A, op_sleep, NULL);

	if (!ASSERT_TRUE(c > 0 && a2 > 0, "start sleeping workers"))
		goto out;
	/* c.test runs as a.test's uid: only the fence tells them apart. */
	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, try_kill, (void *)(long)c), EPERM,
		  "a signals a worker of c (same uid)");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, try_ptrace, (void *)(long)c), EPERM,
		  "a ptraces a worker of c (same uid)");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, try_kill, (void *)1L), EPERM, "a signals init");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, try_kill, (void *)(long)a2), 0,
		  "a signals another worker of a");
	ASSERT_TRUE(fx_audit_wait(AUDIT_TIMEOUT, "\"op\":\"kill\"", "\"site\":\"a.test\"", NULL),
		    "kill record");
out:
	fx_stop(c);
	fx_stop(a2);
}

/* Tags survive fork and exec: PHP's exec() children stay in their site. */
static void test_children_and_exec_stay_confined(void)
{
	struct op o = { .path = SECRET };
	struct op own = { .path = FX_ROOT "/a/index.php" };

	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_fork_read, &o), EACCES, "a's child reads b");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_exec_cat, &o), EACCES, "a runs cat on b");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_exec_cat, &own), 0, "a runs cat on its file");
}

/* A setuid-root program in a's own tree: exec'ing it would gain root, and a's root has no 's'. */
static void test_setuid_binaries_gain_nothing(void)
{
	struct op o = { .path = FX_ROOT "/a/bin/suid-true" };

	if (!ASSERT_OK(system("cp /usr/bin/true " FX_ROOT "/a/bin/suid-true && chmod 4755 "
			      FX_ROOT "/a/bin/suid-true"), "install a setuid-root copy of true"))
		return;
	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_exec, &o), EPERM, "a runs a setuid-root binary");
	ASSERT_EQ(fx_run(FX_UNTAGGED, UID_A, UID_A, op_exec, &o), 0, "untagged runs it");
	ASSERT_TRUE(fx_audit_wait(AUDIT_TIMEOUT, "\"op\":\"privexec\"", "suid-true", NULL),
		    "privexec record");
}

/*
 * The backstop: with every task-storage read made to miss (as 6.1 does while another CPU-local
 * task-storage operation holds its busy counter), the hooks decide from the backstop copy and
 * confinement holds, for the worker and for what it forks.
 */
static void test_backstop_keeps_tasks_confined_when_storage_misses(void)
{
	struct op o = { .path = SECRET };
	struct op own = { .path = FX_ROOT "/a/index.php" };

	if (!ASSERT_OK(fx_debug(1u << 0, 0), "make task storage reads miss"))
		return;
	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &o), EACCES, "a reads b's secret");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_fork_read, &o), EACCES, "a's child reads it");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, try_setuid, (void *)(long)UID_B), EPERM,
		  "a becomes b's uid");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &own), 0, "a reads its own file");
	ASSERT_EQ(fx_run(FX_UNTAGGED, UID_A, UID_A, op_read, &o), 0, "untagged still reads");
	ASSERT_TRUE(fx_audit_wait(AUDIT_TIMEOUT, "\"tag_source\":\"backstop\"", "secret.txt", NULL),
		    "the record says the backstop decided");
	ASSERT_OK(fx_debug(0, 1u << 0), "restore");
}

TAP_TESTS_FIXTURE(fx_setup, fx_teardown,
	TAP_TEST(test_setuid_only_to_the_sites_uid),
	TAP_TEST(test_setgid_and_setgroups_only_to_the_sites_groups),
	TAP_TEST(test_a_site_is_chosen_once),
	TAP_TEST(test_multithreaded_process_cannot_take_a_site),
	TAP_TEST(test_bpf_is_refused),
	TAP_TEST(test_no_namespaces_or_mounts),
	TAP_TEST(test_no_signals_or_ptrace_across_sites),
	TAP_TEST(test_children_and_exec_stay_confined),
	TAP_TEST(test_setuid_binaries_gain_nothing),
	TAP_TEST(test_backstop_keeps_tasks_confined_when_storage_misses))

// SPDX-License-Identifier: GPL-2.0
/*
 * test_fence_files.c — a confined site tries every way we know to reach another site's files,
 * and each must fail with the expected errno and leave an audit record naming the site; the
 * same operations inside its own tree must work, and unconfined processes must not notice the
 * fence. Runs in the test guest (tests/vm/run), against a real sitefenced.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fixture.h"
#include "ops.h"
#include "tap.h"
#include "fdpass.h"

#define A FX_ROOT "/a"
#define B FX_ROOT "/b"
#define SECRET B "/secret.txt"

#define AUDIT_TIMEOUT 5000

/* The record for a denial by site of op on a path containing path_part. */
static bool denied_record(const char *site, const char *op, const char *path_part)
{
	char s[128], o[64], p[512];

	snprintf(s, sizeof(s), "\"site\":\"%s\"", site);
	snprintf(o, sizeof(o), "\"op\":\"%s\"", op);
	snprintf(p, sizeof(p), "%s", path_part);
	if (fx_audit_wait(AUDIT_TIMEOUT, "\"verdict\":\"deny\"", s, o, p, NULL))
		return true;
	printf("#   no deny record for %s %s %s; records since the test began:\n", site, op,
	       path_part);
	fx_audit_dump();
	return false;
}

static void test_site_reads_its_own_files(void)
{
	struct op o = { .path = A "/index.php" };

	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &o), 0, "a reads a/index.php");
}

static void test_reading_another_sites_world_readable_file_is_denied(void)
{
	struct op o = { .path = SECRET };

	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &o), EACCES, "a reads b/secret.txt");
	ASSERT_TRUE(denied_record("a.test", "open", "\"path\":\"/srv/sf/b/secret.txt\""),
		    "audit record of the denial");
	ASSERT_TRUE(fx_audit_wait(AUDIT_TIMEOUT, "secret.txt",
				  "\"reason\":\"outside the roots of the task's site\"", NULL),
		    "the record gives the reason");
}

/* Confinement holds while the worker is still root, before it calls setuid. */
static void test_denied_even_as_root_before_setuid(void)
{
	struct op o = { .path = SECRET };

	ASSERT_EQ(fx_run("a.test", 0, 0, op_read, &o), EACCES, "a, still root, reads b's secret");
}

/* c.test runs as the same uid as a.test: unix permissions cannot tell them apart. */
static void test_site_sharing_a_uid_cannot_read_the_other(void)
{
	struct op o = { .path = FX_ROOT "/c/own.txt" };

	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &o), EACCES, "a reads c's file");
	ASSERT_EQ(fx_run("c.test", UID_A, UID_A, op_read, &o), 0, "c reads its own file");
	ASSERT_TRUE(denied_record("a.test", "open", "/srv/sf/c/own.txt"), "audit record");
}

static void test_symlink_into_another_site_is_denied(void)
{
	struct op o = { .path = A "/sym-to-b" };

	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &o), EACCES, "a follows its symlink");
}

/* A hard link in a's tree names b's inode: the name is a's, the file is not. */
static void test_hard_link_into_another_site_is_denied(void)
{
	struct op o = { .path = A "/hardlink-to-b" };

	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &o), EACCES, "a opens its hard link");
	ASSERT_TRUE(fx_audit_wait(AUDIT_TIMEOUT, "\"site\":\"a.test\"", "hardlink-to-b",
				  "hard links", NULL), "record names the hard link reason");
}

static void test_proc_self_root_is_no_way_around(void)
{
	struct op o = { .path = "/proc/self/root" SECRET };

	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &o), EACCES, "via /proc/self/root");
}

static void test_proc_pid_root_is_no_way_around(void)
{
	struct op o = { .path = "/proc/1/root" SECRET };

	/* As root, so that /proc/1 itself is reachable by unix permissions. */
	ASSERT_EQ(fx_run("a.test", 0, 0, op_read, &o), EACCES, "via /proc/1/root");
}

/* A bind mount of b's tree inside a's: the dentries are b's, whatever the mount point. */
static void test_bind_mount_into_a_site_is_no_way_around(void)
{
	struct op o = { .path = A "/bind/secret.txt" };

	if (mkdir(A "/bind", 0755) && !ASSERT_EQ(errno, EEXIST, "mkdir a/bind"))
		return;
	if (!ASSERT_OK(mount(B, A "/bind", NULL, MS_BIND, NULL), "bind-mount b at a/bind"))
		return;
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &o), EACCES, "a reads through the bind");
	umount(A "/bind");
}

static void test_o_path_reopen_is_denied(void)
{
	struct op o = { .path = SECRET };

	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_opath_reopen, &o), EACCES,
		  "reopen of an O_PATH fd through /proc/self/fd");
}

/* An unconfined process passes an open fd of b's file to a's worker. */
static void test_fd_passed_over_a_unix_socket_is_withheld(void)
{
	struct op o = { 0 };
	int sv[2], fd;

	if (!ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), "socketpair"))
		return;
	fd = open(SECRET, O_RDONLY);
	if (!ASSERT_OK(fd, "open b's secret unconfined"))
		return;
	if (!ASSERT_EQ(fdpass_send(sv[0], "x", 1, fd, 0), 1, "queue the fd"))
		return;
	o.fd = sv[1];
	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_receive, &o), EACCES, "a receives b's fd");
	ASSERT_TRUE(denied_record("a.test", "receive", "secret.txt"), "audit record");
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

static void test_writing_another_sites_world_writable_file_is_denied(void)
{
	struct op o = { .path = B "/public-rw" };

	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_write, &o), EACCES, "a writes b/public-rw");
	ASSERT_EQ(fx_run("b.test", UID_B, UID_B, op_write, &o), 0, "b writes its own file");
}

static void test_unlink_and_rename_outside_are_denied(void)
{
	struct op un = { .path = B "/drop/victim" };
	struct op mv = { .path = A "/moving", .path2 = B "/drop/moved" };

	ASSERT_OK(fx_write(B "/drop/victim", "x\n", 0666, UID_B, UID_B), "create b/drop/victim");
	ASSERT_OK(fx_write(A "/moving", "x\n", 0644, UID_A, UID_A), "create a/moving");
	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_unlink, &un), EACCES,
		  "a unlinks in b's world-writable dir");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_rename, &mv), EACCES,
		  "a renames into b's world-writable dir");
	ASSERT_TRUE(denied_record("a.test", "unlink", "/srv/sf/b/drop"), "unlink record");
	ASSERT_TRUE(denied_record("a.test", "rename", "/srv/sf/b/drop"), "rename record");
}

static void test_chmod_of_a_same_uid_sites_file_is_denied(void)
{
	struct op o = { .path = FX_ROOT "/c/own.txt", .flags = 0666 };

	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_chmod, &o), EACCES, "a chmods c's file");
}

static int sysctl_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), r;

	if (fd < 0)
		return -1;
	r = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return r;
}

/*
 * With fs.protected_hardlinks off, unix permissions let anyone link a file it can read; the
 * fence must still keep a from naming b's file inside its own tree.
 */
static void test_links_cannot_pull_files_in(void)
{
	struct op o = { .path = SECRET, .path2 = A "/pulled-in" };

	if (!ASSERT_OK(sysctl_write("/proc/sys/fs/protected_hardlinks", "0"),
		       "turn protected_hardlinks off"))
		return;
	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_link, &o), EACCES,
		  "a hard-links b's file into a");
	ASSERT_TRUE(denied_record("a.test", "link", "secret.txt"), "link record");
	sysctl_write("/proc/sys/fs/protected_hardlinks", "1");
}

static void test_create_rename_and_delete_inside_the_site_work(void)
{
	struct op cr = { .path = A "/new-file" };
	struct op dir = { .path = A "/new-dir" };
	struct op sym = { .path = A "/new-link", .path2 = "index.php" };

	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_create, &cr), 0, "create and delete a file");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_mkdir, &dir), 0, "mkdir and rmdir");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_symlink, &sym), 0, "symlink");
}

static void test_exec_outside_is_denied_and_inside_works(void)
{
	struct op out = { .path = B "/bin/true" };
	struct op in = { .path = A "/bin/true" };
	struct op noexec = { .path = A "/data/true" };

	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_exec, &out), EACCES, "a runs b/bin/true");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_exec, &in), 0, "a runs a/bin/true");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_exec, &noexec), EACCES,
		  "a runs from a/data, a root without x");
	ASSERT_TRUE(denied_record("a.test", "open", "/srv/sf/b/bin/true"), "exec record");
}

static void test_executable_mappings_need_x(void)
{
	struct op noexec = { .path = A "/data/lib.bin" };
	struct op exec = { .path = A "/bin/true" };

	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_mmap_exec, &noexec), EACCES,
		  "mmap PROT_EXEC below a root without x");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_mprotect_exec, &noexec), EACCES,
		  "mprotect PROT_EXEC below a root without x");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_mmap_exec, &exec), 0, "mmap PROT_EXEC of a/bin");
	ASSERT_TRUE(denied_record("a.test", "mmap", "/srv/sf/a/data/lib.bin"), "mmap record");
	ASSERT_TRUE(denied_record("a.test", "mprotect", "/srv/sf/a/data/lib.bin"), "mprotect record");
}

/* access() must not reveal another site's files either (OPcache relies on it). */
static void test_access_outside_fails(void)
{
	struct op out = { .path = SECRET, .flags = F_OK };
	struct op outr = { .path = SECRET, .flags = R_OK };
	struct op in = { .path = A "/index.php", .flags = R_OK };

	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_access, &out), EACCES, "access(F_OK) outside");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_access, &outr), EACCES, "access(R_OK) outside");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_access, &in), 0, "access(R_OK) inside");
	/* access() knows only the inode; its record names the inode's first name. */
	ASSERT_TRUE(denied_record("a.test", "access", "\"path\":"), "access record");
}

static void test_paths_deeper_than_the_walk_bound_are_denied(void)
{
	char path[4096];
	struct op o = { .path = path };
	int i, n;

	n = snprintf(path, sizeof(path), "%s/deep", A);
	for (i = 0; i < 70; i++)
		n += snprintf(path + n, sizeof(path) - n, "/d%d", i);
	snprintf(path + n, sizeof(path) - n, "/f");
	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &o), EACCES, "a file 72 levels deep");
	ASSERT_TRUE(fx_audit_wait(AUDIT_TIMEOUT, "\"site\":\"a.test\"", "walk bound", NULL),
		    "record gives the depth reason");
}

static void test_unix_sockets_outside_are_refused(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct op out = { .path = B "/sock" };
	struct op in = { .path = A "/sock" };
	int sb, sa_fd;

	unlink(B "/sock");
	unlink(A "/sock");
	sb = socket(AF_UNIX, SOCK_STREAM, 0);
	sa_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", B "/sock");
	if (!ASSERT_OK(bind(sb, (struct sockaddr *)&sa, sizeof(sa)), "bind b/sock") ||
	    !ASSERT_OK(listen(sb, 4), "listen b/sock"))
		return;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", A "/sock");
	if (!ASSERT_OK(bind(sa_fd, (struct sockaddr *)&sa, sizeof(sa)), "bind a/sock") ||
	    !ASSERT_OK(listen(sa_fd, 4), "listen a/sock"))
		return;
	chmod(B "/sock", 0777);
	chmod(A "/sock", 0777);
	/* a's root has no 'u': even its own socket is refused; b's root has it. */
	fx_audit_mark();
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_connect, &out), EACCES, "a connects to b/sock");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_connect, &in), EACCES, "a connects without u");
	ASSERT_EQ(fx_run("b.test", UID_B, UID_B, op_connect, &out), 0, "b connects to b/sock");
	ASSERT_TRUE(denied_record("a.test", "connect", "/srv/sf/b/sock"), "connect record");
	close(sb);
	close(sa_fd);
}

static void test_inotify_outside_is_denied(void)
{
	struct op o = { .path = B "/drop" };

	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_inotify, &o), EACCES, "watch b/drop");
}

static void test_global_roots_are_read_only(void)
{
	struct op rd = { .path = FX_ROOT "/shared/readme" };
	struct op lib = { .path = "/usr/bin/true" };

	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &rd), 0, "read a global root");
	ASSERT_EQ(fx_run("a.test", 0, 0, op_write, &rd), EACCES, "write a global root as root");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_exec, &lib), 0, "run /usr/bin/true");
}

/* A spawner's child that has not chosen a site may use the global roots only. */
static void test_pending_worker_sees_global_roots_only(void)
{
	struct op lib = { .path = "/usr/bin/true" };
	struct op site = { .path = A "/index.php" };

	ASSERT_EQ(fx_run(FX_PENDING, 0, 0, op_read, &lib), 0, "pending reads /usr");
	ASSERT_EQ(fx_run(FX_PENDING, 0, 0, op_read, &site), EACCES, "pending reads a's file");
}

static void test_unconfined_processes_do_not_notice(void)
{
	struct op o = { .path = SECRET };
	struct op w = { .path = B "/public-rw" };

	ASSERT_EQ(fx_run(FX_UNTAGGED, UID_A, UID_A, op_read, &o), 0, "untagged uid 2001 reads");
	ASSERT_EQ(fx_run(FX_UNTAGGED, UID_A, UID_A, op_write, &w), 0, "untagged uid 2001 writes");
}

/* A site whose root lies on the guest's overlayfs root, on purpose (the stacked case). */
static void test_site_on_overlayfs(void)
{
	struct op in = { .path = FX_OVL "/e/file.txt" };
	struct op out = { .path = FX_OVL "/outside.txt" };
	struct op acc_in = { .path = FX_OVL "/e/file.txt", .flags = R_OK };
	struct op acc_out = { .path = FX_OVL "/outside.txt", .flags = R_OK };
	struct op cr = { .path = FX_OVL "/e/created" };

	fx_audit_mark();
	ASSERT_EQ(fx_run("e.test", UID_E, UID_E, op_read, &in), 0, "e reads its file");
	ASSERT_EQ(fx_run("e.test", UID_E, UID_E, op_read, &out), EACCES, "e reads next door");
	ASSERT_EQ(fx_run("e.test", UID_E, UID_E, op_access, &acc_in), 0, "access inside");
	ASSERT_EQ(fx_run("e.test", UID_E, UID_E, op_access, &acc_out), EACCES, "access outside");
	if (!ASSERT_EQ(fx_run("e.test", UID_E, UID_E, op_create, &cr), 0, "create inside"))
		fx_audit_dump();
}

static void test_audit_mode_logs_and_allows(void)
{
	struct op o = { .path = SECRET };

	fx_audit_mark();
	ASSERT_EQ(fx_run("d.test", UID_D, UID_D, op_read, &o), 0, "d (audit mode) reads b's secret");
	ASSERT_TRUE(fx_audit_wait(AUDIT_TIMEOUT, "\"verdict\":\"audit\"", "\"site\":\"d.test\"",
				  "secret.txt", NULL), "an audit record");
}

static void test_bpffs_is_out_of_reach(void)
{
	struct op cr = { .path = "/sys/fs/bpf/sitefence/planted" };
	struct op un = { .path = "/sys/fs/bpf/sitefence/link_sf_file_open" };

	ASSERT_EQ(fx_run("a.test", 0, 0, op_create, &cr), EACCES, "create a pin, as root");
	ASSERT_EQ(fx_run("a.test", 0, 0, op_unlink, &un), EACCES, "unlink a link pin, as root");
	ASSERT_EQ(access("/sys/fs/bpf/sitefence/link_sf_file_open", F_OK), 0, "the pin is intact");
}

/* Root's DAC override is a capability, and tagged tasks have none but setuid/setgid. */
static void test_capabilities_do_not_open_files(void)
{
	struct op o = { .path = A "/private" };
	struct op own = { .path = A "/index.php", .arg = UID_B };

	ASSERT_EQ(fx_run("a.test", 0, 0, op_read, &o), EACCES, "root in a reads a 0600 file of b");
	ASSERT_EQ(fx_run("a.test", 0, 0, op_chown, &own), EPERM, "root in a chowns");
	ASSERT_EQ(fx_run(FX_UNTAGGED, 0, 0, op_read, &o), 0, "untagged root reads it");
}

TAP_TESTS_FIXTURE(fx_setup, fx_teardown,
	TAP_TEST(test_site_reads_its_own_files),
	TAP_TEST(test_reading_another_sites_world_readable_file_is_denied),
	TAP_TEST(test_denied_even_as_root_before_setuid),
	TAP_TEST(test_site_sharing_a_uid_cannot_read_the_other),
	TAP_TEST(test_symlink_into_another_site_is_denied),
	TAP_TEST(test_hard_link_into_another_site_is_denied),
	TAP_TEST(test_proc_self_root_is_no_way_around),
	TAP_TEST(test_proc_pid_root_is_no_way_around),
	TAP_TEST(test_bind_mount_into_a_site_is_no_way_around),
	TAP_TEST(test_o_path_reopen_is_denied),
	TAP_TEST(test_fd_passed_over_a_unix_socket_is_withheld),
	TAP_TEST(test_writing_another_sites_world_writable_file_is_denied),
	TAP_TEST(test_unlink_and_rename_outside_are_denied),
	TAP_TEST(test_chmod_of_a_same_uid_sites_file_is_denied),
	TAP_TEST(test_links_cannot_pull_files_in),
	TAP_TEST(test_create_rename_and_delete_inside_the_site_work),
	TAP_TEST(test_exec_outside_is_denied_and_inside_works),
	TAP_TEST(test_executable_mappings_need_x),
	TAP_TEST(test_access_outside_fails),
	TAP_TEST(test_paths_deeper_than_the_walk_bound_are_denied),
	TAP_TEST(test_unix_sockets_outside_are_refused),
	TAP_TEST(test_inotify_outside_is_denied),
	TAP_TEST(test_global_roots_are_read_only),
	TAP_TEST(test_pending_worker_sees_global_roots_only),
	TAP_TEST(test_unconfined_processes_do_not_notice),
	TAP_TEST(test_site_on_overlayfs),
	TAP_TEST(test_audit_mode_logs_and_allows),
	TAP_TEST(test_bpffs_is_out_of_reach),
	TAP_TEST(test_capabilities_do_not_open_files))

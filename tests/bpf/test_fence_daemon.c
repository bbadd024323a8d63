// SPDX-License-Identifier: GPL-2.0
/*
 * test_fence_daemon.c — sitefenced itself: enforcement that survives the daemon being killed,
 * restarted or upgraded; configurations and site tables refused whole with file:line errors;
 * a control socket that refuses malformed messages, non-root and confined peers, and slow
 * clients without stalling; and TAG_PEER, a site taken through the daemon. Runs in the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fence.h"
#include "fixture.h"
#include "ops.h"
#include "proto.h"
#include "tap.h"

#define SECRET FX_ROOT "/b/secret.txt"
#define AUDIT_TIMEOUT 8000

static uint64_t generation(void)
{
	char *reply = NULL, *p;
	uint64_t g = 0;

	if (fx_control(SF_MSG_STATUS, "", &reply))
		return 0;
	p = strstr(reply, "\ngeneration ");
	if (p)
		g = strtoull(p + 12, NULL, 10);
	free(reply);
	return g;
}

static void test_killing_the_daemon_keeps_enforcement_and_loses_no_record(void)
{
	struct op o = { .path = SECRET };
	struct op own = { .path = FX_ROOT "/a/index.php" };

	fx_audit_mark();
	if (!ASSERT_OK(fx_daemon_stop(true), "kill -9 sitefenced"))
		return;
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &o), EACCES, "denied with no daemon");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &own), 0,
		  "a new worker takes its site with no daemon");
	if (!ASSERT_OK(fx_daemon_start(), "restart sitefenced"))
		return;
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &o), EACCES, "denied after restart");
	/* The denial made while no daemon ran waited in the pinned ring buffer. */
	ASSERT_TRUE(fx_audit_wait(AUDIT_TIMEOUT, "\"site\":\"a.test\"", "secret.txt", NULL),
		    "the record from the downtime reaches the log");
}

static void test_restart_rebuilds_the_registered_sites(void)
{
	char *reply = NULL;

	if (!ASSERT_OK(fx_control(SF_MSG_STATUS, "", &reply), "STATUS"))
		return;
	ASSERT_TRUE(strstr(reply, "\nsites 5\n") != NULL, "five sites after the restart");
	ASSERT_TRUE(strstr(reply, "site a.test ") != NULL, "a.test is known");
	if (!ASSERT_TRUE(strstr(reply, "\nsites 5\n") != NULL, "status"))
		printf("#   %s\n", reply);
	free(reply);
}

static const char bad_config[] = "audit_log /tmp/sftest/audit.log\n"
				 "audit_rate 0\n"
				 "frobnicate yes\n"
				 "global relative/path r\n"
				 "global /usr rwq\n"
				 "pending_mode sometimes\n";

/* sitefenced -n: every error as file:line: message, exit 1; a good file: "configuration OK". */
static void test_check_mode_reports_every_error_with_file_and_line(void)
{
	char cmd[512], out[4096] = "";
	FILE *p;
	size_t n;
	int status;

	if (!ASSERT_OK(fx_write(FX_DIR "/bad.conf", bad_config, 0644, 0, 0), "write bad.conf"))
		return;
	snprintf(cmd, sizeof(cmd), "build/sitefenced -n -f %s/bad.conf 2>&1", FX_DIR);
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	status = pclose(p);
	ASSERT_EQ(WEXITSTATUS(status), 1, "exit status");
	ASSERT_TRUE(strstr(out, "bad.conf:2: audit_rate '0' is out of range") != NULL, "line 2");
	ASSERT_TRUE(strstr(out, "bad.conf:3: unknown key 'frobnicate'") != NULL, "line 3");
	ASSERT_TRUE(strstr(out, "bad.conf:4: global path 'relative/path'") != NULL, "line 4");
	ASSERT_TRUE(strstr(out, "bad.conf:5: access 'rwq'") != NULL, "line 5");
	ASSERT_TRUE(strstr(out, "bad.conf:6: pending_mode 'sometimes'") != NULL, "line 6");
	if (tap_failed)
		printf("#   output:\n%s", out);
	snprintf(cmd, sizeof(cmd), "build/sitefenced -n -f %s 2>&1", FX_CONF);
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	status = pclose(p);
	ASSERT_EQ(WEXITSTATUS(status), 0, "good config exit status");
	ASSERT_TRUE(strstr(out, "configuration OK") != NULL, "configuration OK");
}

static void test_reload_with_a_bad_config_keeps_the_running_policy(void)
{
	struct op o = { .path = SECRET };
	uint64_t before = generation();
	char *reply = NULL, good[4096];
	FILE *f;
	size_t n;

	f = fopen(FX_CONF, "r");
	n = f ? fread(good, 1, sizeof(good) - 1, f) : 0;
	good[n] = '\0';
	if (f)
		fclose(f);
	if (!ASSERT_OK(fx_write(FX_CONF, bad_config, 0644, 0, 0), "install a bad config"))
		return;
	if (ASSERT_OK(fx_control(SF_MSG_RELOAD, "", &reply), "RELOAD")) {
		ASSERT_TRUE(!strncmp(reply, "error\n", 6), "reload refused");
		ASSERT_TRUE(strstr(reply, "sitefenced.conf:3: unknown key 'frobnicate'") != NULL,
			    "reply names file and line");
		free(reply);
	}
	ASSERT_EQ(generation(), before, "policy generation unchanged");
	ASSERT_EQ(fx_run("a.test", UID_A, UID_A, op_read, &o), EACCES, "still enforced");
	fx_write(FX_CONF, good, 0644, 0, 0);
	if (ASSERT_OK(fx_control(SF_MSG_RELOAD, "", &reply), "RELOAD good")) {
		ASSERT_TRUE(!strncmp(reply, "ok\n", 3), "reload applied");
		free(reply);
	}
	ASSERT_EQ(generation(), before + 1, "a new generation");
}

/* A site table with mistakes is refused whole: not even its good site gets in. */
static void test_a_bad_site_table_is_refused_whole(void)
{
	static const char table[] = "site good.test uid=3001 gid=3001\n"
				    "root good.test /srv/sf/a r\n"
				    "site root.test uid=0 gid=0\n"
				    "root nosuch.test /srv x\n"
				    "site good.test uid=3002 gid=3002\n"
				    "root good.test /srv/sf/b rwz\n"
				    "site low.test uid=999 gid=3003\n";
	uint64_t before = generation();
	char *status = NULL;
	struct sf_msg reply;
	int fd;

	if (!ASSERT_OK(sf_client_connect(SF_CONTROL_SOCK, &fd), "connect"))
		return;
	if (!ASSERT_OK(sf_client_call(fd, SF_MSG_HELLO, "owner other\n", 12, &reply, 10000),
		       "HELLO"))
		goto out;
	sf_msg_free(&reply);
	if (!ASSERT_OK(sf_client_call(fd, SF_MSG_SET_SITES, table, strlen(table), &reply, 10000),
		       "SET_SITES"))
		goto out;
	ASSERT_FALSE(sf_reply_ok(&reply), "refused");
	ASSERT_TRUE(strstr(reply.data, "other:3: uid '0'") != NULL, "uid 0 named");
	ASSERT_TRUE(strstr(reply.data, "other:4: root for unknown site 'nosuch.test'") != NULL,
		    "unknown site named");
	ASSERT_TRUE(strstr(reply.data, "other:5: site 'good.test' is listed twice") != NULL,
		    "duplicate named");
	ASSERT_TRUE(strstr(reply.data, "other:6: access 'rwz'") != NULL, "bad access named");
	if (tap_failed)
		printf("#   reply:\n%s", reply.data);
	sf_msg_free(&reply);
	ASSERT_EQ(generation(), before, "policy generation unchanged");
	if (ASSERT_OK(fx_control(SF_MSG_STATUS, "", &status), "STATUS")) {
		ASSERT_TRUE(strstr(status, "good.test") == NULL, "the good site is not registered");
		free(status);
	}
out:
	close(fd);
}

/* Send raw bytes as a client; return the daemon's reply text ("" if it just hung up). */
static char *raw_exchange(const void *bytes, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char buf[4096];
	struct pollfd pfd;
	ssize_t n, got = 0;
	int fd;

	buf[0] = '\0';
	strcpy(sa.sun_path, SF_CONTROL_SOCK);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return NULL;
	}
	if (write(fd, bytes, len) != (ssize_t)len) {
		close(fd);
		return NULL;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 5000) == 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fd);
	/* Skip the 16-byte header of the reply. */
	return got > (ssize_t)sizeof(struct sf_msg_hdr) ? buf + sizeof(struct sf_msg_hdr) : buf;
}

static void test_malformed_control_messages_are_refused(void)
{
	struct sf_msg_hdr h = { SF_PROTO_MAGIC, SF_PROTO_VERSION, SF_MSG_STATUS, 0, 7 };
	uint64_t before = generation();
	char msg[64];
	char *r;

	h.magic = 0x12345678;
	r = raw_exchange(&h, sizeof(h));
	ASSERT_TRUE(r && strstr(r, "malformed message"), "bad magic");
	h.magic = SF_PROTO_MAGIC;
	h.type = 77;
	r = raw_exchange(&h, sizeof(h));
	ASSERT_TRUE(r && strstr(r, "malformed message"), "unknown type");
	h.type = SF_MSG_SET_SITES;
	h.len = SF_MSG_MAX + 1;
	r = raw_exchange(&h, sizeof(h));
	ASSERT_TRUE(r && strstr(r, "malformed message"), "oversized length");
	h.type = SF_MSG_HELLO;
	h.len = 9;
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), "owner\0abc", 9);
	r = raw_exchange(msg, sizeof(h) + 9);
	ASSERT_TRUE(r && strstr(r, "malformed message"), "NUL inside the text");
	h.type = SF_MSG_SET_SITES;
	h.len = 10;
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), "site x\n", 7);
	r = raw_exchange(msg, sizeof(h) + 7);	/* short, then hang up */
	ASSERT_TRUE(fx_daemon_alive(), "daemon alive after all that");
	ASSERT_EQ(generation(), before, "policy unchanged");
}

/* A client that sends half a header and stalls must not stall anybody else. */
static void test_a_stalled_client_does_not_block_others(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timespec t0, t1;
	int slow;

	strcpy(sa.sun_path, SF_CONTROL_SOCK);
	slow = socket(AF_UNIX, SOCK_STREAM, 0);
	if (!ASSERT_OK(connect(slow, (struct sockaddr *)&sa, sizeof(sa)), "connect slow client"))
		return;
	ASSERT_EQ(write(slow, "SFC", 3), 3, "half a header");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_NEQ(generation(), 0, "another client is served");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ASSERT_TRUE(t1.tv_sec - t0.tv_sec < 5, "promptly");
	close(slow);
}

static int connect_as(void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[512] = "";
	ssize_t n;
	int fd;

	(void)arg;
	strcpy(sa.sun_path, SF_CONTROL_SOCK);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > (ssize_t)sizeof(struct sf_msg_hdr) &&
	    (memmem(buf, n, "only root", 9) || memmem(buf, n, "confined to a site", 18)))
		return EPERM;
	return 0;
}

static void test_non_root_and_confined_peers_are_refused(void)
{
	ASSERT_EQ(fx_run(FX_UNTAGGED, 1000, 1000, connect_as, NULL), EACCES,
		  "uid 1000 cannot even open the 0600 socket");
	chmod(SF_CONTROL_SOCK, 0666);
	ASSERT_EQ(fx_run(FX_UNTAGGED, 1000, 1000, connect_as, NULL), EPERM,
		  "uid 1000 refused by SO_PEERCRED");
	chmod(SF_CONTROL_SOCK, 0600);
	/* Root, but confined: a's root has no 'u' for /run/sitefence... the global does. */
	ASSERT_EQ(fx_run("a.test", 0, 0, connect_as, NULL), EPERM, "a site worker, still root");
}

/* TAG_PEER: a pending worker asks the daemon for its site and gets a token to open. */
static int tag_through_daemon(void *arg)
{
	struct op o = { .path = SECRET };
	struct op own = { .path = FX_ROOT "/a/index.php" };
	char req[64], path[64];
	struct sf_msg reply;
	int fd, err, tok;

	snprintf(req, sizeof(req), "site %s\n", (const char *)arg);
	err = sf_client_connect(SF_CONTROL_SOCK, &fd);
	if (err)
		return 1000 - err;
	err = sf_client_call(fd, SF_MSG_TAG_PEER, req, strlen(req), &reply, 10000);
	close(fd);
	if (err)
		return 2000 - err;
	if (!sf_reply_ok(&reply) || reply.fd < 0) {
		fprintf(stderr, "# TAG_PEER: %s", reply.data);
		sf_msg_free(&reply);
		return 3000;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", reply.fd);
	tok = open(path, O_RDONLY | O_CLOEXEC);
	sf_msg_free(&reply);
	if (tok < 0)
		return 4000 + errno;
	close(tok);
	if (setresgid(UID_A, UID_A, UID_A) || setresuid(UID_A, UID_A, UID_A))
		return 5000 + errno;
	if (op_read(&own))
		return 6000;
	return op_read(&o);
}

static void test_tag_peer_gives_a_pending_worker_its_site(void)
{
	ASSERT_EQ(fx_run(FX_PENDING, 0, 0, tag_through_daemon, "a.test"), EACCES,
		  "tagged through the daemon, then denied b's secret");
}

struct hammer {
	volatile long attempts;
	volatile long successes;
};

static int hammer_secret(void *arg)
{
	struct hammer *h = arg;
	int fd;

	for (;;) {
		fd = open(SECRET, O_RDONLY | O_CLOEXEC);
		__sync_fetch_and_add(&h->attempts, 1);
		if (fd >= 0) {
			__sync_fetch_and_add(&h->successes, 1);
			close(fd);
		}
	}
	return 0;
}

static void mark_pins_stale(void)
{
	struct {
		uint64_t hash;
		uint32_t programs, pad;
	} meta;
	uint32_t zero = 0;
	int fd = bpf_obj_get(SF_PIN_DIR "/sf_meta");

	if (fd < 0)
		return;
	if (!bpf_map_lookup_elem(fd, &zero, &meta)) {
		meta.hash ^= 1;
		bpf_map_update_elem(fd, &zero, &meta, BPF_ANY);
	}
	close(fd);
}

/*
 * An upgrade: sitefenced starts with an object different from the pinned one, loads it and
 * replaces every program. A worker opening b's secret in a tight loop all the while must never
 * get it: the new link is attached before the old one goes.
 */
static void test_upgrade_replaces_programs_without_a_gap(void)
{
	struct hammer *h = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				-1, 0);
	char log[8192] = "";
	pid_t w;
	FILE *f;
	size_t n;

	if (!ASSERT_TRUE(h != MAP_FAILED, "shared counters"))
		return;
	w = fx_start("a.test", UID_A, UID_A, hammer_secret, h);
	if (!ASSERT_TRUE(w > 0, "start the hammer"))
		return;
	fx_daemon_stop(false);
	ASSERT_OK(truncate(FX_DIR "/sitefenced.log", 0), "truncate the daemon's log");
	mark_pins_stale();
	ASSERT_OK(fx_daemon_start(), "start the 'new' sitefenced");
	fx_stop(w);
	f = fopen(FX_DIR "/sitefenced.log", "r");
	n = f ? fread(log, 1, sizeof(log) - 1, f) : 0;
	log[n] = '\0';
	if (f)
		fclose(f);
	ASSERT_TRUE(strstr(log, " 0 kept from before, 0 replaced") == NULL &&
		    strstr(log, "replaced") != NULL, "programs were replaced");
	ASSERT_TRUE(h->attempts > 100, "the hammer ran through the upgrade");
	ASSERT_EQ(h->successes, 0, "no open succeeded during the upgrade");
	printf("#   %ld opens during the upgrade, %ld succeeded\n", h->attempts, h->successes);
	munmap(h, 4096);
}

TAP_TESTS_FIXTURE(fx_setup, fx_teardown,
	TAP_TEST(test_killing_the_daemon_keeps_enforcement_and_loses_no_record),
	TAP_TEST(test_restart_rebuilds_the_registered_sites),
	TAP_TEST(test_check_mode_reports_every_error_with_file_and_line),
	TAP_TEST(test_reload_with_a_bad_config_keeps_the_running_policy),
	TAP_TEST(test_a_bad_site_table_is_refused_whole),
	TAP_TEST(test_malformed_control_messages_are_refused),
	TAP_TEST(test_a_stalled_client_does_not_block_others),
	TAP_TEST(test_non_root_and_confined_peers_are_refused),
	TAP_TEST(test_tag_peer_gives_a_pending_worker_its_site),
	TAP_TEST(test_upgrade_replaces_programs_without_a_gap))

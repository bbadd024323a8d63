/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fixture.h — what the kernel fence tests share: site trees on a tmpfs of their own, a running
 * sitefenced with a test configuration and a registered site table, workers that take a site
 * the way the Apache MPM's do (spawner → arm → fork → token → setuid), and a reader for the
 * audit log. Runs as root inside the test guest only.
 *
 * Sites (ids come from sitefenced):
 *   a.test  uid 2001  /srv/sf/a (rwxc), /srv/sf/a/data (rwc: no exec)
 *   b.test  uid 2002  /srv/sf/b (rwxcu) — holds the secrets others try to reach
 *   c.test  uid 2001  /srv/sf/c (rwxc) — shares its uid with a.test
 *   d.test  uid 2004  /srv/sf/d (rwxc), audit mode
 *   e.test  uid 2005  /var/lib/sf-overlay/e (rwxc) — on the guest's overlay root, on purpose
 */
#ifndef SF_TEST_FIXTURE_H
#define SF_TEST_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define FX_ROOT	   "/srv/sf"
#define FX_OVL	   "/var/lib/sf-overlay"
#define FX_DIR	   "/tmp/sftest"
#define FX_CONF	   FX_DIR "/sitefenced.conf"
#define FX_AUDIT   FX_DIR "/audit.log"
#define FX_TOKENS  "/run/sitefence/tokens"

#define UID_A 2001
#define UID_B 2002
#define UID_D 2004
#define UID_E 2005

/* How a worker starts. */
#define FX_UNTAGGED ((const char *)1)	/* no spawner: an ordinary process */
#define FX_PENDING  ((const char *)2)	/* spawner's child that never takes a site */

/* Set up everything once per test program; 0 or -errno (the reason is printed). */
int fx_setup(void);
void fx_teardown(void);

uint32_t fx_site_id(const char *name);

/* Run fn(arg) in a fresh worker of site (a name, FX_PENDING or FX_UNTAGGED), dropped to uid
 * and gid when they are non-zero. fn returns 0 or an errno; so does fx_run, or -1 when the
 * worker could not be set up or died. */
typedef int (*fx_fn)(void *arg);
int fx_run(const char *site, uid_t uid, gid_t gid, fx_fn fn, void *arg);

/* Like fx_run, but return at once with the worker's pid; fn runs until fx_stop. */
pid_t fx_start(const char *site, uid_t uid, gid_t gid, fx_fn fn, void *arg);
void fx_stop(pid_t pid);

/* The daemon: stop it (SIGTERM, or SIGKILL), start it again, ask it to reload. */
int fx_daemon_stop(bool kill9);
int fx_daemon_start(void);
bool fx_daemon_alive(void);

/* One control request: 0 and the reply text (malloc'ed) in *ret_reply, or -errno. */
int fx_control(uint16_t type, const char *req, char **ret_reply);

/* Audit log: remember where it ends now; then wait up to timeout_ms for a record after that
 * mark containing every one of the NULL-terminated fragments (e.g. "\"op\":\"open\""). */
void fx_audit_mark(void);
bool fx_audit_wait(int timeout_ms, ...) __attribute__((sentinel));
/* Print the records since the mark (for a failing test's output). */
void fx_audit_dump(void);

/* Set or clear bits of the fence's debug word (sf_config.debug). */
int fx_debug(uint32_t set, uint32_t clear);

/* Write a whole file (mode, owner); 0 or -errno. */
int fx_write(const char *path, const char *text, mode_t mode, uid_t uid, gid_t gid);

#endif /* SF_TEST_FIXTURE_H */

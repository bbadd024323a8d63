/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config.h — sitefenced.conf: the global policy and the daemon's settings.
 *
 * The file is "key value" lines and "global PATH ACCESS" lines ('#' starts a comment). The
 * scalar keys are one table, SF_CONF_SCALARS, which drives the struct, the defaults, the parser
 * and the dump: a new key is one line here. A file with any error is refused as a whole.
 */
#ifndef SF_CONFIG_H
#define SF_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "sitetab.h"

#define SF_CONF_PATH "/etc/sitefence/sitefenced.conf"

/*        type  name             default                          min     max        help */
#define SF_CONF_SCALARS(X)                                                                         \
	X(PATH, audit_log, "/var/log/sitefence/audit.log", 0, 0,                                   \
	  "file the denial records are appended to, one JSON object per line")                     \
	X(PATH, control_socket, "/run/sitefence/control.sock", 0, 0,                               \
	  "unix socket the Apache MPM and sitefencectl talk to (root only)")                       \
	X(PATH, run_dir, "/run/sitefence", 0, 0,                                                   \
	  "runtime state: registered site tables, site ids, the token filesystem")                 \
	X(U32, audit_rate, "50", 1, 1000000,                                                       \
	  "denial records per second and site before records are suppressed (and counted)")        \
	X(U32, audit_burst, "200", 1, 1000000, "records a site may emit at once above the rate")    \
	X(SIZE, ringbuf_size, "4M", 65536, 1073741824,                                             \
	  "kernel ring buffer for records (a power of two)")                                       \
	X(U32, max_tasks, "65536", 1024, 4194304,                                                  \
	  "confined tasks at one time (size of the tag backstop map)")                             \
	X(U32, max_sites, "16384", 16, 1048576, "site ids (slots of the counter maps)")             \
	X(U32, site_uid_min, "1", 1, 4294967294U, "lowest uid a site may run as")                  \
	X(U32, site_uid_max, "4294967294", 1, 4294967294U, "highest uid a site may run as")        \
	X(U32, site_gid_min, "1", 1, 4294967294U, "lowest gid a site may run as")                  \
	X(U32, site_gid_max, "4294967294", 1, 4294967294U, "highest gid a site may run as")        \
	X(MODE, pending_mode, "enforce", 0, 0,                                                     \
	  "enforce or audit, for server children that have not chosen a site yet")                \
	X(BOOL, abstract_unix, "off", 0, 0,                                                        \
	  "confined tasks may connect to abstract unix sockets (shared by every site)")            \
	X(BOOL, default_globals, "on", 0, 0,                                                       \
	  "start from the built-in global roots (system libraries, PHP's config, a few devices)")  \
	X(BOOL, access_check, "on", 0, 0,                                                          \
	  "access() outside a site fails too (PHP's OPcache relies on it); costs every" \
	  " process's path lookups a little, see the README")

#define CONF_CTYPE_PATH char *
#define CONF_CTYPE_U32	uint32_t
#define CONF_CTYPE_SIZE uint64_t
#define CONF_CTYPE_MODE uint32_t
#define CONF_CTYPE_BOOL bool

struct sf_conf {
#define X(type, name, def, min, max, help) CONF_CTYPE_##type name;
	SF_CONF_SCALARS(X)
#undef X
	struct sf_root_spec *globals;	/* "global" lines: built-in (line 0) and the file's */
	size_t nglobals;
	char *path;			/* the file it came from, or NULL for defaults only */
};

/*
 * Read the config at path (NULL: defaults only). A missing file at the default path means
 * defaults; any other problem is an error. 0, or -EINVAL with every problem in diag.
 */
int conf_load(const char *path, bool must_exist, struct sf_conf *conf, struct sf_diag *diag);
void conf_free(struct sf_conf *conf);
/* Write the effective configuration in the file's own syntax. */
void conf_dump(const struct sf_conf *conf, FILE *out);

#endif /* SF_CONFIG_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl_daemon.h — sitefencectl's side of the control protocol (lib/proto.h): one request per
 * connection, and the STATUS reply taken apart into its "key value" lines, its owners and its
 * sites.
 */
#ifndef SF_CTL_DAEMON_H
#define SF_CTL_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_sites.h"
#include "proto.h"

struct ctl_kv {
	char *key;
	char *value;		/* the rest of the line, "" when none */
};

struct ctl_owner {
	char *name;
	char *nsites;		/* as the daemon wrote it */
};

struct ctl_dstatus {
	char *text;		/* the reply's details; the pointers below point into it */
	struct ctl_kv *kv;	/* every line but owner and site ones, in order */
	size_t nkv;
	struct ctl_owner *owners;
	size_t nowners;
	struct ctl_sitelist sites;
};

/*
 * Connect to sock, send one request, wait up to timeout_ms for the reply. 0 with *ret holding
 * the reply (which may say "error"), or -errno when the daemon could not be asked.
 */
int ctl_request(const char *sock, int timeout_ms, uint16_t type, const char *req,
		struct sf_msg *ret);

/*
 * Ask for STATUS. 0; -errno as ctl_request; or -EREMOTEIO when the daemon answered "error",
 * with its detail lines in *ret_why (to free).
 */
int ctl_status_get(const char *sock, int timeout_ms, struct ctl_dstatus *ret, char **ret_why);
void ctl_dstatus_free(struct ctl_dstatus *st);
/* The value of key in st, or NULL. */
const char *ctl_dstatus_get(const struct ctl_dstatus *st, const char *key);

/* Why the daemon could not be asked, for "cannot reach sitefenced at SOCK: <this>". */
const char *ctl_daemon_strerror(int err);

#endif /* SF_CTL_DAEMON_H */

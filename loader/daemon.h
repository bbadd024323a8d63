/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon.h — sitefenced's running state, shared by its main loop (sitefenced.c) and the
 * control socket (control.c).
 */
#ifndef SF_DAEMON_H
#define SF_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "audit.h"
#include "config.h"
#include "fence.h"
#include "fence_load.h"
#include "policy.h"
#include "proto.h"
#include "state.h"
#include "tokens.h"

#define SF_VERSION "0.1"

struct daemon {
	char *conf_path;
	const char *pin_dir;
	bool conf_must_exist;
	struct sf_conf conf;
	struct sf_state state;
	struct sf_tokens tokens;
	struct fence *fence;
	struct policy policy;	/* the installed one (its descriptors pin the roots) */
	struct audit audit;
	int epfd;
	int listen_fd;
	time_t started;
};

/*
 * Rebuild the policy from conf and the owners (one of them possibly replaced by tab) and
 * install it; on success the daemon's policy, state and tokens are updated. On failure
 * nothing changes and diag says why. ret_ids, when given, gets "site NAME ID" lines for owner.
 */
int daemon_update(struct daemon *d, const struct sf_conf *conf, const char *owner,
		  char *owner_text, struct sf_sitetab *tab, struct sf_diag *diag, char **ret_ids);

/* Re-read the config file; the running policy stays when it has errors. */
int daemon_reload(struct daemon *d, struct sf_diag *diag);

/* control.c */
int control_listen(struct daemon *d);
/* An epoll event for a descriptor control owns; false if it is not one of them. */
bool control_event(struct daemon *d, int fd, uint32_t events);
/* Close connections idle for too long. */
void control_tick(struct daemon *d);
void control_close(struct daemon *d);

#endif /* SF_DAEMON_H */

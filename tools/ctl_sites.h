/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl_sites.h — the site table sitefencectl shows: every registered site with its id, mode,
 * identity, the fence's counters and the number of processes confined to it.
 *
 * The names come from sitefenced's STATUS reply or, when the daemon is down, from the state
 * files it keeps under its run directory (site-ids, owners/NAME.sites); the counters and the
 * workers come from the pinned fence, which runs without the daemon.
 */
#ifndef SF_CTL_SITES_H
#define SF_CTL_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_pins.h"
#include "fence.h"

struct ctl_site {
	char *name;		/* "" for an id that only a running process still carries */
	char *owner;		/* the server that registered it; NULL when unknown */
	uint32_t id;		/* 0: unknown */
	bool has_spec;		/* mode, uid and gid are known */
	uint32_t mode;		/* enum sf_mode */
	uint32_t uid, gid;
	bool has_counters;
	struct sf_counters counters;
	uint32_t workers;	/* processes tagged SITE(id), when the list has_workers */
};

struct ctl_sitelist {
	const char *source;	/* "daemon" or "state files" */
	struct ctl_site *v;
	size_t n;
	int counters_err;	/* 0 when the counters were read */
	bool has_workers;
	int workers_err;
	struct sf_counters pending;	/* counters of id 0: pending tasks and unknown sites */
};

/* The line "site NAME ID MODE UID GID" of a STATUS reply, or -EINVAL. */
int ctl_site_parse(char *line, const char *owner, struct ctl_site *ret);
/* Append a copy of s (its strings duplicated). */
int ctl_sites_add(struct ctl_sitelist *l, const struct ctl_site *s);

/* The sites of run_dir's state files; -ENOENT when it has none of them. */
int ctl_sites_from_files(const char *run_dir, struct ctl_sitelist *l);

/* Fill in the counters (from the pins) and the workers (from tasks, when given). */
void ctl_sites_add_counters(struct ctl_sitelist *l, const char *pin_dir);
int ctl_sites_add_workers(struct ctl_sitelist *l, const struct ctl_tasks *t);

void ctl_sitelist_free(struct ctl_sitelist *l);

#endif /* SF_CTL_SITES_H */

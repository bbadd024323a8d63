/* SPDX-License-Identifier: GPL-2.0 */
/*
 * state.h — what sitefenced must remember across its own restarts: the site tables each owner
 * (a server instance) registered, and the ids given to site names. Both are kept under
 * run_dir, so a restarted daemon rebuilds exactly the policy the kernel already enforces, and
 * a site keeps its id (which its running workers' tags carry) for as long as the machine is up.
 */
#ifndef SF_STATE_H
#define SF_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "sitetab.h"

#define OWNER_NAME_MAX 64

struct sf_owner {
	char *name;
	char *text;		/* the table as registered */
	struct sf_sitetab tab;
};

struct sf_site_id {
	char *name;
	uint32_t id;
};

struct sf_state {
	char *run_dir;
	struct sf_owner *owners;
	size_t nowners;
	struct sf_site_id *ids;	/* sorted by name */
	size_t nids;
};

bool owner_name_ok(const char *name);

/* Read run_dir's saved state (an empty state when there is none); problems go to diag. */
int state_load(const char *run_dir, struct sf_state *st, struct sf_diag *diag);
int state_save(const struct sf_state *st);
void state_free(struct sf_state *st);

/* Replace (or add) owner's table; takes text and tab. */
int state_set_owner(struct sf_state *st, const char *owner, char *text, struct sf_sitetab *tab);
/* A copy of st's owners with owner's table replaced, for building a candidate policy. */
int state_with_owner(const struct sf_state *st, const char *owner, const struct sf_sitetab *tab,
		     struct sf_owner **ret, size_t *ret_n);

/* The id of name, allocating the lowest free one below max when new; 0 or -ENOSPC. */
int state_site_id(struct sf_state *st, const char *name, uint32_t max, uint32_t *ret_id);
/* The id of a known name, without allocating: 0 or -ENOENT. */
int state_site_lookup(const struct sf_state *st, const char *name, uint32_t *ret_id);
/* The name of id, or NULL. */
const char *state_site_name(const struct sf_state *st, uint32_t id);

#endif /* SF_STATE_H */

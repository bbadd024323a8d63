/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sitetab.h — a site table: the sites a server (an "owner", e.g. one Apache instance) runs,
 * each with its identity, mode and roots. The MPM writes it, sitefenced parses it (SET_SITES),
 * and the same access-letter and mode words appear in sitefenced.conf. One line per item:
 *
 *   site NAME uid=UID gid=GID [groups=G,G,...] [mode=enforce|audit] [hardlinks] [noglobal]
 *   root NAME PATH ACCESS
 *
 * NAME is a host name (ServerName), possibly with a leading "*." or an "@" prefix for the
 * server's internal pseudo-sites; PATH is absolute; ACCESS is letters from "rwxcus" (see
 * SF_MAY_* in bpf/fence.h) or "-" for none (a root that narrows its parent to nothing).
 */
#ifndef SF_SITETAB_H
#define SF_SITETAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "fence.h"

#define SITETAB_NAME_MAX	253	/* a DNS name */
#define SITETAB_MAX_SITES	65000
#define SITETAB_MAX_ROOTS	256	/* per site */
#define SITETAB_PATH_MAX	4096

struct sf_root_spec {
	char *path;
	uint32_t mask;		/* SF_MAY_* */
	unsigned int line;
};

struct sf_site_spec {
	char *name;
	uint32_t uid, gid;
	uint32_t ngroups;
	uint32_t groups[SF_MAX_GROUPS];
	uint32_t mode;		/* enum sf_mode */
	uint32_t flags;		/* SF_SITE_* */
	struct sf_root_spec *roots;
	size_t nroots;
	unsigned int line;
};

struct sf_sitetab {
	struct sf_site_spec *sites;
	size_t n;
};

/*
 * Parse text (NUL-terminated) into *tab; every problem goes to diag as "where:line: what".
 * Returns 0, or -EINVAL when diag has errors (then *tab is empty), or -ENOMEM.
 */
int sitetab_parse(const char *text, const char *where, struct sf_sitetab *tab,
		  struct sf_diag *diag);
void sitetab_free(struct sf_sitetab *tab);
struct sf_site_spec *sitetab_find(const struct sf_sitetab *tab, const char *name);

/* "rwx" → SF_MAY_READ|...; "-" → 0. 0 or -EINVAL. */
int sf_parse_access(const char *s, uint32_t *ret_mask);
/* The letters of mask into buf (at least 8 bytes); "-" for none. */
const char *sf_format_access(uint32_t mask, char *buf);
int sf_parse_mode(const char *s, uint32_t *ret_mode);
const char *sf_mode_name(uint32_t mode);
bool sf_site_name_ok(const char *name);
/* An absolute path without "." or ".." components or "//", shorter than SITETAB_PATH_MAX. */
bool sf_path_ok(const char *path);

#endif /* SF_SITETAB_H */

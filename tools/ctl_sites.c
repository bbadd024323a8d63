// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_sites.c — the site table of ctl_sites.h: from the daemon's STATUS lines or from its state
 * files, completed with the fence's counters and workers.
 *
 * The state files are read with the daemon's own parser (lib/sitetab.c), so the tool shows
 * what a restarted daemon would load; an owner file that does not parse is skipped, as the
 * daemon skips it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_sites.h"
#include "diag.h"
#include "parse.h"
#include "sitetab.h"

#define STATE_FILE_MAX	(16u << 20)	/* what the daemon itself reads at most */
#define OWNER_SUFFIX	".sites"

int ctl_site_parse(char *line, const char *owner, struct ctl_site *ret)
{
	struct ctl_site s = { .owner = (char *)owner, .has_spec = true };
	char *w[6];

	if (split_words(line, w, 6) != 5 || !sf_site_name_ok(w[0]) ||
	    parse_u32(w[1], 0, UINT32_MAX, &s.id) || sf_parse_mode(w[2], &s.mode) ||
	    parse_u32(w[3], 0, UINT32_MAX, &s.uid) || parse_u32(w[4], 0, UINT32_MAX, &s.gid))
		return -EINVAL;
	s.name = w[0];
	*ret = s;
	return 0;
}

int ctl_sites_add(struct ctl_sitelist *l, const struct ctl_site *s)
{
	struct ctl_site *v, *n;

	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	n = &v[l->n];
	*n = *s;
	n->name = strdup(s->name);
	n->owner = s->owner ? strdup(s->owner) : NULL;
	if (!n->name || (s->owner && !n->owner)) {
		free(n->name);
		free(n->owner);
		return -ENOMEM;
	}
	l->n++;
	return 0;
}

static struct ctl_site *find_site(struct ctl_sitelist *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

/* A whole small file as a string. */
static int read_text(const char *path, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f, *m;
	int c, err = 0;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	m = open_memstream(&buf, &len);
	if (!m) {
		fclose(f);
		return -ENOMEM;
	}
	while ((c = getc(f)) != EOF && len < STATE_FILE_MAX)
		putc(c, m);
	if (ferror(f))
		err = -EIO;
	if (fclose(m) && !err)
		err = -ENOMEM;
	fclose(f);
	if (err)
		free(buf);
	else
		*ret = buf;
	return err;
}

/* site-ids: "ID NAME" lines, '#' comments; bad lines are skipped as the daemon skips them. */
static int ids_load(const char *run_dir, struct ctl_sitelist *l)
{
	char path[PATH_MAX], *text, *line, *save = NULL, *w[3];
	struct ctl_site s = { 0 };
	int err = 0;

	snprintf(path, sizeof(path), "%s/site-ids", run_dir);
	err = read_text(path, &text);
	if (err)
		return err;
	for (line = strtok_r(text, "\n", &save); line && !err; line = strtok_r(NULL, "\n", &save)) {
		if (split_words(line, w, 3) != 2 || parse_u32(w[0], 1, UINT32_MAX - 1, &s.id) ||
		    !sf_site_name_ok(w[1]) || find_site(l, w[1]))
			continue;
		s.name = w[1];
		err = ctl_sites_add(l, &s);
	}
	free(text);
	return err;
}

/* The sites of one owner's table: mode, uid and gid, and the owner's name. */
static int owner_apply(struct ctl_sitelist *l, const char *owner, const struct sf_sitetab *tab)
{
	struct ctl_site *s, add = { 0 };
	size_t i;
	int err;

	for (i = 0; i < tab->n; i++) {
		s = find_site(l, tab->sites[i].name);
		if (!s) {
			add.name = tab->sites[i].name;
			err = ctl_sites_add(l, &add);
			if (err)
				return err;
			s = &l->v[l->n - 1];
		}
		free(s->owner);
		s->owner = strdup(owner);
		if (!s->owner)
			return -ENOMEM;
		s->has_spec = true;
		s->mode = tab->sites[i].mode;
		s->uid = tab->sites[i].uid;
		s->gid = tab->sites[i].gid;
	}
	return 0;
}

static int owner_load(struct ctl_sitelist *l, const char *dir, const char *file)
{
	char path[PATH_MAX], owner[256], *text;
	struct sf_diag diag = { 0 };
	struct sf_sitetab tab;
	size_t n = strlen(file), sl = strlen(OWNER_SUFFIX);
	int err;

	if (n <= sl || n - sl >= sizeof(owner) || strcmp(file + n - sl, OWNER_SUFFIX) ||
	    file[0] == '.')
		return 0;
	snprintf(owner, sizeof(owner), "%.*s", (int)(n - sl), file);
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return 0;
	err = read_text(path, &text);
	if (err)
		return err == -ENOMEM ? err : 0;
	err = sitetab_parse(text, path, &tab, &diag);
	if (!err) {
		err = owner_apply(l, owner, &tab);
		sitetab_free(&tab);
	} else if (err == -EINVAL) {
		err = 0;
	}
	diag_free(&diag);
	free(text);
	return err;
}

static int owners_load(const char *run_dir, struct ctl_sitelist *l)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int err = 0;

	snprintf(dir, sizeof(dir), "%s/owners", run_dir);
	d = opendir(dir);
	if (!d)
		return -errno;
	while (!err && (de = readdir(d)))
		err = owner_load(l, dir, de->d_name);
	closedir(d);
	return err;
}

/* By id, the sites without one last, then by name. */
static int cmp_site(const void *a, const void *b)
{
	const struct ctl_site *x = a, *y = b;

	if (x->id != y->id)
		return !x->id ? 1 : !y->id ? -1 : x->id < y->id ? -1 : 1;
	return strcmp(x->name, y->name);
}

int ctl_sites_from_files(const char *run_dir, struct ctl_sitelist *l)
{
	int ids_err, owners_err;

	memset(l, 0, sizeof(*l));
	l->source = "state files";
	ids_err = ids_load(run_dir, l);
	owners_err = ids_err == -ENOMEM ? ids_err : owners_load(run_dir, l);
	if (ids_err == -ENOMEM || owners_err == -ENOMEM) {
		ctl_sitelist_free(l);
		return -ENOMEM;
	}
	if (ids_err && owners_err) {
		ctl_sitelist_free(l);
		return ids_err;
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_site);
	return 0;
}

void ctl_sites_add_counters(struct ctl_sitelist *l, const char *pin_dir)
{
	size_t i;
	int fd;

	l->counters_err = ctl_counters_open(pin_dir, &fd);
	if (l->counters_err)
		return;
	l->counters_err = ctl_counters_get(fd, 0, &l->pending);
	/* A site id beyond the map's size has no counters; that is not an error. */
	for (i = 0; !l->counters_err && i < l->n; i++)
		if (l->v[i].id)
			l->v[i].has_counters =
				!ctl_counters_get(fd, l->v[i].id, &l->v[i].counters);
	close(fd);
}

/* Processes may still carry the id of a site that is no longer registered: show those too. */
int ctl_sites_add_workers(struct ctl_sitelist *l, const struct ctl_tasks *t)
{
	struct ctl_site orphan = { .name = "" };
	size_t i, known = l->n;
	uint32_t id;
	int err;

	for (i = 0; i < l->n; i++)
		l->v[i].workers = l->v[i].id ? ctl_tasks_of_site(t, l->v[i].id) : 0;
	for (id = 1; id < t->nper_site; id++) {
		if (!t->per_site[id])
			continue;
		for (i = 0; i < known && l->v[i].id != id; i++)
			;
		if (i < known)
			continue;
		orphan.id = id;
		orphan.workers = t->per_site[id];
		err = ctl_sites_add(l, &orphan);
		if (err)
			return err;
	}
	l->has_workers = true;
	return 0;
}

void ctl_sitelist_free(struct ctl_sitelist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].owner);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

// SPDX-License-Identifier: GPL-2.0
/* state.c — owners' site tables and site ids, in memory and under run_dir; see state.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"
#include "state.h"

bool owner_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n > OWNER_NAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			return false;
	return true;
}

static int cmp_id_name(const void *a, const void *b)
{
	return strcmp(((const struct sf_site_id *)a)->name, ((const struct sf_site_id *)b)->name);
}

static struct sf_site_id *find_id(const struct sf_state *st, const char *name)
{
	struct sf_site_id key = { .name = (char *)name };

	return bsearch(&key, st->ids, st->nids, sizeof(key), cmp_id_name);
}

const char *state_site_name(const struct sf_state *st, uint32_t id)
{
	size_t i;

	for (i = 0; i < st->nids; i++)
		if (st->ids[i].id == id)
			return st->ids[i].name;
	return NULL;
}

static int add_id(struct sf_state *st, const char *name, uint32_t id)
{
	struct sf_site_id *p;

	p = realloc(st->ids, (st->nids + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	st->ids = p;
	p[st->nids].name = strdup(name);
	if (!p[st->nids].name)
		return -ENOMEM;
	p[st->nids].id = id;
	st->nids++;
	qsort(st->ids, st->nids, sizeof(*p), cmp_id_name);
	return 0;
}

int state_site_lookup(const struct sf_state *st, const char *name, uint32_t *ret_id)
{
	struct sf_site_id *known = find_id(st, name);

	if (!known)
		return -ENOENT;
	*ret_id = known->id;
	return 0;
}

int state_site_id(struct sf_state *st, const char *name, uint32_t max, uint32_t *ret_id)
{
	struct sf_site_id *known = find_id(st, name);
	unsigned char *used;
	uint32_t id;
	size_t i;
	int err;

	if (known) {
		*ret_id = known->id;
		return known->id < max ? 0 : -ENOSPC;
	}
	used = calloc(max, 1);
	if (!used)
		return -ENOMEM;
	for (i = 0; i < st->nids; i++)
		if (st->ids[i].id < max)
			used[st->ids[i].id] = 1;
	for (id = 1; id < max && used[id]; id++)
		;
	free(used);
	if (id >= max)
		return -ENOSPC;
	err = add_id(st, name, id);
	if (!err)
		*ret_id = id;
	return err;
}

static void owner_free(struct sf_owner *o)
{
	free(o->name);
	free(o->text);
	sitetab_free(&o->tab);
}

int state_set_owner(struct sf_state *st, const char *owner, char *text, struct sf_sitetab *tab)
{
	struct sf_owner *o = NULL, *p;
	size_t i;

	for (i = 0; i < st->nowners; i++)
		if (!strcmp(st->owners[i].name, owner))
			o = &st->owners[i];
	if (!o) {
		p = realloc(st->owners, (st->nowners + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		st->owners = p;
		o = &p[st->nowners];
		memset(o, 0, sizeof(*o));
		o->name = strdup(owner);
		if (!o->name)
			return -ENOMEM;
		st->nowners++;
	} else {
		free(o->text);
		sitetab_free(&o->tab);
	}
	o->text = text;
	o->tab = *tab;
	memset(tab, 0, sizeof(*tab));
	return 0;
}

int state_with_owner(const struct sf_state *st, const char *owner, const struct sf_sitetab *tab,
		     struct sf_owner **ret, size_t *ret_n)
{
	struct sf_owner *v;
	size_t i, n = 0;
	bool found = false;

	v = calloc(st->nowners + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/* Shallow copies: the candidate only reads them, and is freed with free(). */
	for (i = 0; i < st->nowners; i++) {
		v[n] = st->owners[i];
		if (!strcmp(v[n].name, owner)) {
			v[n].tab = *tab;
			found = true;
		}
		n++;
	}
	if (!found) {
		v[n].name = (char *)owner;
		v[n].tab = *tab;
		n++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Write path atomically: a temporary file, fsync, rename. */
static int write_atomic(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX];
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd))
		err = errno ? -errno : -EIO;
	close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static int save_ids(const struct sf_state *st)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0, i;
	FILE *f;
	int err;

	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "# sitefenced site ids: id name\n");
	for (i = 0; i < st->nids; i++)
		fprintf(f, "%u %s\n", st->ids[i].id, st->ids[i].name);
	if (fclose(f))
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/site-ids", st->run_dir);
	err = write_atomic(path, buf, len);
	free(buf);
	return err;
}

int state_save(const struct sf_state *st)
{
	char path[PATH_MAX];
	size_t i;
	int err;

	snprintf(path, sizeof(path), "%s/owners", st->run_dir);
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	for (i = 0; i < st->nowners; i++) {
		snprintf(path, sizeof(path), "%s/owners/%s.sites", st->run_dir, st->owners[i].name);
		err = write_atomic(path, st->owners[i].text, strlen(st->owners[i].text));
		if (err)
			return err;
	}
	return save_ids(st);
}

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f, *m;
	int c;

	f = fopen(path, "re");
	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	if (m) {
		while ((c = getc(f)) != EOF && len < (16u << 20))
			putc(c, m);
		fclose(m);
	}
	fclose(f);
	return buf;
}

static void load_ids(struct sf_state *st, struct sf_diag *diag)
{
	char path[PATH_MAX], *text, *line, *save, *w[3];
	unsigned int n = 0;
	uint32_t id;

	snprintf(path, sizeof(path), "%s/site-ids", st->run_dir);
	text = slurp(path);
	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		n++;
		if (split_words(line, w, 3) != 2)
			continue;
		if (parse_u32(w[0], 1, UINT32_MAX - 1, &id) || !sf_site_name_ok(w[1]) ||
		    find_id(st, w[1])) {
			diag_warn(diag, path, n, "ignoring bad entry");
			continue;
		}
		if (add_id(st, w[1], id))
			break;
	}
	free(text);
}

static void load_owner(struct sf_state *st, const char *dir, const char *file,
		       struct sf_diag *diag)
{
	char path[PATH_MAX], owner[OWNER_NAME_MAX + 1];
	struct sf_sitetab tab;
	size_t n = strlen(file);
	char *text;

	if (n < 7 || n - 6 > OWNER_NAME_MAX || strcmp(file + n - 6, ".sites"))
		return;
	memcpy(owner, file, n - 6);
	owner[n - 6] = '\0';
	if (!owner_name_ok(owner))
		return;
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return;
	text = slurp(path);
	if (!text)
		return;
	if (sitetab_parse(text, path, &tab, diag) || state_set_owner(st, owner, text, &tab)) {
		free(text);
		sitetab_free(&tab);
	}
}

int state_load(const char *run_dir, struct sf_state *st, struct sf_diag *diag)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	memset(st, 0, sizeof(*st));
	st->run_dir = strdup(run_dir);
	if (!st->run_dir)
		return -ENOMEM;
	load_ids(st, diag);
	snprintf(dir, sizeof(dir), "%s/owners", run_dir);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		load_owner(st, dir, de->d_name, diag);
	closedir(d);
	return 0;
}

void state_free(struct sf_state *st)
{
	size_t i;

	for (i = 0; i < st->nowners; i++)
		owner_free(&st->owners[i]);
	free(st->owners);
	for (i = 0; i < st->nids; i++)
		free(st->ids[i].name);
	free(st->ids);
	free(st->run_dir);
	memset(st, 0, sizeof(*st));
}

// SPDX-License-Identifier: GPL-2.0
/* tokens.c — the token filesystem; see tokens.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "parse.h"
#include "tokens.h"

#define TMPFS_MAGIC 0x01021994

static const struct {
	const char *name;
	uint32_t kind;
} fixed_tokens[] = {
	{ "spawner", SF_TOKEN_SPAWNER },
	{ "arm", SF_TOKEN_ARM },
	{ "disarm", SF_TOKEN_DISARM },
	{ "loader", SF_TOKEN_LOADER },
};

uint64_t kernel_dev(uint64_t st_dev)
{
	return (uint64_t)major(st_dev) << 20 | minor(st_dev);
}

/* A tmpfs mounted exactly at dir (not the parent's filesystem). */
static bool own_tmpfs(const char *dir)
{
	char parent[PATH_MAX];
	struct stat a, b;
	struct statfs sfs;

	snprintf(parent, sizeof(parent), "%s/..", dir);
	if (statfs(dir, &sfs) || sfs.f_type != TMPFS_MAGIC)
		return false;
	return !stat(dir, &a) && !stat(parent, &b) && a.st_dev != b.st_dev;
}

static int add_file(struct sf_tokens *t, const char *name, uint32_t kind, uint32_t site)
{
	struct sf_tokenfile *p;
	char path[PATH_MAX];
	struct stat st;

	/*
	 * Never open a token: opening one is how a task asks for a tag change. mknod creates
	 * the file without opening it, and stat reads its identity.
	 */
	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	if (mknod(path, S_IFREG | 0600, 0) && errno != EEXIST)
		return -errno;
	if (lstat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EEXIST;
	p = realloc(t->files, (t->n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	t->files = p;
	p[t->n++] = (struct sf_tokenfile){ kind, site, kernel_dev(st.st_dev), st.st_ino };
	return 0;
}

int tokens_open(const char *run_dir, struct sf_tokens *t)
{
	struct stat st;
	size_t i;
	int err;

	memset(t, 0, sizeof(*t));
	if (asprintf(&t->dir, "%s/tokens", run_dir) < 0) {
		t->dir = NULL;
		return -ENOMEM;
	}
	if (mkdir(run_dir, 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(t->dir, 0700) && errno != EEXIST)
		return -errno;
	if (!own_tmpfs(t->dir) &&
	    mount("sitefence-tokens", t->dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0700,size=4m,nr_inodes=1100000"))
		return -errno;
	if (stat(t->dir, &st))
		return -errno;
	t->dev = kernel_dev(st.st_dev);
	for (i = 0; i < sizeof(fixed_tokens) / sizeof(fixed_tokens[0]); i++) {
		err = add_file(t, fixed_tokens[i].name, fixed_tokens[i].kind, 0);
		if (err)
			return err;
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Remove site tokens whose id is not in the sorted ids[]. */
static void prune_sites(struct sf_tokens *t, const uint32_t *ids, size_t n)
{
	char path[PATH_MAX];
	struct dirent *de;
	uint32_t id;
	DIR *d;

	d = opendir(t->dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "site-", 5) ||
		    parse_u32(de->d_name + 5, 1, UINT32_MAX, &id))
			continue;
		if (bsearch(&id, ids, n, sizeof(*ids), cmp_u32))
			continue;
		snprintf(path, sizeof(path), "%s/%s", t->dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

int tokens_sync_sites(struct sf_tokens *t, const uint32_t *ids, size_t n, bool prune)
{
	uint32_t *sorted;
	size_t i, keep = 0;
	char name[32];
	int err = 0;

	for (i = 0; i < t->n; i++)
		if (t->files[i].kind != SF_TOKEN_SITE)
			t->files[keep++] = t->files[i];
	t->n = keep;
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, ids, n * sizeof(*ids));
	qsort(sorted, n, sizeof(*sorted), cmp_u32);
	if (prune)
		prune_sites(t, sorted, n);
	for (i = 0; i < n && !err; i++) {
		snprintf(name, sizeof(name), "site-%u", ids[i]);
		err = add_file(t, name, SF_TOKEN_SITE, ids[i]);
	}
	free(sorted);
	return err;
}

void tokens_free(struct sf_tokens *t)
{
	free(t->files);
	free(t->dir);
	memset(t, 0, sizeof(*t));
}

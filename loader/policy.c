// SPDX-License-Identifier: GPL-2.0
/* policy.c — build and install the kernel policy; see policy.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "policy.h"

/* Mount points of this mount namespace, for the filesystems mounted below roots. */
struct mounts {
	char **path;
	size_t n;
};

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

static int mounts_read(struct mounts *m)
{
	char *line = NULL, *f[6], **p;
	size_t cap = 0;
	int i, err = 0;
	FILE *in;

	memset(m, 0, sizeof(*m));
	in = fopen("/proc/self/mountinfo", "re");
	if (!in)
		return -errno;
	while (getline(&line, &cap, in) > 0) {
		char *save = NULL, *s = line;

		for (i = 0; i < 6 && (f[i] = strtok_r(s, " ", &save)); i++)
			s = NULL;
		if (i < 6)
			continue;
		unescape(f[4]);
		p = realloc(m->path, (m->n + 1) * sizeof(*p));
		if (!p || !(p[m->n] = strdup(f[4]))) {
			if (p)
				m->path = p;
			err = -ENOMEM;
			break;
		}
		m->path = p;
		m->n++;
	}
	free(line);
	fclose(in);
	return err;
}

static void mounts_free(struct mounts *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->path[i]);
	free(m->path);
}

static int add_entry(struct policy *p, const struct sf_pkey *k, const union sf_pval *v)
{
	struct pol_entry *e;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;

		e = realloc(p->e, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		p->e = e;
		p->cap = cap;
	}
	memset(&p->e[p->n], 0, sizeof(p->e[p->n]));
	p->e[p->n].k = *k;
	p->e[p->n].v = *v;
	p->n++;
	return 0;
}

static int keep_fd(struct policy *p, int fd)
{
	int *fds;

	if (p->nfds == p->capfds) {
		size_t cap = p->capfds ? p->capfds * 2 : 64;

		fds = realloc(p->fds, cap * sizeof(*fds));
		if (!fds)
			return -ENOMEM;
		p->fds = fds;
		p->capfds = cap;
	}
	p->fds[p->nfds++] = fd;
	return 0;
}

/* The two entries of one root: the index (site 0) and, for a site, the site's own. */
static int add_root_entries(struct policy *p, uint64_t dev, uint64_t ino, bool dir, uint32_t site,
			    uint32_t mask)
{
	struct sf_pkey k = { .kind = SF_PK_ROOT, .dev = dev, .ino = ino };
	union sf_pval v;
	int err;

	memset(&v, 0, sizeof(v));
	if (site) {
		v.root.flags = SF_ROOT_HAS_SITES;
	} else {
		v.root.flags = SF_ROOT_GLOBAL;
		v.root.mask = mask;
	}
	if (dir)
		v.root.flags |= SF_ROOT_DIR;
	err = add_entry(p, &k, &v);
	if (err || !site)
		return err;
	k.site = site;
	memset(&v, 0, sizeof(v));
	v.root.mask = mask;
	return add_entry(p, &k, &v);
}

/*
 * The kernel's device number for the dentries of what path names. stat() reports a file's
 * own filesystem, but on an overlayfs the walk sees the overlay's superblock, which is what
 * the directory holding the file reports: use that for anything but a directory.
 */
static uint64_t walk_dev(const char *path, const struct stat *st)
{
	char real[PATH_MAX], *slash;
	struct stat dst;

	if (S_ISDIR(st->st_mode) || !realpath(path, real))
		return kernel_dev(st->st_dev);
	slash = strrchr(real, '/');
	if (!slash)
		return kernel_dev(st->st_dev);
	if (slash == real)
		slash[1] = '\0';
	else
		*slash = '\0';
	return stat(real, &dst) ? kernel_dev(st->st_dev) : kernel_dev(dst.st_dev);
}

/* Resolve path (following symlinks) and add it; -ENOENT etc. when it cannot be opened. */
static int add_path(struct policy *p, const char *path, uint32_t site, uint32_t mask)
{
	struct stat st;
	uint64_t dev;
	int fd, err;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	err = keep_fd(p, fd);
	if (err) {
		close(fd);
		return err;
	}
	p->nroots++;
	dev = walk_dev(path, &st);
	return add_root_entries(p, dev, st.st_ino, S_ISDIR(st.st_mode), site, mask);
}

/*
 * A root and every filesystem mounted below it: the walk stops at a filesystem's root, so a
 * mount inside a site's tree must be a root of its own.
 */
static int add_tree(struct policy *p, const struct mounts *m, const char *path, uint32_t site,
		    uint32_t mask)
{
	char real[PATH_MAX];
	size_t i, n;
	int err;

	err = add_path(p, path, site, mask);
	if (err)
		return err;
	if (!realpath(path, real))
		return 0;
	n = strlen(real);
	for (i = 0; i < m->n; i++) {
		const char *mp = m->path[i];

		if (strncmp(mp, real, n) || (mp[n] != '/' && !(n == 1 && mp[1])))
			continue;
		if (!strcmp(mp, real))
			continue;
		err = add_path(p, mp, site, mask);
		if (err && err != -ENOENT && err != -EACCES)
			return err;
	}
	return 0;
}

static int add_globals(struct policy *p, const struct policy_in *in, const struct mounts *m,
		       struct sf_diag *diag)
{
	const struct sf_conf *c = in->conf;
	const char *where = c->path ? c->path : "defaults";
	char sockdir[PATH_MAX], *slash;
	size_t i;
	int err;

	/*
	 * The control socket's directory, connect-only: a pending worker may ask for its site
	 * over it (the daemon refuses everything else from confined peers).
	 */
	snprintf(sockdir, sizeof(sockdir), "%s", c->control_socket);
	slash = strrchr(sockdir, '/');
	if (slash && slash != sockdir) {
		*slash = '\0';
		err = add_path(p, sockdir, 0, SF_MAY_CONNECT);
		if (err == -ENOMEM)
			return err;
	}

	for (i = 0; i < c->nglobals; i++) {
		const struct sf_root_spec *g = &c->globals[i];

		err = add_tree(p, m, g->path, 0, g->mask);
		if (err == -ENOMEM)
			return err;
		/* Built-in roots that this machine lacks are simply not needed here. */
		if (err && g->line)
			diag_warn(diag, where, g->line, "global root %s: %s (skipped)", g->path,
				  strerror(-err));
	}
	return 0;
}

static bool in_range(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v >= lo && v <= hi;
}

/* Identity and range checks of one site against the global policy. */
static void check_site(const struct sf_conf *c, const struct sf_site_spec *s, const char *where,
		       struct sf_diag *diag)
{
	uint32_t i;

	if (!in_range(s->uid, c->site_uid_min, c->site_uid_max))
		diag_error(diag, where, s->line, "site %s: uid %u is outside site_uid_min..max"
			   " (%u..%u)", s->name, s->uid, c->site_uid_min, c->site_uid_max);
	if (!in_range(s->gid, c->site_gid_min, c->site_gid_max))
		diag_error(diag, where, s->line, "site %s: gid %u is outside site_gid_min..max"
			   " (%u..%u)", s->name, s->gid, c->site_gid_min, c->site_gid_max);
	for (i = 0; i < s->ngroups; i++)
		if (!in_range(s->groups[i], c->site_gid_min, c->site_gid_max))
			diag_error(diag, where, s->line, "site %s: group %u is outside"
				   " site_gid_min..max", s->name, s->groups[i]);
}

static int add_site(struct policy *p, const struct policy_in *in, const struct mounts *m,
		    const char *owner, const struct sf_site_spec *s, struct sf_diag *diag)
{
	struct sf_pkey k = { .kind = SF_PK_SITE };
	union sf_pval v;
	uint32_t id;
	size_t i;
	int err;

	check_site(in->conf, s, owner, diag);
	err = state_site_id(in->state, s->name, in->conf->max_sites, &id);
	if (err == -ENOSPC) {
		diag_error(diag, owner, s->line, "site %s: no free site id (max_sites %u)", s->name,
			   in->conf->max_sites);
		return 0;
	}
	if (err)
		return err;
	memset(&v, 0, sizeof(v));
	v.site.uid = s->uid;
	v.site.gid = s->gid;
	v.site.mode = s->mode;
	v.site.flags = s->flags;
	v.site.ngroups = s->ngroups;
	memcpy(v.site.groups, s->groups, sizeof(s->groups));
	k.site = id;
	err = add_entry(p, &k, &v);
	if (err)
		return err;
	p->nsites++;
	for (i = 0; i < s->nroots; i++) {
		err = add_tree(p, m, s->roots[i].path, id, s->roots[i].mask);
		if (err == -ENOMEM)
			return err;
		/* A missing directory only means less access for the site: say so, go on. */
		if (err)
			diag_warn(diag, owner, s->roots[i].line, "site %s: root %s: %s (skipped)",
				  s->name, s->roots[i].path, strerror(-err));
	}
	return 0;
}

static int add_owner_sites(struct policy *p, const struct policy_in *in, const struct mounts *m,
			   struct sf_diag *diag)
{
	size_t i, j, o2;
	int err;

	for (i = 0; i < in->nowners; i++) {
		const struct sf_owner *o = &in->owners[i];

		for (j = 0; j < o->tab.n; j++) {
			const struct sf_site_spec *s = &o->tab.sites[j];
			bool dup = false;

			for (o2 = 0; o2 < i && !dup; o2++)
				dup = sitetab_find(&in->owners[o2].tab, s->name) != NULL;
			if (dup) {
				diag_error(diag, o->name, s->line, "site %s is already registered by"
					   " another owner", s->name);
				continue;
			}
			err = add_site(p, in, m, o->name, s, diag);
			if (err)
				return err;
		}
	}
	return 0;
}

static int add_fixed(struct policy *p, const struct policy_in *in)
{
	struct sf_pkey k = { .kind = SF_PK_GLOBAL };
	union sf_pval v;
	size_t i;
	int err;

	memset(&v, 0, sizeof(v));
	v.global.pending_mode = in->conf->pending_mode;
	v.global.flags = in->conf->abstract_unix ? SF_GLOBAL_ABSTRACT_UNIX : 0;
	v.global.rate = in->conf->audit_rate;
	v.global.burst = in->conf->audit_burst;
	v.global.generation = in->generation;
	err = add_entry(p, &k, &v);
	for (i = 0; i < in->tokens->n && !err; i++) {
		const struct sf_tokenfile *t = &in->tokens->files[i];

		k = (struct sf_pkey){ .kind = SF_PK_TOKEN, .dev = t->dev, .ino = t->ino };
		memset(&v, 0, sizeof(v));
		v.token.kind = t->kind;
		v.token.site = t->site;
		err = add_entry(p, &k, &v);
	}
	return err;
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(&((const struct pol_entry *)a)->k, &((const struct pol_entry *)b)->k,
		      sizeof(struct sf_pkey));
}

/* One entry per key: root masks and flags of the same inode are merged. */
static void merge(struct policy *p)
{
	size_t i, out = 0;

	qsort(p->e, p->n, sizeof(*p->e), cmp_key);
	for (i = 0; i < p->n; i++) {
		if (out && !cmp_key(&p->e[out - 1], &p->e[i]) && p->e[i].k.kind == SF_PK_ROOT) {
			p->e[out - 1].v.root.mask |= p->e[i].v.root.mask;
			p->e[out - 1].v.root.flags |= p->e[i].v.root.flags;
			continue;
		}
		p->e[out++] = p->e[i];
	}
	p->n = out;
}

int policy_build(const struct policy_in *in, struct policy *out, struct sf_diag *diag)
{
	unsigned int errors = diag->errors;
	struct mounts m;
	int err;

	memset(out, 0, sizeof(*out));
	out->generation = in->generation;
	err = mounts_read(&m);
	if (err)
		return err;
	err = add_fixed(out, in);
	if (!err)
		err = add_globals(out, in, &m, diag);
	if (!err)
		err = add_owner_sites(out, in, &m, diag);
	mounts_free(&m);
	if (!err && diag->errors != errors)
		err = -EINVAL;
	if (err) {
		policy_free(out);
		return err;
	}
	merge(out);
	return 0;
}

int policy_apply(int outer_fd, const struct policy *p)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	__u32 zero = 0, max = p->n + p->n / 4 + 64;
	int inner, err = 0;
	size_t i;

	inner = bpf_map_create(BPF_MAP_TYPE_HASH, "sf_policy_v", sizeof(struct sf_pkey),
			       sizeof(union sf_pval), max, &opts);
	if (inner < 0)
		return -errno;
	for (i = 0; i < p->n && !err; i++)
		if (bpf_map_update_elem(inner, &p->e[i].k, &p->e[i].v, BPF_NOEXIST))
			err = -errno;
	/* The swap: one update of slot 0. Hooks see the old map or the new one, whole. */
	if (!err && bpf_map_update_elem(outer_fd, &zero, &inner, BPF_ANY))
		err = -errno;
	close(inner);
	return err;
}

uint64_t policy_current_generation(int outer_fd)
{
	struct sf_pkey k = { .kind = SF_PK_GLOBAL };
	__u32 zero = 0, id;
	union sf_pval v;
	uint64_t gen = 0;
	int inner;

	if (bpf_map_lookup_elem(outer_fd, &zero, &id))
		return 0;
	inner = bpf_map_get_fd_by_id(id);
	if (inner < 0)
		return 0;
	if (!bpf_map_lookup_elem(inner, &k, &v))
		gen = v.global.generation;
	close(inner);
	return gen;
}

void policy_free(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nfds; i++)
		close(p->fds[i]);
	free(p->fds);
	free(p->e);
	memset(p, 0, sizeof(*p));
}

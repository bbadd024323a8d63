// SPDX-License-Identifier: GPL-2.0
/*
 * audit_suggest.c — the suggest command: turn a site's audit-mode records into the
 * SitefenceAllow directives that would have allowed them.
 *
 * The rule, also in sitefence-audit(8):
 *  1. Each record names one directory: for the ops that create or remove a directory entry
 *     (mknod, mkdir, rmdir, unlink, symlink, link, rename) the parent of its path; otherwise
 *     the path itself when it is a directory on this machine, else its parent. So the files
 *     of one directory become that directory.
 *  2. A directory inside another suggested one is dropped: a directive covers its subtree.
 *  3. SUG_COLLAPSE_MIN or more suggested directories directly inside one parent become that
 *     parent, but only when the parent is at least SUG_COLLAPSE_DEPTH levels deep and owned
 *     by the site's uid here: widening must never reach another user's files. 2 and 3 repeat
 *     until nothing changes.
 *  4. Each suggestion's letters are the union of its records' access letters.
 * Then every directory (or, when it does not exist here, its nearest existing ancestor) is
 * checked with stat(): when its owner is not the site's uid (the most frequent uid in the
 * records), a warning is printed and the directive is commented out unless --include-foreign.
 * Records that no directive can allow (capable, setuid, kill, ...) or that name no usable
 * path are listed as notes. "/" and relative paths are never suggested, and paths that a
 * directive cannot hold safely (quotes, backslashes, control characters) are not either:
 * path names are chosen by the site, and the output is meant to be pasted into the config.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "audit_map.h"
#include "audit_text.h"
#include "audit_time.h"

#define SUG_MAX_DIRS	  100000
#define SUG_MAX_NOTES	  10000
#define SUG_MAX_OPS	  8 /* ops listed per directory; the rest are counted together */
#define SUG_MAX_UIDS	  16
#define SUG_COLLAPSE_MIN   3
#define SUG_COLLAPSE_DEPTH 2
#define SUG_COMMENT_OPS	  4 /* ops named in a directive's comment */

static const char access_letters[] = "rwxcu";

struct sug_op {
	char name[24];
	unsigned int access;
	uint64_t records;
};

struct sug_dir {
	char *path;
	bool merged; /* folded into another directory */
	unsigned int access;
	uint64_t records, deny, other_ops;
	struct sug_op ops[SUG_MAX_OPS];
	size_t nops;
};

struct sug_owner {
	char *checked; /* the directory, or its nearest existing ancestor */
	uint32_t uid;
	bool foreign;
};

struct suggest {
	const struct audit_opts *o;
	const char *site;
	struct audit_map *dirs;	   /* path -> struct sug_dir */
	struct audit_map *refused; /* "op object" -> uint64_t: no directive allows these */
	struct audit_map *skipped; /* "op: reason" -> uint64_t: no usable path */
	struct {
		uint32_t uid;
		uint64_t records;
	} uids[SUG_MAX_UIDS];
	size_t nuids;
	bool has_uid;
	uint32_t site_uid;
	uint64_t records, audit, deny, unused_deny;
	int64_t first_us, last_us;
};

enum sug_skip {
	SUG_OK,
	SUG_NO_PATH,
	SUG_PARTIAL,
	SUG_RELATIVE,
	SUG_NOT_CANONICAL,
	SUG_UNSAFE,
	SUG_NO_ACCESS,
	SUG_BAD_ACCESS,
	SUG_ROOT,
};

static const char *const skip_text[] = {
	[SUG_NO_PATH] = "no path",
	[SUG_PARTIAL] = "partial path",
	[SUG_RELATIVE] = "relative path",
	[SUG_NOT_CANONICAL] = "path with . or .. or //",
	[SUG_UNSAFE] = "path with characters a directive cannot hold",
	[SUG_NO_ACCESS] = "no access letters",
	[SUG_BAD_ACCESS] = "unknown access letters",
	[SUG_ROOT] = "its directory would be /",
};

/* ---- paths -------------------------------------------------------------------------------- */

/* Path order with '/' first, so that a directory's subtree directly follows it. */
static int cmp_path(const char *a, const char *b)
{
	for (; *a && *a == *b; a++, b++)
		;
	if (*a == *b)
		return 0;
	if (*a == '/' || *b == '/')
		return *a == '/' ? (*b ? -1 : 1) : (*a ? 1 : -1);
	return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
}

/* Whether path lies strictly inside dir. */
static bool is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && path[n] == '/';
}

static size_t path_depth(const char *path)
{
	size_t n = 0;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

/* The parent of an absolute path, "/" for "/x"; NULL without memory. */
static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
}

static enum sug_skip check_path(const char *path)
{
	size_t len = strlen(path);

	if (path[0] != '/')
		return SUG_RELATIVE;
	if (strstr(path, "//") || strstr(path, "/./") || strstr(path, "/../") ||
	    (len > 1 && path[len - 1] == '/') || (len >= 2 && !strcmp(path + len - 2, "/.")) ||
	    (len >= 3 && !strcmp(path + len - 3, "/..")))
		return SUG_NOT_CANONICAL;
	if (strpbrk(path, "\"\\") || !text_is_clean(path))
		return SUG_UNSAFE;
	return SUG_OK;
}

static enum sug_skip parse_access(const char *s, unsigned int *ret)
{
	unsigned int mask = 0;
	const char *c;

	if (!s || !*s)
		return SUG_NO_ACCESS;
	for (; *s; s++) {
		c = strchr(access_letters, *s);
		if (!c)
			return SUG_BAD_ACCESS;
		mask |= 1u << (c - access_letters);
	}
	*ret = mask;
	return SUG_OK;
}

static bool op_changes_entry(const char *op)
{
	static const char *const ops[] = { "mknod", "mkdir",  "rmdir", "unlink",
					   "symlink", "link", "rename" };
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(op, ops[i]))
			return true;
	return false;
}

/* Rule 1: the directory a record names; *ret_dir is NULL without memory. */
static enum sug_skip record_dir(const struct audit_record *r, char **ret_dir)
{
	enum sug_skip why;
	struct stat st;

	if (!r->path)
		return SUG_NO_PATH;
	if (r->path_partial)
		return SUG_PARTIAL;
	why = check_path(r->path);
	if (why)
		return why;
	if (!strcmp(r->path, "/"))
		return SUG_ROOT;
	if (!op_changes_entry(r->op) && !stat(r->path, &st) && S_ISDIR(st.st_mode)) {
		*ret_dir = strdup(r->path);
		return SUG_OK;
	}
	if (strrchr(r->path, '/') == r->path)
		return SUG_ROOT;
	*ret_dir = parent_of(r->path);
	return SUG_OK;
}

/* ---- tallies ------------------------------------------------------------------------------ */

static void add_op(struct sug_dir *d, const char *name, unsigned int access, uint64_t records)
{
	size_t i;

	for (i = 0; i < d->nops; i++) {
		if (!strncmp(d->ops[i].name, name, sizeof(d->ops[i].name) - 1)) {
			d->ops[i].access |= access;
			d->ops[i].records += records;
			return;
		}
	}
	if (d->nops == SUG_MAX_OPS) {
		d->other_ops += records;
		return;
	}
	snprintf(d->ops[d->nops].name, sizeof(d->ops[0].name), "%s", name);
	d->ops[d->nops].access = access;
	d->ops[d->nops++].records = records;
}

static void merge_dir(struct sug_dir *dst, struct sug_dir *src)
{
	size_t i;

	dst->access |= src->access;
	dst->records += src->records;
	dst->deny += src->deny;
	dst->other_ops += src->other_ops;
	for (i = 0; i < src->nops; i++)
		add_op(dst, src->ops[i].name, src->ops[i].access, src->ops[i].records);
	src->merged = true;
}

/* The entry for path, created if new. */
static int get_dir(struct suggest *s, const char *path, struct sug_dir **ret)
{
	struct sug_dir *d;
	bool is_new;
	int err;

	err = audit_map_get(s->dirs, path, strlen(path), (void **)&d, &is_new);
	if (err)
		return err == -ENOSPC ? -E2BIG : err;
	if (is_new) {
		d->path = strdup(path);
		if (!d->path)
			return -ENOMEM;
	} else if (d->merged) {
		/* Its records went to the directory it was merged into: start afresh. */
		char *keep = d->path;

		memset(d, 0, sizeof(*d));
		d->path = keep;
	}
	*ret = d;
	return 0;
}

static int count_note(struct audit_map *m, const char *a, const char *b, const char *c)
{
	uint64_t *count;
	char *key;
	bool is_new;
	int err, len;

	len = asprintf(&key, "%s%s%s", a, b, c);
	if (len < 0)
		return -ENOMEM;
	err = audit_map_get(m, key, (size_t)len, (void **)&count, &is_new);
	free(key);
	if (err == -ENOSPC)
		return 0; /* the notes are a digest; the directives are what matters */
	if (!err)
		(*count)++;
	return err;
}

static int add_record_dir(struct suggest *s, const struct audit_record *r)
{
	unsigned int access = 0;
	struct sug_dir *d;
	enum sug_skip why;
	char *dir = NULL;
	int err;

	why = parse_access(r->access, &access);
	if (!why)
		why = record_dir(r, &dir);
	if (why)
		return count_note(s->skipped, r->op, ": ", skip_text[why]);
	if (!dir)
		return -ENOMEM;
	err = get_dir(s, dir, &d);
	free(dir);
	if (err)
		return err;
	d->access |= access;
	d->records++;
	d->deny += r->verdict == VERDICT_DENY;
	add_op(d, r->op, access, 1);
	return 0;
}

static void count_uid(struct suggest *s, const struct audit_record *r)
{
	size_t i;

	if (!audit_has(r, NUM_UID))
		return;
	for (i = 0; i < s->nuids; i++) {
		if (s->uids[i].uid == r->num[NUM_UID]) {
			s->uids[i].records++;
			return;
		}
	}
	if (s->nuids < SUG_MAX_UIDS) {
		s->uids[s->nuids].uid = (uint32_t)r->num[NUM_UID];
		s->uids[s->nuids++].records = 1;
	}
}

static int suggest_line(const struct audit_line *line, void *ctx)
{
	const struct audit_record *r = line->rec;
	struct suggest *s = ctx;
	char buf[64];
	const char *obj;

	if (r->type != AUDIT_ACCESS || !audit_filter_match(&s->o->filter, r))
		return 0;
	if (r->verdict == VERDICT_DENY && !s->o->include_denied) {
		s->unused_deny++;
		return 0;
	}
	if (!s->records++)
		s->first_us = s->last_us = r->time_us;
	s->first_us = r->time_us < s->first_us ? r->time_us : s->first_us;
	s->last_us = r->time_us > s->last_us ? r->time_us : s->last_us;
	*(r->verdict == VERDICT_DENY ? &s->deny : &s->audit) += 1;
	count_uid(s, r);
	if (audit_op_not_allowable(r->op)) {
		obj = audit_record_object(r, buf, sizeof(buf));
		return count_note(s->refused, r->op, obj ? " " : "", obj ? obj : "");
	}
	return add_record_dir(s, r);
}

/* ---- collapsing (rules 2 and 3) ------------------------------------------------------------ */

static int cmp_dir_entries(const void *a, const void *b)
{
	const struct sug_dir *x = ((const struct audit_map_entry *)a)->value;
	const struct sug_dir *y = ((const struct audit_map_entry *)b)->value;

	return cmp_path(x->path, y->path);
}

/* The directories not merged away, in path order; *ret_n of them. */
static struct audit_map_entry *live_dirs(const struct suggest *s, size_t *ret_n)
{
	struct audit_map_entry *e = audit_map_entries(s->dirs);
	size_t i, n = 0;

	if (!e)
		return NULL;
	for (i = 0; i < audit_map_count(s->dirs); i++)
		if (!((struct sug_dir *)e[i].value)->merged)
			e[n++] = e[i];
	qsort(e, n, sizeof(*e), cmp_dir_entries);
	*ret_n = n;
	return e;
}

/* Rule 2: fold every directory into a suggested ancestor; in path order it precedes them. */
static int absorb_subdirs(struct suggest *s)
{
	struct sug_dir *top = NULL, *d;
	struct audit_map_entry *e;
	size_t i, n;

	e = live_dirs(s, &n);
	if (!e)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		d = e[i].value;
		if (top && is_under(d->path, top->path))
			merge_dir(top, d);
		else
			top = d;
	}
	free(e);
	return 0;
}

static bool owned_by_site(const struct suggest *s, const char *dir)
{
	struct stat st;

	return s->has_uid && !stat(dir, &st) && S_ISDIR(st.st_mode) && st.st_uid == s->site_uid;
}

/* Merge the live directories whose parent is parent into it. */
static int fold_into(struct suggest *s, const struct audit_map_entry *e, size_t n,
		     const char *parent)
{
	struct sug_dir *p, *d;
	size_t i, plen = strlen(parent);
	int err;

	err = get_dir(s, parent, &p);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		d = e[i].value;
		if (d != p && !d->merged && is_under(d->path, parent) &&
		    !strchr(d->path + plen + 1, '/'))
			merge_dir(p, d);
	}
	return 0;
}

/* Count the live directories directly inside each parent into kids (parent -> uint64_t). */
static int count_kids(const struct audit_map_entry *e, size_t n, struct audit_map *kids)
{
	uint64_t *count;
	char *parent;
	bool is_new;
	size_t i;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		parent = parent_of(((struct sug_dir *)e[i].value)->path);
		if (!parent)
			return -ENOMEM;
		err = audit_map_get(kids, parent, strlen(parent), (void **)&count, &is_new);
		if (!err)
			(*count)++;
		free(parent);
	}
	return err;
}

/* Rule 3, once: returns 1 when some parent took in its children. */
static int collapse_siblings(struct suggest *s)
{
	struct audit_map_entry *e, *parents = NULL;
	struct audit_map *kids;
	size_t i, n;
	int err, changed = 0;

	e = live_dirs(s, &n);
	kids = audit_map__new(SUG_MAX_DIRS, sizeof(uint64_t));
	err = e && kids ? count_kids(e, n, kids) : -ENOMEM;
	if (!err) {
		parents = audit_map_entries(kids);
		err = parents ? 0 : -ENOMEM;
	}
	for (i = 0; !err && i < audit_map_count(kids); i++) {
		const char *parent = parents[i].key;

		if (*(uint64_t *)parents[i].value < SUG_COLLAPSE_MIN ||
		    path_depth(parent) < SUG_COLLAPSE_DEPTH || !owned_by_site(s, parent))
			continue;
		err = fold_into(s, e, n, parent);
		changed = 1;
	}
	free(parents);
	audit_map__free(kids, NULL);
	free(e);
	return err ? err : changed;
}

static int collapse(struct suggest *s)
{
	int err;

	do {
		err = absorb_subdirs(s);
		if (!err)
			err = collapse_siblings(s);
	} while (err == 1);
	return err;
}

/* ---- ownership ---------------------------------------------------------------------------- */

static void pick_site_uid(struct suggest *s)
{
	size_t i, best = 0;

	/* The most records wins; on a tie, the lower uid, so the choice is stable. */
	for (i = 1; i < s->nuids; i++) {
		uint64_t n = s->uids[i].records, m = s->uids[best].records;

		if (n > m || (n == m && s->uids[i].uid < s->uids[best].uid))
			best = i;
	}
	s->has_uid = s->nuids > 0;
	if (s->has_uid)
		s->site_uid = s->uids[best].uid;
}

/* Stat dir or its nearest existing ancestor. */
static int check_owner(const struct suggest *s, const char *dir, struct sug_owner *ret)
{
	char *p = strdup(dir), *up;
	struct stat st;
	int err;

	while (p && stat(p, &st)) {
		if (!strcmp(p, "/")) {
			err = -errno;
			free(p);
			return err;
		}
		up = parent_of(p);
		free(p);
		p = up;
	}
	if (!p)
		return -ENOMEM;
	ret->checked = p;
	ret->uid = st.st_uid;
	ret->foreign = !s->has_uid || st.st_uid != s->site_uid;
	return 0;
}

/* ---- output ------------------------------------------------------------------------------- */

static void letters(unsigned int mask, char buf[8])
{
	size_t i, n = 0;

	for (i = 0; access_letters[i]; i++)
		if (mask & (1u << i))
			buf[n++] = access_letters[i];
	buf[n] = '\0';
}

/* "SitefenceAllow PATH LETTERS", the path quoted when it holds blanks. */
static char *directive(const struct sug_dir *d)
{
	bool quote = strpbrk(d->path, " \t") != NULL;
	char acc[8], *s;

	letters(d->access, acc);
	if (asprintf(&s, "SitefenceAllow %s%s%s %s", quote ? "\"" : "", d->path, quote ? "\"" : "",
		     acc) < 0)
		return NULL;
	return s;
}

static int cmp_ops(const void *a, const void *b)
{
	const struct sug_op *x = a, *y = b;

	if (x->records != y->records)
		return x->records > y->records ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* "# 97 records (3 denied): open(rw) mkdir(c) ..." */
static void print_dir_comment(struct sug_dir *d)
{
	char acc[8];
	size_t i;

	qsort(d->ops, d->nops, sizeof(d->ops[0]), cmp_ops);
	printf("# %llu record%s", (unsigned long long)d->records, d->records == 1 ? "" : "s");
	if (d->deny)
		printf(" (%llu denied)", (unsigned long long)d->deny);
	putchar(':');
	for (i = 0; i < d->nops && i < SUG_COMMENT_OPS; i++) {
		letters(d->ops[i].access, acc);
		putchar(' ');
		text_print(stdout, d->ops[i].name, sizeof(d->ops[i].name), TEXT_CUT_END, false);
		printf("(%s)", acc);
	}
	if (d->nops > SUG_COMMENT_OPS || d->other_ops)
		fputs(" ...", stdout);
	putchar('\n');
}

static void print_warning(const struct suggest *s, const struct sug_dir *d,
			  const struct sug_owner *w)
{
	bool same = !strcmp(w->checked, d->path);

	if (!w->foreign) {
		if (!same)
			printf("# note: %s does not exist here; its nearest existing ancestor %s is the site's\n",
			       d->path, w->checked);
		return;
	}
	if (!s->has_uid) {
		printf("# WARNING: the records carry no uid, so the owner of %s cannot be compared with the site's\n",
		       d->path);
		return;
	}
	if (same)
		printf("# WARNING: %s is owned by uid %u, not by the site's uid %u: ", d->path,
		       w->uid, s->site_uid);
	else
		printf("# WARNING: %s does not exist here and its nearest existing ancestor %s is owned by uid %u, not by the site's uid %u: ",
		       d->path, w->checked, w->uid, s->site_uid);
	puts("allowing it gives the site access to another user's files");
}

/* One suggestion: warnings, then the directive (commented out when foreign), then why. */
static int print_dir(const struct suggest *s, struct sug_dir *d, size_t width)
{
	struct sug_owner w;
	char *line;
	bool off;
	int err;

	err = check_owner(s, d->path, &w);
	if (err)
		return err;
	line = directive(d);
	if (!line) {
		free(w.checked);
		return -ENOMEM;
	}
	print_warning(s, d, &w);
	off = w.foreign && !s->o->include_foreign;
	printf("%s%-*s ", off ? "# " : "", (int)(width - (off ? 2 : 0)), line);
	print_dir_comment(d);
	free(line);
	free(w.checked);
	return 0;
}

/* The widest directive, plus room for "# ", so that the comments line up. */
static size_t directive_width(const struct audit_map_entry *e, size_t n)
{
	size_t i, w = 0, len;
	char *line;

	for (i = 0; i < n; i++) {
		line = directive(e[i].value);
		len = line ? text_width(line) + 2 : 0;
		w = len > w ? len : w;
		free(line);
	}
	return w;
}

static int cmp_notes(const void *a, const void *b)
{
	const struct audit_map_entry *x = a, *y = b;
	uint64_t nx = *(uint64_t *)x->value, ny = *(uint64_t *)y->value;

	if (nx != ny)
		return nx > ny ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int print_notes(const struct audit_map *m, const char *title)
{
	struct audit_map_entry *e;
	size_t i, n = audit_map_count(m);

	if (!n)
		return 0;
	e = audit_map_entries(m);
	if (!e)
		return -ENOMEM;
	qsort(e, n, sizeof(*e), cmp_notes);
	printf("#\n# %s\n", title);
	for (i = 0; i < n; i++) {
		uint64_t count = *(uint64_t *)e[i].value;

		printf("#   %llu record%s: ", (unsigned long long)count, count == 1 ? "" : "s");
		text_print(stdout, e[i].key, 200, TEXT_CUT_MIDDLE, false);
		putchar('\n');
	}
	free(e);
	return 0;
}

static void print_header(const struct suggest *s)
{
	char first[AUDIT_TIME_BUF], last[AUDIT_TIME_BUF];

	fputs("# sitefence-audit suggest for ", stdout);
	text_print(stdout, s->site, 200, TEXT_CUT_END, false);
	if (!s->records) {
		printf(": no audit records\n");
		if (s->unused_deny)
			printf("# (%llu deny records; --include-denied uses them too)\n",
			       (unsigned long long)s->unused_deny);
		return;
	}
	audit_time_format(s->first_us, AUDIT_TIME_DATE, first, sizeof(first));
	audit_time_format(s->last_us, AUDIT_TIME_DATE, last, sizeof(last));
	if (s->o->include_denied)
		printf(" (from %llu audit and %llu deny records, %s .. %s)\n",
		       (unsigned long long)s->audit, (unsigned long long)s->deny, first, last);
	else
		printf(" (from %llu audit records, %s .. %s)\n", (unsigned long long)s->audit,
		       first, last);
	if (s->has_uid)
		printf("# site uid %u (%s); ownership checked on this machine\n", s->site_uid,
		       s->nuids > 1 ? "the most frequent uid in the records" : "from the records");
	else
		puts("# site uid unknown: the records carry no uid");
}

static int print_human(const struct suggest *s)
{
	struct audit_map_entry *e;
	size_t i, n, width;
	int err = 0;

	print_header(s);
	e = live_dirs(s, &n);
	if (!e)
		return -ENOMEM;
	width = directive_width(e, n);
	for (i = 0; i < n && !err; i++)
		err = print_dir(s, e[i].value, width);
	free(e);
	if (!err)
		err = print_notes(s->refused,
				  "Not allowed by any directive (the fence refuses these whatever the directories):");
	if (!err)
		err = print_notes(s->skipped, "Not suggested (no usable path):");
	return err;
}

/* ---- JSON output -------------------------------------------------------------------------- */

static void print_json_ops(const struct sug_dir *d)
{
	char acc[8];
	size_t i;

	fputs("\"ops\":[", stdout);
	for (i = 0; i < d->nops; i++) {
		letters(d->ops[i].access, acc);
		fputs(i ? ",{\"op\":" : "{\"op\":", stdout);
		json_write_string(stdout, d->ops[i].name);
		printf(",\"access\":\"%s\",\"records\":%llu}", acc,
		       (unsigned long long)d->ops[i].records);
	}
	printf("],\"other_ops_records\":%llu", (unsigned long long)d->other_ops);
}

static int print_json_dir(const struct suggest *s, struct sug_dir *d, bool first)
{
	struct sug_owner w;
	char acc[8], *line;
	int err;

	err = check_owner(s, d->path, &w);
	if (err)
		return err;
	line = directive(d);
	if (!line) {
		free(w.checked);
		return -ENOMEM;
	}
	letters(d->access, acc);
	fputs(first ? "\n{\"path\":" : ",\n{\"path\":", stdout);
	json_write_string(stdout, d->path);
	printf(",\"access\":\"%s\",\"records\":%llu,\"deny\":%llu,", acc,
	       (unsigned long long)d->records, (unsigned long long)d->deny);
	qsort(d->ops, d->nops, sizeof(d->ops[0]), cmp_ops);
	print_json_ops(d);
	fputs(",\"checked\":", stdout);
	json_write_string(stdout, w.checked);
	printf(",\"owner_uid\":%u,\"foreign\":%s,\"enabled\":%s,\"directive\":", w.uid,
	       w.foreign ? "true" : "false",
	       !w.foreign || s->o->include_foreign ? "true" : "false");
	json_write_string(stdout, line);
	putchar('}');
	free(line);
	free(w.checked);
	return 0;
}

static int print_json_notes(const struct audit_map *m, const char *name)
{
	struct audit_map_entry *e;
	size_t i, n = audit_map_count(m);

	e = audit_map_entries(m);
	if (!e)
		return -ENOMEM;
	qsort(e, n, sizeof(*e), cmp_notes);
	printf(",\"%s\":[", name);
	for (i = 0; i < n; i++) {
		fputs(i ? ",{\"what\":" : "{\"what\":", stdout);
		json_write_string(stdout, e[i].key);
		printf(",\"records\":%llu}", (unsigned long long)*(uint64_t *)e[i].value);
	}
	putchar(']');
	free(e);
	return 0;
}

static void print_json_header(const struct suggest *s)
{
	fputs("{\"site\":", stdout);
	json_write_string(stdout, s->site);
	if (s->has_uid)
		printf(",\"uid\":%u", s->site_uid);
	else
		fputs(",\"uid\":null", stdout);
	printf(",\"records\":%llu,\"audit\":%llu,\"deny\":%llu,\"unused_deny\":%llu,\"first\":",
	       (unsigned long long)s->records, (unsigned long long)s->audit,
	       (unsigned long long)s->deny, (unsigned long long)s->unused_deny);
	audit_time_json(stdout, s->records, s->first_us);
	fputs(",\"last\":", stdout);
	audit_time_json(stdout, s->records, s->last_us);
}

static int print_json(const struct suggest *s)
{
	struct audit_map_entry *e;
	size_t i, n;
	int err = 0;

	print_json_header(s);
	e = live_dirs(s, &n);
	if (!e)
		return -ENOMEM;
	fputs(",\"directives\":[", stdout);
	for (i = 0; i < n && !err; i++)
		err = print_json_dir(s, e[i].value, i == 0);
	free(e);
	if (err)
		return err;
	putchar(']');
	err = print_json_notes(s->refused, "not_allowable");
	if (!err)
		err = print_json_notes(s->skipped, "not_suggested");
	if (!err)
		puts("}");
	return err;
}

/* ---- the command -------------------------------------------------------------------------- */

static void free_dir(void *value)
{
	free(((struct sug_dir *)value)->path);
}

int audit_cmd_suggest(const struct audit_opts *o, struct audit_log *log)
{
	struct suggest s = { .o = o, .site = o->filter.sites[0] };
	int err;

	s.dirs = audit_map__new(SUG_MAX_DIRS, sizeof(struct sug_dir));
	s.refused = audit_map__new(SUG_MAX_NOTES, sizeof(uint64_t));
	s.skipped = audit_map__new(SUG_MAX_NOTES, sizeof(uint64_t));
	err = s.dirs && s.refused && s.skipped ? 0 : -ENOMEM;
	if (!err)
		err = audit_log__read(log, false, suggest_line, &s);
	if (!err) {
		pick_site_uid(&s);
		err = collapse(&s);
	}
	if (!err)
		err = o->json ? print_json(&s) : print_human(&s);
	audit_map__free(s.dirs, free_dir);
	audit_map__free(s.refused, NULL);
	audit_map__free(s.skipped, NULL);
	return err;
}

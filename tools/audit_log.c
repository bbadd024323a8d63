// SPDX-License-Identifier: GPL-2.0
/*
 * audit_log.c — the audit log reader of audit_log.h.
 *
 * Files are read through one line buffer of AUDIT_LINE_MAX + 2 bytes with our own newline
 * search rather than gzgets(), so that a NUL byte or an overlong line cannot be mistaken for a
 * line end. Compressed files are recognised by their gzip magic and read with zlib; the live
 * file is read with read(2), which keeps returning new data after EOF for --follow. The live
 * file is opened first, so following starts exactly where reading ended; rotated files are
 * opened one at a time, and a file already read (same device and inode, as when logrotate
 * renames files during the run) is not read twice.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "audit_log.h"
#include "parse.h"

#define LINE_CAP (AUDIT_LINE_MAX + 2) /* a line, its newline, and a NUL for an unfinished one */
#define MAX_ERRORS 16
#define FOLLOW_POLL_MS 1000 /* re-check even without inotify events (e.g. NFS) */
#define FOLLOW_NO_INOTIFY_MS 250

enum skip_reason {
	SKIP_NOT_JSON,
	SKIP_INVALID,
	SKIP_UNKNOWN_TYPE,
	SKIP_TOO_LONG,
	SKIP_TRUNCATED,
	SKIP__MAX,
};

struct skip_count {
	uint64_t count;
	const char *file;
	uint64_t lineno;
};

struct log_file {
	char *path;
	const char *name; /* base name, inside path */
	int fd;		  /* -1 when closed or owned by gz */
	gzFile gz;
	dev_t dev;
	ino_t ino;
	off_t offset; /* bytes read with read(2) */
};

struct audit_log {
	struct log_file *files; /* oldest first; the live file is last */
	size_t nfiles;
	struct { dev_t dev; ino_t ino; } *seen; /* files read so far */
	size_t nseen;
	char *buf; /* the line buffer: unconsumed data in [start, end) */
	size_t start, end;
	bool overlong; /* inside a line longer than AUDIT_LINE_MAX: drop up to its newline */
	uint64_t lineno;
	struct json_object *obj;
	struct audit_record rec;
	struct skip_count skips[SKIP__MAX];
	char *errors[MAX_ERRORS];
	uint64_t nerrors;
};

static void add_error(struct audit_log *log, const char *file, const char *msg)
{
	char *s;

	if (log->nerrors < MAX_ERRORS) {
		if (asprintf(&s, "%s: %s", file, msg) < 0)
			s = NULL; /* reported as "out of memory" */
		log->errors[log->nerrors] = s;
	}
	log->nerrors++;
}

static void skip_line(struct audit_log *log, enum skip_reason why, const struct log_file *f)
{
	struct skip_count *s = &log->skips[why];

	if (!s->count++) {
		s->file = f->name;
		s->lineno = log->lineno;
	}
}

/* One line: parse, decode, hand to fn. unfinished: the file ended before its newline. */
static int process_line(struct audit_log *log, const struct log_file *f, char *text, size_t len,
			bool unfinished, audit_line_fn fn, void *ctx)
{
	struct audit_line line = {
		.text = text, .len = len, .rec = &log->rec, .file = f->name, .lineno = log->lineno,
	};
	int err;

	err = json_parse_object(text, len, log->obj);
	if (!err)
		err = audit_record_decode(log->obj, &log->rec);
	if (err && unfinished)
		skip_line(log, SKIP_TRUNCATED, f);
	else if (err == -EINVAL)
		skip_line(log, SKIP_NOT_JSON, f);
	else if (err == -ENOMSG)
		skip_line(log, SKIP_UNKNOWN_TYPE, f);
	else if (err)
		skip_line(log, SKIP_INVALID, f);
	else
		return fn(&line, ctx);
	return 0;
}

/* Up to size bytes of f; 0 at its end; -EIO after recording the error. */
static ssize_t file_read(struct audit_log *log, struct log_file *f, char *buf, size_t size)
{
	const char *msg;
	ssize_t n;
	int errnum;

	if (f->gz) {
		n = gzread(f->gz, buf, (unsigned int)size);
		msg = gzerror(f->gz, &errnum);
		/* At the end, Z_BUF_ERROR says the file stopped in the middle of a stream. */
		if (n > 0 || (n == 0 && errnum != Z_BUF_ERROR))
			return n;
		if (errnum == Z_ERRNO)
			msg = strerror(errno);
		else if (!strncmp(msg, "<fd:", 4) && strstr(msg, ": "))
			msg = strstr(msg, ": ") + 2; /* zlib names the file "<fd:N>" */
		add_error(log, f->name, msg);
		return -EIO;
	}
	do
		n = read(f->fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n >= 0) {
		f->offset += n;
		return n;
	}
	add_error(log, f->name, strerror(errno));
	return -EIO;
}

/* The next complete line into *ret (NUL-terminated); 1, 0 at the end of the data, or -EIO. */
static int next_line(struct audit_log *log, struct log_file *f, char **ret, size_t *ret_len)
{
	char *line, *nl;
	ssize_t n;

	for (;;) {
		line = log->buf + log->start;
		nl = memchr(line, '\n', log->end - log->start);
		if (nl) {
			*nl = '\0';
			log->start += (size_t)(nl - line) + 1;
			log->lineno++;
			if (log->overlong) {
				log->overlong = false;
				skip_line(log, SKIP_TOO_LONG, f);
				continue;
			}
			*ret = line;
			*ret_len = (size_t)(nl - line);
			return 1;
		}
		if (log->overlong || log->end - log->start > AUDIT_LINE_MAX) {
			log->overlong = true;
			log->start = log->end = 0;
		} else if (log->start) {
			memmove(log->buf, line, log->end - log->start);
			log->end -= log->start;
			log->start = 0;
		}
		n = file_read(log, f, log->buf + log->end, LINE_CAP - 1 - log->end);
		if (n <= 0)
			return (int)n;
		log->end += (size_t)n;
	}
}

/* Pass every complete line of f to fn; stop at the end of its data. */
static int drain(struct audit_log *log, struct log_file *f, audit_line_fn fn, void *ctx)
{
	char *line = NULL;
	size_t len = 0;
	int err;

	while ((err = next_line(log, f, &line, &len)) > 0) {
		err = process_line(log, f, line, len, false, fn, ctx);
		if (err)
			return err;
	}
	/* A read error is recorded; the caller goes on with the next file. */
	return err == -EIO ? 0 : err;
}

/* The end of f: an unfinished last line is a record if it parses, else counted. */
static int finish_file(struct audit_log *log, struct log_file *f, audit_line_fn fn, void *ctx)
{
	int err = 0;

	if (log->overlong) {
		log->lineno++;
		skip_line(log, SKIP_TOO_LONG, f);
	} else if (log->end > log->start) {
		log->lineno++;
		log->buf[log->end] = '\0';
		err = process_line(log, f, log->buf + log->start, log->end - log->start, true, fn,
				   ctx);
	}
	log->start = log->end = 0;
	log->overlong = false;
	log->lineno = 0;
	return err;
}

static void close_file(struct log_file *f)
{
	if (f->gz)
		gzclose(f->gz);
	else if (f->fd >= 0)
		close(f->fd);
	f->gz = NULL;
	f->fd = -1;
}

/* Open f->path; read it with zlib if it starts with the gzip magic. */
static int open_file(struct log_file *f)
{
	unsigned char magic[2];
	struct stat st;
	int fd;

	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->offset = 0;
	f->fd = fd;
	if (pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		f->gz = gzdopen(fd, "rb");
		if (!f->gz) {
			close(fd);
			f->fd = -1;
			return -ENOMEM;
		}
		f->fd = -1; /* gzclose closes it */
		gzbuffer(f->gz, 128 * 1024);
	}
	return 0;
}

static bool seen_before(struct audit_log *log, const struct log_file *f)
{
	size_t i;

	for (i = 0; i < log->nseen; i++)
		if (log->seen[i].dev == f->dev && log->seen[i].ino == f->ino)
			return true;
	log->seen[log->nseen].dev = f->dev;
	log->seen[log->nseen].ino = f->ino;
	log->nseen++;
	return false;
}

/*
 * Open a rotated file. It may have been compressed (N -> N.gz) or removed since it was
 * listed: then try the other name, or skip it.
 */
static int open_rotated(struct log_file *f)
{
	size_t len = strlen(f->path);
	char *other;
	int err;

	err = open_file(f);
	if (err != -ENOENT)
		return err;
	if (len > 3 && !strcmp(f->path + len - 3, ".gz"))
		other = strndup(f->path, len - 3);
	else if (asprintf(&other, "%s.gz", f->path) < 0)
		other = NULL;
	if (!other)
		return -ENOMEM;
	free(f->path);
	f->path = other;
	f->name = strrchr(other, '/') ? strrchr(other, '/') + 1 : other;
	return open_file(f);
}

/* Read one rotated file (the live one is open already). */
static int read_rotated(struct audit_log *log, struct log_file *f, audit_line_fn fn, void *ctx)
{
	int err;

	err = open_rotated(f);
	if (err == -ENOENT)
		return 0;
	if (err) {
		add_error(log, f->name, strerror(-err));
		return 0;
	}
	if (!seen_before(log, f)) {
		err = drain(log, f, fn, ctx);
		if (!err)
			err = finish_file(log, f, fn, ctx);
	}
	close_file(f);
	return err;
}

int audit_log__read(struct audit_log *log, bool follow, audit_line_fn fn, void *ctx)
{
	struct log_file *live = &log->files[log->nfiles - 1];
	size_t i;
	int err;

	for (i = 0; i + 1 < log->nfiles; i++) {
		err = read_rotated(log, &log->files[i], fn, ctx);
		if (err)
			return err;
	}
	err = drain(log, live, fn, ctx);
	if (err || follow)
		return err;
	return finish_file(log, live, fn, ctx);
}

/* ---- listing and opening ----------------------------------------------------------------- */

struct rotated_name {
	uint32_t n;
	bool gz;
	char *name;
};

/* "<base>.<N>" or "<base>.<N>.gz" with N >= 1: N, or 0 for other names. */
static uint32_t rotated_number(const char *name, const char *base, bool *gz)
{
	size_t blen = strlen(base), len = strlen(name);
	char digits[16];
	uint32_t n;

	if (len <= blen + 1 || strncmp(name, base, blen) || name[blen] != '.')
		return 0;
	name += blen + 1;
	len -= blen + 1;
	*gz = len > 3 && !strcmp(name + len - 3, ".gz");
	if (*gz)
		len -= 3;
	if (len == 0 || len >= sizeof(digits) || name[0] == '0')
		return 0;
	memcpy(digits, name, len);
	digits[len] = '\0';
	return parse_u32(digits, 1, UINT32_MAX, &n) ? 0 : n;
}

/* Oldest (highest N) first; for the same N, the uncompressed file (the .gz may be unfinished). */
static int cmp_rotated(const void *a, const void *b)
{
	const struct rotated_name *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return (int)x->gz - (int)y->gz;
}

static void free_names(struct rotated_name *names, size_t n)
{
	while (n--)
		free(names[n].name);
	free(names);
}

/* The rotated siblings of dir/base, sorted oldest first, without duplicate numbers. */
static int list_rotated(const char *dir, const char *base, struct rotated_name **ret,
			size_t *ret_n)
{
	struct rotated_name *names = NULL, *tmp;
	size_t n = 0, cap = 0, i, out;
	struct dirent *de;
	DIR *d;
	bool gz;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		uint32_t num = rotated_number(de->d_name, base, &gz);

		if (!num)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = reallocarray(names, cap, sizeof(*names));
			if (!tmp)
				goto out_nomem;
			names = tmp;
		}
		names[n].name = strdup(de->d_name);
		if (!names[n].name)
			goto out_nomem;
		names[n].n = num;
		names[n++].gz = gz;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_rotated);
	for (i = 0, out = 0; i < n; i++) {
		if (out && names[out - 1].n == names[i].n) {
			free(names[i].name);
			continue;
		}
		names[out++] = names[i];
	}
	*ret = names;
	*ret_n = out;
	return 0;
out_nomem:
	closedir(d);
	free_names(names, n);
	return -ENOMEM;
}

static int set_path(struct log_file *f, const char *dir, const char *name)
{
	if (asprintf(&f->path, "%s/%s", dir, name) < 0) {
		f->path = NULL;
		return -ENOMEM;
	}
	f->name = f->path + strlen(dir) + 1;
	f->fd = -1;
	return 0;
}

/* log->files: the newest AUDIT_ROTATED_MAX rotated siblings, oldest first, and a slot for the
 * live file. */
static int build_file_list(struct audit_log *log, const char *dir, const char *base,
			   bool rotated)
{
	struct rotated_name *names = NULL;
	size_t n = 0, first, i;
	int err = 0;

	if (rotated) {
		err = list_rotated(dir, base, &names, &n);
		if (err)
			return err;
	}
	first = n > AUDIT_ROTATED_MAX ? n - AUDIT_ROTATED_MAX : 0;
	log->files = calloc(n - first + 1, sizeof(*log->files));
	log->seen = calloc(n - first + 1, sizeof(*log->seen));
	if (!log->files || !log->seen) {
		err = -ENOMEM;
		goto out_free_names;
	}
	for (i = first; i < n && !err; i++)
		err = set_path(&log->files[log->nfiles++], dir, names[i].name);
out_free_names:
	free_names(names, n);
	return err;
}

static int split_path(const char *path, char **ret_dir, char **ret_base)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*ret_dir = strdup(".");
		*ret_base = strdup(path);
	} else {
		*ret_dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
		*ret_base = strdup(slash + 1);
	}
	if (!*ret_dir || !*ret_base)
		return -ENOMEM;
	return **ret_base ? 0 : -EISDIR;
}

/* The live file, under the name the user gave. */
static int open_live(const char *path, struct log_file *live)
{
	const char *slash = strrchr(path, '/');

	live->fd = -1;
	live->path = strdup(path);
	if (!live->path)
		return -ENOMEM;
	live->name = live->path + (slash ? slash - path + 1 : 0);
	return open_file(live);
}

int audit_log__open(const char *path, bool rotated, struct audit_log **ret,
		    char **ret_failed)
{
	struct log_file live = { .fd = -1 };
	char *dir = NULL, *base = NULL;
	struct audit_log *log;
	int err;

	*ret_failed = NULL;
	log = calloc(1, sizeof(*log));
	if (!log)
		return -ENOMEM;
	log->buf = malloc(LINE_CAP);
	log->obj = malloc(sizeof(*log->obj));
	err = log->buf && log->obj ? split_path(path, &dir, &base) : -ENOMEM;
	if (err)
		goto out_free;
	/* Open the live file before listing, so that a rotation in between cannot hide it. */
	err = open_live(path, &live);
	if (err) {
		*ret_failed = strdup(path);
		goto out_close_live;
	}
	err = build_file_list(log, dir, base, rotated);
	if (err) {
		/* The directory could not be listed for the rotated files. */
		*ret_failed = err == -ENOMEM ? NULL : strdup(dir);
		goto out_close_live;
	}
	log->files[log->nfiles++] = live;
	seen_before(log, &live);
	free(dir);
	free(base);
	*ret = log;
	return 0;
out_close_live:
	close_file(&live);
	free(live.path);
out_free:
	audit_log__free(log);
	free(dir);
	free(base);
	return err;
}

void audit_log__free(struct audit_log *log)
{
	size_t i;

	if (!log)
		return;
	for (i = 0; i < log->nfiles; i++) {
		close_file(&log->files[i]);
		free(log->files[i].path);
	}
	for (i = 0; i < log->nerrors && i < MAX_ERRORS; i++)
		free(log->errors[i]);
	free(log->files);
	free(log->seen);
	free(log->buf);
	free(log->obj);
	free(log);
}

/* ---- following ---------------------------------------------------------------------------- */

enum live_change {
	LIVE_SAME,
	LIVE_ROTATED,
	LIVE_TRUNCATED,
};

static enum live_change check_live(const struct log_file *f)
{
	struct stat st;

	/* Gone: a rotation is under way, and the writer may still append to the old file. */
	if (stat(f->path, &st))
		return LIVE_SAME;
	/*
	 * A new file: the writer moves to it after logrotate's postrotate step, so keep reading
	 * the old one until the new one has data, or the old one's last records would be lost.
	 */
	if (st.st_dev != f->dev || st.st_ino != f->ino)
		return st.st_size > 0 ? LIVE_ROTATED : LIVE_SAME;
	return st.st_size < f->offset ? LIVE_TRUNCATED : LIVE_SAME;
}

/* Finish the old live file and open its successor; -ENOENT when there is none yet. */
static int switch_file(struct audit_log *log, struct log_file *f, audit_line_fn fn, void *ctx)
{
	int err;

	if (f->fd >= 0) {
		err = drain(log, f, fn, ctx);
		if (!err)
			err = finish_file(log, f, fn, ctx);
		close_file(f);
		if (err)
			return err;
	}
	err = open_file(f);
	if (err && err != -ENOENT) {
		add_error(log, f->name, strerror(-err));
		return -EIO;
	}
	return err;
}

/* Apply a rotation or truncation; *ret_idle when there was none (time to wait). */
static int follow_step(struct audit_log *log, struct log_file *f, audit_line_fn fn, void *ctx,
		       bool *ret_idle)
{
	enum live_change change = f->fd < 0 ? LIVE_ROTATED : check_live(f);
	int err;

	*ret_idle = false;
	if (change == LIVE_ROTATED) {
		err = switch_file(log, f, fn, ctx);
		*ret_idle = err == -ENOENT;
		return err == -ENOENT ? 0 : err;
	}
	if (change == LIVE_TRUNCATED) {
		if (lseek(f->fd, 0, SEEK_SET) < 0) {
			add_error(log, f->name, strerror(errno));
			return -EIO;
		}
		f->offset = 0;
		log->start = log->end = 0;
		log->overlong = false;
		log->lineno = 0;
		return 0;
	}
	*ret_idle = true;
	return 0;
}

/* An inotify watch on the live file's directory, or -1 (then we poll). */
static int watch_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -1;
	dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!dir || inotify_add_watch(fd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_FROM |
						       IN_MOVED_TO | IN_DELETE | IN_ATTRIB) < 0) {
		close(fd);
		fd = -1;
	}
	free(dir);
	return fd;
}

static void wait_for_change(int ifd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd pfd = { .fd = ifd, .events = POLLIN };

	if (ifd < 0) {
		poll(NULL, 0, FOLLOW_NO_INOTIFY_MS);
		return;
	}
	if (poll(&pfd, 1, FOLLOW_POLL_MS) > 0)
		while (read(ifd, buf, sizeof(buf)) > 0)
			;
}

int audit_log__follow(struct audit_log *log, audit_line_fn fn, void *ctx,
		      volatile sig_atomic_t *stop)
{
	struct log_file *f = &log->files[log->nfiles - 1];
	uint64_t errors = log->nerrors;
	bool idle;
	int ifd, err = 0;

	if (f->gz)
		return -ENOTSUP;
	ifd = watch_dir(f->path);
	while (!*stop) {
		if (f->fd >= 0) {
			err = drain(log, f, fn, ctx);
			if (!err && log->nerrors != errors)
				err = -EIO;
			if (err)
				break;
		}
		err = follow_step(log, f, fn, ctx, &idle);
		if (err)
			break;
		if (idle)
			wait_for_change(ifd);
	}
	if (ifd >= 0)
		close(ifd);
	return err;
}

/* ---- reports ------------------------------------------------------------------------------ */

uint64_t audit_log__report_skipped(const struct audit_log *log, FILE *f, const char *prog)
{
	static const char *const names[SKIP__MAX][2] = {
		[SKIP_NOT_JSON] = { "not JSON", "not JSON" },
		[SKIP_INVALID] = { "invalid record", "invalid records" },
		[SKIP_UNKNOWN_TYPE] = { "unknown type", "unknown type" },
		[SKIP_TOO_LONG] = { "too long", "too long" },
		[SKIP_TRUNCATED] = { "truncated", "truncated" },
	};
	const char *sep = ": ";
	uint64_t total = 0;
	int i;

	for (i = 0; i < SKIP__MAX; i++)
		total += log->skips[i].count;
	if (!total)
		return 0;
	fprintf(f, "%s: %llu line%s skipped", prog, (unsigned long long)total,
		total == 1 ? "" : "s");
	for (i = 0; i < SKIP__MAX; i++) {
		const struct skip_count *s = &log->skips[i];

		if (!s->count)
			continue;
		fprintf(f, "%s%llu %s (first at %s:%llu)", sep, (unsigned long long)s->count,
			names[i][s->count != 1], s->file, (unsigned long long)s->lineno);
		sep = ", ";
	}
	fputc('\n', f);
	return total;
}

uint64_t audit_log__report_errors(const struct audit_log *log, FILE *f, const char *prog)
{
	uint64_t i;

	for (i = 0; i < log->nerrors && i < MAX_ERRORS; i++)
		fprintf(f, "%s: error reading %s\n", prog,
			log->errors[i] ? log->errors[i] : "a file: out of memory");
	if (log->nerrors > MAX_ERRORS)
		fprintf(f, "%s: %llu more read errors\n", prog,
			(unsigned long long)(log->nerrors - MAX_ERRORS));
	return log->nerrors;
}

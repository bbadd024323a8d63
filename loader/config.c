// SPDX-License-Identifier: GPL-2.0
/* config.c — read, check and dump sitefenced.conf; see config.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "parse.h"

enum conf_type { T_PATH, T_U32, T_SIZE, T_MODE, T_BOOL };

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;
	const char *def;
	uint64_t min, max;
	const char *help;
};

static const struct conf_key conf_keys[] = {
#define X(type, name, def, min, max, help)                                                         \
	{ #name, T_##type, offsetof(struct sf_conf, name), def, min, max, help },
	SF_CONF_SCALARS(X)
#undef X
};

#define NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

/*
 * Roots every confined task may use, for ordinary PHP applications: the system's programs and
 * libraries (read, exec), the configuration PHP and its libraries read, a few devices, and the
 * sockets of local database servers and syslog. Paths that do not exist are skipped.
 */
static const struct {
	const char *path;
	const char *access;
} builtin_globals[] = {
	{ "/usr", "rx" },		{ "/lib", "rx" },		  { "/lib64", "rx" },
	{ "/bin", "rx" },		{ "/sbin", "rx" },		  { "/etc/php", "r" },
	{ "/etc/ssl/certs", "r" },	{ "/etc/ssl/openssl.cnf", "r" },  { "/etc/ca-certificates", "r" },
	{ "/etc/localtime", "r" },	{ "/etc/timezone", "r" },	  { "/etc/hosts", "r" },
	{ "/etc/resolv.conf", "r" },	{ "/etc/nsswitch.conf", "r" },	  { "/etc/host.conf", "r" },
	{ "/etc/gai.conf", "r" },	{ "/etc/services", "r" },	  { "/etc/protocols", "r" },
	{ "/etc/passwd", "r" },		{ "/etc/group", "r" },		  { "/etc/ld.so.cache", "r" },
	{ "/etc/mime.types", "r" },	{ "/etc/magic", "r" },		  { "/etc/magic.mime", "r" },
	{ "/etc/ImageMagick-6", "r" },	{ "/etc/fonts", "r" },		  { "/etc/mysql", "r" },
	{ "/dev/null", "rw" },		{ "/dev/zero", "rw" },		  { "/dev/full", "rw" },
	{ "/dev/random", "r" },		{ "/dev/urandom", "r" },	  { "/run/mysqld", "u" },
	{ "/run/postgresql", "u" },	{ "/run/systemd/journal", "u" },
};

#define NBUILTIN (sizeof(builtin_globals) / sizeof(builtin_globals[0]))

static void *field(struct sf_conf *conf, const struct conf_key *k)
{
	return (char *)conf + k->offset;
}

static const void *cfield(const struct sf_conf *conf, const struct conf_key *k)
{
	return (const char *)conf + k->offset;
}

/* Parse one value of key k into conf; 0, or -errno with *what describing the expectation. */
static int set_value(struct sf_conf *conf, const struct conf_key *k, const char *val,
		     const char **what)
{
	void *f = field(conf, k);
	char *s;

	switch (k->type) {
	case T_PATH:
		*what = "an absolute path";
		if (!sf_path_ok(val))
			return -EINVAL;
		s = strdup(val);
		if (!s)
			return -ENOMEM;
		free(*(char **)f);
		*(char **)f = s;
		return 0;
	case T_U32:
		*what = "a number in range";
		return parse_u32(val, k->min, k->max, f);
	case T_SIZE:
		*what = "a size (bytes, or with K, M, G) in range";
		return parse_size(val, k->min, k->max, f);
	case T_MODE:
		*what = "enforce or audit";
		return sf_parse_mode(val, f);
	case T_BOOL:
		*what = "on or off";
		return parse_bool(val, f);
	}
	return -EINVAL;
}

static int add_global(struct sf_conf *conf, const char *path, uint32_t mask, unsigned int line)
{
	struct sf_root_spec *g;

	g = realloc(conf->globals, (conf->nglobals + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	conf->globals = g;
	g = &conf->globals[conf->nglobals];
	g->path = strdup(path);
	if (!g->path)
		return -ENOMEM;
	g->mask = mask;
	g->line = line;
	conf->nglobals++;
	return 0;
}

static int set_defaults(struct sf_conf *conf)
{
	const char *what;
	size_t i;
	int err;

	memset(conf, 0, sizeof(*conf));
	for (i = 0; i < NKEYS; i++) {
		err = set_value(conf, &conf_keys[i], conf_keys[i].def, &what);
		if (err)
			return err;
	}
	return 0;
}

static void global_line(struct sf_conf *conf, char **w, int nw, const char *where,
			unsigned int line, struct sf_diag *diag, int *err)
{
	uint32_t mask;

	if (nw != 3) {
		diag_error(diag, where, line, "global: expected 'global PATH ACCESS'");
		return;
	}
	if (!sf_path_ok(w[1])) {
		diag_error(diag, where, line, "global path '%s' is not a clean absolute path", w[1]);
		return;
	}
	if (sf_parse_access(w[2], &mask)) {
		diag_error(diag, where, line, "access '%s': letters from \"rwxcus\" or \"-\"", w[2]);
		return;
	}
	if (mask & SF_MAY_CREATE)
		diag_warn(diag, where, line, "global '%s' lets every site create and delete files"
			  " there: a channel between sites", w[1]);
	*err = add_global(conf, w[1], mask, line);
}

static void key_line(struct sf_conf *conf, char **w, int nw, bool *seen, const char *where,
		     unsigned int line, struct sf_diag *diag, int *err)
{
	const char *what = "";
	size_t i;
	int e;

	for (i = 0; i < NKEYS && strcmp(conf_keys[i].name, w[0]); i++)
		;
	if (i == NKEYS) {
		diag_error(diag, where, line, "unknown key '%s'", w[0]);
		return;
	}
	if (nw != 2) {
		diag_error(diag, where, line, "%s: expected exactly one value", w[0]);
		return;
	}
	if (seen[i]) {
		diag_error(diag, where, line, "%s is set twice", w[0]);
		return;
	}
	seen[i] = true;
	e = set_value(conf, &conf_keys[i], w[1], &what);
	if (e == -ENOMEM)
		*err = e;
	else if (e == -ERANGE)
		diag_error(diag, where, line, "%s '%s' is out of range (%llu to %llu)", w[0], w[1],
			   (unsigned long long)conf_keys[i].min,
			   (unsigned long long)conf_keys[i].max);
	else if (e)
		diag_error(diag, where, line, "%s '%s': expected %s", w[0], w[1], what);
}

/* Relations between keys, checked once the whole file is read. */
static void cross_check(const struct sf_conf *conf, const char *where, struct sf_diag *diag)
{
	if (conf->site_uid_min > conf->site_uid_max)
		diag_error(diag, where, 0, "site_uid_min %u is above site_uid_max %u",
			   conf->site_uid_min, conf->site_uid_max);
	if (conf->site_gid_min > conf->site_gid_max)
		diag_error(diag, where, 0, "site_gid_min %u is above site_gid_max %u",
			   conf->site_gid_min, conf->site_gid_max);
	if (conf->ringbuf_size & (conf->ringbuf_size - 1))
		diag_error(diag, where, 0, "ringbuf_size %llu is not a power of two",
			   (unsigned long long)conf->ringbuf_size);
}

static int read_file(const char *path, char **ret_text)
{
	struct stat st;
	char *text;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
		err = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto out_close;
	}
	text = malloc(st.st_size + 1);
	if (!text) {
		err = -ENOMEM;
		goto out_close;
	}
	n = read(fd, text, st.st_size);
	if (n != st.st_size) {
		free(text);
		err = n < 0 ? -errno : -EIO;
		goto out_close;
	}
	text[n] = '\0';
	*ret_text = text;
out_close:
	close(fd);
	return err;
}

static int parse_text(struct sf_conf *conf, char *text, const char *where, struct sf_diag *diag)
{
	bool seen[NKEYS] = { false };
	unsigned int line = 0;
	char *p = text, *w[8];
	int nw, err = 0;

	while (*p && !err) {
		char *nl = strchrnul(p, '\n');
		bool last = !*nl;

		*nl = '\0';
		line++;
		if (memchr(p, '\0', nl - p)) {
			diag_error(diag, where, line, "NUL byte in line");
		} else {
			nw = split_words(p, w, 8);
			if (nw < 0)
				diag_error(diag, where, line, nw == -E2BIG ? "too many words" :
					   "unterminated quote");
			else if (nw > 0 && !strcmp(w[0], "global"))
				global_line(conf, w, nw, where, line, diag, &err);
			else if (nw > 0)
				key_line(conf, w, nw, seen, where, line, diag, &err);
		}
		p = last ? nl : nl + 1;
	}
	return err;
}

int conf_load(const char *path, bool must_exist, struct sf_conf *conf, struct sf_diag *diag)
{
	unsigned int errors = diag->errors;
	char *text = NULL;
	uint32_t mask;
	size_t i;
	int err;

	err = set_defaults(conf);
	if (err)
		goto out_free;
	if (path) {
		err = read_file(path, &text);
		if (err == -ENOENT && !must_exist) {
			err = 0;
		} else if (err) {
			diag_error(diag, path, 0, "cannot read: %s", strerror(-err));
			err = -EINVAL;
			goto out_free;
		} else {
			conf->path = strdup(path);
			err = conf->path ? parse_text(conf, text, path, diag) : -ENOMEM;
			free(text);
			if (err)
				goto out_free;
		}
	}
	cross_check(conf, path ? path : "defaults", diag);
	if (diag->errors != errors) {
		err = -EINVAL;
		goto out_free;
	}
	/* Built-in roots go first, so that the file's lines can narrow them. */
	if (conf->default_globals) {
		struct sf_root_spec *own = conf->globals;
		size_t nown = conf->nglobals;

		conf->globals = NULL;
		conf->nglobals = 0;
		for (i = 0; i < NBUILTIN && !err; i++)
			if (!sf_parse_access(builtin_globals[i].access, &mask))
				err = add_global(conf, builtin_globals[i].path, mask, 0);
		for (i = 0; i < nown && !err; i++)
			err = add_global(conf, own[i].path, own[i].mask, own[i].line);
		for (i = 0; i < nown; i++)
			free(own[i].path);
		free(own);
	}
	if (!err)
		return 0;
out_free:
	conf_free(conf);
	return err;
}

void conf_free(struct sf_conf *conf)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (conf_keys[i].type == T_PATH)
			free(*(char **)field(conf, &conf_keys[i]));
	for (i = 0; i < conf->nglobals; i++)
		free(conf->globals[i].path);
	free(conf->globals);
	free(conf->path);
	memset(conf, 0, sizeof(*conf));
}

void conf_dump(const struct sf_conf *conf, FILE *out)
{
	char acc[8];
	size_t i;

	fprintf(out, "# effective configuration%s%s\n", conf->path ? " from " : " (defaults)",
		conf->path ? conf->path : "");
	for (i = 0; i < NKEYS; i++) {
		const struct conf_key *k = &conf_keys[i];
		const void *f = cfield(conf, k);

		fprintf(out, "# %s\n", k->help);
		switch (k->type) {
		case T_PATH:
			fprintf(out, "%s %s\n", k->name, *(char *const *)f);
			break;
		case T_U32:
			fprintf(out, "%s %u\n", k->name, *(const uint32_t *)f);
			break;
		case T_SIZE:
			fprintf(out, "%s %llu\n", k->name, (unsigned long long)*(const uint64_t *)f);
			break;
		case T_MODE:
			fprintf(out, "%s %s\n", k->name, sf_mode_name(*(const uint32_t *)f));
			break;
		case T_BOOL:
			fprintf(out, "%s %s\n", k->name, *(const bool *)f ? "on" : "off");
			break;
		}
	}
	fprintf(out, "# global roots (%s)\n", conf->default_globals ? "built-in first" : "file only");
	for (i = 0; i < conf->nglobals; i++)
		fprintf(out, "global %s %s%s\n", conf->globals[i].path,
			sf_format_access(conf->globals[i].mask, acc),
			conf->globals[i].line ? "" : "\t# built-in");
}

// SPDX-License-Identifier: GPL-2.0
/* sitetab.c — parse and check site tables; see sitetab.h. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "sitetab.h"

static const char access_letters[] = "rwxcus";

int sf_parse_access(const char *s, uint32_t *ret_mask)
{
	uint32_t mask = 0;
	const char *p, *l;

	if (!s || !*s)
		return -EINVAL;
	if (!strcmp(s, "-")) {
		*ret_mask = 0;
		return 0;
	}
	for (p = s; *p; p++) {
		l = strchr(access_letters, *p);
		if (!l || (mask & (1u << (l - access_letters))))
			return -EINVAL;
		mask |= 1u << (l - access_letters);
	}
	*ret_mask = mask;
	return 0;
}

const char *sf_format_access(uint32_t mask, char *buf)
{
	char *p = buf;
	int i;

	for (i = 0; access_letters[i]; i++)
		if (mask & (1u << i))
			*p++ = access_letters[i];
	if (p == buf)
		*p++ = '-';
	*p = '\0';
	return buf;
}

int sf_parse_mode(const char *s, uint32_t *ret_mode)
{
	if (!strcmp(s, "enforce"))
		*ret_mode = SF_MODE_ENFORCE;
	else if (!strcmp(s, "audit"))
		*ret_mode = SF_MODE_AUDIT;
	else
		return -EINVAL;
	return 0;
}

const char *sf_mode_name(uint32_t mode)
{
	return mode == SF_MODE_AUDIT ? "audit" : "enforce";
}

/* Host names as Apache accepts them in ServerName, plus "*." wildcards and "@internal" names. */
bool sf_site_name_ok(const char *name)
{
	size_t len = strlen(name), i = 0;

	if (!len || len > SITETAB_NAME_MAX)
		return false;
	if (name[0] == '@')
		i = 1;
	else if (!strncmp(name, "*.", 2))
		i = 2;
	if (i == len)
		return false;
	for (; i < len; i++) {
		unsigned char c = name[i];

		if (!isalnum(c) && c != '-' && c != '.' && c != '_' && c != ':')
			return false;
	}
	return true;
}

bool sf_path_ok(const char *path)
{
	const char *p = path;

	if (path[0] != '/' || strlen(path) >= SITETAB_PATH_MAX)
		return false;
	while (*p) {
		const char *q;
		size_t n;

		while (*p == '/')
			p++;
		q = strchrnul(p, '/');
		n = q - p;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (*q == '/' && q[1] == '/')
			return false;
		p = q;
	}
	return true;
}

struct sf_site_spec *sitetab_find(const struct sf_sitetab *tab, const char *name)
{
	size_t i;

	for (i = 0; i < tab->n; i++)
		if (!strcmp(tab->sites[i].name, name))
			return &tab->sites[i];
	return NULL;
}

static int parse_groups(const char *s, struct sf_site_spec *site)
{
	char buf[1024], *tok, *save;

	if (strlen(s) >= sizeof(buf))
		return -E2BIG;
	strcpy(buf, s);
	site->ngroups = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (site->ngroups == SF_MAX_GROUPS)
			return -E2BIG;
		if (parse_u32(tok, 0, UINT32_MAX - 1, &site->groups[site->ngroups]))
			return -EINVAL;
		site->ngroups++;
	}
	return 0;
}

/* One "key=value" or flag word of a site line. */
static void site_option(struct sf_site_spec *site, char *word, unsigned int *seen,
			const char *where, unsigned int line, struct sf_diag *diag)
{
	char *eq = strchr(word, '=');
	const char *val = eq ? eq + 1 : NULL;

	if (eq)
		*eq = '\0';
	if (!strcmp(word, "uid") && val) {
		if (parse_u32(val, 1, UINT32_MAX - 1, &site->uid))
			diag_error(diag, where, line, "uid '%s' is not a number from 1 to 4294967294"
				   " (sites never run as root)", val);
		*seen |= 1;
	} else if (!strcmp(word, "gid") && val) {
		if (parse_u32(val, 1, UINT32_MAX - 1, &site->gid))
			diag_error(diag, where, line, "gid '%s' is not a number from 1 to 4294967294",
				   val);
		*seen |= 2;
	} else if (!strcmp(word, "groups") && val) {
		if (parse_groups(val, site))
			diag_error(diag, where, line, "groups '%s': a comma-separated list of at most"
				   " %d numeric group ids", val, SF_MAX_GROUPS);
	} else if (!strcmp(word, "mode") && val) {
		if (sf_parse_mode(val, &site->mode))
			diag_error(diag, where, line, "mode '%s': enforce or audit", val);
	} else if (!strcmp(word, "hardlinks") && !val) {
		site->flags |= SF_SITE_HARDLINKS;
	} else if (!strcmp(word, "noglobal") && !val) {
		site->flags |= SF_SITE_NO_GLOBAL;
	} else {
		diag_error(diag, where, line, "unknown site option '%s%s%s'", word, val ? "=" : "",
			   val ? val : "");
	}
}

static int add_site(struct sf_sitetab *tab, char **w, int nw, const char *where,
		    unsigned int line, struct sf_diag *diag)
{
	struct sf_site_spec *site, *p;
	unsigned int seen = 0;
	int i;

	if (nw < 2) {
		diag_error(diag, where, line, "site: missing name");
		return 0;
	}
	if (!sf_site_name_ok(w[1])) {
		diag_error(diag, where, line, "site name '%s' is not a host name", w[1]);
		return 0;
	}
	if (sitetab_find(tab, w[1])) {
		diag_error(diag, where, line, "site '%s' is listed twice", w[1]);
		return 0;
	}
	if (tab->n == SITETAB_MAX_SITES) {
		diag_error(diag, where, line, "more than %d sites", SITETAB_MAX_SITES);
		return 0;
	}
	p = realloc(tab->sites, (tab->n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	tab->sites = p;
	site = &tab->sites[tab->n];
	memset(site, 0, sizeof(*site));
	site->name = strdup(w[1]);
	if (!site->name)
		return -ENOMEM;
	site->line = line;
	tab->n++;
	for (i = 2; i < nw; i++)
		site_option(site, w[i], &seen, where, line, diag);
	if (!(seen & 1))
		diag_error(diag, where, line, "site '%s' has no uid=", site->name);
	if (!(seen & 2))
		diag_error(diag, where, line, "site '%s' has no gid=", site->name);
	return 0;
}

static int add_root(struct sf_sitetab *tab, char **w, int nw, const char *where,
		    unsigned int line, struct sf_diag *diag)
{
	struct sf_site_spec *site;
	struct sf_root_spec *r;
	uint32_t mask;

	if (nw != 4) {
		diag_error(diag, where, line, "root: expected 'root SITE PATH ACCESS'");
		return 0;
	}
	site = sitetab_find(tab, w[1]);
	if (!site) {
		diag_error(diag, where, line, "root for unknown site '%s' (list the site first)",
			   w[1]);
		return 0;
	}
	if (!sf_path_ok(w[2])) {
		diag_error(diag, where, line, "root path '%s' is not a clean absolute path", w[2]);
		return 0;
	}
	if (sf_parse_access(w[3], &mask)) {
		diag_error(diag, where, line, "access '%s': letters from \"rwxcus\" or \"-\"", w[3]);
		return 0;
	}
	if (site->nroots == SITETAB_MAX_ROOTS) {
		diag_error(diag, where, line, "site '%s' has more than %d roots", site->name,
			   SITETAB_MAX_ROOTS);
		return 0;
	}
	r = realloc(site->roots, (site->nroots + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	site->roots = r;
	r = &site->roots[site->nroots];
	r->path = strdup(w[2]);
	if (!r->path)
		return -ENOMEM;
	r->mask = mask;
	r->line = line;
	site->nroots++;
	return 0;
}

int sitetab_parse(const char *text, const char *where, struct sf_sitetab *tab,
		  struct sf_diag *diag)
{
	unsigned int errors = diag->errors, line = 0;
	const char *p = text;
	char buf[8192], *w[48];
	int nw, err = 0;

	memset(tab, 0, sizeof(*tab));
	while (*p && !err) {
		const char *nl = strchrnul(p, '\n');
		size_t n = nl - p;

		line++;
		if (n >= sizeof(buf)) {
			diag_error(diag, where, line, "line longer than %zu bytes", sizeof(buf) - 1);
		} else {
			memcpy(buf, p, n);
			buf[n] = '\0';
			nw = split_words(buf, w, 48);
			if (nw < 0)
				diag_error(diag, where, line, nw == -E2BIG ? "too many words" :
					   "unterminated quote");
			else if (nw > 0 && !strcmp(w[0], "site"))
				err = add_site(tab, w, nw, where, line, diag);
			else if (nw > 0 && !strcmp(w[0], "root"))
				err = add_root(tab, w, nw, where, line, diag);
			else if (nw > 0)
				diag_error(diag, where, line, "unknown line '%s' (site or root)", w[0]);
		}
		p = *nl ? nl + 1 : nl;
	}
	if (err || diag->errors != errors) {
		sitetab_free(tab);
		return err ? err : -EINVAL;
	}
	return 0;
}

void sitetab_free(struct sf_sitetab *tab)
{
	size_t i, j;

	for (i = 0; i < tab->n; i++) {
		for (j = 0; j < tab->sites[i].nroots; j++)
			free(tab->sites[i].roots[j].path);
		free(tab->sites[i].roots);
		free(tab->sites[i].name);
	}
	free(tab->sites);
	memset(tab, 0, sizeof(*tab));
}

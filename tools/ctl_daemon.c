// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_daemon.c — requests to sitefenced and the parsing of its STATUS reply; see ctl_daemon.h.
 *
 * The reply is parsed leniently: a line this tool does not know, or a site line it cannot
 * parse, is kept as a plain "key value" line and shown as such, so that a newer daemon's extra
 * lines still reach the admin instead of failing the whole section.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_daemon.h"
#include "parse.h"

int ctl_request(const char *sock, int timeout_ms, uint16_t type, const char *req,
		struct sf_msg *ret)
{
	int fd, err;

	err = sf_client_connect(sock, &fd);
	if (err)
		return err;
	err = sf_client_call(fd, type, req, strlen(req), ret, timeout_ms);
	close(fd);
	return err;
}

static int add_kv(struct ctl_dstatus *st, char *key, char *value)
{
	struct ctl_kv *p;

	p = realloc(st->kv, (st->nkv + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	st->kv = p;
	p[st->nkv++] = (struct ctl_kv){ key, value };
	return 0;
}

static int add_owner(struct ctl_dstatus *st, char *name, char *nsites)
{
	struct ctl_owner *p;

	p = realloc(st->owners, (st->nowners + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	st->owners = p;
	p[st->nowners++] = (struct ctl_owner){ name, nsites };
	return 0;
}

/* "owner NAME NSITES"; -EINVAL leaves value as it was. */
static int owner_line(struct ctl_dstatus *st, char *value)
{
	char *n = strchr(value, ' ');

	if (!n || !n[1] || strchr(n + 1, ' '))
		return -EINVAL;
	*n = '\0';
	return add_owner(st, value, n + 1);
}

/* One line of the reply; owner and site lines that do not parse are kept as key-value. */
static int status_line(struct ctl_dstatus *st, char *line)
{
	char copy[1024], *value;
	struct ctl_site s;
	int err;

	value = line + strcspn(line, " ");
	if (*value)
		*value++ = '\0';
	if (!strcmp(line, "site") && strlen(value) < sizeof(copy)) {
		/* Parsed in a copy: a line that does not parse is kept whole. */
		strcpy(copy, value);
		if (!ctl_site_parse(copy, st->nowners ? st->owners[st->nowners - 1].name : NULL,
				    &s))
			return ctl_sites_add(&st->sites, &s);
	}
	if (!strcmp(line, "owner")) {
		err = owner_line(st, value);
		if (err != -EINVAL)
			return err;
	}
	return add_kv(st, line, value);
}

static int status_parse(const char *body, struct ctl_dstatus *st)
{
	char *line, *save = NULL;
	int err = 0;

	memset(st, 0, sizeof(*st));
	st->sites.source = "daemon";
	st->text = strdup(body);
	if (!st->text)
		return -ENOMEM;
	for (line = strtok_r(st->text, "\n", &save); line && !err;
	     line = strtok_r(NULL, "\n", &save))
		err = status_line(st, line);
	if (err)
		ctl_dstatus_free(st);
	return err;
}

int ctl_status_get(const char *sock, int timeout_ms, struct ctl_dstatus *ret, char **ret_why)
{
	struct sf_msg m;
	int err;

	err = ctl_request(sock, timeout_ms, SF_MSG_STATUS, "", &m);
	if (err)
		return err;
	if (sf_reply_ok(&m)) {
		err = status_parse(sf_reply_body(&m), ret);
	} else {
		*ret_why = strdup(sf_reply_body(&m));
		err = *ret_why ? -EREMOTEIO : -ENOMEM;
	}
	sf_msg_free(&m);
	return err;
}

void ctl_dstatus_free(struct ctl_dstatus *st)
{
	free(st->text);
	free(st->kv);
	free(st->owners);
	ctl_sitelist_free(&st->sites);
	memset(st, 0, sizeof(*st));
}

const char *ctl_dstatus_get(const struct ctl_dstatus *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->nkv; i++)
		if (!strcmp(st->kv[i].key, key))
			return st->kv[i].value;
	return NULL;
}

const char *ctl_daemon_strerror(int err)
{
	switch (err) {
	case -ENOENT:
		return "it is not running (no socket)";
	case -ECONNREFUSED:
		return "it is not running (nothing listens on the socket)";
	case -EACCES:
	case -EPERM:
		return "permission denied (only root may use the socket)";
	case -ETIMEDOUT:
		return "it did not answer in time";
	case -EPROTO:
	case -EBADMSG:
		return "unexpected reply (a sitefenced of another version, or not run as root?)";
	case -ECONNRESET:
		return "it closed the connection";
	default:
		return strerror(-err);
	}
}

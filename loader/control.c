// SPDX-License-Identifier: GPL-2.0
/*
 * control.c — sitefenced's control socket. Privileged side of a privsep pair in the manner of
 * OpenSSH's monitor: only root peers; a fixed table of request types, each with the state it
 * needs; every header checked before the payload is read; anything unknown or malformed ends
 * the connection after one error reply. See lib/proto.h for the messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "daemon.h"
#include "log.h"
#include "names.h"
#include "parse.h"

#define MAX_CLIENTS	64
#define CLIENT_IDLE_S	30	/* a connection with no complete request for this long is closed */

struct client {
	int fd;
	pid_t pid;		/* SO_PEERCRED at accept */
	uint32_t tag;		/* the peer's fence tag at accept (enum sf_tag_kind) */
	char owner[OWNER_NAME_MAX + 1];	/* set by HELLO */
	struct sf_rx rx;
	time_t last;
};

static struct client clients[MAX_CLIENTS];

enum {
	NEED_OWNER = 1,		/* after HELLO */
	PENDING_OK = 2,		/* the one request a pending worker may make */
};

struct reply {
	FILE *f;
	char *text;
	size_t len;
	int fd;			/* to pass with the reply, or -1 */
};

typedef int (*handler_fn)(struct daemon *d, struct client *c, const struct sf_msg *m,
			  struct reply *r);

static int do_hello(struct daemon *d, struct client *c, const struct sf_msg *m, struct reply *r);
static int do_set_sites(struct daemon *d, struct client *c, const struct sf_msg *m,
			struct reply *r);
static int do_tag_peer(struct daemon *d, struct client *c, const struct sf_msg *m,
		       struct reply *r);
static int do_status(struct daemon *d, struct client *c, const struct sf_msg *m, struct reply *r);
static int do_reload(struct daemon *d, struct client *c, const struct sf_msg *m, struct reply *r);

static const struct {
	uint16_t type;
	handler_fn fn;
	unsigned int flags;
} handlers[] = {
	{ SF_MSG_HELLO, do_hello, 0 },
	{ SF_MSG_SET_SITES, do_set_sites, NEED_OWNER },
	{ SF_MSG_TAG_PEER, do_tag_peer, PENDING_OK },
	{ SF_MSG_STATUS, do_status, 0 },
	{ SF_MSG_RELOAD, do_reload, 0 },
};

/* The one-line request payloads: "key value\n". */
static int single_value(const struct sf_msg *m, const char *key, char *buf, size_t len,
			char **ret_value)
{
	char *w[3];

	if (m->len >= len)
		return -EMSGSIZE;
	memcpy(buf, m->data, m->len + 1);
	if (split_words(buf, w, 3) != 2 || strcmp(w[0], key))
		return -EBADMSG;
	*ret_value = w[1];
	return 0;
}

static int do_hello(struct daemon *d, struct client *c, const struct sf_msg *m, struct reply *r)
{
	char buf[256], *owner;

	if (single_value(m, "owner", buf, sizeof(buf), &owner) || !owner_name_ok(owner)) {
		fprintf(r->f, "error\nHELLO wants \"owner NAME\" (letters, digits, ._-)\n");
		return 0;
	}
	snprintf(c->owner, sizeof(c->owner), "%s", owner);
	fprintf(r->f, "ok\ngeneration %llu\ntokens %s\npid %d\n",
		(unsigned long long)d->policy.generation, d->tokens.dir, (int)getpid());
	return 0;
}

static int do_set_sites(struct daemon *d, struct client *c, const struct sf_msg *m,
			struct reply *r)
{
	struct sf_diag diag = { 0 };
	struct sf_sitetab tab;
	char *text, *ids = NULL;
	int err;

	err = sitetab_parse(m->data, c->owner, &tab, &diag);
	if (err == -ENOMEM)
		return err;
	if (!err) {
		text = strdup(m->data);
		if (!text) {
			sitetab_free(&tab);
			diag_free(&diag);
			return -ENOMEM;
		}
		err = daemon_update(d, &d->conf, c->owner, text, &tab, &diag, &ids);
		if (err)
			free(text);
		sitetab_free(&tab);
	}
	if (err) {
		fprintf(r->f, "error\n%s", diag_text(&diag));
		if (!diag.errors)
			fprintf(r->f, "%s: %s\n", c->owner, strerror(-err));
		warn("site table of %s refused: %u error(s)", c->owner, diag.errors);
	} else {
		fprintf(r->f, "ok\n%s%s", ids ? ids : "", diag_text(&diag));
		info("site table of %s applied (policy generation %llu)", c->owner,
		     (unsigned long long)d->policy.generation);
	}
	free(ids);
	diag_free(&diag);
	return 0;
}

/* The tag of task pid, read from the fence's task storage through a pidfd. */
static int peer_tag(struct daemon *d, pid_t pid, struct sf_tag *tag)
{
	int pidfd, err = 0;

	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	memset(tag, 0, sizeof(*tag));
	if (bpf_map_lookup_elem(d->fence->tags_fd, &pidfd, tag) && errno != ENOENT)
		err = -errno;
	close(pidfd);
	return err;
}

/* The registered site called name, with its id; NULL when there is none. */
static const struct sf_site_spec *find_site(const struct daemon *d, const char *name,
					    uint32_t *ret_id)
{
	const struct sf_site_spec *s;
	size_t i;

	for (i = 0; i < d->state.nowners; i++) {
		s = sitetab_find(&d->state.owners[i].tab, name);
		if (s && !state_site_lookup(&d->state, name, ret_id))
			return s;
	}
	return NULL;
}

/* "site NAME ID\nuid U\ngid G\ngroups G,G\nmode M\n": what the peer becomes. */
static void print_identity(FILE *f, const struct sf_site_spec *s, uint32_t id)
{
	uint32_t i;

	fprintf(f, "site %s %u\nuid %u\ngid %u\ngroups ", s->name, id, s->uid, s->gid);
	for (i = 0; i < s->ngroups; i++)
		fprintf(f, "%s%u", i ? "," : "", s->groups[i]);
	fprintf(f, "\nmode %s\n", sf_mode_name(s->mode));
}

/*
 * Hand the peer its site's token (an O_PATH descriptor, which opening does not use): the peer
 * opens /proc/self/fd/N and the kernel, not this daemon, makes the change, with its checks.
 * The reply also says which identity the site runs as, from the same table as the token.
 */
static int do_tag_peer(struct daemon *d, struct client *c, const struct sf_msg *m,
		       struct reply *r)
{
	const struct sf_site_spec *site;
	char buf[512], path[4096], *name;
	struct sf_tag tag;
	uint32_t id = 0;
	size_t i;

	if (single_value(m, "site", buf, sizeof(buf), &name)) {
		fprintf(r->f, "error\nTAG_PEER wants \"site NAME\"\n");
		return 0;
	}
	site = find_site(d, name, &id);
	for (i = 0; site && i < d->tokens.n; i++)
		if (d->tokens.files[i].kind == SF_TOKEN_SITE && d->tokens.files[i].site == id)
			break;
	if (!site || i == d->tokens.n) {
		fprintf(r->f, "error\nno registered site %s\n", name);
		return 0;
	}
	if (peer_tag(d, c->pid, &tag) ||
	    (tag.kind != SF_TAG_PENDING && tag.kind != SF_TAG_NONE)) {
		fprintf(r->f, "error\nthe peer is %s: only pending or untagged tasks take a site\n",
			sf_tag_name(tag.kind));
		return 0;
	}
	snprintf(path, sizeof(path), "%s/site-%u", d->tokens.dir, id);
	r->fd = open(path, O_PATH | O_CLOEXEC);
	if (r->fd < 0)
		return -errno;
	fprintf(r->f, "ok\n");
	print_identity(r->f, site, id);
	return 0;
}

static int do_status(struct daemon *d, struct client *c, const struct sf_msg *m, struct reply *r)
{
	size_t i, j;

	(void)c;
	(void)m;
	fprintf(r->f, "ok\nversion %s\npid %d\nuptime %lld\ngeneration %llu\nconfig %s\n"
		"audit_log %s\nrecords %llu\nwrite_errors %llu\nsites %zu\nroots %zu\n"
		"programs %u\npin_dir %s\nrun_dir %s\ntokens %s\n",
		SF_VERSION, (int)getpid(), (long long)(time(NULL) - d->started),
		(unsigned long long)d->policy.generation,
		d->conf.path ? d->conf.path : "(defaults)", d->conf.audit_log,
		(unsigned long long)d->audit.records, (unsigned long long)d->audit.write_errors,
		d->policy.nsites, d->policy.nroots, fence_programs(d->fence), d->pin_dir,
		d->conf.run_dir, d->tokens.dir);
	for (i = 0; i < d->state.nowners; i++) {
		const struct sf_owner *o = &d->state.owners[i];

		fprintf(r->f, "owner %s %zu\n", o->name, o->tab.n);
		for (j = 0; j < o->tab.n; j++) {
			const struct sf_site_spec *s = &o->tab.sites[j];
			uint32_t id;

			/* Only sites of the installed policy have an id; never allocate one here. */
			if (state_site_lookup(&d->state, s->name, &id))
				continue;
			fprintf(r->f, "site %s %u %s %u %u\n", s->name, id, sf_mode_name(s->mode),
				s->uid, s->gid);
		}
	}
	return 0;
}

static int do_reload(struct daemon *d, struct client *c, const struct sf_msg *m, struct reply *r)
{
	struct sf_diag diag = { 0 };
	int err;

	(void)c;
	(void)m;
	err = daemon_reload(d, &diag);
	if (err)
		fprintf(r->f, "error\n%s", diag_text(&diag));
	else
		fprintf(r->f, "ok\n%s", diag_text(&diag));
	diag_free(&diag);
	return err == -ENOMEM ? err : 0;
}

static void client_drop(struct daemon *d, struct client *c)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	sf_rx_reset(&c->rx);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static int send_reply(struct client *c, uint16_t type, uint32_t seq, struct reply *r)
{
	int err;

	fclose(r->f);
	r->f = NULL;
	if (r->len > SF_MSG_MAX)
		r->len = SF_MSG_MAX;
	err = sf_msg_send(c->fd, type | SF_MSG_REPLY, seq, r->text, r->len, r->fd);
	free(r->text);
	if (r->fd >= 0)
		close(r->fd);
	return err;
}

/* One request: look up its handler, check its preconditions, answer. */
static int dispatch(struct daemon *d, struct client *c, const struct sf_msg *m)
{
	struct reply r = { .fd = -1 };
	size_t i;
	int err = 0;

	r.f = open_memstream(&r.text, &r.len);
	if (!r.f)
		return -ENOMEM;
	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].type == m->type)
			break;
	if (i == sizeof(handlers) / sizeof(handlers[0]))
		fprintf(r.f, "error\nunknown request type %u\n", m->type);
	else if (c->tag == SF_TAG_PENDING && !(handlers[i].flags & PENDING_OK))
		fprintf(r.f, "error\na pending worker may only ask for its site (TAG_PEER)\n");
	else if ((handlers[i].flags & NEED_OWNER) && !c->owner[0])
		fprintf(r.f, "error\n%s needs HELLO first\n", sf_msg_type_name(m->type));
	else
		err = handlers[i].fn(d, c, m, &r);
	if (err) {
		fclose(r.f);
		free(r.text);
		if (r.fd >= 0)
			close(r.fd);
		return err;
	}
	return send_reply(c, m->type, m->seq, &r);
}

static void client_input(struct daemon *d, struct client *c)
{
	struct sf_msg m;
	int err;

	for (;;) {
		err = sf_rx_feed(c->fd, &c->rx, SF_MSG_MAX);
		if (err == 0)
			return;
		if (err < 0) {
			/* A header we cannot trust: say so once, then hang up. */
			if (err != -ECONNRESET) {
				struct sf_msg_hdr h = c->rx.hdr;
				char why[128];

				snprintf(why, sizeof(why), "error\nmalformed message: %s\n",
					 strerror(-err));
				sf_msg_send(c->fd, SF_MSG_REPLY | (h.type & 0x7fff ?: 1), h.seq, why,
					    strlen(why), -1);
				warn("control: dropping pid %d: %s", (int)c->pid, strerror(-err));
			}
			client_drop(d, c);
			return;
		}
		sf_rx_take(&c->rx, &m);
		c->last = time(NULL);
		err = dispatch(d, c, &m);
		sf_msg_free(&m);
		if (err) {
			warn_r(err, "control: request from pid %d failed", (int)c->pid);
			client_drop(d, c);
			return;
		}
	}
}

static void refuse_peer(int fd, const char *why)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "error\n%s\n", why);
	sf_msg_send(fd, SF_MSG_HELLO | SF_MSG_REPLY, 0, msg, strlen(msg), -1);
	close(fd);
}

static void accept_client(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	socklen_t len = sizeof(struct ucred);
	struct sf_tag tag;
	struct ucred cred;
	int fd, i;

	fd = accept4(d->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) || cred.uid != 0) {
		warn("control: refused a connection from uid %u pid %d: not root",
		     (unsigned int)cred.uid, (int)cred.pid);
		refuse_peer(fd, "only root may use the sitefence control socket");
		return;
	}
	/*
	 * A confined task never changes policy, even while it is still root; a pending one
	 * may only ask for its site. An unreadable tag counts as confined.
	 */
	if (peer_tag(d, cred.pid, &tag))
		tag.kind = SF_TAG_SITE;
	if (tag.kind == SF_TAG_SITE) {
		warn("control: refused a connection from pid %d: it is confined to a site",
		     (int)cred.pid);
		refuse_peer(fd, "a process confined to a site may not use the control socket");
		return;
	}
	for (i = 0; i < MAX_CLIENTS && clients[i].fd > 0; i++)
		;
	if (i == MAX_CLIENTS) {
		refuse_peer(fd, "too many control connections");
		return;
	}
	clients[i].fd = fd;
	clients[i].pid = cred.pid;
	clients[i].tag = tag.kind;
	clients[i].last = time(NULL);
	sf_rx_init(&clients[i].rx);
	ev.data.fd = fd;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev))
		client_drop(d, &clients[i]);
}

int control_listen(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = d->conf.control_socket;
	int fd, err, i;

	for (i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	/* Created 0600 through the umask: the SO_PEERCRED check is the second lock. */
	mode_t old = umask(0177);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64) ? -errno : 0;
	umask(old);
	if (err) {
		close(fd);
		return err;
	}
	d->listen_fd = fd;
	ev.data.fd = fd;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	return 0;
}

bool control_event(struct daemon *d, int fd, uint32_t events)
{
	int i;

	(void)events;
	if (fd == d->listen_fd) {
		accept_client(d);
		return true;
	}
	for (i = 0; i < MAX_CLIENTS; i++) {
		if (clients[i].fd == fd) {
			client_input(d, &clients[i]);
			return true;
		}
	}
	return false;
}

void control_tick(struct daemon *d)
{
	time_t now = time(NULL);
	int i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd > 0 && now - clients[i].last > CLIENT_IDLE_S)
			client_drop(d, &clients[i]);
}

void control_close(struct daemon *d)
{
	int i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd > 0)
			client_drop(d, &clients[i]);
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		unlink(d->conf.control_socket);
	}
}

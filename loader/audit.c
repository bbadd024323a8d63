// SPDX-License-Identifier: GPL-2.0
/* audit.c — the ring buffer to JSON lines; see audit.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "audit.h"
#include "fence.h"
#include "names.h"

struct sf_stats_user {
	uint64_t lost, mirror_reads, tag_failures;
};

static int jbuf_grow(struct jbuf *b, size_t need)
{
	size_t cap = b->cap ? b->cap * 2 : 1024;
	char *p;

	while (cap < need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

void jbuf_raw(struct jbuf *b, const char *fmt, ...)
{
	size_t room;
	va_list ap;
	int n;

	while (!b->oom) {
		room = b->p ? b->cap - b->len : 0;
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < room) {
			b->len += n;
			return;
		}
		if (n < 0 || jbuf_grow(b, b->len + n + 1))
			b->oom = 1;
	}
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = s[0] & (0x3f >> (len - 1));
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * A JSON string. Paths are bytes, not text: valid UTF-8 is kept, control characters and every
 * byte of invalid sequences are written as \u00XX, so the line is always valid JSON.
 */
void jbuf_str(struct jbuf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, l;

	jbuf_raw(b, "\"");
	while (i < n && s[i]) {
		if (s[i] == '"' || s[i] == '\\') {
			jbuf_raw(b, "\\%c", s[i]);
			i++;
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			jbuf_raw(b, "\\u%04x", s[i]);
			i++;
		} else if (s[i] < 0x80) {
			jbuf_raw(b, "%c", s[i]);
			i++;
		} else if ((l = utf8_len(s + i, n - i))) {
			jbuf_raw(b, "%.*s", (int)l, (const char *)s + i);
			i += l;
		} else {
			jbuf_raw(b, "\\u%04x", s[i]);
			i++;
		}
	}
	jbuf_raw(b, "\"");
}

/* RFC 3339 UTC with microseconds, for a CLOCK_BOOTTIME stamp (0: now). */
static void stamp(struct jbuf *b, uint64_t boot_ns)
{
	struct timespec rt, bt;
	int64_t ns;
	time_t sec;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	ns = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec;
	if (boot_ns)
		ns -= (int64_t)bt.tv_sec * 1000000000 + bt.tv_nsec - (int64_t)boot_ns;
	sec = ns / 1000000000;
	gmtime_r(&sec, &tm);
	jbuf_raw(b, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ\"", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(ns % 1000000000 / 1000));
}

static void write_line(struct audit *a, struct jbuf *b)
{
	jbuf_raw(b, "}\n");
	if (b->oom || write(a->fd, b->p, b->len) != (ssize_t)b->len)
		a->write_errors++;
	else
		a->records++;
	free(b->p);
}

/* "sitefence: VHOST CLIENT REQUEST..." from the worker's request label. */
static void ctx_fields(struct jbuf *b, const struct sf_event *e)
{
	const char *p = e->ctx + sizeof(SF_TITLE_PREFIX) - 1;
	const char *end = e->ctx + (e->ctx_len < SF_CTX_MAX ? e->ctx_len : SF_CTX_MAX - 1);
	const char *sp1, *sp2;

	if (e->ctx_len < sizeof(SF_TITLE_PREFIX) || p >= end)
		return;
	sp1 = memchr(p, ' ', end - p);
	if (!sp1)
		return;
	jbuf_raw(b, ",\"vhost\":");
	jbuf_str(b, p, sp1 - p);
	sp2 = memchr(sp1 + 1, ' ', end - sp1 - 1);
	if (!sp2)
		return;
	jbuf_raw(b, ",\"client\":");
	jbuf_str(b, sp1 + 1, sp2 - sp1 - 1);
	jbuf_raw(b, ",\"request\":");
	jbuf_str(b, sp2 + 1, end - sp2 - 1);
}

/* The op-specific argument under its own name. */
static void arg_fields(struct jbuf *b, const struct sf_event *e)
{
	switch (e->op) {
	case SF_OP_CAPABLE:
		jbuf_raw(b, ",\"cap\":\"%s\"", sf_cap_name(e->arg));
		break;
	case SF_OP_SETUID:
		jbuf_raw(b, ",\"target_uid\":%u", (uint32_t)e->arg);
		break;
	case SF_OP_SETGID:
	case SF_OP_SETGROUPS:
		jbuf_raw(b, ",\"target_gid\":%u", (uint32_t)e->arg);
		break;
	case SF_OP_KILL:
		jbuf_raw(b, ",\"target_pid\":%u,\"signal\":%u", (uint32_t)e->arg,
			 (uint32_t)(e->arg >> 32));
		break;
	case SF_OP_PTRACE:
		jbuf_raw(b, ",\"target_pid\":%u", (uint32_t)e->arg);
		break;
	default:
		break;
	}
}

static void event_line(struct audit *a, const struct sf_event *e)
{
	const char *site = e->site ? state_site_name(a->state, e->site) : NULL;
	struct jbuf b = { 0 };
	char acc[8];

	stamp(&b, e->time_ns);
	jbuf_raw(&b, ",\"type\":\"access\",\"verdict\":\"%s\",\"site\":",
		 e->flags & SF_EVF_AUDIT ? "audit" : "deny");
	if (site)
		jbuf_str(&b, site, strlen(site));
	else
		jbuf_raw(&b, "null");
	jbuf_raw(&b, ",\"site_id\":%u,\"tag\":\"%s\",\"op\":\"%s\"", e->site, sf_tag_name(e->tag),
		 sf_op_name(e->op));
	if (e->access)
		jbuf_raw(&b, ",\"access\":\"%s\"", sf_format_access(e->access, acc));
	if (e->flags & SF_EVF_HAS_OBJECT) {
		size_t off = e->path_off < SF_PATH_MAX ? e->path_off : SF_PATH_MAX;

		jbuf_raw(&b, ",\"path\":");
		jbuf_str(&b, e->path + off, SF_PATH_MAX - off);
		if (e->flags & SF_EVF_PATH_PART)
			jbuf_raw(&b, ",\"path_partial\":true");
		jbuf_raw(&b, ",\"dev\":\"%u:%u\",\"ino\":%llu", (unsigned int)(e->dev >> 20),
			 (unsigned int)(e->dev & 0xfffff), (unsigned long long)e->ino);
	}
	jbuf_raw(&b, ",\"reason\":\"%s\",\"pid\":%u,\"tgid\":%u,\"uid\":%u,\"gid\":%u,\"comm\":",
		 sf_reason_text(e->reason), e->pid, e->tgid, e->uid, e->gid);
	jbuf_str(&b, e->comm, strnlen(e->comm, SF_COMM_LEN));
	jbuf_raw(&b, ",\"errno\":\"%s\"", sf_errno_name(e->err));
	arg_fields(&b, e);
	if (e->suppressed)
		jbuf_raw(&b, ",\"suppressed\":%u", e->suppressed);
	if (e->flags & SF_EVF_MIRROR)
		jbuf_raw(&b, ",\"tag_source\":\"backstop\"");
	ctx_fields(&b, e);
	write_line(a, &b);
}

/* Records written per drain: a flood must not keep the daemon from its control socket. */
#define DRAIN_BUDGET 2048

static int on_event(void *ctx, void *data, size_t size)
{
	struct audit *a = ctx;

	if (size >= sizeof(struct sf_event))
		event_line(a, data);
	/* A negative return stops ring_buffer__consume; the rest waits for the next drain. */
	return --a->budget > 0 ? 0 : -E2BIG;
}

void audit_daemon(struct audit *a, const char *event, const char *fmt, ...)
{
	struct jbuf b = { 0 };
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	stamp(&b, 0);
	jbuf_raw(&b, ",\"type\":\"daemon\",\"event\":\"%s\",\"message\":", event);
	jbuf_str(&b, msg, strlen(msg));
	write_line(a, &b);
}

/* The log file, created 0640 with its directory 0750; a descriptor or -errno. */
static int open_log(const char *path)
{
	char dir[4096], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) && errno != EEXIST)
			return -errno;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	return fd < 0 ? -errno : fd;
}

int audit_open(struct audit *a, const char *path, int events_fd, int stats_fd,
	       const struct sf_state *state)
{
	memset(a, 0, sizeof(*a));
	a->state = state;
	a->stats_fd = stats_fd;
	a->path = strdup(path);
	if (!a->path)
		return -ENOMEM;
	a->fd = open_log(path);
	if (a->fd < 0)
		return a->fd;
	a->rb = ring_buffer__new(events_fd, on_event, a, NULL);
	if (!a->rb)
		return -errno;
	/* Overflows from before this start are not ours to report twice. */
	if (stats_fd >= 0) {
		struct sf_stats_user s;
		__u32 zero = 0;

		if (!bpf_map_lookup_elem(stats_fd, &zero, &s))
			a->lost_seen = s.lost;
	}
	return 0;
}

int audit_reopen(struct audit *a)
{
	int fd = open_log(a->path);

	if (fd < 0)
		return fd;
	close(a->fd);
	a->fd = fd;
	return 0;
}

int audit_fd(const struct audit *a)
{
	return ring_buffer__epoll_fd(a->rb);
}

int audit_drain(struct audit *a)
{
	struct sf_stats_user s;
	__u32 zero = 0;
	int n;

	a->budget = DRAIN_BUDGET;
	n = ring_buffer__consume(a->rb);
	if (n == -E2BIG)
		n = 0;
	if (a->stats_fd >= 0 && !bpf_map_lookup_elem(a->stats_fd, &zero, &s) &&
	    s.lost > a->lost_seen) {
		struct jbuf b = { 0 };

		stamp(&b, 0);
		jbuf_raw(&b, ",\"type\":\"lost\",\"count\":%llu",
			 (unsigned long long)(s.lost - a->lost_seen));
		write_line(a, &b);
		a->lost_seen = s.lost;
	}
	return n < 0 ? n : 0;
}

void audit_close(struct audit *a)
{
	ring_buffer__free(a->rb);
	if (a->fd >= 0)
		close(a->fd);
	free(a->path);
	memset(a, 0, sizeof(*a));
	a->fd = -1;
}

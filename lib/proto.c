// SPDX-License-Identifier: GPL-2.0
/* proto.c — framing for the control protocol; see proto.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "proto.h"

int sf_hdr_check(const struct sf_msg_hdr *h, uint32_t max_len, bool reply)
{
	uint16_t type = h->type;

	if (h->magic != SF_PROTO_MAGIC || h->version != SF_PROTO_VERSION)
		return -EPROTO;
	if (reply != !!(type & SF_MSG_REPLY))
		return -EBADMSG;
	type &= ~SF_MSG_REPLY;
	if (type == 0 || type >= SF_MSG_TYPE_MAX)
		return -EBADMSG;
	if (h->len > max_len)
		return -EMSGSIZE;
	return 0;
}

/* The payload is text: no NUL bytes, so that it can be handled as a C string. */
static int payload_check(const char *data, uint32_t len)
{
	return memchr(data, '\0', len) ? -EBADMSG : 0;
}

int sf_msg_send(int sock, uint16_t type, uint32_t seq, const char *data, uint32_t len, int fd)
{
	struct sf_msg_hdr h = { SF_PROTO_MAGIC, SF_PROTO_VERSION, type, len, seq };
	union fdpass_cbuf cbuf;
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)data, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	size_t total = sizeof(h) + len, sent = 0;
	ssize_t n;

	fdpass_attach(&mh, &cbuf, fd);
	while (sent < total) {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		sent += n;
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		/* Advance the iovecs past what went out. */
		while (mh.msg_iovlen && (size_t)n >= mh.msg_iov[0].iov_len) {
			n -= mh.msg_iov[0].iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen) {
			mh.msg_iov[0].iov_base = (char *)mh.msg_iov[0].iov_base + n;
			mh.msg_iov[0].iov_len -= n;
		}
	}
	return 0;
}

void sf_rx_init(struct sf_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	rx->fd = -1;
}

void sf_rx_reset(struct sf_rx *rx)
{
	free(rx->data);
	if (rx->fd >= 0)
		close(rx->fd);
	sf_rx_init(rx);
}

/* recvmsg into buf, keeping the first descriptor a message passed (close-on-exec). */
static ssize_t recv_some(int sock, void *buf, size_t len, int *fd)
{
	ssize_t n;
	int got;

	n = fdpass_recv(sock, buf, len, &got, 0);
	/* One descriptor per message at most; close any extra the peer sent. */
	if (got >= 0 && *fd < 0)
		*fd = got;
	else if (got >= 0)
		close(got);
	return n;
}

static int rx_feed(int sock, struct sf_rx *rx, uint32_t max_len, bool reply)
{
	size_t hl = sizeof(rx->hdr);
	ssize_t n;
	int err;

	if (rx->have < hl) {
		n = recv_some(sock, (char *)&rx->hdr + rx->have, hl - rx->have, &rx->fd);
		if (n < 0)
			return n == -EAGAIN || n == -EINTR ? 0 : (int)n;
		if (n == 0)
			return -ECONNRESET;
		rx->have += n;
		if (rx->have < hl)
			return 0;
		err = sf_hdr_check(&rx->hdr, max_len, reply);
		if (err)
			return err;
		rx->data = malloc((size_t)rx->hdr.len + 1);
		if (!rx->data)
			return -ENOMEM;
	}
	if (rx->have < hl + rx->hdr.len) {
		n = recv_some(sock, rx->data + (rx->have - hl), hl + rx->hdr.len - rx->have,
			      &rx->fd);
		if (n < 0)
			return n == -EAGAIN || n == -EINTR ? 0 : (int)n;
		if (n == 0)
			return -ECONNRESET;
		rx->have += n;
		if (rx->have < hl + rx->hdr.len)
			return 0;
	}
	rx->data[rx->hdr.len] = '\0';
	return payload_check(rx->data, rx->hdr.len) ?: 1;
}

int sf_rx_feed(int sock, struct sf_rx *rx, uint32_t max_len)
{
	return rx_feed(sock, rx, max_len, false);
}

void sf_rx_take(struct sf_rx *rx, struct sf_msg *msg)
{
	msg->type = rx->hdr.type;
	msg->seq = rx->hdr.seq;
	msg->len = rx->hdr.len;
	msg->data = rx->data;
	msg->fd = rx->fd;
	rx->data = NULL;
	rx->fd = -1;
	sf_rx_reset(rx);
}

void sf_msg_free(struct sf_msg *msg)
{
	free(msg->data);
	msg->data = NULL;
	if (msg->fd >= 0)
		close(msg->fd);
	msg->fd = -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sf_msg_recv(int sock, struct sf_msg *msg, uint32_t max_len, bool reply, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	struct sf_rx rx;
	int err, left;

	sf_rx_init(&rx);
	for (;;) {
		left = (int)(deadline - now_ms());
		if (left <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		err = poll(&pfd, 1, left);
		if (err < 0 && errno == EINTR)
			continue;
		if (err < 0) {
			err = -errno;
			break;
		}
		if (err == 0)
			continue;
		err = rx_feed(sock, &rx, max_len, reply);
		if (err < 0)
			break;
		if (err == 1) {
			sf_rx_take(&rx, msg);
			return 0;
		}
	}
	sf_rx_reset(&rx);
	return err;
}

int sf_client_connect(const char *path, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	*ret_fd = fd;
	return 0;
}

int sf_client_call(int sock, uint16_t type, const char *req, uint32_t len, struct sf_msg *reply,
		   int timeout_ms)
{
	static uint32_t seq;	/* never 0: that is the daemon's refusal */
	int err;

	seq++;
	err = sf_msg_send(sock, type, seq, req, len, -1);
	if (err)
		return err;
	err = sf_msg_recv(sock, reply, SF_MSG_MAX, true, timeout_ms);
	if (err)
		return err;
	/*
	 * The daemon refuses a connection (not root, confined, too many) before reading any
	 * request, with seq 0: keep that reply, whose text says why.
	 */
	if (reply->seq == 0 && !sf_reply_ok(reply))
		return 0;
	if (reply->type != (type | SF_MSG_REPLY) || reply->seq != seq) {
		sf_msg_free(reply);
		return -EPROTO;
	}
	return 0;
}

bool sf_reply_ok(const struct sf_msg *reply)
{
	return !strncmp(reply->data, "ok", 2) && (reply->data[2] == '\n' || !reply->data[2]);
}

const char *sf_reply_body(const struct sf_msg *reply)
{
	const char *nl = strchr(reply->data, '\n');

	return nl ? nl + 1 : "";
}

const char *sf_msg_type_name(uint16_t type)
{
	static const char *const names[] = { "?", "HELLO", "SET_SITES", "TAG_PEER", "STATUS",
					     "RELOAD" };

	type &= ~SF_MSG_REPLY;
	return type < SF_MSG_TYPE_MAX ? names[type] : "?";
}

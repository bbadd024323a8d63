// SPDX-License-Identifier: GPL-2.0
/* fdpass.c — one descriptor with a message over a unix socket; see fdpass.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"

void fdpass_attach(struct msghdr *mh, union fdpass_cbuf *cbuf, int fd)
{
	struct cmsghdr *c;

	if (fd < 0)
		return;
	memset(cbuf, 0, sizeof(*cbuf));
	mh->msg_control = cbuf->buf;
	mh->msg_controllen = CMSG_SPACE(sizeof(int));
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
}

int fdpass_take(struct msghdr *mh)
{
	struct cmsghdr *c;
	int fd = -1, one;
	size_t i, n;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&one, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = one;
			else
				close(one);
		}
	}
	return fd;
}

ssize_t fdpass_send(int sock, const void *buf, size_t len, int fd, int flags)
{
	union fdpass_cbuf cbuf;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	fdpass_attach(&mh, &cbuf, fd);
	n = sendmsg(sock, &mh, flags);
	return n < 0 ? -errno : n;
}

ssize_t fdpass_recv(int sock, void *buf, size_t len, int *ret_fd, int flags)
{
	union fdpass_cbuf cbuf;
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf) };
	ssize_t n;
	int fd;

	*ret_fd = -1;
	n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	fd = fdpass_take(&mh);
	if (mh.msg_flags & MSG_CTRUNC) {
		if (fd >= 0)
			close(fd);
		return -EBADMSG;
	}
	*ret_fd = fd;
	return n;
}

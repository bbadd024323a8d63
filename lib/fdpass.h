/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fdpass.h — a file descriptor passed with a message over a unix socket (SCM_RIGHTS), the one
 * way every part of sitefence hands out a descriptor: sitefenced a site's token, the MPM's
 * parent a queue to a dispatcher, a dispatcher a client connection to a site's workers.
 *
 * A message carries at most one descriptor. A receiver makes room for a few, so that a peer
 * that sends more is noticed: the extra ones are closed, never left open in the receiver.
 */
#ifndef SF_FDPASS_H
#define SF_FDPASS_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define FDPASS_ROOM 4	/* descriptors a receiver takes in before the kernel truncates */

union fdpass_cbuf {
	char buf[CMSG_SPACE(sizeof(int) * FDPASS_ROOM)];
	struct cmsghdr align;
};

/* Attach fd to the message mh (nothing when fd < 0); cbuf must live until it is sent. */
void fdpass_attach(struct msghdr *mh, union fdpass_cbuf *cbuf, int fd);
/* The first descriptor a received mh carries, or -1; any others are closed. */
int fdpass_take(struct msghdr *mh);

/* Send len bytes of buf as one message with fd (none when fd < 0): bytes sent, or -errno. */
ssize_t fdpass_send(int sock, const void *buf, size_t len, int fd, int flags);
/*
 * Receive one message into buf, close-on-exec: the bytes (0: the peer is gone) or -errno;
 * *ret_fd is the descriptor it carried, or -1. A message with more descriptors than
 * FDPASS_ROOM, whose extra ones the kernel dropped, gives -EBADMSG and no descriptor.
 */
ssize_t fdpass_recv(int sock, void *buf, size_t len, int *ret_fd, int flags);

#endif /* SF_FDPASS_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_proto.c — libFuzzer target for the framing of sitefenced's control socket
 * (lib/proto.c): the bytes a client sends are written into a socket pair in pieces whose
 * sizes the input chooses, and the daemon's incremental reader (sf_rx_feed) takes them as its
 * event loop does. Every message it hands over must have been checked (known type, length
 * within the limit, a NUL after the payload and none inside it), and a bad header must end the
 * connection rather than be skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"

#define MAX_LEN 4096	/* the limit under test; SF_MSG_MAX would only make big allocations */

static int read_all(int sock, struct sf_rx *rx)
{
	struct sf_msg m;
	int err;

	while ((err = sf_rx_feed(sock, rx, MAX_LEN)) == 1) {
		sf_rx_take(rx, &m);
		if (m.len > MAX_LEN || m.data[m.len] || memchr(m.data, '\0', m.len) ||
		    !m.type || (m.type & ~SF_MSG_REPLY) >= SF_MSG_TYPE_MAX || (m.type & SF_MSG_REPLY))
			abort();
		sf_msg_free(&m);
	}
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sf_rx rx;
	size_t off = 0, piece;
	int sv[2], err = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	sf_rx_init(&rx);
	/* The first byte of every piece is its length: the reader must cope with any split. */
	while (off < len && err == 0) {
		piece = data[off++] % 64 + 1;
		if (piece > len - off)
			piece = len - off;
		if (piece && write(sv[1], data + off, piece) != (ssize_t)piece)
			abort();
		off += piece;
		err = read_all(sv[0], &rx);
	}
	close(sv[1]);
	if (err == 0)
		err = read_all(sv[0], &rx);
	/* The peer is gone: what is left is an error, never "wait for more". */
	if (err >= 0)
		abort();
	sf_rx_reset(&rx);
	close(sv[0]);
	return 0;
}

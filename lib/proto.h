/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto.h — the control protocol between sitefenced and its clients (the Apache MPM, the
 * status tool), over the unix stream socket /run/sitefence/control.sock.
 *
 * Every message is a fixed header followed by len bytes of UTF-8 text (never NUL); a message
 * may carry one file descriptor (SCM_RIGHTS) with its first byte. The daemon validates the
 * header (magic, version, a known type, len within SF_MSG_MAX) before reading the payload, and
 * answers every request with one reply of type (request | SF_MSG_REPLY) whose first line is
 * "ok" or "error", followed by detail lines:
 *
 *   HELLO          "owner NAME\n"          → "ok\ngeneration N\ntokens DIR\n"
 *   SET_SITES      site table (sitetab.h)  → "ok\nsite NAME ID\n..." or "error\nwhere: what\n..."
 *                  (the whole table of the peer's owner, replacing its previous one atomically)
 *   TAG_PEER       "site NAME\n"           → "ok\n" + an fd of the site's token: the peer
 *                  opens /proc/self/fd/N to take the site (the kernel makes the change)
 *   STATUS         ""                      → "ok\nkey value\n..." (see sitefenced)
 *   RELOAD         ""                      → reloads sitefenced.conf; "ok" or the errors
 *
 * Only root peers (SO_PEERCRED) are served. An unknown type or a malformed header ends the
 * connection after one "error" reply: there is nothing to resynchronise on.
 */
#ifndef SF_PROTO_H
#define SF_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_PROTO_MAGIC	 0x31434653u /* "SFC1" little-endian */
#define SF_PROTO_VERSION 1
#define SF_MSG_MAX	 (16u << 20)	/* the largest payload: a site table of ~50k sites */
#define SF_CONTROL_SOCK	 "/run/sitefence/control.sock"

enum sf_msg_type {
	SF_MSG_HELLO = 1,
	SF_MSG_SET_SITES = 2,
	SF_MSG_TAG_PEER = 3,
	SF_MSG_STATUS = 4,
	SF_MSG_RELOAD = 5,
	SF_MSG_TYPE_MAX,
	SF_MSG_REPLY = 0x8000,
};

struct sf_msg_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t len;		/* payload bytes after the header */
	uint32_t seq;		/* chosen by the client, echoed in the reply */
};

struct sf_msg {
	uint16_t type;
	uint32_t seq;
	uint32_t len;
	char *data;		/* len bytes plus a terminating NUL; never NULL after a receive */
	int fd;			/* the descriptor that came with it, or -1 */
};

/* Check a received header; 0 or -EPROTO (bad magic/version), -EBADMSG (type), -EMSGSIZE. */
int sf_hdr_check(const struct sf_msg_hdr *h, uint32_t max_len, bool reply);

/* Send one message (blocking), with fd attached when fd >= 0. 0 or -errno. */
int sf_msg_send(int sock, uint16_t type, uint32_t seq, const char *data, uint32_t len, int fd);

/*
 * Receive one whole message within timeout_ms (blocking, for clients). 0 or -errno;
 * -ETIMEDOUT when the peer is too slow, -ECONNRESET when it closed the connection.
 */
int sf_msg_recv(int sock, struct sf_msg *msg, uint32_t max_len, bool reply, int timeout_ms);

/* Incremental receive for the daemon's event loop (non-blocking socket). */
struct sf_rx {
	struct sf_msg_hdr hdr;
	size_t have;		/* bytes of header + payload received so far */
	char *data;
	int fd;
};

void sf_rx_init(struct sf_rx *rx);
/* 1: a whole message is in rx (take it with sf_rx_take), 0: need more, -errno: drop peer. */
int sf_rx_feed(int sock, struct sf_rx *rx, uint32_t max_len);
void sf_rx_take(struct sf_rx *rx, struct sf_msg *msg);
void sf_rx_reset(struct sf_rx *rx);

void sf_msg_free(struct sf_msg *msg);

/*
 * Client side: connect to the daemon's socket and make one request. A refusal of the whole
 * connection (seq 0, "error") comes back as the reply.
 */
int sf_client_connect(const char *path, int *ret_fd);
int sf_client_call(int sock, uint16_t type, const char *req, uint32_t len, struct sf_msg *reply,
		   int timeout_ms);
/* The reply says "ok" on its first line. */
bool sf_reply_ok(const struct sf_msg *reply);
/* The reply's text after its first line (the details). */
const char *sf_reply_body(const struct sf_msg *reply);

const char *sf_msg_type_name(uint16_t type);

#endif /* SF_PROTO_H */

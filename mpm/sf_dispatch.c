/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sf_dispatch.c - a dispatcher: accepts connections, looks at the request head or the TLS
 * ClientHello with MSG_PEEK (never consuming a byte), chooses the vhost with Apache's own
 * matching (ap_update_vhost_given_ip + ap_update_vhost_from_headers), and passes the
 * connection's descriptor to the site's queue. It runs as the server's User, confined by the
 * fence to no files at all.
 *
 * Slow clients get 408 (or a close, for TLS) after SitefencePeekTimeout; heads that are bad
 * or too large get Apache's status (400, 414, 431, 505); a site whose queue stays full for
 * SitefenceQueueTimeout gets 503. None of them can stall the dispatcher: every descriptor is
 * non-blocking, and the number of connections it holds is bounded.
 */
#include "mpm_sitefence.h"

#include "ap_listen.h"
#include "http_connection.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_vhost.h"
#include "apr_hash.h"
#include "apr_portable.h"
#include "apr_signal.h"
#include "apr_strings.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "fdpass.h"
#include "sniff.h"

#define MAX_HELD      1024    /* connections a dispatcher holds (peeking or waiting) */
#define ACCEPT_BURST  64      /* accepts per wake-up, so no listener starves the rest */

enum held_state { H_FREE, H_PEEK, H_WAIT, H_LINGER };

#define LINGER apr_time_from_sec(2)   /* reading what a refused client still sends */
#define WANT_INTERVAL apr_time_from_msec(5)   /* between two requests for a site's worker */
#define QUIET apr_time_from_sec(1)            /* a site this long without a connection ... */
#define EXPIRY_TICK apr_time_from_msec(100)   /* how often deadlines are looked at */

/*
 * Held connections are edge-triggered: a head that is still incomplete stays in the socket
 * (it is only peeked at), and level-triggered epoll would report it again and again.
 */
#define HELD_EVENTS (EPOLLIN | EPOLLRDHUP | EPOLLET)

typedef struct {
    int fd;
    int state;
    int watched;              /* in the epoll set */
    int site;                 /* H_WAIT: the site whose queue it waits for */
    int http;                 /* what it looked like: for the error it may get */
    apr_time_t deadline;
    const apr_sockaddr_t *bind;   /* its listener's address if not a wildcard, or NULL */
    apr_uint32_t local_len;   /* 0: not known yet */
    sf_sockaddr_t local;
} held_t;

/* A listening socket, and its address when that is the connections' local address too. */
typedef struct {
    int fd;
    const apr_sockaddr_t *bind;
} listener_t;

static held_t held[MAX_HELD];
static int nstate[H_LINGER + 1];   /* how many held are in each state */
static int *queues;           /* per site: send end of its queue, or -1 */
static char *asked;           /* per site: NEED_QUEUE sent, reply pending */
static apr_time_t *wanted;    /* per site: when a worker was last asked for */
static apr_time_t *looked;    /* per site: when its queue's depth was last looked at */
static apr_time_t *routed;    /* per site: when a connection was last passed to its queue */
static int nsites;
static int ctl_fd = -1, ep = -1, stopping;
static char *peekbuf;
static server_rec *main_server;
static apr_pool_t *dpool;
static apr_pool_t *choice_pool;   /* cleared for every choice of a vhost */
static listener_t *listeners;
static int nlisteners;
/*
 * Choices already made: (local address, Host and its port) -> site. Apache's name-based
 * matching walks every vhost of the address, so with thousands of sites it was most of a
 * dispatcher's work per connection (2000 vhosts: static-c8 at 0.71x prefork with the same
 * vhosts). Off when a vhost has a ServerPath (the URI takes part then). Emptied when full,
 * so made-up Host headers cannot grow it; only Apache's successful choices are kept.
 */
static apr_hash_t *choices;
static apr_pool_t *choices_pool;
#define CHOICES_MAX 8192
static volatile sig_atomic_t die_now;

static void on_term(int sig)
{
    (void)sig;
    die_now = 1;
}

/* ---- answering without a worker ---------------------------------------------------------- */

static const char *reason(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

/* A minimal response, best effort (the socket is non-blocking; a full buffer loses it). */
static void answer(int fd, int status)
{
    char buf[256];
    int n;

    n = apr_snprintf(buf, sizeof(buf), "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n", status, reason(status));
    if (send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        return;
}

static void set_state(held_t *h, int state)
{
    nstate[h->state]--;
    nstate[state]++;
    h->state = state;
}

static int watch(held_t *h)
{
    struct epoll_event ev = { .events = HELD_EVENTS, .data.u32 = h - held };

    if (!h->watched && epoll_ctl(ep, EPOLL_CTL_ADD, h->fd, &ev))
        return -errno;
    h->watched = 1;
    return 0;
}

static void unwatch(held_t *h)
{
    if (h->watched)
        epoll_ctl(ep, EPOLL_CTL_DEL, h->fd, NULL);
    h->watched = 0;
}

static void release(held_t *h)
{
    if (h->fd >= 0) {
        unwatch(h);
        close(h->fd);
    }
    h->fd = -1;
    set_state(h, H_FREE);
}

/*
 * Close h, answering status first (HTTP only). After an answer the connection lingers:
 * closing with unread input would send a reset, and the client could lose the answer (the
 * reason for Apache's own lingering close).
 */
static void drop(held_t *h, int status)
{
    if (!status || !h->http || h->state == H_LINGER) {
        release(h);
        return;
    }
    answer(h->fd, status);
    shutdown(h->fd, SHUT_WR);
    if (watch(h)) {
        release(h);
        return;
    }
    set_state(h, H_LINGER);
    h->deadline = apr_time_now() + LINGER;
}

/* A lingering connection: read and discard until the client closes. */
static void linger(held_t *h)
{
    ssize_t n;

    do
        n = recv(h->fd, peekbuf, sf_conf->peek_max, MSG_DONTWAIT);
    while (n > 0);
    if (n == 0 || (errno != EAGAIN && errno != EINTR))
        release(h);
}

/*
 * Take fd in, not yet watched: most clients send their head with the connection, so the
 * first look is made at once and epoll is only involved when the head is not complete.
 */
static held_t *hold(int fd, apr_time_t deadline)
{
    int i;

    for (i = 0; i < MAX_HELD; i++) {
        if (held[i].state == H_FREE) {
            held[i].fd = fd;
            set_state(&held[i], H_PEEK);
            held[i].watched = 0;
            held[i].site = -1;
            held[i].http = 0;
            held[i].deadline = deadline;
            held[i].bind = NULL;
            held[i].local_len = 0;
            return &held[i];
        }
    }
    /* Full: the oldest and the newest cannot both be served; say so to the newest. */
    answer(fd, 503);
    close(fd);
    return NULL;
}

/* ---- the vhost, as Apache would choose it ---------------------------------------------- */

/* a as APR sets up the address of a socket of its family; APR_EINVAL if not TCP's. */
static apr_status_t apr_addr_of(apr_sockaddr_t *a, const sf_sockaddr_t *sa, socklen_t len,
                                apr_pool_t *p)
{
    memset(a, 0, sizeof(*a));
    a->pool = p;
    a->family = sa->sa.sa_family;
    a->salen = len;
    if (len != sf_sockaddr_len(a->family))
        return APR_EINVAL;
    if (a->family == AF_INET) {
        a->sa.sin = sa->in;
        a->port = ntohs(sa->in.sin_port);
        a->ipaddr_ptr = &a->sa.sin.sin_addr;
        a->ipaddr_len = sizeof(a->sa.sin.sin_addr);
        a->addr_str_len = INET_ADDRSTRLEN;
        return APR_SUCCESS;
    }
    if (a->family == AF_INET6) {
        a->sa.sin6 = sa->in6;
        a->port = ntohs(sa->in6.sin6_port);
        a->ipaddr_ptr = &a->sa.sin6.sin6_addr;
        a->ipaddr_len = sizeof(a->sa.sin6.sin6_addr);
        a->addr_str_len = INET6_ADDRSTRLEN;
        return APR_SUCCESS;
    }
    return APR_EINVAL;
}

/*
 * h's local address for Apache's matching: its listener's when that is not a wildcard (as
 * apr_socket_accept assumes too), else the kernel's, in *buf: of the listener's family, so
 * an IPv4 client of a dual-stack listener has an IPv4-mapped IPv6 address, as in prefork,
 * and matches <VirtualHost 192.0.2.1:80>. Recorded in h for the worker.
 */
static const apr_sockaddr_t *local_addr(held_t *h, apr_sockaddr_t *buf, apr_pool_t *p)
{
    socklen_t len = sizeof(h->local);

    if (h->bind) {
        if (h->bind->salen > sizeof(h->local))
            return NULL;
        memcpy(&h->local, &h->bind->sa, h->bind->salen);
        h->local_len = h->bind->salen;
        return h->bind;
    }
    if (getsockname(h->fd, &h->local.sa, &len) || apr_addr_of(buf, &h->local, len, p))
        return NULL;
    h->local_len = len;
    return buf;
}

/* The key of h's choice in choices: its local address, then the port and host it asked for. */
static apr_size_t choice_key(char *key, const held_t *h, const struct sniff_result *sr)
{
    apr_size_t n = h->local_len, len = strlen(sr->host);
    apr_uint32_t port = sr->port;

    memcpy(key, &h->local, n);
    memcpy(key + n, &port, sizeof(port));
    memcpy(key + n + sizeof(port), sr->host, len);
    return n + sizeof(port) + len;
}

/* Index of the site serving h's head on its local address; -1 with *status set if none. */
static int choose_site(held_t *h, const struct sniff_result *sr, int *status)
{
    char key[sizeof(h->local) + sizeof(apr_uint32_t) + sizeof(sr->host)];
    apr_pool_t *p = choice_pool;
    apr_size_t klen = 0;
    apr_sockaddr_t buf;
    const int *known;
    conn_rec c;
    request_rec r;
    int site;

    apr_pool_clear(p);
    memset(&c, 0, sizeof(c));
    c.pool = p;
    c.local_addr = (apr_sockaddr_t *)local_addr(h, &buf, p);
    if (!c.local_addr) {
        *status = 503;
        return -1;
    }
    if (choices) {
        klen = choice_key(key, h, sr);
        known = apr_hash_get(choices, key, klen);
        if (known) {
            *status = 0;
            return *known;
        }
    }
    c.base_server = main_server;
    c.client_ip = "-";
    ap_update_vhost_given_ip(&c);
    memset(&r, 0, sizeof(r));
    r.pool = p;
    r.connection = &c;
    r.server = c.base_server;
    r.headers_in = apr_table_make(p, 1);
    r.status = HTTP_OK;
    r.useragent_ip = c.client_ip;
    r.uri = sr->target[0] == '/' ? apr_pstrdup(p, sr->target) : "/";
    if (sr->host[0])
        apr_table_setn(r.headers_in, "Host",
                       sr->port ? apr_psprintf(p, "%s:%u", sr->host, sr->port) : sr->host);
    ap_update_vhost_from_headers(&r);
    site = r.status == HTTP_OK ? sf_site_of_server(r.server) : -1;
    *status = site > 0 ? 0 : 400;
    if (site <= 0 || site >= nsites)
        return -1;
    if (choices) {
        if (apr_hash_count(choices) >= CHOICES_MAX) {
            apr_pool_clear(choices_pool);
            choices = apr_hash_make(choices_pool);
        }
        apr_hash_set(choices, apr_pmemdup(choices_pool, key, klen), klen,
                     apr_pmemdup(choices_pool, &site, sizeof(site)));
    }
    return site;
}

/* ---- routing ------------------------------------------------------------------------------- */

static void tell_parent(int type, int site)
{
    sf_ctl_t m = { type, site, sf_retained->mpm->my_generation, 0 };

    if (send(ctl_fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof(m))
        return;
}

static void want_worker(int site, apr_time_t now)
{
    if (now - wanted[site] < WANT_INTERVAL)
        return;
    wanted[site] = now;
    tell_parent(SF_CTL_NEED_WORKER, site);
}

static int queue_conn(int queue, const held_t *h, apr_time_t now)
{
    sf_conn_msg_t m;
    ssize_t n;

    memset(&m, 0, sizeof(m));
    m.magic = SF_CONN_MAGIC;
    m.site = h->site;
    m.queued_at = now;
    m.local_len = h->local_len;
    m.local = h->local;
    n = fdpass_send(queue, &m, sizeof(m), h->fd, MSG_DONTWAIT | MSG_NOSIGNAL);

    return n == sizeof(m) ? 0 : n < 0 ? (int)n : -EMSGSIZE;
}

/* Pass h to its site's queue, or wait for the queue (or room in it). */
static void route(held_t *h)
{
    int q = queues[h->site], waiting = 0, err;
    apr_time_t now = apr_time_now();

    if (q < 0) {
        if (!asked[h->site]) {
            asked[h->site] = 1;
            tell_parent(SF_CTL_NEED_QUEUE, h->site);
        }
        goto wait;
    }
    /*
     * Connections already waiting in the queue mean no worker is idle: ask for one, but not
     * for every connection of a busy site (the parent sizes by the queue's depth anyway), and
     * look at most once per WANT_INTERVAL: a system call per connection costs more than a
     * worker a few milliseconds later.
     */
    if (now - looked[h->site] >= WANT_INTERVAL) {
        looked[h->site] = now;
        if (!ioctl(q, SIOCOUTQ, &waiting) && waiting > 0)
            want_worker(h->site, now);
    }
    /*
     * ... may have no worker left (idle ones leave): tell the parent now, not at its next
     * tick (up to 100 ms); with a worker there, the parent forks nothing.
     */
    if (now - routed[h->site] >= QUIET)
        want_worker(h->site, now);
    routed[h->site] = now;
    err = queue_conn(q, h, now);
    if (!err) {
        /* The worker now shares the file: epoll would keep watching it unless told. */
        release(h);
        return;
    }
    if (err != -EAGAIN && err != -ENOBUFS) {
        drop(h, 503);
        return;
    }
    want_worker(h->site, now);
wait:
    if (h->state != H_WAIT) {
        set_state(h, H_WAIT);
        h->deadline = apr_time_now() + sf_conf->queue_timeout;
        unwatch(h);
    }
}

/* Bytes have arrived (or the peer went): look again at the head. */
static void peek(held_t *h)
{
    struct sniff_result sr;
    int status;
    ssize_t n;

    n = recv(h->fd, peekbuf, sf_conf->peek_max, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        goto more;
    if (n <= 0) {
        release(h);
        return;
    }
    sniff((const unsigned char *)peekbuf, n, sf_conf->peek_max, &sr);
    h->http = peekbuf[0] != 0x16;
    switch (sr.status) {
    case SNIFF_MORE:
        goto more;
    case SNIFF_BAD:
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, main_server, SF_LOG_PREFIX
                     "dispatcher: refusing a connection: %s", sr.error);
        drop(h, sr.http_status ? sr.http_status : 400);
        return;
    default:
        break;
    }
    h->site = choose_site(h, &sr, &status);
    if (h->site < 0) {
        drop(h, status);
        return;
    }
    route(h);
    return;
more:
    /* Edge-triggered: adding reports bytes that arrived since the look, none are missed. */
    if (watch(h))
        drop(h, 503);
}

/* ---- events -------------------------------------------------------------------------------- */

static void accept_from(const listener_t *l)
{
    held_t *h;
    int i, fd;

    /*
     * A blocking socket: the dispatcher's own calls say MSG_DONTWAIT, and the worker gets the
     * mode APR expects without a system call.
     */
    for (i = 0; i < ACCEPT_BURST && !stopping; i++) {
        fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (!(h = hold(fd, apr_time_now() + sf_conf->peek_timeout)))
            continue;
        h->bind = l->bind;
        peek(h);
    }
}

static void retry_waiting(int site)
{
    int i;

    for (i = 0; i < MAX_HELD; i++)
        if (held[i].state == H_WAIT && (site < 0 || held[i].site == site))
            route(&held[i]);
}

static int recv_ctl(sf_ctl_t *m, int *fd)
{
    ssize_t n = fdpass_recv(ctl_fd, m, sizeof(*m), fd, MSG_DONTWAIT);

    if (n <= 0)
        return n == 0 ? -ECONNRESET : (int)n;
    if (n == sizeof(*m))
        return 0;
    if (*fd >= 0)
        close(*fd);
    return -EBADMSG;
}

/*
 * A connection that waited SitefenceQueueTimeout for a worker, from the parent: 503 for HTTP
 * (a TLS client just sees the close), with drop()'s lingering close, because its request head
 * is still unread: closing at once would send a reset, and a client that gets the reset before
 * it has read the 503 loses it (ab counted a receive error and an exception for it).
 */
static void reject(int fd)
{
    unsigned char first = 0;
    held_t *h = hold(fd, apr_time_now() + LINGER);

    if (!h)
        return;     /* hold() answered it */
    h->http = recv(fd, &first, 1, MSG_PEEK | MSG_DONTWAIT) == 1 && first != 0x16;
    drop(h, 503);
}

static void stop_listening(void)
{
    ap_listen_rec *lr;

    stopping = 1;
    for (lr = ap_listeners; lr; lr = lr->next) {
        apr_os_sock_t fd;

        if (lr->sd && apr_os_sock_get(&fd, lr->sd) == APR_SUCCESS)
            epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    }
    ap_close_listeners();
}

static void on_ctl(void)
{
    held_t *h;
    sf_ctl_t m;
    int fd, err;

    /* Until the channel is empty; a malformed message (none should come) is skipped. */
    while (!(err = recv_ctl(&m, &fd)) || err == -EBADMSG) {
        if (err)
            continue;
        if (m.type == SF_CTL_QUEUE && m.site > 0 && (int)m.site < nsites && fd >= 0) {
            if (queues[m.site] >= 0)
                close(queues[m.site]);
            queues[m.site] = fd;
            asked[m.site] = 0;
            retry_waiting(m.site);
        }
        else if (m.type == SF_CTL_REDISPATCH && fd >= 0) {
            if ((h = hold(fd, apr_time_now() + sf_conf->peek_timeout)))
                peek(h);
        }
        else if (m.type == SF_CTL_REJECT && fd >= 0) {
            reject(fd);
        }
        else if (m.type == SF_CTL_STOP) {
            stop_listening();
        }
        else if (fd >= 0) {
            close(fd);
        }
    }
    if (err == -ECONNRESET)
        die_now = 1;    /* the parent is gone */
}

static void expire(apr_time_t now)
{
    int i;

    for (i = 0; i < MAX_HELD; i++) {
        if (held[i].state == H_FREE || now < held[i].deadline)
            continue;
        /* Never peeked or partial head: 408 for HTTP; TLS just closes. */
        if (held[i].state == H_LINGER)
            release(&held[i]);
        else
            drop(&held[i], held[i].state == H_PEEK ? 408 : 503);
    }
}

static int nheld(void)
{
    return MAX_HELD - nstate[H_FREE];
}

/* Whether a listener's address says nothing of its connections' local address. */
static int is_wildcard(const apr_sockaddr_t *a)
{
    static const char any[16];

    return !a->ipaddr_ptr || a->ipaddr_len < 1 || a->ipaddr_len > (int)sizeof(any) ||
           !memcmp(a->ipaddr_ptr, any, a->ipaddr_len);
}

static void add_listeners(void)
{
    struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
    ap_listen_rec *lr;
    apr_os_sock_t fd;
    int n = 0;

    for (lr = ap_listeners; lr; lr = lr->next)
        n++;
    listeners = apr_pcalloc(dpool, (n ? n : 1) * sizeof(*listeners));
    for (lr = ap_listeners; lr; lr = lr->next) {
        if (!lr->sd || apr_os_sock_get(&fd, lr->sd) != APR_SUCCESS)
            continue;
        /* Accept until EAGAIN; only dispatchers accept, so the shared mode is theirs. */
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        listeners[nlisteners].fd = fd;
        listeners[nlisteners].bind = lr->bind_addr && !is_wildcard(lr->bind_addr) ?
                                     lr->bind_addr : NULL;
        ev.data.u32 = 0x80000000u | (apr_uint32_t)nlisteners;
        if (!epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
            nlisteners++;
    }
}

static void loop(void)
{
    struct epoll_event evs[64], ev = { .events = EPOLLIN };
    apr_time_t now, next_expiry = 0;
    int i, n;

    ev.data.u32 = 0x40000000u;
    epoll_ctl(ep, EPOLL_CTL_ADD, ctl_fd, &ev);
    add_listeners();
    while (!die_now && !(stopping && !nheld())) {
        n = epoll_wait(ep, evs, 64, nstate[H_WAIT] ? 10 : 200);
        for (i = 0; i < n; i++) {
            apr_uint32_t d = evs[i].data.u32;

            if (d == 0x40000000u)
                on_ctl();
            else if (d & 0x80000000u)
                accept_from(&listeners[d & 0x7fffffffu]);
            else if (d < MAX_HELD && held[d].state == H_PEEK)
                peek(&held[d]);
            else if (d < MAX_HELD && held[d].state == H_LINGER)
                linger(&held[d]);
        }
        /* Room in a queue is not an event: look again while some wait. */
        if (nstate[H_WAIT])
            retry_waiting(-1);
        now = apr_time_now();
        if (now >= next_expiry) {
            expire(now);
            next_expiry = now + EXPIRY_TICK;
        }
    }
}

/* Whether a vhost has a ServerPath: Apache's choice then depends on the URI too. */
static int any_server_path(server_rec *s)
{
    for (; s; s = s->next)
        if (s->path && s->pathlen)
            return 1;
    return 0;
}

static void setup(apr_pool_t *pconf, server_rec *s, int slot, int ctl)
{
    int i;

    main_server = s;
    ctl_fd = ctl;
    nsites = sf_conf->sites->nelts;
    apr_pool_create(&dpool, pconf);
    apr_pool_create(&choice_pool, dpool);
    if (!any_server_path(s)) {
        apr_pool_create(&choices_pool, dpool);
        choices = apr_hash_make(choices_pool);
    }
    queues = apr_palloc(dpool, nsites * sizeof(int));
    asked = apr_pcalloc(dpool, nsites);
    wanted = apr_pcalloc(dpool, nsites * sizeof(*wanted));
    looked = apr_pcalloc(dpool, nsites * sizeof(*looked));
    routed = apr_pcalloc(dpool, nsites * sizeof(*routed));
    for (i = 0; i < nsites; i++)
        queues[i] = -1;
    for (i = 0; i < MAX_HELD; i++)
        held[i].fd = -1;
    nstate[H_FREE] = MAX_HELD;
    peekbuf = apr_palloc(dpool, sf_conf->peek_max);
    ep = epoll_create1(EPOLL_CLOEXEC);
    apr_signal(SIGTERM, on_term);
    apr_signal(SIGHUP, on_term);
    apr_signal(SIGINT, SIG_IGN);
    apr_signal(AP_SIG_GRACEFUL, SIG_IGN);
    apr_signal(SIGPIPE, SIG_IGN);
    sf_title_set("sitefence: dispatcher");
    ap_update_child_status_from_indexes(slot, 0, SERVER_READY, NULL);
    apr_cpystrn(ap_scoreboard_image->servers[slot][0].vhost, "(sitefence dispatcher)",
                sizeof(ap_scoreboard_image->servers[slot][0].vhost));
}

/*
 * The logs (every vhost's, a dispatcher writes none), piped loggers' pipes, modules' files:
 * a dispatcher runs none of the code they are for, and reads what clients send.
 */
static int keep_only_listeners(int ctl)
{
    ap_listen_rec *lr;
    apr_os_sock_t fd;
    int *keep, n = 1, err;

    for (lr = ap_listeners; lr; lr = lr->next)
        n++;
    keep = malloc(n * sizeof(*keep));
    if (!keep)
        return -ENOMEM;
    n = 0;
    keep[n++] = ctl;
    for (lr = ap_listeners; lr; lr = lr->next)
        if (lr->sd && apr_os_sock_get(&fd, lr->sd) == APR_SUCCESS)
            keep[n++] = fd;
    err = sf_fds_keep_only(keep, n);
    free(keep);
    return err;
}

void sf_dispatcher_main(apr_pool_t *pconf, server_rec *s, int slot, int ctl)
{
    const sf_site_t *self = &APR_ARRAY_IDX(sf_conf->sites, 0, sf_site_t);
    int err;

    sf_retained->mpm->mpm_state = AP_MPMQ_STARTING;
    /* Nothing of the parent's but the listeners and this channel stays open here. */
    sf_child_close_fds(-1, ctl);
    if ((err = keep_only_listeners(ctl))) {
        ap_log_error(APLOG_MARK, APLOG_ALERT, -err, NULL, SF_LOG_PREFIX
                     "dispatcher: cannot close the server's other descriptors");
        exit(APEXIT_CHILDSICK);
    }
    ap_reopen_scoreboard(pconf, NULL, 0);
    if (sf_fence_take_site(self) != APR_SUCCESS || sf_fence_become(self) != APR_SUCCESS)
        exit(APEXIT_CHILDSICK);
    setup(pconf, s, slot, ctl);
    sf_retained->mpm->mpm_state = AP_MPMQ_RUNNING;
    loop();
    exit(0);
}

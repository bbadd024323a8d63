/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sf_worker.c - a site worker: forked armed (so the kernel confines it from its first
 * instruction), it takes its site in the fence, becomes the site's user with no capabilities
 * and no_new_privs, and only then reads client data: connections from its site's queue,
 * served with Apache's own connection processing (mod_php, mod_ssl, .htaccess, logs).
 *
 * A request that Apache's vhost matching gives to another site (possible on a kept-alive
 * connection: only the first request was looked at by the dispatcher) is answered 421 and the
 * connection closed, so it is never served by the wrong site's user. An idle worker leaves
 * after SitefenceIdleTimeout.
 */
#include "mpm_sitefence.h"

#include "ap_listen.h"
#include "ap_mpm.h"
#include "http_connection.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "http_protocol.h"
#include "http_request.h"
#include "http_ssl.h"
#include "apr_portable.h"
#include "apr_signal.h"
#include "apr_strings.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"

static int my_site = -1;      /* site index, once this process is a worker */
static int my_queue = -1;
static int my_ep = -1;
static int my_slot = -1;      /* its scoreboard slot */
static volatile sig_atomic_t die_now, draining;
static int client_closes;     /* the connection's last request asked to close, had no body */
static apr_pool_t *pchild;

int sf_worker_site(void)
{
    return my_site;
}

int sf_worker_slot(void)
{
    return my_slot;
}

static const char *site_name(void)
{
    return APR_ARRAY_IDX(sf_conf->sites, my_site, sf_site_t).name;
}

static void just_die(int sig)
{
    (void)sig;
    exit(0);
}

static void on_graceful(int sig)
{
    (void)sig;
    die_now = 1;
}

static void on_graceful_stop(int sig)
{
    (void)sig;
    draining = 1;
}

/*
 * If a connection is still queued, wake one more waiting worker: after taking one with
 * another behind it, and when leaving. (An edge-triggered wake-up is per arrival: a worker
 * woken for a connection that a busy one took first goes back to sleep, and the next arrival
 * could otherwise wait for a busy one.)
 */
static void pass_on_wakeup(void)
{
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
    int more = 0;

    if (!ioctl(my_queue, SIOCINQ, &more) && more > 0)
        (void)epoll_ctl(my_ep, EPOLL_CTL_MOD, my_queue, &ev);
}

/*
 * The next connection from the queue: its descriptor, or -1 to leave (idle too long, told to
 * stop, or draining and the queue is empty). Idle workers wait in the site's one epoll
 * instance, not in the queue: the kernel wakes one waiter of an epoll instance per event and
 * the one that came last (a socket's own waiters are woken first come, first served). So the
 * worker that just finished gets the next connection, with its caches and its CPU warm, and
 * a site's extra workers stay idle and leave after SitefenceIdleTimeout instead of sharing
 * the load round-robin: php-c1 on the host went from 2.39k to 2.74k req/s. A signal (graceful
 * restart, stop) always interrupts epoll_wait.
 *
 * The wake-up is edge-triggered and goes to one waiter only: a worker that was woken for a
 * connection and then leaves without taking it (told to stop by a signal that came with the
 * wake-up, as the parent's trimming does) would leave that connection to wait for the next
 * arrival, or for SitefenceQueueTimeout and a 503. So whoever leaves passes the wake-up on.
 */
static int next_conn(sf_conn_msg_t *msg)
{
    apr_interval_time_t ms = apr_time_as_msec(sf_conf->idle_timeout);
    struct epoll_event ev;
    sf_conn_msg_t m;
    ssize_t n;
    int fd, r;

    for (;;) {
        if (die_now)
            break;
        n = fdpass_recv(my_queue, &m, sizeof(m), &fd, MSG_DONTWAIT);
        if (n == -EAGAIN && !draining) {
            r = epoll_wait(my_ep, &ev, 1, ms > INT_MAX ? INT_MAX : (int)ms);
            if (r == 0 || (r < 0 && errno != EINTR))
                break;   /* idle too long, or the wait itself failed */
            continue;
        }
        if (n == -EINTR || n == -EBADMSG)
            continue;
        if (n <= 0)
            break;   /* drained, or the parent closed the queue */
        if (fd < 0)
            continue;
        if (n != sizeof(m) || m.magic != SF_CONN_MAGIC || (int)m.site != my_site) {
            close(fd);
            continue;
        }
        pass_on_wakeup();
        *msg = m;
        return fd;    /* blocking, as APR assumes of a new socket */
    }
    pass_on_wakeup();
    return -1;
}

static void idle_title(ap_sb_handle_t *sbh)
{
    worker_score *ws = ap_get_scoreboard_worker(sbh);

    ap_update_child_status(sbh, SERVER_READY, NULL);
    if (ws) {
        apr_cpystrn(ws->vhost, site_name(), sizeof(ws->vhost));
        /* Since when it is idle: the parent makes room at MaxRequestWorkers by the oldest. */
        ws->last_used = apr_time_now();
    }
    sf_title_set("sitefence: %s - idle", site_name());
}

/*
 * fd as an APR socket. With the local address the dispatcher sent (checked: a TCP family, of
 * that family's length) APR has it as it has an accepted socket's; else it asks the kernel
 * when Apache needs it.
 */
static apr_status_t make_socket(apr_socket_t **csd, int *fd, const sf_conn_msg_t *m,
                                apr_pool_t *p)
{
    apr_os_sock_info_t info;
    int f = m->local.sa.sa_family;

    if (!m->local_len || m->local_len != sf_sockaddr_len(f))
        return apr_os_sock_put(csd, fd, p);
    memset(&info, 0, sizeof(info));
    info.os_sock = fd;
    info.local = (struct sockaddr *)&m->local.sa;
    info.family = f;
    info.type = SOCK_STREAM;
    info.protocol = APR_PROTO_TCP;
    return apr_os_sock_make(csd, &info, p);
}

/*
 * Apache's lingering close (shut down writing, then read until the client closes, up to 2 s)
 * keeps a late byte from the client from turning into a reset that destroys the answer it
 * has not read yet. That can only happen if the client may still send: a request body left
 * unread, a request pipelined behind, a kept-alive client that does not know the server is
 * closing. When the last request asked to close and had no body, nothing is waiting in the
 * socket and it is not TLS (whose clients answer close_notify), a client that keeps to HTTP
 * sends nothing more, so the worker closes at once, as nginx does, instead of sleeping until
 * the client's FIN; and a client that never closes holds no worker for those 2 s.
 */
static void close_conn(conn_rec *c, apr_socket_t *csd, int fd)
{
    int queued = 1;

    if (!client_closes || c->aborted || c->keepalive == AP_CONN_KEEPALIVE ||
        ap_ssl_conn_is_ssl(c) || ioctl(fd, FIONREAD, &queued) || queued) {
        ap_lingering_close(c);
        return;
    }
    ap_prep_lingering_close(c);
    ap_flush_conn(c);
    apr_socket_close(csd);
}

static void serve(server_rec *s, int slot, ap_sb_handle_t *sbh, apr_bucket_alloc_t *ba,
                  apr_pool_t *ptrans, int fd, const sf_conn_msg_t *m)
{
    apr_socket_t *csd = NULL;
    conn_rec *c;

    if (make_socket(&csd, &fd, m, ptrans) != APR_SUCCESS) {
        close(fd);
        return;
    }
    c = ap_run_create_connection(ptrans, s, csd, slot, sbh, ba);
    if (!c) {
        apr_socket_close(csd);
        return;
    }
    client_closes = 0;
    ap_process_connection(c, csd);
    close_conn(c, csd, fd);
}

static void worker_loop(server_rec *s, int slot, ap_sb_handle_t *sbh)
{
    apr_bucket_alloc_t *ba = apr_bucket_alloc_create(pchild);
    apr_pool_t *ptrans;
    sf_conn_msg_t m;
    int served = 0, fd;

    apr_pool_create(&ptrans, pchild);
    apr_pool_tag(ptrans, "transaction");
    for (;;) {
        apr_pool_clear(ptrans);
        if (ap_max_requests_per_child > 0 && served >= ap_max_requests_per_child)
            break;
        idle_title(sbh);
        fd = next_conn(&m);
        if (fd < 0)
            break;
        serve(s, slot, sbh, ba, ptrans, fd, &m);
        served++;
        if (sf_retained->mpm->my_generation !=
            ap_scoreboard_image->global->running_generation)
            break;
    }
    apr_pool_clear(ptrans);
}

static void child_pool(apr_pool_t *pconf)
{
    apr_allocator_t *allocator;

    apr_allocator_create(&allocator);
    apr_allocator_max_free_set(allocator, ap_max_mem_free);
    apr_pool_create_ex(&pchild, pconf, NULL, allocator);
    apr_allocator_owner_set(allocator, pchild);
    apr_pool_tag(pchild, "pchild");
}

void sf_worker_main(apr_pool_t *pconf, server_rec *s, int slot, int site_index)
{
    const sf_site_t *site = &APR_ARRAY_IDX(sf_conf->sites, site_index, sf_site_t);
    ap_sb_handle_t *sbh;
    int err;

    sf_retained->mpm->mpm_state = AP_MPMQ_STARTING;
    my_queue = site->queue_recv;
    my_ep = site->queue_ep;
    my_slot = slot;
    /* Other sites' queues, the dispatchers' channels, the listeners: none stays open here. */
    sf_child_close_fds(my_queue, -1);
    ap_close_listeners_ex(ap_listeners);
    /* ... nor another site's logs, nor a piped logger's read end. */
    if ((err = sf_fds_for_worker(site_index))) {
        ap_log_error(APLOG_MARK, APLOG_ALERT, -err, NULL, SF_LOG_PREFIX
                     "worker for site %s: cannot let go of other sites' logs", site->name);
        exit(APEXIT_CHILDSICK);
    }
    ap_fatal_signal_child_setup(s);
    child_pool(pconf);
    ap_reopen_scoreboard(pchild, NULL, 0);
    /* The site first (the kernel confines what follows), then the user, then the data. */
    if (sf_fence_take_site(site) != APR_SUCCESS || sf_fence_become(site) != APR_SUCCESS)
        exit(APEXIT_CHILDSICK);
    my_site = site_index;
    if (ap_run_drop_privileges(pchild, s))
        exit(APEXIT_CHILDSICK);
    apr_signal(SIGTERM, just_die);
    apr_signal(SIGHUP, just_die);
    apr_signal(SIGINT, SIG_IGN);
    apr_signal(SIGPIPE, SIG_IGN);
    apr_signal(AP_SIG_GRACEFUL, on_graceful);
    apr_signal(AP_SIG_GRACEFUL_STOP, on_graceful_stop);
    ap_run_child_init(pchild, s);
    /* Nothing of the server's reaches what the site execs: stdin, stdout and stderr only. */
    if ((err = sf_fds_cloexec())) {
        ap_log_error(APLOG_MARK, APLOG_ALERT, -err, NULL, SF_LOG_PREFIX
                     "worker for site %s: cannot mark its descriptors close-on-exec",
                     site->name);
        exit(APEXIT_CHILDSICK);
    }
    ap_create_sb_handle(&sbh, pchild, slot, 0);
    sf_retained->mpm->mpm_state = AP_MPMQ_RUNNING;
    worker_loop(s, slot, sbh);
    ap_run_child_stopping(pchild, 0);
    exit(0);
}

/* ---- request hooks ------------------------------------------------------------------------ */

/* Every request, first of all: is it this worker's site? If not, 421 and close. */
static int sf_check_site(request_rec *r)
{
    if (my_site < 0 || r->main || r->prev)
        return DECLINED;
    if (sf_site_of_server(r->server) != my_site) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, SF_LOG_PREFIX
                      "request for %s on a connection of site %s: answered 421",
                      r->server->server_hostname, site_name());
        r->connection->keepalive = AP_CONN_CLOSE;
        return HTTP_MISDIRECTED_REQUEST;
    }
    /* What the kernel's records will name if this request is denied something (root only). */
    sf_title_request(site_name(), "sitefence: %s %s:%d %.120s", r->server->server_hostname,
                     r->useragent_ip ? r->useragent_ip : "-",
                     r->useragent_addr ? r->useragent_addr->port : 0,
                     r->the_request ? r->the_request : "-");
    return DECLINED;
}

/*
 * Any request about to be mapped to files (an internal redirect, a sub-request) whose server
 * is another site's is refused. The main request is checked above, but a request Apache fails
 * before that check (a bad head on a kept-alive connection whose default vhost is another
 * site) has that vhost's ErrorDocument: a local one would run the other site's script here,
 * as this site's user.
 */
static int sf_guard_server(request_rec *r)
{
    if (my_site < 0 || sf_site_of_server(r->server) == my_site)
        return DECLINED;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, SF_LOG_PREFIX
                  "%s of %s in a worker of site %s: refused (421)",
                  r->prev ? "internal redirect" : r->main ? "sub-request" : "request",
                  r->server->server_hostname, site_name());
    return HTTP_MISDIRECTED_REQUEST;
}

/* This site's vhost for the connection's port, else its first. */
static server_rec *own_server(const conn_rec *c)
{
    server_rec *s;
    server_addr_rec *a;

    for (s = ap_server_conf; s; s = s->next) {
        if (sf_site_of_server(s) != my_site)
            continue;
        for (a = s->addrs; a; a = a->next)
            if (!a->host_port || (c->local_addr && a->host_port == c->local_addr->port))
                return s;
    }
    return APR_ARRAY_IDX(sf_conf->sites, my_site, sf_site_t).server;
}

/*
 * Another site's logs are /dev/null in this worker (sf_fds.c): a request Apache gave to
 * another site's vhost and this worker answered (421, or a bad head before its Host was
 * read) is logged as this site's, the site whose connection it came on.
 */
static int sf_log_as_site(request_rec *r)
{
    if (my_site >= 0 && sf_site_of_server(r->server) != my_site)
        r->server = own_server(r->connection);
    return DECLINED;
}

/* Did r say it is the connection's last (Connection: close, or HTTP/1.0 without keep-alive)? */
static int asks_to_close(request_rec *r)
{
    const char *conn = apr_table_get(r->headers_in, "Connection");

    if (conn && ap_find_token(r->pool, conn, "close"))
        return 1;
    return r->proto_num < HTTP_VERSION(1, 1) && !(conn && ap_find_token(r->pool, conn,
                                                                          "keep-alive"));
}

static int sf_request_done(request_rec *r)
{
    if (my_site < 0 || r->main)
        return DECLINED;
    sf_title_set("sitefence: %s - idle", site_name());
    client_closes = asks_to_close(r) && !ap_request_has_body(r);
    return DECLINED;
}

void sf_worker_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* Before anything else looks at the request (mod_rewrite, mod_php, ...). */
    ap_hook_post_read_request(sf_check_site, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_pre_translate_name(sf_guard_server, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_log_transaction(sf_log_as_site, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_log_transaction(sf_request_done, NULL, NULL, APR_HOOK_REALLY_LAST);
}

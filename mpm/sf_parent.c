/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sf_parent.c - the parent: it registers the sites with sitefenced, keeps the dispatchers
 * alive, forks a site's workers when its queue has connections and no idle worker (up to
 * MaxClientsVHost and MaxRequestWorkers), reaps children, and carries connections across a
 * graceful restart: what is still queued for the old generation is handed to the new
 * dispatchers, unread, so no request in flight is lost.
 *
 * The parent runs as root and never reads a byte from a client: it moves descriptors and
 * answers fixed-size messages from its dispatchers, which it checks before use.
 */
#include "mpm_sitefence.h"

#include "ap_listen.h"
#include "ap_mpm.h"
#include "http_log.h"
#include "http_main.h"
#include "apr_strings.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"

#define TICK_MS            100     /* the parent's loop; spawning reacts within it */
#define TRIM_WINDOW        apr_time_from_sec(2)     /* see trim_sites() */
#define SPARE_WORKERS      2       /* idle workers a busy site keeps */
#define SPAWN_BURST        16      /* workers forked for one site at once, at most */
#define REFUSED_LOG_EVERY  apr_time_from_sec(10)
#define REGISTER_RETRY     apr_time_from_sec(10)
#define SICK_BACKOFF       apr_time_from_sec(1)     /* after a child could not start */

static apr_pool_t *pconf;
static server_rec *main_server;
static int epfd = -1;
static int next_dispatcher;    /* round robin for redispatch */
static apr_time_t last_register_try;
static apr_time_t dispatchers_sick_until, dispatchers_sick_logged;

/* Per-site counts from one scan of the children table. */
typedef struct {
    int workers, idle, starting;
    int finishing;            /* answered, logging or closing: about to take the next one */
    int min_idle;             /* fewest idle workers seen in this trim window, or -1 */
} site_count_t;

/* ---- descriptors and messages ------------------------------------------------------------ */

static int send_fd(int sock, const sf_ctl_t *msg, int fd)
{
    ssize_t n = fdpass_send(sock, msg, sizeof(*msg), fd, MSG_DONTWAIT | MSG_NOSIGNAL);

    return n == sizeof(*msg) ? 0 : n < 0 ? (int)n : -EMSGSIZE;
}

/* A connection waiting in a queue: the fd (and *when, when it was queued), or -1 when the
 * queue is empty. */
static int take_queued_at(int queue, apr_time_t *when)
{
    sf_conn_msg_t m;
    ssize_t n;
    int fd;

    do
        n = fdpass_recv(queue, &m, sizeof(m), &fd, MSG_DONTWAIT);
    while (n == -EBADMSG);      /* more than one descriptor: not ours, and now closed */
    if (n <= 0)
        return -1;
    *when = n == sizeof(m) && m.magic == SF_CONN_MAGIC ? m.queued_at : 0;
    return fd;
}

static int take_queued(int queue)
{
    apr_time_t when;

    return take_queued_at(queue, &when);
}

/*
 * When the oldest connection in a queue was queued, or 0 if none. Peeked without room for
 * its descriptor, which the kernel then does not install here.
 */
static apr_time_t oldest_queued(int queue)
{
    sf_conn_msg_t m;

    if (recv(queue, &m, sizeof(m), MSG_PEEK | MSG_DONTWAIT) != sizeof(m) ||
        m.magic != SF_CONN_MAGIC)
        return 0;
    return m.queued_at;
}

/* ---- the children table ------------------------------------------------------------------ */

static sf_child_t *children(void)
{
    return sf_retained->children;
}

static int free_slot(void)
{
    int i;

    for (i = 0; i < sf_conf->server_limit; i++)
        if (!children()[i].pid && ap_scoreboard_image->servers[i][0].status == SERVER_DEAD)
            return i;
    return -1;
}

static void note_started(int slot, pid_t pid, int kind, int site, int ctl)
{
    sf_child_t *c = &children()[slot];

    c->pid = pid;
    c->kind = kind;
    c->site = site;
    c->gen = sf_retained->mpm->my_generation;
    c->ctl = ctl;
    c->stopping = 0;
    ap_scoreboard_image->parent[slot].pid = pid;
    ap_scoreboard_image->parent[slot].generation = c->gen;
    if (slot + 1 > sf_retained->max_slot)
        sf_retained->max_slot = slot + 1;
    ap_run_child_status(ap_server_conf, pid, c->gen, slot, MPM_CHILD_STARTED);
}

static void note_gone(int slot)
{
    sf_child_t *c = &children()[slot];

    ap_run_child_status(ap_server_conf, c->pid, c->gen, slot, MPM_CHILD_EXITED);
    if (c->ctl >= 0) {
        if (epfd >= 0)
            epoll_ctl(epfd, EPOLL_CTL_DEL, c->ctl, NULL);
        close(c->ctl);
    }
    memset(c, 0, sizeof(*c));
    c->ctl = -1;
    ap_scoreboard_image->parent[slot].pid = 0;
    (void)ap_update_child_status_from_indexes(slot, 0, SERVER_DEAD, NULL);
}

static int find_child(pid_t pid)
{
    int i;

    for (i = 0; i < sf_retained->max_slot; i++)
        if (children()[i].pid == pid)
            return i;
    return -1;
}

static apr_time_t last_trim, last_sample;

/* Per site, this generation: counted again whenever needed (nothing allocated per tick). */
static site_count_t *counts;

static void count_sites(void)
{
    ap_generation_t gen = sf_retained->mpm->my_generation;
    int i, n = sf_conf->sites->nelts;

    for (i = 0; i < n; i++)
        counts[i].workers = counts[i].idle = counts[i].starting = counts[i].finishing = 0;
    for (i = 0; i < sf_retained->max_slot; i++) {
        const sf_child_t *c = &children()[i];
        int status = ap_scoreboard_image->servers[i][0].status;

        /* A worker told to leave is leaving: it counts for nothing. */
        if (c->kind != SF_CHILD_WORKER || c->gen != gen || c->site < 0 || c->site >= n ||
            c->stopping)
            continue;
        counts[c->site].workers++;
        if (status == SERVER_STARTING)
            counts[c->site].starting++;
        else if (status == SERVER_READY)
            counts[c->site].idle++;
        else if (status == SERVER_BUSY_LOG || status == SERVER_CLOSING)
            counts[c->site].finishing++;
    }
}

/*
 * The trim window's samples, at most one per tick: counts made because a dispatcher asked
 * for a worker are taken exactly when none is idle, and would hide every surplus.
 */
static void sample_idle(void)
{
    int i;

    for (i = 0; i < sf_conf->sites->nelts; i++)
        if (counts[i].min_idle < 0 || counts[i].idle < counts[i].min_idle)
            counts[i].min_idle = counts[i].idle;
}

/*
 * Once per TRIM_WINDOW: a site that had more than SPARE_WORKERS idle workers all the time
 * lets the surplus go (gracefully: one that has just taken a connection serves it first).
 * Queued connections are handed to waiting workers in turn, so surplus workers never stay
 * idle long enough for SitefenceIdleTimeout; without this a burst would leave its pool
 * behind for good. The idle timeout still takes a quiet site down to no worker.
 */
static void trim_sites(void)
{
    ap_generation_t gen = sf_retained->mpm->my_generation;
    int i, n = sf_conf->sites->nelts;

    for (i = 0; i < sf_retained->max_slot; i++) {
        sf_child_t *c = &children()[i];

        if (c->kind != SF_CHILD_WORKER || c->gen != gen || c->stopping || c->site < 1 ||
            c->site >= n || counts[c->site].min_idle <= SPARE_WORKERS ||
            ap_scoreboard_image->servers[i][0].status != SERVER_READY)
            continue;
        counts[c->site].min_idle--;
        c->stopping = 1;
        ap_mpm_safe_kill(c->pid, AP_SIG_GRACEFUL);
    }
    for (i = 0; i < n; i++)
        counts[i].min_idle = -1;
}

static int total_workers(void)
{
    int i, n = 0;

    for (i = 0; i < sf_retained->max_slot; i++)
        n += children()[i].kind == SF_CHILD_WORKER;
    return n;
}

/* Every descriptor of the parent's that a child must not keep. */
void sf_child_close_fds(int keep_queue, int keep_ctl)
{
    int i;

    for (i = 0; sf_conf->sites && i < sf_conf->sites->nelts; i++) {
        sf_site_t *site = &APR_ARRAY_IDX(sf_conf->sites, i, sf_site_t);

        if (site->queue_send >= 0)
            close(site->queue_send);
        if (site->queue_recv >= 0 && site->queue_recv != keep_queue) {
            close(site->queue_recv);
            if (site->queue_ep >= 0)
                close(site->queue_ep);
        }
        if (site->ns_fd >= 0)
            close(site->ns_fd);
        if (site->ipc_fd >= 0)
            close(site->ipc_fd);
    }
    for (i = 0; i < sf_retained->norphans; i++)
        close(sf_retained->orphans[i]);
    for (i = 0; i < sf_retained->max_slot; i++)
        if (children()[i].ctl >= 0 && children()[i].ctl != keep_ctl)
            close(children()[i].ctl);
    if (epfd >= 0)
        close(epfd);
}

/* ---- spawning ---------------------------------------------------------------------------- */

static int make_queue(sf_site_t *site)
{
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
    int q[2], ep, err;

    if (site->queue_recv >= 0)
        return 0;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, q))
        return -errno;
    /* Where the site's idle workers wait: see next_conn() in sf_worker.c. */
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, q[1], &ev)) {
        err = -errno;
        if (ep >= 0)
            close(ep);
        close(q[0]);
        close(q[1]);
        return err;
    }
    site->queue_send = q[0];
    site->queue_recv = q[1];
    site->queue_ep = ep;
    return 0;
}

/* fork, armed so that the kernel confines the child from its first instruction. */
static pid_t fork_armed(int arm)
{
    pid_t pid;

    if (arm && sf_fence_arm(1) != APR_SUCCESS)
        return -1;
    pid = fork();
    if (pid < 0 && arm)
        sf_fence_arm(0);
    return pid;
}

static void refused(sf_site_t *site, const char *why)
{
    apr_time_t now = apr_time_now();

    if (now - site->last_refused < REFUSED_LOG_EVERY)
        return;
    site->last_refused = now;
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server, SF_LOG_PREFIX
                 "site %s: no new worker: %s", site->name, why);
}

/*
 * At MaxRequestWorkers a site that needs a worker takes the place of the worker idle longest
 * at another site. With thousands of mostly quiet sites the cap fills with idle workers
 * waiting out SitefenceIdleTimeout; the site asking would wait for one of them to leave, and
 * answer 503 after SitefenceQueueTimeout. The worker leaves gracefully (one that has just
 * taken a connection serves it first); the site's worker is forked once it has gone. Not
 * while SPAWN_BURST workers are already leaving: those make room too. Returns the site whose
 * worker was told to leave, or -1 if none can be.
 */
static int make_room(int index)
{
    ap_generation_t gen = sf_retained->mpm->my_generation;
    int i, best = -1, leaving = 0;
    apr_time_t oldest = 0;

    for (i = 0; i < sf_retained->max_slot; i++) {
        sf_child_t *c = &children()[i];
        worker_score *ws = &ap_scoreboard_image->servers[i][0];

        if (c->kind != SF_CHILD_WORKER)
            continue;
        if (c->stopping || c->gen != gen) {
            leaving++;
            continue;
        }
        if (c->site == index || c->site < 1 || c->site >= sf_conf->sites->nelts ||
            ws->status != SERVER_READY)
            continue;
        if (best < 0 || ws->last_used < oldest) {
            best = i;
            oldest = ws->last_used;
        }
    }
    if (best < 0 || leaving >= SPAWN_BURST)
        return -1;
    children()[best].stopping = 1;
    ap_mpm_safe_kill(children()[best].pid, AP_SIG_GRACEFUL);
    return children()[best].site;
}

static int spawn_worker(int index)
{
    sf_site_t *site = &APR_ARRAY_IDX(sf_conf->sites, index, sf_site_t);
    int slot, saved_ns[2], arm = sf_conf->fence && site->mode != SF_SITE_OFF;
    pid_t pid;

    if (apr_time_now() < site->sick_until) {
        refused(site, "its last worker could not start (see above); the next try in a second");
        return -1;
    }
    /* The site's own cap first: room made elsewhere would not help it. */
    if (site->max_workers && site->workers >= site->max_workers) {
        refused(site, "MaxClientsVHost reached");
        return -1;
    }
    if (total_workers() >= sf_conf->max_workers) {
        int other = make_room(index);

        if (other < 0)
            refused(site, "MaxRequestWorkers reached");
        else
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, main_server, SF_LOG_PREFIX
                         "site %s: MaxRequestWorkers reached: an idle worker of site %s "
                         "leaves to make room", site->name,
                         APR_ARRAY_IDX(sf_conf->sites, other, sf_site_t).name);
        return -1;
    }
    slot = free_slot();
    if (slot < 0) {
        refused(site, "no free scoreboard slot (ServerLimit)");
        return -1;
    }
    if (make_queue(site)) {
        refused(site, "cannot make its queue");
        return -1;
    }
    if (site->private_dir && site->ns_fd < 0 &&
        (apr_time_now() - site->last_refused < REFUSED_LOG_EVERY ||
         sf_fence_private_ns(pconf, main_server, site) != APR_SUCCESS)) {
        refused(site, "its private /tmp cannot be set up (see above)");
        return -1;
    }
    if (sf_fence_enter_ns(site, saved_ns) != APR_SUCCESS) {
        refused(site, "cannot enter its namespaces");
        return -1;
    }
    (void)ap_update_child_status_from_indexes(slot, 0, SERVER_STARTING, NULL);
    sf_status_claim_slot(slot, site->name);
    pid = fork_armed(arm);
    if (pid == 0) {
        /* The way back to the server's namespaces is the parent's, not the site's. */
        if (saved_ns[0] >= 0)
            close(saved_ns[0]);
        if (saved_ns[1] >= 0)
            close(saved_ns[1]);
        sf_worker_main(pconf, main_server, slot, index);
    }
    sf_fence_leave_ns(saved_ns);
    if (pid < 0) {
        (void)ap_update_child_status_from_indexes(slot, 0, SERVER_DEAD, NULL);
        refused(site, "fork failed");
        return -1;
    }
    note_started(slot, pid, SF_CHILD_WORKER, index, -1);
    site->workers++;
    site->last_spawn = apr_time_now();
    return 0;
}

static int spawn_dispatcher(void)
{
    struct epoll_event ev = { .events = EPOLLIN };
    int slot = free_slot(), ctl[2];
    pid_t pid;

    if (slot < 0)
        return -1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl))
        return -1;
    (void)ap_update_child_status_from_indexes(slot, 0, SERVER_STARTING, NULL);
    sf_status_claim_slot(slot, "(sitefence dispatcher)");
    pid = fork_armed(sf_conf->fence);
    if (pid == 0) {
        close(ctl[0]);
        sf_dispatcher_main(pconf, main_server, slot, ctl[1]);
    }
    close(ctl[1]);
    if (pid < 0) {
        close(ctl[0]);
        (void)ap_update_child_status_from_indexes(slot, 0, SERVER_DEAD, NULL);
        ap_log_error(APLOG_MARK, APLOG_ERR, errno, main_server, SF_LOG_PREFIX
                     "cannot fork a dispatcher");
        return -1;
    }
    note_started(slot, pid, SF_CHILD_DISPATCHER, 0, ctl[0]);
    ev.data.u32 = slot;
    epoll_ctl(epfd, EPOLL_CTL_ADD, ctl[0], &ev);
    return 0;
}

/* Keep SitefenceDispatchers of the current generation alive. */
static void keep_dispatchers(void)
{
    ap_generation_t gen = sf_retained->mpm->my_generation;
    int i, n = 0;

    if (apr_time_now() < dispatchers_sick_until)
        return;
    for (i = 0; i < sf_retained->max_slot; i++)
        n += children()[i].kind == SF_CHILD_DISPATCHER && children()[i].gen == gen &&
             !children()[i].stopping;
    while (n++ < sf_conf->dispatchers)
        if (spawn_dispatcher())
            break;
}

/* Connections waiting in a site's queue (each message is one sf_conn_msg_t). */
static int queued(const sf_site_t *site)
{
    int bytes = 0;

    if (site->queue_recv < 0 || ioctl(site->queue_recv, SIOCINQ, &bytes))
        return 0;
    return bytes / (int)sizeof(sf_conn_msg_t);
}

/*
 * Fork as many workers as the site's waiting connections need beyond its idle and starting
 * ones (at most SPAWN_BURST at once, within MaxClientsVHost and MaxRequestWorkers). Returns
 * how many it forked. Eager on purpose: waiting is the signal that needs no tuning, and a
 * burst's surplus is taken back by trim_sites().
 */
static int grow(int index, const site_count_t *count)
{
    sf_site_t *site = &APR_ARRAY_IDX(sf_conf->sites, index, sf_site_t);
    int need = queued(site) - count->idle - count->starting - count->finishing, n = 0;

    if (!site->workers && !count->starting && need < 1)
        need = 1;       /* a site asked for with no worker at all */
    while (n < need && n < SPAWN_BURST && spawn_worker(index) == 0)
        n++;
    return n;
}

/* ---- dispatcher messages ------------------------------------------------------------------- */

static int valid_site(apr_uint32_t site, apr_uint32_t gen)
{
    return gen == (apr_uint32_t)sf_retained->mpm->my_generation && site > 0 &&
           site < (apr_uint32_t)sf_conf->sites->nelts;
}

static void on_ctl(int slot)
{
    sf_child_t *c = &children()[slot];
    sf_ctl_t m, reply = { SF_CTL_QUEUE, 0, 0, 0 };
    sf_site_t *site;
    ssize_t n;

    n = recv(c->ctl, &m, sizeof(m), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->ctl, NULL);
        return;
    }
    if (n != sizeof(m) || c->gen != sf_retained->mpm->my_generation ||
        !valid_site(m.site, m.gen))
        return;
    site = &APR_ARRAY_IDX(sf_conf->sites, m.site, sf_site_t);
    if (m.type == SF_CTL_NEED_QUEUE) {
        if (make_queue(site))
            return;
        reply.site = m.site;
        reply.gen = m.gen;
        send_fd(c->ctl, &reply, site->queue_send);
    }
    if (m.type == SF_CTL_NEED_QUEUE || m.type == SF_CTL_NEED_WORKER) {
        count_sites();
        site->workers = counts[m.site].workers;
        grow(m.site, &counts[m.site]);
    }
}

/* A dispatcher of the current generation, round robin; -1 if none. */
static int pick_dispatcher(void)
{
    ap_generation_t gen = sf_retained->mpm->my_generation;
    int i, slot;

    for (i = 0; i < sf_retained->max_slot; i++) {
        slot = (next_dispatcher + i) % sf_retained->max_slot;
        if (children()[slot].kind == SF_CHILD_DISPATCHER && children()[slot].gen == gen &&
            !children()[slot].stopping && children()[slot].ctl >= 0) {
            next_dispatcher = slot + 1;
            return children()[slot].ctl;
        }
    }
    return -1;
}

/* Hand a queued connection to a dispatcher: to be dispatched again, or answered 503. */
static int hand_over(int conn, int type)
{
    sf_ctl_t m = { type, 0, 0, 0 };
    int ctl = pick_dispatcher(), err;

    if (ctl < 0)
        return -ENOENT;
    err = send_fd(ctl, &m, conn);
    close(conn);
    return err;
}

/* Connections left in earlier generations' queues go to the new dispatchers, unread. */
static void drain_orphans(void)
{
    int i, conn, old_dispatchers = 0;

    for (i = 0; i < sf_retained->max_slot; i++)
        old_dispatchers += children()[i].kind == SF_CHILD_DISPATCHER &&
                           children()[i].gen != sf_retained->mpm->my_generation;
    for (i = 0; i < sf_retained->norphans; i++) {
        while (pick_dispatcher() >= 0 && (conn = take_queued(sf_retained->orphans[i])) >= 0)
            hand_over(conn, SF_CTL_REDISPATCH);
        /* Once no old dispatcher can add to it, an empty orphan can go. */
        if (!old_dispatchers && take_queued(sf_retained->orphans[i]) < 0) {
            close(sf_retained->orphans[i]);
            sf_retained->orphans[i--] = sf_retained->orphans[--sf_retained->norphans];
        }
    }
}

/*
 * A queue with connections waiting needs workers. A connection that waited
 * SitefenceQueueTimeout for one (the site at MaxClientsVHost with every worker busy, the
 * server at MaxRequestWorkers, forks failing) is answered 503 by a dispatcher: never a hang.
 * The queue is first in, first out, so only its head needs looking at.
 */
static void expire_queue(sf_site_t *site, apr_time_t now)
{
    apr_time_t at;
    int conn;

    while ((at = oldest_queued(site->queue_recv)) && now - at > sf_conf->queue_timeout) {
        conn = take_queued_at(site->queue_recv, &at);
        if (conn < 0)
            return;
        /* A worker took the old one first: this one is not due, it goes to the back. */
        if (at && now - at <= sf_conf->queue_timeout) {
            hand_over(conn, SF_CTL_REDISPATCH);
            return;
        }
        hand_over(conn, SF_CTL_REJECT);
    }
}

/*
 * Connections wait while the site has idle workers: a wake-up went to a worker that could not
 * take its connection (killed, or crashed, between its wake-up and the receive; one that
 * leaves on its own passes it on). Wake one of the others, rather than let the connection wait
 * for the next arrival or for SitefenceQueueTimeout.
 */
static void wake_again(const sf_site_t *site)
{
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET };

    (void)epoll_ctl(site->queue_ep, EPOLL_CTL_MOD, site->queue_recv, &ev);
}

static void serve_backlogs(void)
{
    apr_time_t now = apr_time_now();
    int i;

    count_sites();
    for (i = 1; i < sf_conf->sites->nelts; i++) {
        sf_site_t *site = &APR_ARRAY_IDX(sf_conf->sites, i, sf_site_t);

        site->workers = counts[i].workers;
        if (site->queue_recv < 0 || !queued(site))
            continue;
        if (counts[i].idle)
            wake_again(site);
        if (!grow(i, &counts[i]))
            expire_queue(site, now);
    }
}

/* ---- reaping ----------------------------------------------------------------------------- */

/*
 * A child that could not start has said why and exited APEXIT_CHILDSICK: no new one of its
 * kind (for a worker, of its site) for a second. Forking again at once would fail again, as
 * fast as the parent can fork, and fill the error log.
 */
static void child_sick(const sf_child_t *c)
{
    apr_time_t now = apr_time_now();

    if (c->kind == SF_CHILD_DISPATCHER) {
        dispatchers_sick_until = now + SICK_BACKOFF;
        if (now - dispatchers_sick_logged < REFUSED_LOG_EVERY)
            return;
        dispatchers_sick_logged = now;
        ap_log_error(APLOG_MARK, APLOG_ALERT, 0, main_server, SF_LOG_PREFIX
                     "a dispatcher could not start (see above): no connection is accepted "
                     "without one; trying again every second");
    }
    else if (c->gen == sf_retained->mpm->my_generation && c->site > 0 &&
             c->site < sf_conf->sites->nelts) {
        APR_ARRAY_IDX(sf_conf->sites, c->site, sf_site_t).sick_until = now + SICK_BACKOFF;
    }
}

static void reap(void)
{
    apr_exit_why_e why;
    apr_proc_t proc;
    int status, slot, rc;

    while (apr_proc_wait_all_procs(&proc, &status, &why, APR_NOWAIT, pconf) ==
           APR_CHILD_DONE) {
        slot = find_child(proc.pid);
        if (slot >= 0) {
            rc = ap_process_child_status(&proc, why, status);
            if (rc == APEXIT_CHILDSICK) {
                child_sick(&children()[slot]);
            }
            else if (rc == APEXIT_CHILDFATAL) {
                /* A module's child_init said so (Apache has just logged that it exits). */
                sf_retained->mpm->shutdown_pending = 1;
                sf_retained->mpm->is_ungraceful = 1;
            }
            note_gone(slot);
        }
        else if (apr_proc_other_child_alert(&proc, APR_OC_REASON_DEATH, status) !=
                 APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, main_server, SF_LOG_PREFIX
                         "reaped unknown child %ld", (long)proc.pid);
        }
    }
}

/* ---- generations ------------------------------------------------------------------------- */

static void signal_children(int sig, int kind, int all_gens)
{
    int i;

    for (i = 0; i < sf_retained->max_slot; i++) {
        sf_child_t *c = &children()[i];

        if (c->pid && (kind == SF_CHILD_NONE || c->kind == kind) &&
            (all_gens || c->gen == sf_retained->mpm->my_generation))
            ap_mpm_safe_kill(c->pid, sig);
    }
}

static void stop_dispatchers(void)
{
    sf_ctl_t m = { SF_CTL_STOP, 0, 0, 0 };
    int i;

    for (i = 0; i < sf_retained->max_slot; i++) {
        sf_child_t *c = &children()[i];

        if (c->kind == SF_CHILD_DISPATCHER && c->pid && !c->stopping) {
            c->stopping = 1;
            if (c->ctl < 0 || send_fd(c->ctl, &m, -1))
                ap_mpm_safe_kill(c->pid, SIGTERM);
        }
    }
}

/* This generation's queues become orphans, drained into the next generation's dispatchers. */
static void orphan_queues(void)
{
    int i, n = sf_conf->sites->nelts;

    sf_retained->orphans = realloc(sf_retained->orphans,
                                   (sf_retained->norphans + n) * sizeof(int));
    for (i = 0; i < n; i++) {
        sf_site_t *site = &APR_ARRAY_IDX(sf_conf->sites, i, sf_site_t);

        if (site->queue_send >= 0)
            close(site->queue_send);
        if (site->ns_fd >= 0)
            close(site->ns_fd);
        if (site->ipc_fd >= 0)
            close(site->ipc_fd);
        if (site->queue_ep >= 0)
            close(site->queue_ep);
        if (site->queue_recv >= 0 && sf_retained->orphans)
            sf_retained->orphans[sf_retained->norphans++] = site->queue_recv;
        site->queue_send = site->queue_recv = site->queue_ep = site->ns_fd = site->ipc_fd = -1;
    }
}

static int any_children(int kind)
{
    int i;

    for (i = 0; i < sf_retained->max_slot; i++)
        if (children()[i].pid && (kind == SF_CHILD_NONE || children()[i].kind == kind))
            return 1;
    return 0;
}

/* SIGTERM/SIGHUP: end every child now, SIGKILL what does not go within 3 seconds. */
static void kill_all(void)
{
    int i;

    signal_children(SIGTERM, SF_CHILD_NONE, 1);
    for (i = 0; i < 30 && any_children(SF_CHILD_NONE); i++) {
        apr_sleep(apr_time_from_msec(100));
        reap();
    }
    signal_children(SIGKILL, SF_CHILD_NONE, 1);
    for (i = 0; i < 10 && any_children(SF_CHILD_NONE); i++) {
        apr_sleep(apr_time_from_msec(100));
        reap();
    }
}

/* ---- the loop ---------------------------------------------------------------------------- */

static void wait_events(int timeout_ms)
{
    struct epoll_event evs[32];
    int n, i;

    n = epoll_wait(epfd, evs, 32, timeout_ms);
    for (i = 0; i < n; i++)
        on_ctl(evs[i].data.u32);
}

static void maintain(apr_time_t *last_monitor)
{
    apr_time_t now = apr_time_now();

    reap();
    keep_dispatchers();
    drain_orphans();
    serve_backlogs();
    if (now - last_sample >= apr_time_from_msec(TICK_MS)) {
        last_sample = now;
        sample_idle();
    }
    if (now - last_trim >= TRIM_WINDOW) {
        last_trim = now;
        trim_sites();
    }
    if (now - *last_monitor > apr_time_from_sec(10)) {
        *last_monitor = now;
        ap_run_monitor(pconf, main_server);
        apr_proc_other_child_refresh_all(APR_OC_REASON_RUNNING);
    }
    if (sf_conf->fence && !sf_retained->registered &&
        now - last_register_try > REGISTER_RETRY) {
        last_register_try = now;
        sf_fence_register(pconf, main_server, sf_conf);
    }
}

/* Graceful stop: no new connections; what was accepted is served; then everyone leaves. */
static void graceful_stop(void)
{
    apr_time_t cutoff = ap_graceful_shutdown_timeout
                            ? apr_time_now() + apr_time_from_sec(ap_graceful_shutdown_timeout)
                            : 0;
    apr_time_t last_monitor = 0;
    int draining = 0;

    ap_close_listeners();
    stop_dispatchers();
    sf_retained->mpm->shutdown_pending = 0;
    while (any_children(SF_CHILD_NONE) && !sf_retained->mpm->shutdown_pending &&
           (!cutoff || apr_time_now() < cutoff)) {
        wait_events(TICK_MS);
        reap();
        drain_orphans();
        serve_backlogs();
        /* Once no dispatcher can queue more, workers finish their queues and leave. */
        if (!draining && !any_children(SF_CHILD_DISPATCHER)) {
            signal_children(AP_SIG_GRACEFUL_STOP, SF_CHILD_WORKER, 1);
            draining = 1;
        }
        (void)last_monitor;
    }
    kill_all();
}

static void graceful_restart(void)
{
    ++sf_retained->mpm->my_generation;
    ap_scoreboard_image->global->running_generation = sf_retained->mpm->my_generation;
    stop_dispatchers();
    /* Workers finish the connection in hand and go; their queues are re-dispatched. */
    signal_children(AP_SIG_GRACEFUL, SF_CHILD_WORKER, 1);
    orphan_queues();
}

static void setup(server_rec *s)
{
    struct rlimit rl;

    main_server = s;
    if (!sf_retained->children) {
        int i;

        sf_retained->children = calloc(sf_conf->server_limit, sizeof(sf_child_t));
        for (i = 0; i < sf_conf->server_limit; i++)
            sf_retained->children[i].ctl = -1;
    }
    /* Queues and namespaces of thousands of sites need descriptors. */
    if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < 65536) {
        rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (epfd >= 0)
        close(epfd);
    epfd = epoll_create1(EPOLL_CLOEXEC);
}

/* The mpm hook: one generation, from (re)start to restart or stop. */
int sf_parent_run(apr_pool_t *_pconf, apr_pool_t *plog, server_rec *s)
{
    apr_time_t last_monitor = apr_time_now();
    int i;

    pconf = _pconf;
    counts = apr_pcalloc(pconf, sf_conf->sites->nelts * sizeof(*counts));
    for (i = 0; i < sf_conf->sites->nelts; i++)
        counts[i].min_idle = -1;
    if (!sf_retained->mpm->was_graceful) {
        if (ap_run_pre_mpm(s->process->pool, SB_SHARED) != OK) {
            sf_retained->mpm->mpm_state = AP_MPMQ_STOPPING;
            return !OK;
        }
        ap_scoreboard_image->global->running_generation = sf_retained->mpm->my_generation;
    }
    ap_unixd_mpm_set_signals(pconf, 0);
    setup(s);
    sf_fds_build(pconf, s);
    sf_title_init();
    sf_title_set("%sparent", "sitefence: ");
    sf_retained->registered = 0;
    last_register_try = apr_time_now();
    if (sf_fence_register(pconf, s, sf_conf) != APR_SUCCESS) {
        if (!sf_retained->mpm->was_graceful) {
            sf_retained->mpm->mpm_state = AP_MPMQ_STOPPING;
            return !OK;
        }
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, SF_LOG_PREFIX
                     "graceful restart without a registered site table: sites are served "
                     "once sitefenced takes it (retrying every 10 seconds)");
    }
    sf_warn_cgid();
    /* Only a server that will serve says it runs (apachectl and systemd read this file). */
    ap_log_pid(pconf, ap_pid_fname);
    keep_dispatchers();
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "%s configured -- resuming normal operations",
                 ap_get_server_description());
    ap_log_command_line(plog, s);
    ap_log_mpm_common(s);
    sf_retained->mpm->mpm_state = AP_MPMQ_RUNNING;
    while (!sf_retained->mpm->restart_pending && !sf_retained->mpm->shutdown_pending) {
        wait_events(TICK_MS);
        maintain(&last_monitor);
    }
    sf_retained->mpm->mpm_state = AP_MPMQ_STOPPING;
    if (sf_retained->mpm->shutdown_pending && sf_retained->mpm->is_ungraceful) {
        kill_all();
        ap_remove_pid(pconf, ap_pid_fname);
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "caught SIGTERM, shutting down");
        return DONE;
    }
    if (sf_retained->mpm->shutdown_pending) {
        graceful_stop();
        ap_remove_pid(pconf, ap_pid_fname);
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "caught " AP_SIG_GRACEFUL_STOP_STRING
                     ", shutting down gracefully");
        return DONE;
    }
    if (sf_retained->mpm->is_ungraceful) {
        kill_all();
        orphan_queues();
        ++sf_retained->mpm->my_generation;
        ap_scoreboard_image->global->running_generation = sf_retained->mpm->my_generation;
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "SIGHUP received.  Attempting to restart");
        return OK;
    }
    graceful_restart();
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "Graceful restart requested, doing restart");
    return OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpm_sitefence.h - what the parts of mpm_sitefence share.
 *
 * mpm_sitefence is an Apache httpd 2.4 MPM for shared hosting: every site (a ServerName; its
 * :80 and :443 vhosts are one site) has its own unix user, as with mpm-itk, and its own pool
 * of worker processes that are confined by the sitefence kernel fence from their first
 * instruction and reused across connections instead of being forked for each one.
 *
 *   parent (root)       reads the config, opens the listeners, registers the site table with
 *                       sitefenced, forks and supervises everything; never reads client data.
 *   dispatchers         accept, peek at the request head or TLS ClientHello without consuming
 *                       a byte, choose the vhost as Apache would, and pass the connection's fd
 *                       to the site's queue. Confined to no files at all, unprivileged.
 *   site workers        forked for one site on demand; take the site's fence tag, become the
 *                       site's user and serve connections from the site's queue with Apache's
 *                       normal connection processing; exit when idle.
 *
 * Files: mpm_sitefence.c (module, directives, hooks), sf_sites.c (vhosts to sites),
 * sf_fence.c (sitefenced, tokens, confinement, private /tmp), sf_parent.c (processes and
 * queues), sf_dispatch.c (dispatchers), sf_worker.c (workers), sf_fds.c (which inherited
 * descriptors, other sites' logs among them, a child keeps), sf_title.c (process titles),
 * sniff.c (request heads and ClientHellos).
 */
#ifndef MPM_SITEFENCE_H
#define MPM_SITEFENCE_H

#include "httpd.h"
#include "http_config.h"
#include "apr_pools.h"
#include "apr_tables.h"
#include "mpm_common.h"
#include "scoreboard.h"
#include "unixd.h"

#include <sys/types.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define SF_MPM_NAME "sitefence"
#define SF_LOG_PREFIX "mpm_sitefence: "

/* Per-site fence mode (SitefenceMode). */
enum sf_site_mode {
    SF_SITE_ENFORCE = 0,
    SF_SITE_AUDIT = 1,
    SF_SITE_OFF = 2           /* uid separation only, no fence for this site */
};

/* One SitefenceAllow line. */
typedef struct {
    const char *path;
    const char *access;       /* letters of "rwxcus" */
} sf_allow_t;

/* Per-server (vhost) configuration. */
typedef struct {
    const char *user_name;    /* AssignUserID */
    const char *group_name;
    uid_t uid;
    gid_t gid;
    int uid_set;
    int max_clients;          /* MaxClientsVHost, 0: no limit of its own */
    int nice;                 /* NiceValue */
    int nice_set;
    int mode;                 /* SitefenceMode, -1 unset */
    int hardlinks;            /* SitefenceHardlinks, -1 unset */
    int status_shown;           /* SitefenceStatusDetails shown: 1, hidden: 0, -1 unset */
    apr_array_header_t *allow;    /* sf_allow_t */
    int site;                 /* index into sf_conf.sites, after sf_sites_build */
} sf_server_conf_t;

/* A site of the current generation. */
typedef struct {
    const char *name;
    server_rec *server;       /* its first vhost (for logs and defaults) */
    uid_t uid;
    gid_t gid;
    gid_t groups[32];
    int ngroups;
    int mode;
    int hardlinks;
    int dispatch;             /* the dispatchers' pseudo-site: no files at all */
    int max_workers;
    int nice;
    int nice_set;
    apr_array_header_t *roots;    /* sf_allow_t: documentroots, home, allows, private dirs */
    const char *private_dir;      /* its own /tmp and PHP sessions, when it has one */
    unsigned int fence_id;    /* id sitefenced gave it (0 with SitefenceFence off) */

    /* parent's runtime state */
    int queue_send;           /* SOCK_SEQPACKET pair: dispatchers send fds ... */
    int queue_recv;           /* ... workers receive them; -1 until first needed */
    int queue_ep;             /* epoll instance the site's idle workers wait in, on queue_recv */
    int ns_fd;                /* mount namespace with the private dirs, or -1 */
    int ipc_fd;               /* its own SysV IPC namespace (made with ns_fd), or -1 */
    int workers;              /* alive workers of this site */
    int starting;             /* forked, not yet ready */
    apr_time_t last_spawn;
    apr_time_t last_refused;  /* last time a fork was refused (cap, failure) */
    apr_time_t sick_until;    /* a worker could not start: none forked before this */
} sf_site_t;

/* Global configuration (per generation: rebuilt from the config at each restart). */
typedef struct {
    int fence;                /* SitefenceFence on/off */
    const char *socket;       /* SitefenceSocket */
    const char *owner;        /* SitefenceOwner */
    int dispatchers;          /* SitefenceDispatchers */
    apr_interval_time_t idle_timeout;   /* SitefenceIdleTimeout */
    apr_interval_time_t peek_timeout;   /* SitefencePeekTimeout */
    apr_interval_time_t queue_timeout;  /* SitefenceQueueTimeout */
    const char *private_root; /* SitefencePrivateDir ("none": no private /tmp) */
    int max_workers;          /* MaxRequestWorkers: workers of all sites together */
    int server_limit;         /* ServerLimit: scoreboard slots */
    uid_t uid_min, uid_max;   /* LimitUIDRange */
    gid_t gid_min, gid_max;   /* LimitGIDRange */
    int peek_max;             /* bytes a dispatcher may peek at (SitefencePeekSize) */

    apr_array_header_t *sites;    /* sf_site_t, [0] is the dispatchers' pseudo-site */
    const char *tokens_dir;   /* from sitefenced's HELLO */
} sf_conf_t;

extern sf_conf_t *sf_conf;
extern module AP_MODULE_DECLARE_DATA mpm_sitefence_module;

/* Kinds of children the parent keeps in its table. */
enum sf_child_kind { SF_CHILD_NONE, SF_CHILD_DISPATCHER, SF_CHILD_WORKER };

typedef struct {
    pid_t pid;
    int kind;
    int site;                 /* worker: site index in its generation */
    ap_generation_t gen;
    int ctl;                  /* dispatcher: parent's end of its control channel */
    int stopping;             /* told to stop (graceful restart or stop) */
} sf_child_t;

/* Data kept across restarts (the module is reloaded, the process is not). */
typedef struct {
    ap_unixd_mpm_retained_data *mpm;
    int first_server_limit;
    sf_child_t *children;     /* server_limit entries, indexed by scoreboard slot */
    int *orphans;             /* queues of earlier generations still being drained */
    int norphans;
    int spawner;              /* this process holds the fence's spawner tag */
    char *title;              /* page the process titles (and request labels) live in */
    apr_size_t title_len;
    char cmdline[256];        /* the parent's own command line, NUL-separated ... */
    apr_size_t cmdline_len;   /* ... shown again while it reads its config */
    int max_slot;             /* highest slot ever used + 1 */
    int registered;           /* a site table was accepted by sitefenced */
} sf_retained_t;

extern sf_retained_t *sf_retained;

/* Messages on a dispatcher's control channel (SOCK_SEQPACKET, fixed size). */
enum sf_ctl_type {
    SF_CTL_NEED_QUEUE = 1,    /* D->P: a connection for site waits; send its queue */
    SF_CTL_NEED_WORKER = 2,   /* D->P: site's queue has no idle worker */
    SF_CTL_QUEUE = 3,         /* P->D: + fd: the send end of site's queue */
    SF_CTL_REDISPATCH = 4,    /* P->D: + fd: a connection to dispatch again */
    SF_CTL_STOP = 5,          /* P->D: stop accepting, hand off what you hold, exit */
    SF_CTL_REJECT = 6         /* P->D: + fd: answer 503 and close */
};

typedef struct {
    apr_uint32_t type;
    apr_uint32_t site;
    apr_uint32_t gen;         /* generation the site index belongs to */
    apr_uint32_t pad;
} sf_ctl_t;

/* A TCP endpoint's address, as accept() and getsockname() give it. */
typedef union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
} sf_sockaddr_t;

/* The length of a TCP address of family f, or 0 if f is not a TCP family. */
static inline apr_uint32_t sf_sockaddr_len(int f)
{
    return f == AF_INET ? sizeof(struct sockaddr_in) :
           f == AF_INET6 ? sizeof(struct sockaddr_in6) : 0;
}

/*
 * Queue message that carries a connection to a worker. The local address, which the
 * dispatcher has (from the listener or from the kernel), goes with it, so the worker's APR
 * socket has it without getsockname, as prefork's socket from apr_socket_accept has; 0 means
 * unknown, and APR asks the kernel when Apache needs it. (The peer's address cannot be given
 * the same way: apr_os_sock_make still marks it unknown.)
 */
typedef struct {
    apr_uint32_t magic;       /* SF_CONN_MAGIC */
    apr_uint32_t site;
    apr_int64_t queued_at;    /* apr_time_t: for SitefenceQueueTimeout */
    apr_uint32_t local_len;   /* bytes of local, 0 if unknown */
    apr_uint32_t pad;
    sf_sockaddr_t local;
} sf_conn_msg_t;
#define SF_CONN_MAGIC 0x53464331u

/* mpm_sitefence.c */
void sf_warn_cgid(void);

/* sf_sites.c */
const char *sf_sites_build(apr_pool_t *p, server_rec *main_s, sf_conf_t *conf);
const char *sf_sites_table(apr_pool_t *p, const sf_conf_t *conf);
int sf_site_of_server(const server_rec *s);

/* sf_fence.c */
apr_status_t sf_fence_register(apr_pool_t *p, server_rec *s, sf_conf_t *conf);
apr_status_t sf_fence_arm(int arm);
apr_status_t sf_fence_take_site(const sf_site_t *site);
apr_status_t sf_fence_become(const sf_site_t *site);
apr_status_t sf_fence_private_dirs(apr_pool_t *p, server_rec *s, sf_site_t *site);
apr_status_t sf_fence_private_ns(apr_pool_t *p, server_rec *s, sf_site_t *site);
apr_status_t sf_fence_enter_ns(const sf_site_t *site, int saved[2]);
void sf_fence_leave_ns(int saved[2]);

/* sf_parent.c */
int sf_parent_run(apr_pool_t *pconf, apr_pool_t *plog, server_rec *s);
void sf_child_close_fds(int keep_queue, int keep_ctl);

/* sf_dispatch.c */
void sf_dispatcher_main(apr_pool_t *pconf, server_rec *s, int slot, int ctl)
    __attribute__((noreturn));

/* sf_worker.c */
void sf_worker_main(apr_pool_t *pconf, server_rec *s, int slot, int site_index)
    __attribute__((noreturn));
void sf_worker_register_hooks(apr_pool_t *p);
int sf_worker_site(void);
int sf_worker_slot(void);

/* sf_status.c */
void sf_status_claim_slot(int slot, const char *name);
void sf_status_register_hooks(apr_pool_t *p);

/* sf_fds.c */
int sf_fds_watch_logs(apr_pool_t *p, server_rec *s);
void sf_fds_build(apr_pool_t *p, server_rec *main_s);
int sf_fds_for_worker(int site);
int sf_fds_cloexec(void);
int sf_fds_keep_only(const int *keep, int nkeep);

/* sf_title.c */
void sf_title_init(void);
void sf_title_restore(void);
void sf_title_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sf_title_request(const char *site, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* MPM_SITEFENCE_H */

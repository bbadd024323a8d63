/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sf_fds.c - which of the parent's open descriptors a child keeps.
 *
 * A forked child inherits every descriptor the parent has open, and descriptors are not
 * files the fence sees opened: writing to one asks the kernel nothing the fence hooks. The
 * parent holds every vhost's logs (ErrorLog, CustomLog, TransferLog; files, and the write
 * ends of piped loggers' pipes, with their read ends), so without this a site's worker could
 * add lines to another site's logs, and a program the site runs (PHP's exec(), a CGI script)
 * would inherit the pipes, which Apache leaves without close-on-exec. So:
 *
 *   - a worker of site S keeps its own site's logs and the ones every site shares (the main
 *     server's, which vhosts without logs of their own inherit); another site's access log
 *     becomes /dev/null, another site's error log the main error log (a message about a
 *     connection whose default vhost is another site still reaches the admin), and so does a
 *     pipe's read end. Everything above stderr is then close-on-exec, so what the site execs
 *     starts with stdin, stdout and stderr only.
 *   - a dispatcher, which runs no module's code, keeps only what the caller names (its
 *     listeners and channel), stdin, stdout, stderr and the main error log; the rest become
 *     /dev/null (error logs the main one).
 *
 * Nothing is closed outright: the numbers stay taken (see replace()).
 *
 * Which log a descriptor is: the error logs are in each server_rec; the access logs are
 * opened by mod_log_config through a writer-init function it lets other modules replace, so
 * one wrapped around it sees which server each log is opened for and which descriptors the
 * opening added. Logs opened by other modules (a third-party audit log per vhost, say) are
 * not known here and stay open in every worker, close-on-exec like the rest.
 */
#include "mpm_sitefence.h"

#include "http_log.h"
#include "mod_log_config.h"
#include "apr_hash.h"
#include "apr_optional.h"
#include "apr_portable.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

enum fd_kind { FD_ACCESS_LOG, FD_ERROR_LOG, FD_PIPE_READ };

typedef struct {
    int fd;
    int kind;
    int site;                 /* the site whose log it is; 0: every site's */
} fd_entry_t;

/* This generation's table, built by the parent before it forks children; by_fd indexes it
 * (thousands of sites with logs of their own make thousands of entries). */
static apr_array_header_t *table;
static apr_hash_t *by_fd;
static int main_error_fd = -1;

/* While the logs are opened: what was open before each opening, and whose openings. */
static struct {
    unsigned char *open;      /* open[fd]: open and accounted for */
    int size;
    int lowest;               /* no free descriptor below this */
    int hi;                   /* highest open descriptor seen */
    apr_array_header_t *opened;   /* opened_t, by the wrapped writer init */
    server_rec *main_s;
} scan;

typedef struct {
    int fd;
    server_rec *s;
} opened_t;

static ap_log_writer_init *next_writer_init;

/* fds[*n] = fd, growing fds as needed. */
static int push(int **fds, int *n, int *cap, int fd)
{
    int *more;

    if (*n == *cap) {
        more = realloc(*fds, (*cap ? 2 * *cap : 64) * sizeof(**fds));
        if (!more)
            return -ENOMEM;
        *fds = more;
        *cap = *cap ? 2 * *cap : 64;
    }
    (*fds)[(*n)++] = fd;
    return 0;
}

/* The descriptors open now, from /proc (malloc'd; the listing's own one left out). */
static int list_fds(int **out, int *n)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int *fds = NULL, cap = 0, err = 0;
    char *end;
    long fd;

    *n = 0;
    if (!d)
        return -errno;
    while (!err && (e = readdir(d))) {
        fd = strtol(e->d_name, &end, 10);
        if (!*end && end != e->d_name && fd >= 0 && fd <= 0x7fffffff && fd != dirfd(d))
            err = push(&fds, n, &cap, (int)fd);
    }
    closedir(d);
    if (err) {
        free(fds);
        *n = 0;
        fds = NULL;
    }
    *out = fds;
    return err;
}

static int mark_open(int fd)
{
    if (fd >= scan.size) {
        int size = scan.size ? scan.size : 256;
        unsigned char *bigger;

        while (size <= fd)
            size *= 2;
        bigger = realloc(scan.open, size);
        if (!bigger)
            return -ENOMEM;
        memset(bigger + scan.size, 0, size - scan.size);
        scan.open = bigger;
        scan.size = size;
    }
    scan.open[fd] = 1;
    if (fd > scan.hi)
        scan.hi = fd;
    return 0;
}

static void note(int fd, server_rec *s)
{
    opened_t *o;

    if (mark_open(fd) || !s)
        return;
    o = apr_array_push(scan.opened);
    o->fd = fd;
    o->s = s;
}

/*
 * Descriptors opened since the last sweep. The kernel gives the lowest free number, so new
 * ones fill the holes below hi from the lowest up, and then lie just above hi: the first hole
 * still free ends the look at the holes (after a graceful restart, the closed logs of the
 * generation before leave thousands), and 32 numbers past hi are asked about too.
 */
static void sweep(server_rec *s)
{
    int fd, past = 0;

    for (fd = scan.lowest; fd <= scan.hi; fd++) {
        if (fd < scan.size && scan.open[fd])
            continue;
        if (fcntl(fd, F_GETFD) < 0)
            break;
        note(fd, s);
    }
    for (fd = scan.hi + 1; past < 32; fd++) {
        if (fcntl(fd, F_GETFD) < 0) {
            past++;
            continue;
        }
        past = 0;
        note(fd, s);
    }
    while (scan.lowest < scan.size && scan.open[scan.lowest])
        scan.lowest++;
}

/*
 * The same in a child, which the fence keeps out of /proc (a tagged process may read no file
 * outside its site; the parent reads /proc before it is tagged): each number is asked about,
 * up to the descriptor limit.
 */
static int probe_fds(int **out, int *n)
{
    struct rlimit rl;
    rlim_t hi = 65536;
    int *fds = NULL, cap = 0, fd, err = 0;

    *n = 0;
    if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY)
        hi = rl.rlim_cur;
    if (hi > 1 << 20)
        hi = 1 << 20;
    for (fd = 0; !err && (rlim_t)fd < hi; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            err = push(&fds, n, &cap, fd);
    if (err) {
        free(fds);
        *n = 0;
        fds = NULL;
    }
    *out = fds;
    return err;
}

/* What is open before mod_log_config opens its logs: exactly, from /proc. */
static int first_scan(void)
{
    int *fds, n, i, err;

    err = list_fds(&fds, &n);
    for (i = 0; !err && i < n; i++)
        err = mark_open(fds[i]);
    free(fds);
    while (!err && scan.lowest < scan.size && scan.open[scan.lowest])
        scan.lowest++;
    return err;
}

static void *wrapped_writer_init(apr_pool_t *p, server_rec *s, const char *name)
{
    void *handle;

    sweep(NULL);          /* opened by someone else meanwhile: not this log's */
    handle = next_writer_init(p, s, name);
    sweep(s);
    return handle;
}

int sf_fds_watch_logs(apr_pool_t *p, server_rec *s)
{
    APR_OPTIONAL_FN_TYPE(ap_log_set_writer_init) *set_init;
    int err;

    free(scan.open);
    memset(&scan, 0, sizeof(scan));
    scan.opened = apr_array_make(p, 64, sizeof(opened_t));
    scan.main_s = s;
    table = NULL;
    by_fd = NULL;
    next_writer_init = NULL;
    set_init = APR_RETRIEVE_OPTIONAL_FN(ap_log_set_writer_init);
    if (!set_init)
        return 0;     /* no mod_log_config: no access logs */
    if ((err = first_scan())) {
        ap_log_error(APLOG_MARK, APLOG_CRIT | APLOG_STARTUP, -err, NULL, SF_LOG_PREFIX
                     "cannot list the server's open descriptors in /proc/self/fd");
        return -1;
    }
    next_writer_init = set_init(wrapped_writer_init);
    return 0;
}

static int fd_of(apr_file_t *f)
{
    apr_os_file_t fd;

    return f && apr_os_file_get(&fd, f) == APR_SUCCESS ? fd : -1;
}

/* The site a server's own log belongs to: 0 for the main server's, which vhosts share. */
static int owner(const server_rec *s)
{
    int site = s == scan.main_s ? 0 : sf_site_of_server(s);

    return site > 0 ? site : 0;
}

static fd_entry_t *entry(int fd)
{
    void *i = by_fd ? apr_hash_get(by_fd, &fd, sizeof(fd)) : NULL;

    return i ? &APR_ARRAY_IDX(table, (intptr_t)i - 1, fd_entry_t) : NULL;
}

static void add(int fd, int kind, int site)
{
    fd_entry_t *e;
    int *key;

    if (fd <= STDERR_FILENO || fd == main_error_fd)
        return;
    if ((e = entry(fd))) {
        if (e->site != site)
            e->site = 0;      /* two sites': no one site's to take away */
        return;
    }
    e = apr_array_push(table);
    e->fd = fd;
    e->kind = kind;
    e->site = site;
    key = apr_palloc(table->pool, sizeof(*key));
    *key = fd;
    apr_hash_set(by_fd, key, sizeof(*key), (void *)(intptr_t)table->nelts);
}

/* Whether fd is a pipe's read end, and its inode. */
static int read_end(int fd, ino_t *ino)
{
    struct stat st;
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || (fl & O_ACCMODE) != O_RDONLY || fstat(fd, &st) || !S_ISFIFO(st.st_mode))
        return 0;
    *ino = st.st_ino;
    return 1;
}

/* The read ends of the pipes whose write ends are logs: piped loggers read them, no child. */
static void add_read_ends(void)
{
    struct stat st;
    ino_t ino, *pipes;
    int *fds, nfds, i, j, npipes = 0, n = table->nelts;

    /* The pipes first (a few piped loggers among what may be thousands of log files). */
    pipes = malloc((n ? n : 1) * sizeof(*pipes));
    if (!pipes || list_fds(&fds, &nfds)) {
        free(pipes);
        return;
    }
    for (i = 0; i < n; i++) {
        const fd_entry_t *w = &APR_ARRAY_IDX(table, i, fd_entry_t);

        if (w->kind != FD_PIPE_READ && !fstat(w->fd, &st) && S_ISFIFO(st.st_mode))
            pipes[npipes++] = st.st_ino;
    }
    for (j = 0; npipes && j < nfds; j++) {
        if (fds[j] <= STDERR_FILENO || !read_end(fds[j], &ino))
            continue;
        for (i = 0; i < npipes; i++)
            if (pipes[i] == ino) {
                add(fds[j], FD_PIPE_READ, 0);
                break;
            }
    }
    free(fds);
    free(pipes);
}

void sf_fds_build(apr_pool_t *p, server_rec *main_s)
{
    const opened_t *o;
    server_rec *s;
    ino_t ino;
    int i;

    table = apr_array_make(p, 64, sizeof(fd_entry_t));
    by_fd = apr_hash_make(p);
    main_error_fd = fd_of(main_s->error_log);
    for (s = main_s->next; s; s = s->next)
        if (s->error_log != main_s->error_log)
            add(fd_of(s->error_log), FD_ERROR_LOG, owner(s));
    for (i = 0; scan.opened && i < scan.opened->nelts; i++) {
        o = &APR_ARRAY_IDX(scan.opened, i, opened_t);
        /* The sweep may have seen one that is closed again by now: only what is open. */
        if (fcntl(o->fd, F_GETFD) < 0)
            continue;
        add(o->fd, read_end(o->fd, &ino) ? FD_PIPE_READ : FD_ACCESS_LOG, owner(o->s));
    }
    add_read_ends();
    free(scan.open);
    scan.open = NULL;
    scan.size = 0;
    scan.opened = NULL;
}

/* Every descriptor above stderr close-on-exec: one call since Linux 5.11, else one by one. */
int sf_fds_cloexec(void)
{
    int *fds, n, i, err;

    if (!close_range(STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC))
        return 0;
    err = probe_fds(&fds, &n);
    for (i = 0; !err && i < n; i++)
        if (fds[i] > STDERR_FILENO && fcntl(fds[i], F_SETFD, FD_CLOEXEC))
            err = -errno;
    free(fds);
    return err;
}

/*
 * What takes the place of a descriptor a child must not have. Never a plain close(): Apache
 * still holds an apr_file_t with that number, which it may write to (a vhost's error log) or
 * close before an exec (APR's cleanups, as mod_cgi spawns a script), by then closing whatever
 * reused the number, the script's stdout say. An error log becomes the main one, anything
 * else /dev/null.
 */
static int replace(int fd, int kind, int null_fd)
{
    int with = kind == FD_ERROR_LOG && main_error_fd >= 0 ? main_error_fd : null_fd;

    return dup2(with, fd) < 0 ? -errno : 0;
}

int sf_fds_for_worker(int site)
{
    int i, null_fd, err = 0;

    null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_fd < 0)
        return -errno;
    for (i = 0; table && i < table->nelts && !err; i++) {
        const fd_entry_t *e = &APR_ARRAY_IDX(table, i, fd_entry_t);

        if (e->kind == FD_PIPE_READ || (e->site && e->site != site))
            err = replace(e->fd, e->kind, null_fd);
    }
    close(null_fd);
    return err;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return x < y ? -1 : x > y;
}

/* Replace everything but stdin, stdout, stderr, the main error log and keep[0..nkeep-1]. */
int sf_fds_keep_only(const int *keep, int nkeep)
{
    const fd_entry_t *e;
    int *k, *fds = NULL, n, i, null_fd = -1, err;

    k = malloc((nkeep + 1) * sizeof(*k));
    if (!k)
        return -ENOMEM;
    memcpy(k, keep, nkeep * sizeof(*k));
    k[nkeep++] = main_error_fd;
    qsort(k, nkeep, sizeof(*k), cmp_int);
    err = probe_fds(&fds, &n);
    if (!err && (null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
        err = -errno;
    for (i = 0; !err && i < n; i++) {
        if (fds[i] <= STDERR_FILENO || fds[i] == null_fd ||
            bsearch(&fds[i], k, nkeep, sizeof(*k), cmp_int))
            continue;
        e = entry(fds[i]);
        err = replace(fds[i], e ? e->kind : FD_ACCESS_LOG, null_fd);
    }
    if (null_fd >= 0)
        close(null_fd);
    free(fds);
    free(k);
    return err;
}

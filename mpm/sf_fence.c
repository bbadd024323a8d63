/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sf_fence.c - the MPM's side of the sitefence kernel fence.
 *
 * The parent registers its site table with sitefenced and takes the spawner tag. Before each
 * fork of a dispatcher or worker it "arms" (opens the arm token), so the kernel tags that child
 * PENDING from its first instruction; nothing else the parent forks (piped loggers, mod_cgid's
 * daemon) is armed, so those keep working as before. The child then takes its site by opening
 * the site's token - the kernel makes that change, once - and proves it took by failing to
 * open it again, becomes the site's user and sets no_new_privs. Every tag change is the
 * kernel's: this code only asks.
 *
 * Each site also gets a mount namespace of its own where /tmp and PHP's session directory are
 * the site's private directories, so that uploads and sessions work without per-site PHP
 * settings and are no channel between sites.
 */
#include "mpm_sitefence.h"

#include "http_log.h"
#include "apr_strings.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto.h"
#include "parse.h"

#define SF_TIMEOUT_MS 30000

/* One request on an open control connection; the reply's text in *ret (pool memory). */
static apr_status_t call(apr_pool_t *p, int fd, apr_uint16_t type, const char *req,
                         char **ret)
{
    struct sf_msg reply;
    int err;

    err = sf_client_call(fd, type, req, strlen(req), &reply, SF_TIMEOUT_MS);
    if (err)
        return APR_FROM_OS_ERROR(-err);
    *ret = apr_pstrdup(p, reply.data);
    sf_msg_free(&reply);
    return APR_SUCCESS;
}

/* "site NAME ID" lines of SET_SITES' reply: the ids the kernel knows the sites by. */
static int take_ids(sf_conf_t *conf, char *body)
{
    char *line, *save, *w[4];
    apr_uint32_t id;
    int i, n, missing = 0;

    for (line = apr_strtok(body, "\n", &save); line; line = apr_strtok(NULL, "\n", &save)) {
        n = split_words(line, w, 4);
        if (n != 3 || strcmp(w[0], "site") || parse_u32(w[2], 1, UINT32_MAX - 1, &id))
            continue;
        for (i = 0; i < conf->sites->nelts; i++) {
            sf_site_t *site = &APR_ARRAY_IDX(conf->sites, i, sf_site_t);

            if (!strcasecmp(site->name, w[1]))
                site->fence_id = id;
        }
    }
    for (i = 0; i < conf->sites->nelts; i++) {
        sf_site_t *site = &APR_ARRAY_IDX(conf->sites, i, sf_site_t);

        missing += site->mode != SF_SITE_OFF && !site->fence_id;
    }
    return missing;
}

static const char *reply_value(apr_pool_t *p, const char *reply, const char *key)
{
    const char *at = strstr(reply, apr_pstrcat(p, "\n", key, " ", NULL));
    const char *end;

    if (!at)
        return NULL;
    at += strlen(key) + 2;
    end = strchr(at, '\n');
    return end ? apr_pstrmemdup(p, at, end - at) : apr_pstrdup(p, at);
}

static int open_token(const char *dir, const char *name)
{
    char path[PATH_MAX];
    int fd;

    apr_snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    close(fd);
    return 0;
}

/*
 * Take the spawner tag once per process, and prove the fence holds it: a spawner may not take
 * it again, so a second open must be refused. Without the fence both opens succeed, and
 * starting anyway would be a silent fall back to less security.
 */
static apr_status_t become_spawner(server_rec *s, const char *tokens)
{
    int err;

    if (sf_retained->spawner)
        return APR_SUCCESS;
    err = open_token(tokens, "spawner");
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT | APLOG_STARTUP, -err, NULL, SF_LOG_PREFIX
                     "cannot take the spawner tag (%s/spawner)", tokens);
        return APR_FROM_OS_ERROR(-err);
    }
    if (!open_token(tokens, "spawner")) {
        ap_log_error(APLOG_MARK, APLOG_CRIT | APLOG_STARTUP, 0, NULL, SF_LOG_PREFIX
                     "the kernel fence is not in force (a spawner token could be opened "
                     "twice): is sitefenced's fence loaded? see sitefencectl status");
        return APR_EGENERAL;
    }
    sf_retained->spawner = 1;
    (void)s;
    return APR_SUCCESS;
}

static void log_refused(server_rec *s, const char *what, const char *body)
{
    ap_log_error(APLOG_MARK, APLOG_CRIT | APLOG_STARTUP, 0, NULL, SF_LOG_PREFIX
                 "sitefenced refused %s:\n%s", what, body);
    (void)s;
}

apr_status_t sf_fence_register(apr_pool_t *p, server_rec *s, sf_conf_t *conf)
{
    char *reply = NULL, *hello;
    apr_status_t rv;
    int fd, err, i;

    if (!conf->fence) {
        ap_log_error(APLOG_MARK, APLOG_WARNING | APLOG_STARTUP, 0, NULL, SF_LOG_PREFIX
                     "SitefenceFence off: sites are separated by unix users only, the "
                     "kernel fence is NOT in force for any site");
        return APR_SUCCESS;
    }
    /* The private directories must exist before sitefenced resolves them as roots. */
    for (i = 1; i < conf->sites->nelts; i++)
        if (sf_fence_private_dirs(p, s, &APR_ARRAY_IDX(conf->sites, i, sf_site_t)))
            return APR_EGENERAL;
    err = sf_client_connect(conf->socket, &fd);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT | APLOG_STARTUP, -err, NULL, SF_LOG_PREFIX
                     "cannot reach sitefenced at %s: start it (systemctl start sitefence) "
                     "and check 'sitefencectl status'; to run with uid separation only "
                     "(no kernel fence), set 'SitefenceFence off'", conf->socket);
        return APR_FROM_OS_ERROR(-err);
    }
    hello = apr_psprintf(p, "owner %s\n", conf->owner);
    rv = call(p, fd, SF_MSG_HELLO, hello, &reply);
    if (rv == APR_SUCCESS && strncmp(reply, "ok\n", 3)) {
        log_refused(s, "this server", reply);
        rv = APR_EGENERAL;
    }
    if (rv == APR_SUCCESS) {
        conf->tokens_dir = reply_value(p, reply, "tokens");
        rv = call(p, fd, SF_MSG_SET_SITES, sf_sites_table(p, conf), &reply);
    }
    close(fd);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT | APLOG_STARTUP, rv, NULL, SF_LOG_PREFIX
                     "talking to sitefenced at %s failed", conf->socket);
        return rv;
    }
    if (strncmp(reply, "ok\n", 3)) {
        log_refused(s, "the site table", reply);
        return APR_EGENERAL;
    }
    if (!conf->tokens_dir || take_ids(conf, reply + 3)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT | APLOG_STARTUP, 0, NULL, SF_LOG_PREFIX
                     "sitefenced's reply lacks the token directory or site ids");
        return APR_EGENERAL;
    }
    sf_retained->registered = 1;
    return become_spawner(s, conf->tokens_dir);
}

apr_status_t sf_fence_arm(int arm)
{
    int err;

    if (!sf_conf->fence)
        return APR_SUCCESS;
    err = open_token(sf_conf->tokens_dir, arm ? "arm" : "disarm");
    return err ? APR_FROM_OS_ERROR(-err) : APR_SUCCESS;
}

/* In the child: take the site, and prove the kernel made the change. */
apr_status_t sf_fence_take_site(const sf_site_t *site)
{
    char name[32];
    int err;

    if (!sf_conf->fence || site->mode == SF_SITE_OFF)
        return APR_SUCCESS;
    apr_snprintf(name, sizeof(name), "site-%u", site->fence_id);
    err = open_token(sf_conf->tokens_dir, name);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, -err, NULL, SF_LOG_PREFIX
                     "site %s: the kernel refused its token %s/%s", site->name,
                     sf_conf->tokens_dir, name);
        return APR_FROM_OS_ERROR(-err);
    }
    if (!open_token(sf_conf->tokens_dir, name)) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, NULL, SF_LOG_PREFIX
                     "site %s: the fence did not confine this process; refusing to serve",
                     site->name);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

/* No capability may survive: the kernel clears them at setuid, this checks it did. */
static int caps_clear(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];

    if (syscall(SYS_capget, &h, d))
        return 0;
    return !d[0].effective && !d[1].effective && !d[0].permitted && !d[1].permitted;
}

/* In the child, after take_site: the site's groups, gid and uid, in that order; then no way
 * back (no capabilities, no_new_privs). */
apr_status_t sf_fence_become(const sf_site_t *site)
{
    if (site->nice_set && setpriority(PRIO_PROCESS, 0, site->nice) && site->nice > 0)
        ap_log_error(APLOG_MARK, APLOG_WARNING, errno, NULL, SF_LOG_PREFIX
                     "site %s: setpriority(%d)", site->name, site->nice);
    if (setgroups(site->ngroups, site->groups) ||
        setresgid(site->gid, site->gid, site->gid) ||
        setresuid(site->uid, site->uid, site->uid)) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, errno, NULL, SF_LOG_PREFIX
                     "site %s: cannot become uid %ld gid %ld", site->name,
                     (long)site->uid, (long)site->gid);
        return APR_FROM_OS_ERROR(errno);
    }
    if (!caps_clear() || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, errno, NULL, SF_LOG_PREFIX
                     "site %s: capabilities remain or no_new_privs failed", site->name);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

/* A private directory, owned and moded as asked; its parents as root's 0755. */
static apr_status_t make_dir(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
    char parent[PATH_MAX], *slash;
    struct stat st;

    if (mkdir(path, mode) && errno == ENOENT) {
        apr_cpystrn(parent, path, sizeof(parent));
        slash = strrchr(parent, '/');
        if (!slash || slash == parent)
            return APR_ENOENT;
        *slash = '\0';
        if (make_dir(parent, 0755, 0, 0) != APR_SUCCESS)
            return APR_FROM_OS_ERROR(errno);
        if (mkdir(path, mode) && errno != EEXIST)
            return APR_FROM_OS_ERROR(errno);
    }
    else if (errno != EEXIST && access(path, F_OK)) {
        return APR_FROM_OS_ERROR(errno);
    }
    if (lstat(path, &st) || !S_ISDIR(st.st_mode))
        return APR_ENOTDIR;
    if ((st.st_uid != uid || st.st_gid != gid) && lchown(path, uid, gid))
        return APR_FROM_OS_ERROR(errno);
    if ((st.st_mode & 07777) != mode && chmod(path, mode))
        return APR_FROM_OS_ERROR(errno);
    return APR_SUCCESS;
}

/* The helper's work, in a new mount namespace: bind the site's directories over the shared
 * ones. Mounts made by the host later still propagate in (slave), none leak out. Both sources
 * are opened before anything is covered: a private directory below /tmp would be out of
 * sight once /tmp is. */
static int private_mounts(const sf_site_t *site)
{
    char *tmp = apr_pstrcat(site->roots->pool, site->private_dir, "/tmp", NULL);
    char *ses = apr_pstrcat(site->roots->pool, site->private_dir, "/sessions", NULL);
    char tmp_src[64], ses_src[64];
    int tfd, sfd;
    struct stat st;

    /*
     * Opened in the new namespace: a bind mount's source must be one of its mounts. A SysV
     * IPC namespace of its own too: shared memory, semaphores and message queues are no
     * files, the fence does not see them, and a segment one site made for its uid (or for
     * everyone) would be open to every other site of that uid (or to all).
     */
    if (unshare(CLONE_NEWNS | CLONE_NEWIPC) || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL))
        return errno;
    tfd = open(tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
    sfd = open(ses, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (tfd < 0 || sfd < 0)
        return errno;
    apr_snprintf(tmp_src, sizeof(tmp_src), "/proc/self/fd/%d", tfd);
    apr_snprintf(ses_src, sizeof(ses_src), "/proc/self/fd/%d", sfd);
    if (!stat("/var/lib/php/sessions", &st) &&
        mount(ses_src, "/var/lib/php/sessions", NULL, MS_BIND, NULL))
        return errno;
    if (mount(tmp_src, "/tmp", NULL, MS_BIND, NULL))
        return errno;
    return 0;
}

/* <private_root>/<site>/{tmp,sessions}, owned by the site's user. */
apr_status_t sf_fence_private_dirs(apr_pool_t *p, server_rec *s, sf_site_t *site)
{
    apr_status_t rv;

    if (!site->private_dir)
        return APR_SUCCESS;
    if ((rv = make_dir(sf_conf->private_root, 0711, 0, 0)) ||
        (rv = make_dir(site->private_dir, 0711, 0, 0)) ||
        (rv = make_dir(apr_pstrcat(p, site->private_dir, "/tmp", NULL), 0700, site->uid,
                       site->gid)) ||
        (rv = make_dir(apr_pstrcat(p, site->private_dir, "/sessions", NULL), 0700,
                       site->uid, site->gid))) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, SF_LOG_PREFIX
                     "site %s: cannot prepare %s", site->name, site->private_dir);
        return rv;
    }
    return APR_SUCCESS;
}

apr_status_t sf_fence_private_ns(apr_pool_t *p, server_rec *s, sf_site_t *site)
{
    int go[2], done[2], err = 0, status;
    char path[64];
    pid_t pid;
    apr_status_t rv;

    if (!site->private_dir || site->ns_fd >= 0)
        return APR_SUCCESS;
    rv = sf_fence_private_dirs(p, s, site);
    if (rv != APR_SUCCESS)
        return rv;
    if (pipe2(go, O_CLOEXEC))
        return APR_FROM_OS_ERROR(errno);
    if (pipe2(done, O_CLOEXEC)) {
        close(go[0]);
        close(go[1]);
        return APR_FROM_OS_ERROR(errno);
    }
    pid = fork();
    if (pid == 0) {
        char c = 0;

        /* Only the parent's closing of done[1] may end the read below. */
        close(go[0]);
        close(done[1]);
        err = private_mounts(site);
        if (write(go[1], &err, sizeof(err)) != sizeof(err) || read(done[0], &c, 1) < 0)
            _exit(1);
        _exit(0);
    }
    close(go[1]);
    close(done[0]);
    if (pid < 0 || read(go[0], &err, sizeof(err)) != sizeof(err))
        err = pid < 0 ? errno : EIO;
    if (err)
        ap_log_error(APLOG_MARK, APLOG_ERR, err, s, SF_LOG_PREFIX
                     "site %s: cannot mount its private /tmp", site->name);
    if (!err) {
        apr_snprintf(path, sizeof(path), "/proc/%ld/ns/ipc", (long)pid);
        site->ipc_fd = open(path, O_RDONLY | O_CLOEXEC);
        apr_snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", (long)pid);
        site->ns_fd = site->ipc_fd < 0 ? -1 : open(path, O_RDONLY | O_CLOEXEC);
        if (site->ns_fd < 0) {
            err = errno;
            if (site->ipc_fd >= 0)
                close(site->ipc_fd);
            site->ipc_fd = -1;
        }
    }
    close(go[0]);
    close(done[1]);
    if (pid > 0)
        waitpid(pid, &status, 0);
    return err ? APR_FROM_OS_ERROR(err) : APR_SUCCESS;
}

/* One namespace of the site's: the parent's saved in *saved, then the site's entered. */
static int enter_one(int site_fd, int type, const char *self, int *saved)
{
    *saved = -1;
    if (site_fd < 0)
        return 0;
    *saved = open(self, O_RDONLY | O_CLOEXEC);
    if (*saved >= 0 && !setns(site_fd, type))
        return 0;
    if (*saved >= 0)
        close(*saved);
    *saved = -1;
    return -errno;
}

/*
 * Around a worker's fork: the parent steps into the site's namespaces (mounts, SysV IPC) and
 * back. saved[0] and saved[1] are the parent's own, -1 where the site has none.
 */
apr_status_t sf_fence_enter_ns(const sf_site_t *site, int saved[2])
{
    int err;

    saved[1] = -1;
    err = enter_one(site->ns_fd, CLONE_NEWNS, "/proc/self/ns/mnt", &saved[0]);
    if (!err)
        err = enter_one(site->ipc_fd, CLONE_NEWIPC, "/proc/self/ns/ipc", &saved[1]);
    if (err) {
        sf_fence_leave_ns(saved);
        return APR_FROM_OS_ERROR(-err);
    }
    return APR_SUCCESS;
}

void sf_fence_leave_ns(int saved[2])
{
    if (saved[1] >= 0) {
        if (setns(saved[1], CLONE_NEWIPC))
            ap_log_error(APLOG_MARK, APLOG_EMERG, errno, NULL, SF_LOG_PREFIX
                         "cannot return to the server's IPC namespace");
        close(saved[1]);
        saved[1] = -1;
    }
    if (saved[0] < 0)
        return;
    if (setns(saved[0], CLONE_NEWNS))
        ap_log_error(APLOG_MARK, APLOG_EMERG, errno, NULL, SF_LOG_PREFIX
                     "cannot return to the server's mount namespace");
    close(saved[0]);
    saved[0] = -1;
    /* setns() moved the working directory to the namespace's root. */
    if (chdir("/"))
        ap_log_error(APLOG_MARK, APLOG_WARNING, errno, NULL, SF_LOG_PREFIX "chdir /");
}

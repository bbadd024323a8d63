/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sf_sites.c - from Apache's vhosts to sitefence sites, and the site table that sitefenced
 * enforces. A site is a ServerName: every vhost with that name (its :80 and :443) is one site,
 * with one user. Its default boundary is its DocumentRoots and its user's home directory; a
 * home shared with another site, or holding another site's DocumentRoot, is left out, because
 * it would let one site into the other.
 */
#include "mpm_sitefence.h"

#include "ap_listen.h"
#include "http_core.h"
#include "http_log.h"
#include "apr_hash.h"
#include "apr_strings.h"

#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

int sf_site_of_server(const server_rec *s)
{
    sf_server_conf_t *c = ap_get_module_config(s->module_config, &mpm_sitefence_module);

    return c ? c->site : -1;
}

static const char *where(apr_pool_t *p, const server_rec *s)
{
    if (s->defn_name)
        return apr_psprintf(p, "%s:%d", s->defn_name, s->defn_line_number);
    return "the main server config";
}

static void add_root(apr_pool_t *p, sf_site_t *site, const char *path, const char *access)
{
    sf_allow_t *a;
    int i;

    if (strpbrk(path, "\"\n\r")) {
        ap_log_error(APLOG_MARK, APLOG_WARNING | APLOG_STARTUP, 0, site->server,
                     SF_LOG_PREFIX "site %s: '%s' has a quote or newline in its name; "
                     "it is not part of the site", site->name, path);
        return;
    }
    for (i = 0; i < site->roots->nelts; i++) {
        a = &APR_ARRAY_IDX(site->roots, i, sf_allow_t);
        if (!strcmp(a->path, path) && !strcmp(a->access, access))
            return;
    }
    a = apr_array_push(site->roots);
    a->path = apr_pstrdup(p, path);
    a->access = access;
}

/*
 * What the user database says of a uid, looked up once per uid while the site table is built:
 * a reseller's thousand sites share one user, and each lookup goes through NSS (files, then
 * systemd's userdb on Debian).
 */
typedef struct {
    const char *name;         /* NULL: no such user */
    const char *dir;
    gid_t gid;                /* the primary group the groups below were listed with */
    gid_t groups[32];
    int ngroups;              /* < 0: not listed yet */
    int total;                /* how many the database has (more than 32: cut) */
    int nsites;               /* sites running as this uid */
    int warned_groups;        /* the cut to 32 groups has been logged */
    int first, second;        /* the first two of them (indexes) */
} user_info_t;

static user_info_t *user_of(apr_hash_t *users, uid_t uid, apr_pool_t *p)
{
    user_info_t *u = apr_hash_get(users, &uid, sizeof(uid));
    struct passwd *pw;

    if (u)
        return u;
    u = apr_pcalloc(p, sizeof(*u));
    u->ngroups = -1;
    pw = getpwuid(uid);
    if (pw) {
        u->name = apr_pstrdup(p, pw->pw_name);
        u->dir = pw->pw_dir ? apr_pstrdup(p, pw->pw_dir) : NULL;
    }
    apr_hash_set(users, apr_pmemdup(p, &uid, sizeof(uid)), sizeof(uid), u);
    return u;
}

/*
 * The groups of u with primary group gid, as initgroups would set them: into u->groups, at
 * most 32 of them, with the database's count in u->total. A user in more groups than the
 * first guess is asked again with room for all (getgrouplist then says how many).
 */
static void list_groups(user_info_t *u, gid_t gid, apr_pool_t *p)
{
    gid_t first[64], *groups = first;
    int n = 64, i;

    u->gid = gid;
    u->ngroups = u->total = 0;
    if (getgrouplist(u->name, gid, groups, &n) < 0) {
        if (n <= 64)
            return;
        groups = apr_palloc(p, n * sizeof(*groups));
        if (getgrouplist(u->name, gid, groups, &n) < 0)
            return;
    }
    for (i = 0; i < n && u->ngroups < 32; i++)
        u->groups[u->ngroups++] = groups[i];
    u->total = n;
}

/* The site's supplementary groups, from the group database, as initgroups would set them. */
static void site_groups(sf_site_t *site, user_info_t *u, server_rec *s, apr_pool_t *p)
{
    int i;

    if (u->name && (u->ngroups < 0 || u->gid != site->gid))
        list_groups(u, site->gid, p);
    site->ngroups = 0;
    if (!u->name || !u->ngroups) {
        site->groups[site->ngroups++] = site->gid;
        return;
    }
    for (i = 0; i < u->ngroups; i++)
        site->groups[site->ngroups++] = u->groups[i];
    /* Said once per user, as the shared home is: a reseller's thousand sites, one line. */
    if (u->total > 32 && !u->warned_groups) {
        u->warned_groups = 1;
        ap_log_error(APLOG_MARK, APLOG_WARNING | APLOG_STARTUP, 0, s, SF_LOG_PREFIX
                     "site %s: user %s has %d groups; its workers get the first 32%s",
                     site->name, u->name, u->total,
                     u->nsites > 1 ? " (so do its other sites')" : "");
    }
}

/*
 * The index of the site called name (in any case), or -1. A hash, not a walk of the table:
 * every vhost looks its site up, and with thousands of sites the walk was the larger part of
 * reading the configuration.
 */
static int find_site(apr_hash_t *by_name, const char *name, apr_pool_t *p)
{
    char *key = apr_pstrdup(p, name);
    const int *index;

    ap_str_tolower(key);
    index = apr_hash_get(by_name, key, APR_HASH_KEY_STRING);
    return index ? *index : -1;
}

static sf_site_t *new_site(apr_pool_t *p, sf_conf_t *conf, const char *name, server_rec *s)
{
    sf_site_t *site = apr_array_push(conf->sites);

    memset(site, 0, sizeof(*site));
    site->name = apr_pstrdup(p, name);
    ap_str_tolower((char *)site->name);
    site->server = s;
    site->roots = apr_array_make(p, 4, sizeof(sf_allow_t));
    site->queue_send = site->queue_recv = site->queue_ep = site->ns_fd = site->ipc_fd = -1;
    return site;
}

/* Fold one vhost into its site; an error names both places that disagree. */
static const char *add_vhost(apr_pool_t *p, sf_conf_t *conf, apr_hash_t *by_name,
                             server_rec *s)
{
    sf_server_conf_t *c = ap_get_module_config(s->module_config, &mpm_sitefence_module);
    core_server_config *core = ap_get_core_module_config(s->module_config);
    const char *name = s->server_hostname ? s->server_hostname : "localhost";
    uid_t uid = c->uid_set ? c->uid : ap_unixd_config.user_id;
    gid_t gid = c->uid_set ? c->gid : ap_unixd_config.group_id;
    int mode = c->mode < 0 ? SF_SITE_ENFORCE : c->mode;
    sf_site_t *site;
    int i, index;

    index = find_site(by_name, name, p);
    site = index < 0 ? NULL : &APR_ARRAY_IDX(conf->sites, index, sf_site_t);
    if (site && (site->uid != uid || site->gid != gid))
        return apr_psprintf(p, "%s: site %s runs as uid %ld gid %ld here but as uid %ld "
                            "gid %ld at %s: one site (ServerName), one AssignUserID",
                            where(p, s), name, (long)uid, (long)gid, (long)site->uid,
                            (long)site->gid, where(p, site->server));
    if (site && site->mode != mode)
        return apr_psprintf(p, "%s: site %s has another SitefenceMode at %s", where(p, s),
                            name, where(p, site->server));
    if (!site) {
        index = conf->sites->nelts;
        site = new_site(p, conf, name, s);
        apr_hash_set(by_name, site->name, APR_HASH_KEY_STRING,
                     apr_pmemdup(p, &index, sizeof(index)));
        site->uid = uid;
        site->gid = gid;
        site->mode = mode;
    }
    if (uid == 0 || gid == 0)
        return apr_psprintf(p, "%s: site %s would run as root: set AssignUserID, or User "
                            "and Group", where(p, s), name);
    if (uid < conf->uid_min || uid > conf->uid_max)
        return apr_psprintf(p, "%s: site %s: uid %ld is outside LimitUIDRange %ld %ld",
                            where(p, s), name, (long)uid, (long)conf->uid_min,
                            (long)conf->uid_max);
    if (gid < conf->gid_min || gid > conf->gid_max)
        return apr_psprintf(p, "%s: site %s: gid %ld is outside LimitGIDRange %ld %ld",
                            where(p, s), name, (long)gid, (long)conf->gid_min,
                            (long)conf->gid_max);
    site->hardlinks |= c->hardlinks > 0;
    if (c->max_clients && (!site->max_workers || c->max_clients < site->max_workers))
        site->max_workers = c->max_clients;
    if (c->nice_set) {
        site->nice = c->nice;
        site->nice_set = 1;
    }
    if (core->ap_document_root)
        add_root(p, site, core->ap_document_root, "rwxc");
    for (i = 0; i < c->allow->nelts; i++) {
        sf_allow_t *a = &APR_ARRAY_IDX(c->allow, i, sf_allow_t);

        add_root(p, site, a->path, a->access);
    }
    c->site = index;
    return NULL;
}

/* Is path (a directory) an ancestor of, or equal to, another site's DocumentRoot? */
static int holds_other_site(const sf_conf_t *conf, int self, const char *path)
{
    size_t n = strlen(path);
    int i, j;

    for (i = 1; i < conf->sites->nelts; i++) {
        const sf_site_t *o = &APR_ARRAY_IDX(conf->sites, i, sf_site_t);

        if (i == self)
            continue;
        for (j = 0; j < o->roots->nelts; j++) {
            const char *r = APR_ARRAY_IDX(o->roots, j, sf_allow_t).path;

            if (!strncmp(r, path, n) && (r[n] == '/' || r[n] == '\0' || n == 1))
                return 1;
        }
    }
    return 0;
}

/* The user's home, unless it is shared with another site or holds another site. */
static void add_home(apr_pool_t *p, sf_conf_t *conf, int index, const user_info_t *u,
                     server_rec *main_s)
{
    sf_site_t *site = &APR_ARRAY_IDX(conf->sites, index, sf_site_t);
    const char *dir = u->dir;

    if (!u->name || !dir || dir[0] != '/' || !dir[1] || !strcmp(dir, "/nonexistent"))
        return;
    if (u->nsites > 1) {
        /* Said once per uid, by its first site: a reseller's thousand sites, one line. */
        if (index == u->first) {
            const char *other = APR_ARRAY_IDX(conf->sites, u->second, sf_site_t).name;

            ap_log_error(APLOG_MARK, APLOG_NOTICE | APLOG_STARTUP, 0, main_s, SF_LOG_PREFIX
                         "site %s shares uid %ld with %s: the home %s is part of none of "
                         "them (only their DocumentRoots and SitefenceAllow)", site->name,
                         (long)site->uid, u->nsites == 2 ? apr_psprintf(p, "site %s", other) :
                         apr_psprintf(p, "%d other sites, %s among them", u->nsites - 1, other),
                         dir);
        }
        return;
    }
    if (holds_other_site(conf, index, dir)) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE | APLOG_STARTUP, 0, main_s, SF_LOG_PREFIX
                     "site %s: its user's home %s holds another site; left out",
                     site->name, dir);
        return;
    }
    add_root(p, site, dir, "rwxc");
}

static int below(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

/*
 * <private_root>/<site>: its own /tmp and PHP sessions (see sf_fence_private_ns). A site
 * whose files live below /tmp or the session directory would not see them any more.
 */
static const char *add_private(apr_pool_t *p, sf_conf_t *conf, sf_site_t *site)
{
    int i;

    if (!strcmp(conf->private_root, "none") || site->mode == SF_SITE_OFF)
        return NULL;
    for (i = 0; i < site->roots->nelts; i++) {
        const char *r = APR_ARRAY_IDX(site->roots, i, sf_allow_t).path;

        if (below(r, "/tmp") || below(r, "/var/lib/php/sessions"))
            return apr_psprintf(p, "%s: site %s uses %s, but each site sees its own private "
                                "/tmp and /var/lib/php/sessions: move it, or set "
                                "'SitefencePrivateDir none'", where(p, site->server),
                                site->name, r);
    }
    site->private_dir = apr_pstrcat(p, conf->private_root, "/", site->name, NULL);
    add_root(p, site, site->private_dir, "rwc");
    return NULL;
}

/* Does a <VirtualHost> answer on this listener's address and port? */
static int listener_covered(const ap_listen_rec *lr, server_rec *main_s)
{
    const apr_sockaddr_t *la = lr->bind_addr;
    server_addr_rec *sar;
    server_rec *s;

    for (s = main_s->next; s; s = s->next) {
        for (sar = s->addrs; sar; sar = sar->next) {
            const apr_sockaddr_t *va = sar->host_addr;
            int any_port = sar->host_port == 0;

            if (!any_port && sar->host_port != la->port)
                continue;
            /* A wildcard vhost (*, _default_) covers every address of its port. */
            if (!va || apr_sockaddr_is_wildcard(va) || apr_sockaddr_equal(va, la))
                return 1;
        }
    }
    return 0;
}

/*
 * The main server serves requests only on listeners no <VirtualHost> covers; otherwise it is
 * just the defaults the vhosts inherit, and no site of its own (it would run as User).
 */
static int main_server_reachable(server_rec *main_s)
{
    ap_listen_rec *lr;

    for (lr = ap_listeners; lr; lr = lr->next)
        if (!listener_covered(lr, main_s))
            return 1;
    return 0;
}

const char *sf_sites_build(apr_pool_t *p, server_rec *main_s, sf_conf_t *conf)
{
    apr_hash_t *by_name = apr_hash_make(p), *users = apr_hash_make(p);
    sf_site_t *d;
    server_rec *s;
    const char *err;
    int i;

    conf->sites = apr_array_make(p, 16, sizeof(sf_site_t));
    /* [0]: the dispatchers, as the server's User, with no files at all. */
    d = new_site(p, conf, apr_pstrcat(p, "@", conf->owner, "-dispatch", NULL), main_s);
    d->uid = ap_unixd_config.user_id;
    d->gid = ap_unixd_config.group_id;
    d->dispatch = 1;
    d->groups[0] = d->gid;
    d->ngroups = 1;
    if (d->uid == 0 || d->uid == (uid_t)-1 || d->gid == 0 || d->gid == (gid_t)-1)
        return "the dispatchers would run as root: set User and Group (e.g. www-data)";
    for (s = main_s; s; s = s->next) {
        if (s == main_s && !main_server_reachable(main_s))
            continue;
        err = add_vhost(p, conf, by_name, s);
        if (err)
            return err;
    }
    for (i = 1; i < conf->sites->nelts; i++) {
        user_info_t *u = user_of(users, APR_ARRAY_IDX(conf->sites, i, sf_site_t).uid, p);

        if (u->nsites++ == 0)
            u->first = i;
        else if (u->nsites == 2)
            u->second = i;
    }
    for (i = 1; i < conf->sites->nelts; i++) {
        sf_site_t *site = &APR_ARRAY_IDX(conf->sites, i, sf_site_t);
        user_info_t *u = user_of(users, site->uid, p);

        site_groups(site, u, main_s, p);
        add_home(p, conf, i, u, main_s);
        err = add_private(p, conf, site);
        if (err)
            return err;
    }
    return NULL;
}

/* The site table in sitefenced's format (lib/sitetab.h); sites with SitefenceMode off are
 * not fenced and not listed. */
const char *sf_sites_table(apr_pool_t *p, const sf_conf_t *conf)
{
    apr_array_header_t *out = apr_array_make(p, 64, sizeof(const char *));
    int i, j;

    for (i = 0; i < conf->sites->nelts; i++) {
        const sf_site_t *site = &APR_ARRAY_IDX(conf->sites, i, sf_site_t);
        const char *groups = "";

        if (site->mode == SF_SITE_OFF)
            continue;
        for (j = 0; j < site->ngroups; j++)
            groups = apr_psprintf(p, "%s%s%ld", groups, j ? "," : "",
                                  (long)site->groups[j]);
        APR_ARRAY_PUSH(out, const char *) = apr_psprintf(p,
            "site %s uid=%ld gid=%ld%s%s mode=%s%s%s\n", site->name, (long)site->uid,
            (long)site->gid, *groups ? " groups=" : "", groups,
            site->mode == SF_SITE_AUDIT ? "audit" : "enforce",
            site->hardlinks ? " hardlinks" : "", site->dispatch ? " noglobal" : "");
        for (j = 0; j < site->roots->nelts; j++) {
            const sf_allow_t *a = &APR_ARRAY_IDX(site->roots, j, sf_allow_t);

            /* Quoted: paths may hold spaces (and sf_sites_build refuses quotes). */
            APR_ARRAY_PUSH(out, const char *) = apr_psprintf(p, "root %s \"%s\" %s\n",
                                                             site->name, a->path,
                                                             a->access);
        }
    }
    return apr_array_pstrcat(p, out, 0);
}

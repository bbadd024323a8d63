/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpm_sitefence.c - the module: its directives (mpm-itk's, with the same meaning, and
 * sitefence's own), its configuration checks, and the hooks that make it an MPM. The parent's
 * run loop is sf_parent.c; see mpm_sitefence.h for the architecture.
 */
#include "mpm_sitefence.h"

#include "ap_listen.h"
#include "ap_mpm.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "mpm_common.h"
#include "apr_lib.h"
#include "apr_strings.h"

#include <limits.h>
#include <pwd.h>
#include <grp.h>

#include "parse.h"

sf_conf_t *sf_conf;
sf_retained_t *sf_retained;

#define DEFAULT_SERVER_LIMIT 256
#define MAX_SERVER_LIMIT 20000

/* ---- per-server configuration -------------------------------------------------------------- */

static void *sf_create_server_config(apr_pool_t *p, server_rec *s)
{
    sf_server_conf_t *c = apr_pcalloc(p, sizeof(*c));

    (void)s;
    c->mode = -1;
    c->hardlinks = -1;
    c->status_shown = -1;
    c->allow = apr_array_make(p, 2, sizeof(sf_allow_t));
    c->site = -1;
    return c;
}

/* A vhost inherits what it does not set from the main server, as with itk. */
static void *sf_merge_server_config(apr_pool_t *p, void *base_, void *add_)
{
    sf_server_conf_t *base = base_, *add = add_;
    sf_server_conf_t *c = apr_pcalloc(p, sizeof(*c));

    *c = *add;
    if (!add->uid_set) {
        c->user_name = base->user_name;
        c->group_name = base->group_name;
        c->uid = base->uid;
        c->gid = base->gid;
        c->uid_set = base->uid_set;
    }
    if (!add->max_clients)
        c->max_clients = base->max_clients;
    if (!add->nice_set) {
        c->nice = base->nice;
        c->nice_set = base->nice_set;
    }
    if (add->mode < 0)
        c->mode = base->mode;
    if (add->hardlinks < 0)
        c->hardlinks = base->hardlinks;
    if (add->status_shown < 0)
        c->status_shown = base->status_shown;
    c->allow = apr_array_append(p, base->allow, add->allow);
    c->site = -1;
    return c;
}

static sf_server_conf_t *server_conf(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &mpm_sitefence_module);
}

/* ---- directives ---------------------------------------------------------------------------- */

/* Directives that only make sense per site refuse <Directory>, <Location> and .htaccess. */
static const char *per_site_only(cmd_parms *cmd, const char *why)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);

    if (err)
        return apr_pstrcat(cmd->pool, err, " ", why, NULL);
    return NULL;
}

/* A user name or "#uid"; 0 or -1. */
static int user_id(const char *name, uid_t *ret)
{
    struct passwd *pw;
    apr_uint32_t id;

    if (name[0] == '#')
        return parse_u32(name + 1, 0, UINT32_MAX - 1, &id) ? -1 : (*ret = id, 0);
    pw = getpwnam(name);
    return pw ? (*ret = pw->pw_uid, 0) : -1;
}

static int group_id(const char *name, gid_t *ret)
{
    struct group *gr;
    apr_uint32_t id;

    if (name[0] == '#')
        return parse_u32(name + 1, 0, UINT32_MAX - 1, &id) ? -1 : (*ret = id, 0);
    gr = getgrnam(name);
    return gr ? (*ret = gr->gr_gid, 0) : -1;
}

static const char *set_assign_user(cmd_parms *cmd, void *dummy, const char *user,
                                   const char *group)
{
    sf_server_conf_t *c = server_conf(cmd);
    const char *err = per_site_only(cmd,
        "mpm_sitefence runs each site's workers as one user for all of the site: "
        "give each user's part its own ServerName and set AssignUserID in that "
        "<VirtualHost>.");

    (void)dummy;
    if (err)
        return err;
    c->user_name = user;
    c->group_name = group;
    /* Not ap_uname2id: it exits the whole server on an unknown name. */
    if (user_id(user, &c->uid))
        return apr_psprintf(cmd->pool, "AssignUserID: no such user '%s'", user);
    if (group_id(group, &c->gid))
        return apr_psprintf(cmd->pool, "AssignUserID: no such group '%s'", group);
    if (c->uid == 0 || c->gid == 0)
        return "AssignUserID: a site never runs as root (uid or gid 0)";
    c->uid_set = 1;
    return NULL;
}

static const char *refuse_expr(cmd_parms *cmd, void *dummy, const char *arg)
{
    (void)dummy;
    (void)arg;
    return apr_psprintf(cmd->pool, "%s cannot work with mpm_sitefence: it picks a user per "
                        "request, which needs a fresh process per request (what mpm-itk "
                        "does and mpm_sitefence avoids). Use AssignUserID in each "
                        "<VirtualHost>: one site, one user.", cmd->cmd->name);
}

static const char *set_enable_caps(cmd_parms *cmd, void *dummy, int on)
{
    (void)dummy;
    if (on)
        return apr_psprintf(cmd->pool, "EnableCapabilities on: mpm_sitefence's workers "
                            "never keep capabilities; remove the line or set it off");
    return NULL;
}

static const char *parse_int_arg(cmd_parms *cmd, const char *arg, int min, int max, int *out)
{
    if (parse_int(arg, min, max, out))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number from %d to %d",
                            cmd->cmd->name, arg, min, max);
    return NULL;
}

static const char *set_max_clients_vhost(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = per_site_only(cmd, "");

    (void)dummy;
    return err ? err : parse_int_arg(cmd, arg, 1, MAX_SERVER_LIMIT,
                                     &server_conf(cmd)->max_clients);
}

static const char *set_nice(cmd_parms *cmd, void *dummy, const char *arg)
{
    sf_server_conf_t *c = server_conf(cmd);
    const char *err = per_site_only(cmd, "A site's workers share one nice value.");

    (void)dummy;
    if (!err)
        err = parse_int_arg(cmd, arg, -20, 19, &c->nice);
    if (!err)
        c->nice_set = 1;
    return err;
}

/* LimitUIDRange / LimitGIDRange: the ids sites may have, enforced by the fence. */
static const char *set_id_range(cmd_parms *cmd, void *dummy, const char *lo, const char *hi)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    apr_uint32_t min, max;
    int uid = !strcasecmp(cmd->cmd->name, "LimitUIDRange");

    (void)dummy;
    if (err)
        return err;
    if (parse_u32(lo, 1, UINT32_MAX - 1, &min) || parse_u32(hi, 1, UINT32_MAX - 1, &max))
        return apr_psprintf(cmd->pool, "%s: '%s %s': two ids from 1 to 4294967294",
                            cmd->cmd->name, lo, hi);
    if (min > max)
        return apr_psprintf(cmd->pool, "%s: %u is above %u", cmd->cmd->name, min, max);
    if (uid) {
        sf_conf->uid_min = min;
        sf_conf->uid_max = max;
    }
    else {
        sf_conf->gid_min = min;
        sf_conf->gid_max = max;
    }
    return NULL;
}

static const char *set_global_flag(cmd_parms *cmd, void *dummy, int on)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)dummy;
    if (!err)
        sf_conf->fence = on;
    return err;
}

static const char *set_global_path(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    apr_size_t off = (apr_size_t)cmd->info;    /* the field, from the command table */

    if (err)
        return err;
    if (arg[0] != '/' && !(off == APR_OFFSETOF(sf_conf_t, private_root) &&
                           !strcmp(arg, "none")))
        return apr_psprintf(cmd->pool, "%s: '%s' is not an absolute path", cmd->cmd->name,
                            arg);
    *(const char **)((char *)sf_conf + off) = arg;
    return NULL;
}

static const char *set_owner(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *p;

    (void)dummy;
    if (err)
        return err;
    for (p = arg; *p; p++)
        if (!apr_isalnum(*p) && !strchr("._-", *p))
            break;
    if (*p || !*arg || strlen(arg) > 64)
        return "SitefenceOwner: letters, digits, '.', '_' and '-' only, at most 64";
    sf_conf->owner = arg;
    return NULL;
}

static const char *set_global_int(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    apr_size_t off = (apr_size_t)cmd->info;    /* the field, from the command table */
    int *out = (int *)((char *)sf_conf + off);

    if (err)
        return err;
    if (off == APR_OFFSETOF(sf_conf_t, dispatchers))
        return parse_int_arg(cmd, arg, 1, 64, out);
    if (off == APR_OFFSETOF(sf_conf_t, peek_max))
        return parse_int_arg(cmd, arg, 1024, 65536, out);
    if (off == APR_OFFSETOF(sf_conf_t, server_limit))
        return parse_int_arg(cmd, arg, 2, MAX_SERVER_LIMIT, out);
    return parse_int_arg(cmd, arg, 1, MAX_SERVER_LIMIT, out);
}

static const char *set_global_time(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    apr_size_t off = (apr_size_t)cmd->info;    /* the field, from the command table */
    apr_uint64_t ms;

    if (err)
        return err;
    if (parse_duration_ms(arg, 100, 86400000, &ms))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a duration from 100ms to 1d "
                            "(e.g. 30, 30s, 500ms, 5m)", cmd->cmd->name, arg);
    *(apr_interval_time_t *)((char *)sf_conf + off) = apr_time_from_msec(ms);
    return NULL;
}

static const char *set_mode(cmd_parms *cmd, void *dummy, const char *arg)
{
    sf_server_conf_t *c = server_conf(cmd);
    const char *err = per_site_only(cmd, "");

    (void)dummy;
    if (err)
        return err;
    if (!strcasecmp(arg, "enforce"))
        c->mode = SF_SITE_ENFORCE;
    else if (!strcasecmp(arg, "audit"))
        c->mode = SF_SITE_AUDIT;
    else if (!strcasecmp(arg, "off"))
        c->mode = SF_SITE_OFF;
    else
        return "SitefenceMode: enforce, audit or off";
    return NULL;
}

static const char *set_allow(cmd_parms *cmd, void *dummy, const char *path, const char *acc)
{
    sf_server_conf_t *c = server_conf(cmd);
    const char *err = per_site_only(cmd, "");
    sf_allow_t *a;
    const char *p;

    (void)dummy;
    if (err)
        return err;
    if (path[0] != '/' || strstr(path, "/../") || strstr(path, "/./") ||
        strlen(path) > 4000)
        return apr_psprintf(cmd->pool, "SitefenceAllow: '%s' is not a clean absolute path",
                            path);
    if (!acc)
        acc = "r";
    for (p = acc; *p; p++)
        if (!strchr("rwxcu", *p) || strchr(p + 1, *p))
            return apr_psprintf(cmd->pool, "SitefenceAllow: access '%s' is not letters from "
                                "\"rwxcu\" (read, write, exec, create/delete, "
                                "unix-connect)", acc);
    a = apr_array_push(c->allow);
    a->path = path;
    a->access = acc;
    return NULL;
}

static const char *set_hardlinks(cmd_parms *cmd, void *dummy, int on)
{
    const char *err = per_site_only(cmd, "");

    (void)dummy;
    if (!err)
        server_conf(cmd)->hardlinks = on;
    return err;
}

static const char *set_status_details(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = per_site_only(cmd, "");

    (void)dummy;
    if (err)
        return err;
    if (!strcasecmp(arg, "hidden"))
        server_conf(cmd)->status_shown = 0;
    else if (!strcasecmp(arg, "shown"))
        server_conf(cmd)->status_shown = 1;
    else
        return apr_psprintf(cmd->pool, "SitefenceStatusDetails: hidden or shown, not '%s'",
                            arg);
    return NULL;
}

static const char *set_max_workers(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)dummy;
    return err ? err : parse_int_arg(cmd, arg, 1, MAX_SERVER_LIMIT, &sf_conf->max_workers);
}

#define GLOBAL(field) ((void *)APR_OFFSETOF(sf_conf_t, field))

static const command_rec sf_cmds[] = {
    LISTEN_COMMANDS,
    AP_GRACEFUL_SHUTDOWN_TIMEOUT_COMMAND,
    /* mpm-itk's directives, same meaning */
    AP_INIT_TAKE2("AssignUserID", set_assign_user, NULL, RSRC_CONF | ACCESS_CONF,
                  "user and group the site's workers run as"),
    AP_INIT_TAKE1("AssignUserIDExpr", refuse_expr, NULL, RSRC_CONF | ACCESS_CONF,
                  "not supported: a user chosen per request"),
    AP_INIT_TAKE1("AssignGroupIDExpr", refuse_expr, NULL, RSRC_CONF | ACCESS_CONF,
                  "not supported: a group chosen per request"),
    AP_INIT_TAKE1("MaxClientsVHost", set_max_clients_vhost, NULL, RSRC_CONF,
                  "most workers one site may have at once"),
    AP_INIT_TAKE1("NiceValue", set_nice, NULL, RSRC_CONF | ACCESS_CONF,
                  "nice value of the site's workers (-20 to 19)"),
    AP_INIT_TAKE2("LimitUIDRange", set_id_range, NULL, RSRC_CONF,
                  "lowest and highest uid a site may run as"),
    AP_INIT_TAKE2("LimitGIDRange", set_id_range, NULL, RSRC_CONF,
                  "lowest and highest gid a site may run as"),
    AP_INIT_FLAG("EnableCapabilities", set_enable_caps, NULL, RSRC_CONF,
                 "mpm-itk compatibility: only off is accepted"),
    /* process counts */
    AP_INIT_TAKE1("MaxRequestWorkers", set_max_workers, NULL, RSRC_CONF,
                  "most site workers of all sites alive at once"),
    AP_INIT_TAKE1("MaxClients", set_max_workers, NULL, RSRC_CONF,
                  "deprecated name of MaxRequestWorkers"),
    AP_INIT_TAKE1("ServerLimit", set_global_int, GLOBAL(server_limit), RSRC_CONF,
                  "scoreboard slots: MaxRequestWorkers plus dispatchers, for this run"),
    /* sitefence's own */
    AP_INIT_FLAG("SitefenceFence", set_global_flag, NULL, RSRC_CONF,
                 "off: run without the kernel fence, uid separation only (logged loudly)"),
    AP_INIT_TAKE1("SitefenceSocket", set_global_path, GLOBAL(socket), RSRC_CONF,
                  "sitefenced's control socket"),
    AP_INIT_TAKE1("SitefenceOwner", set_owner, NULL, RSRC_CONF,
                  "the name this server registers its site table under"),
    AP_INIT_TAKE1("SitefenceDispatchers", set_global_int, GLOBAL(dispatchers), RSRC_CONF,
                  "dispatcher processes (1 to 64)"),
    AP_INIT_TAKE1("SitefenceIdleTimeout", set_global_time, GLOBAL(idle_timeout), RSRC_CONF,
                  "an idle site worker exits after this long"),
    AP_INIT_TAKE1("SitefencePeekTimeout", set_global_time, GLOBAL(peek_timeout), RSRC_CONF,
                  "a client must send its request head or TLS hello within this"),
    AP_INIT_TAKE1("SitefenceQueueTimeout", set_global_time, GLOBAL(queue_timeout),
                  RSRC_CONF, "a connection waits this long for a worker before a 503"),
    AP_INIT_TAKE1("SitefencePeekSize", set_global_int, GLOBAL(peek_max), RSRC_CONF,
                  "bytes of request head a dispatcher reads at most (1024 to 65536)"),
    AP_INIT_TAKE1("SitefencePrivateDir", set_global_path, GLOBAL(private_root), RSRC_CONF,
                  "where each site's own /tmp and PHP sessions live, or none"),
    AP_INIT_TAKE1("SitefenceMode", set_mode, NULL, RSRC_CONF,
                  "enforce, audit (log what the fence would deny) or off"),
    AP_INIT_TAKE12("SitefenceAllow", set_allow, NULL, RSRC_CONF,
                   "a directory the site may use, and how (letters of rwxcu; default r)"),
    AP_INIT_FLAG("SitefenceHardlinks", set_hardlinks, NULL, RSRC_CONF,
                 "on: the site may open files with several hard links"),
    AP_INIT_TAKE1("SitefenceStatusDetails", set_status_details, NULL, RSRC_CONF,
                  "hidden (the default): mod_status here shows no other worker's request "
                  "line or client; shown: it does (protect it with a password)"),
    { NULL }
};

/* ---- hooks ----------------------------------------------------------------------------- */

static int sf_query(int query_code, int *result, apr_status_t *rv)
{
    *rv = APR_SUCCESS;
    switch (query_code) {
    case AP_MPMQ_MAX_DAEMON_USED:
        *result = sf_retained->max_slot;
        break;
    case AP_MPMQ_IS_THREADED:
        *result = AP_MPMQ_NOT_SUPPORTED;
        break;
    case AP_MPMQ_IS_FORKED:
        *result = AP_MPMQ_DYNAMIC;
        break;
    case AP_MPMQ_HARD_LIMIT_DAEMONS:
        *result = sf_conf->server_limit;
        break;
    case AP_MPMQ_HARD_LIMIT_THREADS:
    case AP_MPMQ_MAX_THREADS:
        *result = 1;
        break;
    case AP_MPMQ_MIN_SPARE_DAEMONS:
    case AP_MPMQ_MIN_SPARE_THREADS:
    case AP_MPMQ_MAX_SPARE_THREADS:
        *result = 0;
        break;
    case AP_MPMQ_MAX_SPARE_DAEMONS:
        *result = sf_conf->max_workers;
        break;
    case AP_MPMQ_MAX_REQUESTS_DAEMON:
        *result = ap_max_requests_per_child;
        break;
    case AP_MPMQ_MAX_DAEMONS:
        *result = sf_conf->server_limit;
        break;
    case AP_MPMQ_MPM_STATE:
        *result = sf_retained->mpm->mpm_state;
        break;
    case AP_MPMQ_GENERATION:
        *result = sf_retained->mpm->my_generation;
        break;
    default:
        *rv = APR_ENOTIMPL;
        break;
    }
    return OK;
}

static const char *sf_get_name(void)
{
    return SF_MPM_NAME;
}

static int sf_pre_config(apr_pool_t *p, apr_pool_t *plog, apr_pool_t *ptemp)
{
    const char *key = "mpm_sitefence_module";
    int foreground, debug;
    apr_status_t rv;

    (void)plog;
    (void)ptemp;
    debug = ap_exists_config_define("DEBUG");
    foreground = debug || ap_exists_config_define("FOREGROUND") ||
                 ap_exists_config_define("NO_DETACH");
    sf_retained = ap_retained_data_get(key);
    if (!sf_retained) {
        sf_retained = ap_retained_data_create(key, sizeof(*sf_retained));
        sf_retained->mpm = ap_unixd_mpm_get_retained_data();
    }
    sf_retained->mpm->mpm_state = AP_MPMQ_STARTING;
    sf_title_restore();
    if (sf_retained->mpm->baton != sf_retained) {
        sf_retained->mpm->was_graceful = 0;
        sf_retained->mpm->baton = sf_retained;
    }
    ++sf_retained->mpm->module_loads;
    /* Detach the second time around, as prefork does (the first pass only reads config). */
    if (sf_retained->mpm->module_loads == 2 && !foreground) {
        ap_fatal_signal_setup(ap_server_conf, p);
        rv = apr_proc_detach(ap_exists_config_define("NO_DETACH")
                                 ? APR_PROC_DETACH_FOREGROUND : APR_PROC_DETACH_DAEMONIZE);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, NULL, SF_LOG_PREFIX
                         "cannot detach from the terminal");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    ap_listen_pre_config();
    sf_conf = apr_pcalloc(p, sizeof(*sf_conf));
    sf_conf->fence = 1;
    sf_conf->socket = "/run/sitefence/control.sock";
    sf_conf->owner = "apache2";
    sf_conf->dispatchers = 2;
    sf_conf->idle_timeout = apr_time_from_sec(30);
    sf_conf->peek_timeout = apr_time_from_sec(20);
    sf_conf->queue_timeout = apr_time_from_sec(10);
    sf_conf->private_root = "/var/lib/sitefence/sites";
    sf_conf->max_workers = DEFAULT_SERVER_LIMIT;
    sf_conf->server_limit = 0;
    sf_conf->uid_min = 1;
    sf_conf->uid_max = UINT32_MAX - 1;
    sf_conf->gid_min = 1;
    sf_conf->gid_max = UINT32_MAX - 1;
    sf_conf->peek_max = 16384;
    return OK;
}

/* The directive named name with arg as its first argument, anywhere in the configuration. */
static const ap_directive_t *find_directive(const ap_directive_t *d, const char *name,
                                           const char *arg)
{
    const ap_directive_t *found;

    for (; d; d = d->next) {
        if (!strcasecmp(d->directive, name) && d->args &&
            !strncasecmp(d->args, arg, strlen(arg)) &&
            apr_isspace(d->args[strlen(arg)]))
            return d;
        if (d->first_child && (found = find_directive(d->first_child, name, arg)))
            return found;
    }
    return NULL;
}

static int php_true(const ap_directive_t *d, const char *setting)
{
    const char *v = d ? d->args + strlen(setting) : NULL;

    while (v && apr_isspace(*v))
        v++;
    return v && (!strcasecmp(v, "on") || !strcasecmp(v, "1") || !strcasecmp(v, "true"));
}

/*
 * mod_php's OPcache is one shared memory for every site: with PHP's defaults, a script of one
 * site can include another site's cached wp-config.php without opening it, and list every
 * cached script. Three settings close that, together with the fence making access() fail
 * outside the site: refuse to start without them (the shipped php_sitefence.conf sets them).
 */
static int check_opcache(server_rec *s)
{
    const ap_directive_t *perm, *root, *api;

    if (!ap_find_linked_module("mod_php.c") && !ap_find_linked_module("mod_php8.c") &&
        !ap_find_linked_module("mod_php7.c"))
        return OK;
    perm = find_directive(ap_conftree, "php_admin_flag", "opcache.validate_permission");
    root = find_directive(ap_conftree, "php_admin_flag", "opcache.validate_root");
    api = find_directive(ap_conftree, "php_admin_value", "opcache.restrict_api");
    if (php_true(perm, "opcache.validate_permission") &&
        php_true(root, "opcache.validate_root") && api)
        return OK;
    ap_log_error(APLOG_MARK, APLOG_CRIT | APLOG_STARTUP, 0, NULL, SF_LOG_PREFIX
                 "mod_php is loaded, and its OPcache lets one site use another's cached "
                 "scripts unless the server config (not a vhost) says:\n"
                 "    php_admin_flag opcache.validate_permission on\n"
                 "    php_admin_flag opcache.validate_root on\n"
                 "    php_admin_value opcache.restrict_api /nonexistent-sitefence/\n"
                 "(mods-available/php_sitefence.conf, enabled with a2enmod "
                 "php_sitefence, has them); refusing to start");
    (void)s;
    return !OK;
}

/*
 * mod_cgid runs CGI scripts in a daemon of its own, forked by the parent before any site: as
 * User, outside every site. With the fence, site workers cannot reach it (the connect to its
 * socket is denied and logged, the request gets 503); without the fence, a site's script would
 * run as User, not as the site's user. mod_cgi runs them in the worker, as the site's user and
 * inside its fence: say so, and refuse mod_cgid where it would undo uid separation.
 */
void sf_warn_cgid(void)
{
    if (!ap_find_linked_module("mod_cgid.c") || !sf_conf->fence)
        return;
    ap_log_error(APLOG_MARK, APLOG_WARNING | APLOG_STARTUP, 0, NULL, SF_LOG_PREFIX
                 "mod_cgid is loaded: its daemon is outside every site, so the fence denies "
                 "site workers the connection to it and CGI requests get 503; load mod_cgi "
                 "instead (a2dismod cgid; a2enmod cgi), which runs CGI scripts in the site's "
                 "own worker, as its user, inside its fence");
}

static int check_cgid(void)
{
    if (!ap_find_linked_module("mod_cgid.c"))
        return OK;
    if (!sf_conf->fence) {
        ap_log_error(APLOG_MARK, APLOG_CRIT | APLOG_STARTUP, 0, NULL, SF_LOG_PREFIX
                     "mod_cgid is loaded: its daemon would run every site's CGI scripts as "
                     "User, not as the site's user, and with SitefenceFence off nothing stops "
                     "it; load mod_cgi instead (a2dismod cgid; a2enmod cgi), which runs them "
                     "in the site's own worker; refusing to start");
        return !OK;
    }
    sf_warn_cgid();         /* on the console; the run logs it again, in the error log */
    return OK;
}

/* The first Mutex directive that names SysV semaphores, in d and below. */
static const ap_directive_t *sysvsem_mutex(const ap_directive_t *d)
{
    const ap_directive_t *found;

    for (; d; d = d->next) {
        if (!strcasecmp(d->directive, "Mutex") && d->args && ap_strcasestr(d->args, "sysvsem"))
            return d;
        if (d->first_child && (found = sysvsem_mutex(d->first_child)))
            return found;
    }
    return NULL;
}

/*
 * Sites with private directories get a SysV IPC namespace of their own (sf_fence.c), where
 * a semaphore the parent made does not exist: an Apache mutex of that kind would fail in
 * every worker. (APR's default on Linux is a process-shared pthread mutex, in memory.)
 */
static int check_mutex(void)
{
    const ap_directive_t *d;
    int i;

    for (i = 1; i < sf_conf->sites->nelts; i++)
        if (APR_ARRAY_IDX(sf_conf->sites, i, sf_site_t).private_dir)
            break;
    if (i == sf_conf->sites->nelts || !(d = sysvsem_mutex(ap_conftree)))
        return OK;
    ap_log_error(APLOG_MARK, APLOG_CRIT | APLOG_STARTUP, 0, NULL, SF_LOG_PREFIX
                 "line %d of %s: Mutex %s: each site's workers have SysV IPC of their own "
                 "(with SitefencePrivateDir), where the server's semaphores do not exist; use "
                 "another mechanism (pthread, the default, or fcntl); refusing to start",
                 d->line_num, d->filename, d->args);
    return !OK;
}

static int sf_check_config(apr_pool_t *p, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    const char *err;

    (void)plog;
    (void)ptemp;
    if (!sf_conf->server_limit)
        sf_conf->server_limit = sf_conf->max_workers + sf_conf->dispatchers;
    if (!sf_retained->first_server_limit)
        sf_retained->first_server_limit = sf_conf->server_limit;
    if (sf_conf->server_limit != sf_retained->first_server_limit) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, SF_LOG_PREFIX "ServerLimit cannot change "
                     "from %d to %d across a restart: stop and start the server",
                     sf_retained->first_server_limit, sf_conf->server_limit);
        return !OK;
    }
    if (sf_conf->max_workers + sf_conf->dispatchers > sf_conf->server_limit) {
        ap_log_error(APLOG_MARK, APLOG_CRIT | APLOG_STARTUP, 0, NULL, SF_LOG_PREFIX
                     "MaxRequestWorkers %d plus SitefenceDispatchers %d is more than "
                     "ServerLimit %d: raise ServerLimit or lower the others",
                     sf_conf->max_workers, sf_conf->dispatchers, sf_conf->server_limit);
        return !OK;
    }
    err = sf_sites_build(p, s, sf_conf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT | APLOG_STARTUP, 0, NULL, SF_LOG_PREFIX "%s",
                     err);
        return !OK;
    }
    if (check_cgid() != OK || check_mutex() != OK)
        return !OK;
    return check_opcache(s);
}

/* Before core's open_logs, so that errors about listeners still reach the console. */
static int sf_open_logs(apr_pool_t *p, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    int startup = sf_retained->mpm->module_loads == 1;

    (void)p;
    (void)plog;
    (void)ptemp;
    if (ap_setup_listeners(ap_server_conf) < 1) {
        ap_log_error(APLOG_MARK, APLOG_ALERT | (startup ? APLOG_STARTUP : 0), 0,
                     startup ? NULL : s, "no listening sockets available, shutting down");
        return !OK;
    }
    return OK;
}

/* Between core's error logs and mod_log_config's: which descriptors are which vhost's logs. */
static int sf_watch_logs(apr_pool_t *p, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    (void)ptemp;
    return sf_fds_watch_logs(p, s) ? !OK : OK;
}

static void sf_hooks(apr_pool_t *p)
{
    static const char *const before_core[] = { "core.c", NULL };
    static const char *const after_core[] = { "core.c", NULL };
    static const char *const before_log_config[] = { "mod_log_config.c", NULL };

    ap_hook_open_logs(sf_open_logs, NULL, before_core, APR_HOOK_REALLY_FIRST);
    ap_hook_open_logs(sf_watch_logs, after_core, before_log_config, APR_HOOK_REALLY_FIRST);
    /* The MPM state must be set before other pre_config hooks query it. */
    ap_hook_pre_config(sf_pre_config, NULL, NULL, APR_HOOK_REALLY_FIRST);
    /* Last, so that every vhost is configured and mod_php known when sites are built. */
    ap_hook_check_config(sf_check_config, NULL, NULL, APR_HOOK_REALLY_LAST);
    ap_hook_mpm(sf_parent_run, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_mpm_query(sf_query, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_mpm_get_name(sf_get_name, NULL, NULL, APR_HOOK_MIDDLE);
    sf_worker_register_hooks(p);
    sf_status_register_hooks(p);
}

AP_DECLARE_MODULE(mpm_sitefence) = {
    MPM20_MODULE_STUFF,
    NULL,                       /* hook to run before apache parses args */
    NULL,                       /* create per-directory config structure */
    NULL,                       /* merge per-directory config structures */
    sf_create_server_config,    /* create per-server config structure */
    sf_merge_server_config,     /* merge per-server config structures */
    sf_cmds,                    /* command table */
    sf_hooks,                   /* register hooks */
};

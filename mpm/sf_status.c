/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sf_status.c - mod_status in a site worker shows no other worker's request or client.
 *
 * The scoreboard is one piece of shared memory, and mod_status prints every slot of it: with
 * ExtendedStatus (on whenever mod_status is loaded) each worker's request line and client
 * address. Debian allows /server-status to local clients, and a site's own script is a local
 * client: site b's PHP could fetch http://127.0.0.1/server-status and read the URLs of a's
 * requests in flight (session ids, password-reset links, tokens) and a's visitors' addresses.
 * Showing a site its own requests only would not help: b's script can send "Host: a.test".
 *
 * So while mod_status's handler runs in a site worker it reads a copy of the scoreboard in
 * which every slot but the answering worker's own has its request line and client address
 * blanked; the rest (state, site, counts, times) is left, so monitoring keeps working.
 * "SitefenceStatusDetails shown" on a vhost shows them there, as Apache does; that vhost's
 * /server-status then wants a password, since "Require local" lets every site's scripts in.
 */
#include "mpm_sitefence.h"

#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "scoreboard.h"
#include "apr_strings.h"

#include <string.h>

#define HIDDEN_REQUEST "(not shown: SitefenceStatusDetails)"

/* A copy of the scoreboard's worker slots, others' details blanked, in r's pool. */
static scoreboard *blanked_view(request_rec *r, const scoreboard *real, int own_slot)
{
    int server_limit, thread_limit, i, j;
    scoreboard *view;
    worker_score *ws;

    ap_mpm_query(AP_MPMQ_HARD_LIMIT_DAEMONS, &server_limit);
    ap_mpm_query(AP_MPMQ_HARD_LIMIT_THREADS, &thread_limit);
    view = apr_pmemdup(r->pool, real, sizeof(*real));
    view->servers = apr_palloc(r->pool, server_limit * sizeof(worker_score *));
    ws = apr_palloc(r->pool, (apr_size_t)server_limit * thread_limit * sizeof(worker_score));
    for (i = 0; i < server_limit; i++) {
        view->servers[i] = ws + (apr_size_t)i * thread_limit;
        for (j = 0; j < thread_limit; j++) {
            worker_score *w = &view->servers[i][j];

            memcpy(w, &real->servers[i][j], sizeof(*w));
            if (i == own_slot)
                continue;
            apr_cpystrn(w->request, HIDDEN_REQUEST, sizeof(w->request));
            apr_cpystrn(w->client, "-", sizeof(w->client));
            apr_cpystrn(w->client64, "-", sizeof(w->client64));
        }
    }
    return view;
}

/*
 * First of the handlers: for mod_status's (by either of its names), swap in the blanked view,
 * run the handlers (mod_status among them) and swap the real scoreboard back, also for a
 * sub-request (PHP's virtual()).
 */
static int is_status(const char *handler)
{
    return handler && (!strcmp(handler, "server-status") ||
                       !strcmp(handler, "application/x-httpd-status"));
}

static int sf_status_handler(request_rec *r)
{
    static int inside;
    sf_server_conf_t *c;
    scoreboard *real;
    int rv;

    if (inside || sf_worker_site() < 0 || !is_status(r->handler) || !ap_scoreboard_image)
        return DECLINED;
    c = ap_get_module_config(r->server->module_config, &mpm_sitefence_module);
    if (c && c->status_shown > 0)
        return DECLINED;
    real = ap_scoreboard_image;
    ap_scoreboard_image = blanked_view(r, real, sf_worker_slot());
    inside = 1;
    rv = ap_run_handler(r);
    inside = 0;
    ap_scoreboard_image = real;
    return rv;
}

/*
 * The parent, before it forks a child into a slot: the slot names the child's site, not the
 * last one's, and no request.
 */
void sf_status_claim_slot(int slot, const char *name)
{
    worker_score *ws = &ap_scoreboard_image->servers[slot][0];

    apr_cpystrn(ws->vhost, name, sizeof(ws->vhost));
    ws->request[0] = '\0';
    ws->client[0] = '\0';
    ws->client64[0] = '\0';
}

void sf_status_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_handler(sf_status_handler, NULL, NULL, APR_HOOK_REALLY_FIRST);
}

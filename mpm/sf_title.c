/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sf_title.c - process titles and request labels. Every process of the server shows what it
 * is in ps ("sitefence: shop.example - busy"), and a worker labels the request it serves
 * ("sitefence: shop.example 203.0.113.7:51234 GET /x.php?token=... HTTP/1.1"). The kernel
 * fence copies the label into its denial records, so the audit log names the vhost and
 * request behind each denial; only a process can write its own label.
 *
 * Both live in a page the parent maps once (it survives restarts): the title is the process's
 * argument area (/proc/PID/cmdline, which every local user may read), the label its
 * environment area (/proc/PID/environ, which only root may read of a worker: it changed its
 * uid, so it is not dumpable). A request line, with its query string and the client's
 * address, is nothing for every shell user of the host to read in ps. Set with
 * prctl(PR_SET_MM); forked children get their own copy of the page.
 */
#include "mpm_sitefence.h"

#include "http_log.h"
#include "apr_strings.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define TITLE_LEN 256
#define LABEL_OFF 2048        /* the label's place in the page */
#define LABEL_LEN 256

/* An area must stay start <= end at each step: order the two calls to fit. */
static int set_area(int start_opt, int end_opt, unsigned long start, unsigned long end)
{
    if (!prctl(PR_SET_MM, end_opt, end, 0, 0) && !prctl(PR_SET_MM, start_opt, start, 0, 0))
        return 0;
    if (!prctl(PR_SET_MM, start_opt, start, 0, 0) && !prctl(PR_SET_MM, end_opt, end, 0, 0))
        return 0;
    return -errno;
}

/* The command line the kernel shows now (the original one, before the first title). */
static void save_cmdline(void)
{
    ssize_t n;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return;
    n = read(fd, sf_retained->cmdline, sizeof(sf_retained->cmdline) - 1);
    close(fd);
    sf_retained->cmdline_len = n > 0 ? (apr_size_t)n : 0;
}

void sf_title_init(void)
{
    char *page;
    int err;

    if (!sf_retained->title) {
        save_cmdline();
        page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED)
            return;
        /* The label's area first: should the title's then fail, the page stays mapped
         * (the label's area is in it), empty, and nothing is written to it. */
        err = set_area(PR_SET_MM_ENV_START, PR_SET_MM_ENV_END, (unsigned long)page + LABEL_OFF,
                       (unsigned long)page + LABEL_OFF + LABEL_LEN);
        if (err)
            munmap(page, 4096);
        else
            err = set_area(PR_SET_MM_ARG_START, PR_SET_MM_ARG_END, (unsigned long)page,
                           (unsigned long)page + TITLE_LEN);
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, -err, NULL, SF_LOG_PREFIX
                         "cannot set process titles; denial records will not name requests");
            return;
        }
        sf_retained->title = page;
        sf_retained->title_len = TITLE_LEN;
    }
}

/*
 * Back to the command line while the parent reads its config at a restart: modules fork
 * helpers then (mod_cgid's daemon), which are Apache's, not sitefence's, and should say so.
 */
void sf_title_restore(void)
{
    apr_size_t n = sf_retained->cmdline_len;

    if (!sf_retained->title || !n || n >= sf_retained->title_len)
        return;
    memcpy(sf_retained->title, sf_retained->cmdline, n);
    memset(sf_retained->title + n, 0, sf_retained->title_len - n);
    memset(sf_retained->title + LABEL_OFF, 0, LABEL_LEN);
}

/* What is written, and NULs to the end: the kernel shows an area whole, past the first NUL. */
static void put(char *at, apr_size_t len, const char *fmt, va_list ap)
{
    int n = apr_vsnprintf(at, len, fmt, ap);

    if (n >= 0 && (apr_size_t)n < len)
        memset(at + n, 0, len - n);
}

static void title(char *at, apr_size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    put(at, len, fmt, ap);
    va_end(ap);
}

/* The title, and the same as the label. */
void sf_title_set(const char *fmt, ...)
{
    va_list ap;

    if (!sf_retained->title)
        return;
    va_start(ap, fmt);
    put(sf_retained->title, sf_retained->title_len, fmt, ap);
    va_end(ap);
    memcpy(sf_retained->title + LABEL_OFF, sf_retained->title,
           LABEL_LEN < sf_retained->title_len ? LABEL_LEN : sf_retained->title_len);
}

/* The title "sitefence: SITE - busy", and the label as given. */
void sf_title_request(const char *site, const char *fmt, ...)
{
    va_list ap;

    if (!sf_retained->title)
        return;
    title(sf_retained->title, sf_retained->title_len, "sitefence: %s - busy", site);
    va_start(ap, fmt);
    put(sf_retained->title + LABEL_OFF, LABEL_LEN, fmt, ap);
    va_end(ap);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sf_title.c - process titles. Every process of the server shows what it is in ps, and a
 * worker shows the request it serves ("sitefence: shop.example 203.0.113.7:51234 GET /x.php
 * HTTP/1.1"). The kernel fence copies that title into its denial records, so the audit log
 * names the vhost and request behind each denial; only a process can write its own title.
 *
 * The title lives in a page the parent maps once (it survives restarts), made the process's
 * argument area with prctl(PR_SET_MM); forked children get their own copy of the page.
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

/* The argument area must stay start <= end at each step: order the two calls to fit. */
static int set_arg_area(unsigned long start, unsigned long end)
{
    if (!prctl(PR_SET_MM, PR_SET_MM_ARG_END, end, 0, 0) &&
        !prctl(PR_SET_MM, PR_SET_MM_ARG_START, start, 0, 0))
        return 0;
    if (!prctl(PR_SET_MM, PR_SET_MM_ARG_START, start, 0, 0) &&
        !prctl(PR_SET_MM, PR_SET_MM_ARG_END, end, 0, 0))
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

    if (!sf_retained->title) {
        save_cmdline();
        page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED)
            return;
        if (set_arg_area((unsigned long)page, (unsigned long)page + TITLE_LEN)) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, errno, NULL, SF_LOG_PREFIX
                         "cannot set process titles; denial records will not name requests");
            munmap(page, 4096);
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
}

void sf_title_set(const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!sf_retained->title)
        return;
    va_start(ap, fmt);
    n = apr_vsnprintf(sf_retained->title, sf_retained->title_len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (apr_size_t)n < sf_retained->title_len)
        memset(sf_retained->title + n, 0, sf_retained->title_len - n);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * wake.c — what it costs this machine to wake a process, the price of every hop between
 * processes: two processes bounce a byte over a unix socket pair (as a dispatcher hands a
 * connection to a worker), first both pinned to one CPU, then to two different CPUs.
 *
 * bench/mpm.sh prints it before its table: on a machine where waking a process on another,
 * idle CPU is expensive (a virtual machine whose idle vCPUs must be woken by the
 * hypervisor), a design with one more hop per connection (mpm_sitefence's dispatcher) pays
 * for it on short connections, and runs vary with how the scheduler spreads the processes.
 *
 * usage: wake [ROUND_TRIPS]   (default 20000)
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int pin(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The echoing side: returns each byte, until killed (a datagram socket sees no end). */
static void echo(int fd)
{
    char b;

    while (read(fd, &b, 1) == 1)
        if (write(fd, &b, 1) != 1)
            break;
}

/* Microseconds per round trip between a process on cpu a and one on cpu b; < 0: -errno. */
static double round_trip(int a, int b, long n)
{
    struct timeval limit = { .tv_sec = 5 };
    double t0 = 0, t1 = 0;
    int sv[2], err = 0, status;
    long i;
    char c = 0;
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
        return -errno;
    pid = fork();
    if (pid < 0) {
        err = -errno;
        goto out;
    }
    if (pid == 0) {
        close(sv[0]);
        if (pin(b))
            _exit(1);
        echo(sv[1]);
        _exit(0);
    }
    close(sv[1]);
    sv[1] = -1;
    /* An echoing side that could not pin itself has left: a datagram socket would wait on. */
    if (setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit)))
        err = -errno;
    if (!err)
        err = pin(a);
    t0 = now_us();
    for (i = 0; i < n && !err; i++)
        if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1)
            err = errno == EAGAIN ? -ETIMEDOUT : -EPIPE;
    t1 = now_us();
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
out:
    if (sv[0] >= 0)
        close(sv[0]);
    if (sv[1] >= 0)
        close(sv[1]);
    return err ? err : (t1 - t0) / n;
}

int main(int argc, char **argv)
{
    long n = 20000;
    double same, other;
    char *end;

    if (argc > 2 || (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))) {
        fprintf(stderr, "usage: wake [ROUND_TRIPS]\n");
        return 2;
    }
    if (argc == 2) {
        errno = 0;
        n = strtol(argv[1], &end, 10);
        if (errno || *end || end == argv[1] || n < 1 || n > 100000000) {
            fprintf(stderr, "wake: ROUND_TRIPS must be a number from 1 to 100000000, not "
                    "'%s'\n", argv[1]);
            return 2;
        }
    }
    same = round_trip(0, 0, n);
    if (same < 0) {
        fprintf(stderr, "wake: cannot measure on CPU 0: %s\n", strerror((int)-same));
        return 1;
    }
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        printf("wake-up (half a round trip): %.1f us on the same CPU; one CPU only\n", same / 2);
        return 0;
    }
    other = round_trip(0, 1, n);
    if (other < 0) {
        fprintf(stderr, "wake: cannot measure on CPUs 0 and 1: %s\n", strerror((int)-other));
        return 1;
    }
    printf("wake-up (half a round trip): %.1f us on the same CPU, %.1f us on another CPU\n",
           same / 2, other / 2);
    return 0;
}

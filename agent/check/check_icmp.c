/* ICMP echo checks with liboping on ONE thread for every target (as collectd's ping plugin does):
 * ping_send() sends one echo to every address at once and blocks until all answered or the timeout,
 * so it cannot run on the agent's loop. A cycle is check_pings such rounds, started at least
 * 1 s / check_pings apart (spread over about a second). The results go back to the loop under the
 * mutex, and a byte on wake_fd wakes its select.
 *
 * Privileges: Debian's liboping 1.10 opens raw sockets only (SOCK_RAW, IPPROTO_ICMP), never the
 * unprivileged ICMP datagram sockets that net.ipv4.ping_group_range allows, so the agent needs
 * CAP_NET_RAW (AmbientCapabilities=CAP_NET_RAW in conf/vigie-agent.service). Without it, the cycle's
 * ICMP results are unknown (no sample), never a false down. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <oping.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check/check_internal.h"
#include "log.h"

struct check_icmp {
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int wake_fd;
    bool stop, pending, done; /* a cycle asked for, its results ready */
    /* the cycle asked for (owned) */
    char **addrs;
    size_t n;
    int pings;
    double timeout;
    /* the thread's own */
    pingobj_t *obj;
    char **obj_addrs; /* the addresses obj holds */
    size_t obj_n;
    /* the results */
    double *rtt;
    char why[256];
};

static void ck_icmp_free_addrs(char **a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        free(a[i]);
    free(a);
}

/* A pingobj for these addresses, each host's context its index. NULL with why on failure. */
static pingobj_t *ck_icmp_obj(char *const *addrs, size_t n, double timeout, char *why, size_t whysize)
{
    pingobj_t *o = ping_construct();
    if (!o) {
        snprintf(why, whysize, "out of memory");
        return NULL;
    }
    ping_setopt(o, PING_OPT_TIMEOUT, &timeout);
    for (size_t i = 0; i < n; i++) {
        if (ping_host_add(o, addrs[i]) != 0) {
            bool perm = strstr(ping_get_error(o), "not permitted") != NULL || errno == EPERM;
            snprintf(why, whysize, "%s: %s%s", addrs[i], ping_get_error(o),
                     perm ? " (liboping needs a raw socket: give vigie-agent CAP_NET_RAW, e.g. "
                            "AmbientCapabilities=CAP_NET_RAW in its systemd unit; liboping cannot use "
                            "unprivileged ping sockets, net.ipv4.ping_group_range does not help)"
                          : "");
            ping_destroy(o);
            return NULL;
        }
    }
    /* liboping keeps its hosts in a list of its own order: tell each host its index */
    for (pingobj_iter_t *it = ping_iterator_get(o); it; it = ping_iterator_next(it)) {
        char name[AGENT_CHECK_ADDR_MAX + 8];
        size_t len = sizeof name;
        if (ping_iterator_get_info(it, PING_INFO_USERNAME, name, &len) != 0)
            continue;
        for (size_t i = 0; i < n; i++)
            if (strcmp(addrs[i], name) == 0)
                ping_iterator_set_context(it, (void *)(uintptr_t)(i + 1));
    }
    return o;
}

static bool ck_icmp_same(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return true;
}

static void ck_icmp_sleep_until(double t)
{
    double left = t - check_clock();
    if (left <= 0)
        return;
    struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
    nanosleep(&ts, NULL);
}

static bool ck_icmp_stopping(check_icmp *ic)
{
    pthread_mutex_lock(&ic->mu);
    bool stop = ic->stop;
    pthread_mutex_unlock(&ic->mu);
    return stop;
}

/* One cycle, on the thread: ic->addrs/n/pings/timeout are not changed while it runs. */
static double *ck_icmp_cycle(check_icmp *ic, char *why, size_t whysize)
{
    if (!ic->obj || !ck_icmp_same(ic->addrs, ic->n, ic->obj_addrs, ic->obj_n)) {
        if (ic->obj)
            ping_destroy(ic->obj);
        ck_icmp_free_addrs(ic->obj_addrs, ic->obj_n);
        ic->obj_addrs = NULL;
        ic->obj_n = 0;
        if (!(ic->obj = ck_icmp_obj(ic->addrs, ic->n, ic->timeout, why, whysize)))
            return NULL;
        if ((ic->obj_addrs = calloc(ic->n ? ic->n : 1, sizeof *ic->obj_addrs)))
            for (size_t i = 0; i < ic->n; i++)
                ic->obj_addrs[ic->obj_n++] = strdup(ic->addrs[i]);
    }
    ping_setopt(ic->obj, PING_OPT_TIMEOUT, &ic->timeout);
    size_t pings = (size_t)ic->pings;
    double *rtt = malloc((ic->n ? ic->n : 1) * pings * sizeof *rtt);
    if (!rtt) {
        snprintf(why, whysize, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < ic->n * pings; i++)
        rtt[i] = NAN;
    double spacing = 1.0 / (double)pings, start = check_clock();
    for (size_t r = 0; r < pings && !ck_icmp_stopping(ic); r++) { /* the agent stops within a round */
        ck_icmp_sleep_until(start + (double)r * spacing);
        if (ping_send(ic->obj) < 0) {
            snprintf(why, whysize, "%s", ping_get_error(ic->obj));
            free(rtt);
            return NULL;
        }
        for (pingobj_iter_t *it = ping_iterator_get(ic->obj); it; it = ping_iterator_next(it)) {
            size_t i = (size_t)(uintptr_t)ping_iterator_get_context(it);
            double ms = -1;
            size_t len = sizeof ms;
            if (i == 0 || i > ic->n || ping_iterator_get_info(it, PING_INFO_LATENCY, &ms, &len) != 0)
                continue;
            if (ms >= 0)
                rtt[(i - 1) * pings + r] = ms;
        }
    }
    return rtt;
}

static void *ck_icmp_main(void *arg)
{
    check_icmp *ic = arg;
    pthread_mutex_lock(&ic->mu);
    for (;;) {
        while (!ic->stop && !ic->pending)
            pthread_cond_wait(&ic->cv, &ic->mu);
        if (ic->stop)
            break;
        pthread_mutex_unlock(&ic->mu);
        char why[sizeof ic->why] = "";
        double *rtt = ck_icmp_cycle(ic, why, sizeof why);
        pthread_mutex_lock(&ic->mu);
        ic->rtt = rtt;
        snprintf(ic->why, sizeof ic->why, "%s", why);
        ic->pending = false;
        ic->done = true;
        if (ic->wake_fd >= 0 && write(ic->wake_fd, "i", 1) < 0) {
            /* a full pipe already wakes the loop */
        }
    }
    pthread_mutex_unlock(&ic->mu);
    return NULL;
}

check_icmp *check_icmp_new(int wake_fd)
{
    check_icmp *ic = calloc(1, sizeof *ic);
    if (!ic)
        return NULL;
    ic->wake_fd = wake_fd;
    pthread_mutex_init(&ic->mu, NULL);
    pthread_cond_init(&ic->cv, NULL);
    return ic;
}

vg_code check_icmp_start(check_icmp *ic, vg_err *err)
{
    int e = pthread_create(&ic->thread, NULL, ck_icmp_main, ic);
    if (e != 0)
        return vg_fail(err, VG_E_INTERNAL, "cannot start the ICMP thread: %s", strerror(e));
    ic->started = true;
    return VG_OK;
}

void check_icmp_free(check_icmp *ic)
{
    if (!ic)
        return;
    if (ic->started) { /* a round under way ends within its timeout */
        pthread_mutex_lock(&ic->mu);
        ic->stop = true;
        pthread_cond_signal(&ic->cv);
        pthread_mutex_unlock(&ic->mu);
        pthread_join(ic->thread, NULL);
    }
    if (ic->obj)
        ping_destroy(ic->obj);
    ck_icmp_free_addrs(ic->obj_addrs, ic->obj_n);
    ck_icmp_free_addrs(ic->addrs, ic->n);
    free(ic->rtt);
    pthread_mutex_destroy(&ic->mu);
    pthread_cond_destroy(&ic->cv);
    free(ic);
}

bool check_icmp_begin(check_icmp *ic, const char *const *addrs, size_t n, int pings, double timeout)
{
    pthread_mutex_lock(&ic->mu);
    bool busy = ic->pending;
    char **copy = busy ? NULL : calloc(n ? n : 1, sizeof *copy);
    size_t ncopy = 0;
    for (size_t i = 0; copy && i < n && (copy[i] = strdup(addrs[i])); i++)
        ncopy++;
    if (copy && ncopy == n) {
        ck_icmp_free_addrs(ic->addrs, ic->n);
        ic->addrs = copy;
        ic->n = n;
        ic->pings = pings;
        ic->timeout = timeout;
        free(ic->rtt);
        ic->rtt = NULL;
        ic->done = false;
        ic->pending = true;
        pthread_cond_signal(&ic->cv);
    } else {
        ck_icmp_free_addrs(copy, ncopy);
        busy = true;
    }
    pthread_mutex_unlock(&ic->mu);
    return !busy;
}

bool check_icmp_take(check_icmp *ic, double **rtt, char *why, size_t whysize)
{
    pthread_mutex_lock(&ic->mu);
    bool done = ic->done;
    if (done) {
        *rtt = ic->rtt;
        ic->rtt = NULL;
        ic->done = false;
        snprintf(why, whysize, "%s", ic->why);
    }
    pthread_mutex_unlock(&ic->mu);
    return done;
}

bool check_icmp_busy(check_icmp *ic)
{
    pthread_mutex_lock(&ic->mu);
    bool busy = ic->pending || ic->done;
    pthread_mutex_unlock(&ic->mu);
    return busy;
}

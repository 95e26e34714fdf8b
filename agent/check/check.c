/* The checker's schedule and its cycles: which targets (agent.yaml's and the server's, merged), the
 * probes of a cycle handed to the ICMP thread and the loop's TCP and HTTP parts, and the samples of a
 * finished cycle handed to a push of their own. See check.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "check/check.h"
#include "check/check_fetch.h"
#include "check/check_internal.h"
#include "log.h"
#include "snmp/engine.h"

struct checker {
    const agent_config *cfg;
    spool *sp;
    outbox *ob;
    pusher *pu;
    check_icmp *icmp;
    check_tcp *tcp;
    check_http *http;
    check_fetch *fetch;
    int wake[2];
    agent_check *server; /* the server's list in use (owned) */
    size_t nserver;
    const agent_check **targets; /* the cycle's: cfg->checks, then the server's that do not clash */
    size_t ntargets;
    /* the cycle under way */
    bool running, icmp_pending, force;
    double next;      /* wall clock: the next cycle's start */
    int64_t stamp;    /* wall clock, the cycle's samples' time */
    double started;   /* monotonic */
    char **addrs;     /* the cycle's distinct addresses */
    size_t naddrs;
    size_t *addr_of;  /* target i's host h: addrs[addr_of[i * AGENT_CHECK_HOSTS + h]] */
    double *rtt;      /* naddrs x pings, from the ICMP thread (NULL: unknown) */
    check_result *results;
    check_tcp_probe *tprobes;
    size_t ntprobes;
    check_http_probe *hprobes;
    size_t nhprobes;
    bool icmp_failed; /* logged once until it works again */
    uint64_t cycles, samples;
};

static double ck_wall(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static double ck_grid(double now, int interval) { return (double)((long long)now / interval + 1) * interval; }

/* ---- the targets ---------------------------------------------------------------------------- */

static bool ck_is_device(const agent_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->ndevices; i++)
        if (strcmp(cfg->devices[i].name, name) == 0)
            return true;
    for (size_t i = 0; i < cfg->nchecks; i++)
        if (strcmp(cfg->checks[i].name, name) == 0)
            return true;
    return false;
}

static void ck_free_server(checker *c)
{
    for (size_t i = 0; i < c->nserver; i++)
        agent_check_clear(&c->server[i]);
    free(c->server);
    c->server = NULL;
    c->nserver = 0;
}

/* The cycle's list: agent.yaml's checks first; a server target named like one of this agent's devices
 * or checks is left out (agent.yaml wins), loudly. */
static vg_code ck_merge(checker *c)
{
    size_t cap = c->cfg->nchecks + c->nserver;
    const agent_check **t = calloc(cap ? cap : 1, sizeof *t);
    if (!t)
        return VG_E_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < c->cfg->nchecks; i++)
        t[n++] = &c->cfg->checks[i];
    for (size_t i = 0; i < c->nserver; i++) {
        if (ck_is_device(c->cfg, c->server[i].name)) {
            log_warn("check", "the server's target %s is also a device or check of %s: agent.yaml's is kept",
                     c->server[i].name, c->cfg->path);
            continue;
        }
        t[n++] = &c->server[i];
    }
    free(c->targets);
    c->targets = t;
    c->ntargets = n;
    return VG_OK;
}

/* A newer list from the server, if any, for the cycle about to start. */
static void ck_take_server_list(checker *c)
{
    agent_check *list;
    size_t n;
    if (!c->fetch || !check_fetch_take(c->fetch, &list, &n))
        return;
    agent_check *old = c->server;
    size_t nold = c->nserver;
    c->server = list;
    c->nserver = n;
    if (ck_merge(c) != VG_OK) { /* keep the previous list */
        log_error("check", "out of memory: the server's new target list is not used");
        c->server = old;
        c->nserver = nold;
        for (size_t i = 0; i < n; i++)
            agent_check_clear(&list[i]);
        free(list);
        return;
    }
    for (size_t i = 0; i < nold; i++)
        agent_check_clear(&old[i]);
    free(old);
    log_info("check", "%zu target(s) from the server, %zu in all", n, c->ntargets);
}

/* ---- a cycle's probes ----------------------------------------------------------------------- */

static void ck_cycle_free(checker *c)
{
    free(c->addrs); /* the strings are the targets' */
    free(c->addr_of);
    free(c->rtt);
    free(c->results);
    free(c->tprobes);
    free(c->hprobes);
    c->addrs = NULL;
    c->addr_of = NULL;
    c->rtt = NULL;
    c->results = NULL;
    c->tprobes = NULL;
    c->hprobes = NULL;
    c->naddrs = c->ntprobes = c->nhprobes = 0;
}

static int ck_cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The distinct addresses echoed (two targets may share one: it is echoed once) and each host's index. */
static vg_code ck_addresses(checker *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->ntargets; i++)
        n += c->targets[i]->icmp ? c->targets[i]->nhosts : 0;
    c->addrs = calloc(n ? n : 1, sizeof *c->addrs);
    c->addr_of = calloc(c->ntargets ? c->ntargets * AGENT_CHECK_HOSTS : 1, sizeof *c->addr_of);
    if (!c->addrs || !c->addr_of)
        return VG_E_NOMEM;
    for (size_t i = 0; i < c->ntargets; i++)
        for (size_t h = 0; c->targets[i]->icmp && h < c->targets[i]->nhosts; h++)
            c->addrs[c->naddrs++] = (char *)c->targets[i]->hosts[h];
    qsort(c->addrs, c->naddrs, sizeof *c->addrs, ck_cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < c->naddrs; i++)
        if (u == 0 || strcmp(c->addrs[u - 1], c->addrs[i]) != 0)
            c->addrs[u++] = c->addrs[i];
    c->naddrs = u;
    for (size_t i = 0; i < c->ntargets; i++)
        for (size_t h = 0; c->targets[i]->icmp && h < c->targets[i]->nhosts; h++) {
            const char *key = c->targets[i]->hosts[h];
            char **at = bsearch(&key, c->addrs, c->naddrs, sizeof *c->addrs, ck_cmp_str);
            c->addr_of[i * AGENT_CHECK_HOSTS + h] = (size_t)(at - c->addrs);
        }
    return VG_OK;
}

/* The TCP and HTTP probes, writing into each target's result. */
static vg_code ck_probes(checker *c)
{
    size_t nt = 0, nh = 0;
    for (size_t i = 0; i < c->ntargets; i++) {
        nt += c->targets[i]->nports;
        nh += c->targets[i]->nhttp;
    }
    c->results = calloc(c->ntargets ? c->ntargets : 1, sizeof *c->results);
    c->tprobes = calloc(nt ? nt : 1, sizeof *c->tprobes);
    c->hprobes = calloc(nh ? nh : 1, sizeof *c->hprobes);
    if (!c->results || !c->tprobes || !c->hprobes)
        return VG_E_NOMEM;
    for (size_t i = 0; i < c->ntargets; i++) {
        const agent_check *t = c->targets[i];
        check_result *r = &c->results[i];
        r->pings = (size_t)c->cfg->check_pings;
        for (size_t k = 0; k < t->nports; k++)
            c->tprobes[c->ntprobes++] = (check_tcp_probe){t->hosts[0], t->ports[k], &r->tcp[k], &r->tcp_ms[k]};
        for (size_t k = 0; k < t->nhttp; k++)
            c->hprobes[c->nhprobes++] = (check_http_probe){t->http[k].url, t->http[k].expect, &r->http[k],
                                                            &r->http_status[k], &r->http_ms[k]};
    }
    return VG_OK;
}

static void ck_begin(checker *c, double now)
{
    ck_take_server_list(c);
    c->next = ck_grid(now, c->cfg->check_interval);
    c->force = false;
    if (c->ntargets == 0)
        return;
    ck_cycle_free(c);
    if (ck_addresses(c) != VG_OK || ck_probes(c) != VG_OK) {
        log_error("check", "out of memory: the cycle at %lld is skipped", (long long)now);
        ck_cycle_free(c);
        return;
    }
    c->stamp = (int64_t)now;
    c->started = check_clock();
    c->running = true;
    c->icmp_pending = c->naddrs > 0 &&
                      check_icmp_begin(c->icmp, (const char *const *)c->addrs, c->naddrs, c->cfg->check_pings,
                                       c->cfg->check_timeout);
    check_tcp_begin(c->tcp, c->tprobes, c->ntprobes, c->cfg->check_timeout);
    check_http_begin(c->http, c->hprobes, c->nhprobes, c->cfg->check_http_timeout);
}

/* ---- a finished cycle ----------------------------------------------------------------------- */

static void ck_icmp_result(checker *c)
{
    char why[256] = "";
    if (!check_icmp_take(c->icmp, &c->rtt, why, sizeof why))
        return;
    c->icmp_pending = false;
    if (!c->rtt && !c->icmp_failed)
        log_error("check", "no ICMP echo could be sent (%s): link.reachable and link.loss are not measured", why);
    else if (c->rtt && c->icmp_failed)
        log_info("check", "ICMP echoes are sent again");
    c->icmp_failed = !c->rtt;
}

static size_t ck_answered(const checker *c, size_t i)
{
    const agent_check *t = c->targets[i];
    const check_result *r = &c->results[i];
    for (size_t h = 0; t->icmp && h < t->nhosts; h++)
        for (size_t k = 0; r->rtt[h] && k < r->pings; k++)
            if (r->rtt[h][k] >= 0)
                return 1;
    for (size_t k = 0; k < t->nports; k++)
        if (r->tcp[k] == CHECK_UP)
            return 1;
    for (size_t k = 0; k < t->nhttp; k++)
        if (r->http[k] == CHECK_UP)
            return 1;
    return 0;
}

static void ck_finish(checker *c)
{
    c->running = false;
    poll_sink sink = outbox_sink(c->ob, c->stamp);
    size_t taken = 0, answered = 0, pings = (size_t)c->cfg->check_pings;
    for (size_t i = 0; i < c->ntargets; i++) {
        check_result *r = &c->results[i];
        for (size_t h = 0; c->rtt && c->targets[i]->icmp && h < c->targets[i]->nhosts; h++)
            r->rtt[h] = c->rtt + c->addr_of[i * AGENT_CHECK_HOSTS + h] * pings;
        taken += check_emit(c->targets[i], r, &sink, c->stamp);
        answered += ck_answered(c, i);
    }
    outbox_end_cycle(c->ob);
    for (char *body; (body = outbox_take_unspooled(c->ob));)
        pusher_give(c->pu, body);
    pusher_kick(c->pu);
    c->cycles++;
    c->samples += taken;
    double took = check_clock() - c->started;
    size_t probes = c->naddrs * pings + c->ntprobes + c->nhprobes;
    log_debug("check", "cycle at %lld: %zu targets, %zu probes, %zu answered in %.3f s", (long long)c->stamp,
              c->ntargets, probes, answered, took);
    if (took > c->cfg->check_interval)
        log_warn("check", "the cycle at %lld took %.1f s, longer than check_interval (%d s): the next starts late",
                 (long long)c->stamp, took, c->cfg->check_interval);
    ck_cycle_free(c);
}

/* ---- the loop's hooks (engine.h's poller_extra) --------------------------------------------- */

static void ck_fill(void *ctx, netsnmp_large_fd_set *rd, netsnmp_large_fd_set *wr, int *nfds, double *left)
{
    checker *c = ctx;
    NETSNMP_LARGE_FD_SET(c->wake[0], rd);
    if (c->wake[0] >= *nfds)
        *nfds = c->wake[0] + 1;
    if (c->running) {
        check_tcp_fill(c->tcp, wr, nfds, left);
        check_http_fill(c->http, rd, wr, nfds, left);
    } else {
        double until = c->force ? 0 : c->next - ck_wall();
        if (until < *left)
            *left = until;
    }
}

static void ck_handle(void *ctx, netsnmp_large_fd_set *rd, netsnmp_large_fd_set *wr, int n)
{
    checker *c = ctx;
    if (n > 0 && NETSNMP_LARGE_FD_ISSET(c->wake[0], rd)) {
        char buf[64];
        while (read(c->wake[0], buf, sizeof buf) > 0) {
        }
    }
    if (c->running) {
        check_tcp_handle(c->tcp, wr);
        check_http_handle(c->http, rd, wr);
        if (c->icmp_pending)
            ck_icmp_result(c);
        if (!c->icmp_pending && !check_tcp_busy(c->tcp) && !check_http_busy(c->http))
            ck_finish(c);
        return;
    }
    double now = ck_wall();
    if (c->next - now > c->cfg->check_interval) /* the wall clock stepped back: the new time's grid */
        c->next = ck_grid(now, c->cfg->check_interval);
    if (c->force || now >= c->next)
        ck_begin(c, now);
}

void checker_attach(checker *c)
{
    poller_extra x = {c, ck_fill, ck_handle};
    poller_set_extra(c ? &x : NULL);
}

/* ---- life ----------------------------------------------------------------------------------- */

static vg_code ck_pipe(checker *c, vg_err *err)
{
    if (pipe2(c->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        c->wake[0] = c->wake[1] = -1;
        return vg_fail(err, VG_E_INTERNAL, "cannot make the checker's pipe: %s", strerror(errno));
    }
    return VG_OK;
}

checker *checker_new(const agent_config *cfg, spool *sp, pusher *pu, vg_err *err)
{
    checker *c = calloc(1, sizeof *c);
    if (!c) {
        vg_fail(err, VG_E_NOMEM, "out of memory");
        return NULL;
    }
    c->cfg = cfg;
    c->sp = sp;
    c->pu = pu;
    c->wake[0] = c->wake[1] = -1;
    if (ck_pipe(c, err) != VG_OK)
        goto fail;
    c->ob = outbox_new(sp, cfg->id, 0);
    c->tcp = check_tcp_new();
    c->http = check_http_new(cfg->ca_file);
    c->icmp = check_icmp_new(c->wake[1]);
    if (!c->ob || !c->tcp || !c->http || !c->icmp || ck_merge(c) != VG_OK) {
        vg_fail(err, VG_E_NOMEM, "out of memory");
        goto fail;
    }
    if (check_icmp_start(c->icmp, err) != VG_OK)
        goto fail;
    if (cfg->targets_from_server && !(c->fetch = check_fetch_new(cfg, spool_dir(sp), err)))
        goto fail;
    c->next = ck_grid(ck_wall(), cfg->check_interval);
    return c;
fail:
    checker_free(c);
    return NULL;
}

void checker_free(checker *c)
{
    if (!c)
        return;
    if (c->running)
        log_info("check", "stopping: the cycle at %lld is dropped", (long long)c->stamp);
    check_fetch_free(c->fetch);
    check_icmp_free(c->icmp); /* joins the thread before the pipe closes */
    check_tcp_free(c->tcp);
    check_http_free(c->http);
    ck_cycle_free(c);
    ck_free_server(c);
    free(c->targets);
    outbox_free(c->ob);
    if (c->wake[0] >= 0)
        close(c->wake[0]);
    if (c->wake[1] >= 0)
        close(c->wake[1]);
    free(c);
}

void checker_start_now(checker *c)
{
    if (!c->running)
        c->force = true;
}

bool checker_busy(const checker *c) { return c->running || c->force; }
size_t checker_target_count(const checker *c) { return c->ntargets; }
uint64_t checker_cycles(const checker *c) { return c->cycles; }
uint64_t checker_samples(const checker *c) { return c->samples; }

/* discover_scan: the sweep of --discover (discover.h): a window of DISCOVER_WINDOW slots
 * (discover_slot.h), each an address being asked, filled in address order; one pacer sends their
 * requests, at most one every 1/rate s, round robin; one select waits on Net-SNMP's sessions. */
#include "config.h"
#include "discover/discover_slot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double discover_bound(uint32_t count, const agent_device *dev, double rate)
{
    /* every address may take (retries + 1) requests, all paced; and a silent one holds its slot
     * (retries + 1) timeouts, DISCOVER_WINDOW slots at a time */
    double tries = dev->retries + 1;
    double rounds = ceil((double)count / DISCOVER_WINDOW);
    return count * tries / rate + rounds * tries * dev->timeout + 1;
}

/* ---- the loop ------------------------------------------------------------------------------- */

static vg_code ds_keep(ds_scan *sc, ds_slot *s)
{
    discover_result *r = sc->r;
    if (r->nhosts == sc->cap) {
        size_t cap = sc->cap ? 2 * sc->cap : 16;
        discover_host *n = realloc(r->hosts, cap * sizeof *n);
        if (!n)
            return VG_E_NOMEM;
        r->hosts = n;
        sc->cap = cap;
    }
    s->h.nprofs = profile_set_detect_all(sc->set, s->soid_len ? s->soid : NULL, s->soid_len, ds_probe_ok, s,
                                         s->h.profs, PROF_MAX_COMPOSE);
    r->hosts[r->nhosts++] = s->h;
    return VG_OK;
}

/* Closes the sessions of the slots done (never inside Net-SNMP's callback) and counts their outcome. */
static vg_code ds_reap(ds_scan *sc)
{
    vg_code rc = VG_OK;
    for (size_t i = 0; i < DISCOVER_WINDOW; i++) {
        ds_slot *s = &sc->slots[i];
        if (s->phase != DS_DONE)
            continue;
        if (s->sess)
            snmp_close(s->sess);
        s->sess = NULL;
        switch (s->outcome) {
        case DS_OK: if (ds_keep(sc, s) != VG_OK) rc = VG_E_NOMEM; break;
        case DS_SILENT: sc->r->silent++; break;
        case DS_AUTH: sc->r->auth_errors++; break;
        case DS_FAILED: sc->r->failed++; break;
        }
        s->phase = DS_FREE;
    }
    return rc;
}

/* The slots whose SNMPv3 engine answered get their session with the keys (Net-SNMP discovers the
 * engine again in snmp_open: one exchange with an agent known to answer). */
static void ds_reopen(ds_scan *sc)
{
    for (size_t i = 0; i < DISCOVER_WINDOW; i++) {
        ds_slot *s = &sc->slots[i];
        if (!s->reopen)
            continue;
        s->reopen = false;
        s->engine = true;
        snmp_close(s->sess);
        vg_err err;
        s->phase = DS_SYS;
        s->sess = engine_session_open(&s->dev, &err);
        sc->r->requests++;
        if (!s->sess) /* its engine answered, and refused the keys (Net-SNMP checks them in snmp_open) */
            ds_finish(s, DS_AUTH);
        else
            ds_request(s);
    }
}

/* Gives free slots the next addresses. */
static void ds_fill(ds_scan *sc)
{
    const discover_range *rg = &sc->r->range;
    for (size_t i = 0; i < DISCOVER_WINDOW && sc->next < rg->count; i++) {
        ds_slot *s = &sc->slots[i];
        if (s->phase != DS_FREE)
            continue;
        memset(&s->h, 0, sizeof s->h);
        s->index = sc->next++;
        s->dev = *sc->o->dev;
        discover_cidr_at(rg, s->index, s->dev.host);
        s->retries = s->dev.retries;
        s->engine = false;
        s->dev.retries = 0; /* retries go through the pacer (ds_callback) */
        s->reopen = false;
        s->h.addr = discover_cidr_addr(rg, s->index);
        snprintf(s->h.host, sizeof s->h.host, "%s", s->dev.host);
        s->soid_len = 0;
        s->sys_ask[0] = s->sys_ask[1] = s->sys_ask[2] = true;
        s->phase = s->dev.version == SNMP_V3 ? DS_ENGINE : DS_SYS;
        vg_err err;
        s->sess = s->phase == DS_ENGINE ? ds_engine_session(&s->dev, s) : engine_session_open(&s->dev, &err);
        if (!s->sess) {
            ds_finish(s, DS_FAILED);
            continue;
        }
        ds_request(s);
    }
}

/* Sends what the pacer allows now, round robin over the slots. */
static void ds_pace(ds_scan *sc, double now)
{
    for (size_t k = 0; k < DISCOVER_WINDOW && sc->next_send <= now; k++) {
        ds_slot *s = &sc->slots[(sc->rr + k) % DISCOVER_WINDOW];
        if (s->phase == DS_FREE || s->phase == DS_DONE || !s->want)
            continue;
        ds_send(s);
        sc->next_send = (sc->next_send > now ? sc->next_send : now) + sc->interval; /* never closer */
        sc->rr = (sc->rr + k + 1) % DISCOVER_WINDOW;
        k = (size_t)-1; /* start again after it */
    }
}

static bool ds_busy(const ds_scan *sc, bool *wanting)
{
    bool busy = false;
    *wanting = false;
    for (size_t i = 0; i < DISCOVER_WINDOW; i++) {
        const ds_slot *s = &sc->slots[i];
        busy |= s->phase != DS_FREE;
        *wanting |= s->phase != DS_FREE && s->phase != DS_DONE && s->want;
    }
    return busy;
}

static void ds_wait(ds_scan *sc, bool wanting, double now)
{
    netsnmp_large_fd_set set;
    netsnmp_large_fd_set_init(&set, FD_SETSIZE);
    int fds = 0, block = 0;
    struct timeval tv = {1, 0};
    snmp_select_info2(&fds, &set, &tv, &block);
    double left = block ? 1.0 : tv.tv_sec + tv.tv_usec / 1e6;
    if (left > 1.0)
        left = 1.0;
    if (wanting && sc->next_send - now < left)
        left = sc->next_send > now ? sc->next_send - now : 0;
    tv.tv_sec = (time_t)left;
    tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
    int n = netsnmp_large_fd_set_select(fds, &set, NULL, NULL, &tv);
    if (n > 0)
        snmp_read2(&set);
    else if (n == 0)
        snmp_timeout();
    netsnmp_large_fd_set_cleanup(&set);
}

static void ds_progress(ds_scan *sc, double now)
{
    if (now - sc->last_progress < 5)
        return;
    sc->last_progress = now;
    fprintf(stderr, "vigie-agent: --discover: %u of %u addresses asked, %zu answered, %.0f s\n", sc->next,
            sc->r->range.count, sc->r->nhosts, now - sc->start);
}

vg_code discover_scan(const profile_set *set, const discover_opts *o, discover_result *r, vg_err *err)
{
    poller_snmp_init();
    ds_scan sc = {.set = set, .o = o, .r = r, .maxprobes = profile_set_probe_count(set)};
    sc.slots = calloc(DISCOVER_WINDOW, sizeof *sc.slots);
    bool nomem = !sc.slots;
    for (size_t i = 0; !nomem && i < DISCOVER_WINDOW; i++) {
        ds_slot *s = &sc.slots[i];
        size_t m = sc.maxprobes ? sc.maxprobes : 1;
        s->sc = &sc;
        s->probes = calloc(m, sizeof *s->probes);
        s->have = calloc(m, sizeof *s->have);
        s->done = calloc(m, sizeof *s->done);
        nomem = !s->probes || !s->have || !s->done;
    }
    vg_code rc = nomem ? VG_E_NOMEM : VG_OK;
    sc.interval = 1.0 / o->rate;
    sc.start = sc.last_progress = sc.next_send = ds_now();
    /* the sweep's bound, and time for each device found to answer its probes */
    sc.deadline = sc.start + r->bound + 60;
    for (bool wanting = false; rc == VG_OK;) {
        ds_fill(&sc);
        double now = ds_now();
        ds_pace(&sc, now);
        if ((rc = ds_reap(&sc)) != VG_OK)
            break;
        if (!ds_busy(&sc, &wanting) && sc.next >= r->range.count)
            break;
        if (now > sc.deadline) {
            for (size_t i = 0; i < DISCOVER_WINDOW; i++)
                if (sc.slots[i].phase != DS_FREE && sc.slots[i].phase != DS_DONE) {
                    sc.slots[i].h.partial = true;
                    ds_finish(&sc.slots[i], sc.slots[i].phase == DS_PROBE ? DS_OK : DS_SILENT);
                }
            rc = ds_reap(&sc);
            r->not_asked = r->range.count - sc.next;
            break;
        }
        ds_wait(&sc, wanting, now);
        rc = ds_reap(&sc);
        ds_reopen(&sc);
        ds_progress(&sc, ds_now());
    }
    for (size_t i = 0; sc.slots && i < DISCOVER_WINDOW; i++) {
        if (sc.slots[i].sess)
            snmp_close(sc.slots[i].sess);
        free(sc.slots[i].probes);
        free(sc.slots[i].have);
        free(sc.slots[i].done);
        explicit_bzero(&sc.slots[i].dev, sizeof sc.slots[i].dev); /* the community */
    }
    free(sc.slots);
    r->elapsed = ds_now() - sc.start;
    if (rc != VG_OK)
        return vg_fail(err, rc, "out of memory");
    return VG_OK;
}

void discover_result_clear(discover_result *r)
{
    free(r->hosts);
    r->hosts = NULL;
    r->nhosts = 0;
}

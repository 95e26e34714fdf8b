#include "config.h"
#include "vocab_names.h"
#include "sla/health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerting/skew.h"
#include "log.h"
#include "sla/selftest.h"

#define STATE_MAX_MEMBERS 256

void state_site_info_get(const server_config *cfg, const char *site, state_site_info *out)
{
    memset(out, 0, sizeof *out);
    const server_site *s = server_config_site(cfg, site);
    snprintf(out->id, sizeof out->id, "%s", site);
    if (s) {
        snprintf(out->name, sizeof out->name, "%s", s->name);
        snprintf(out->kind, sizeof out->kind, "%s", s->kind);
        snprintf(out->timezone, sizeof out->timezone, "%s", s->timezone);
        out->target = s->target;
        out->min_coverage = s->min_coverage;
        out->model = &s->model;
        return;
    }
    /* a site an agent serves without being declared: the defaults of an NRO shelter */
    snprintf(out->name, sizeof out->name, "%s", site);
    snprintf(out->kind, sizeof out->kind, "nro");
    snprintf(out->timezone, sizeof out->timezone, "Europe/Paris");
    out->target = 99.982;
    out->min_coverage = SERVER_MIN_COVERAGE_DEFAULT;
    site_model_defaults(cfg->vocab, "nro", &out->fallback, NULL); /* checked at start (server_config.c) */
    out->model = &out->fallback;
}

/* Two observations one poll apart (with some jitter) are one run; a run's last observation covers
 * two steps, so that one missed poll is bridged, not a gap — and a late batch for that poll still
 * lands between the runs at its own time. */
static int64_t state_tol(const server_config *cfg) { return (int64_t)cfg->step * 3 / 2; }
static int64_t state_cover(const server_config *cfg) { return 2 * (int64_t)cfg->step; }

/* ---- ingest -------------------------------------------------------------------------------- */

typedef struct {
    const char *device;
    int64_t ts;
    bool unreachable;
    severity worst;
    char cause[AVAIL_CAUSE_MAX];
} state_dev_obs;

static void state_cause(const push_sample *s, char *out, size_t size)
{
    if (s->text[0])
        snprintf(out, size, "%s%s%s=%s", s->metric, s->instance[0] ? "@" : "", s->instance, s->text);
    else
        snprintf(out, size, "%s%s%s=%g%s", s->metric, s->instance[0] ? "@" : "", s->instance, s->value, s->unit);
}

static health state_health_of(const state_dev_obs *o)
{
    if (o->unreachable)
        return HEALTH_UNKNOWN;
    return o->worst == SEV_CRITICAL ? HEALTH_DOWN : o->worst == SEV_WARNING ? HEALTH_DEGRADED : HEALTH_OK;
}

static vg_code state_observe_devices(db *d, const server_config *cfg, const char *site, const push_batch *b,
                                     int64_t *tmin, int64_t *tmax, vg_err *err)
{
    size_t n = push_batch_count(b), nobs = 0;
    state_dev_obs *obs = calloc(n ? n : 1, sizeof *obs);
    selftest_memo memo = {0};
    if (!obs)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const push_sample *s = push_batch_at(b, i);
        state_dev_obs *o = NULL;
        for (size_t k = nobs; k-- > 0 && !o;) /* samples of a device come together: look back */
            if (obs[k].ts == s->ts && strcmp(obs[k].device, s->device) == 0)
                o = &obs[k];
        if (!o) {
            o = &obs[nobs++];
            o->device = s->device;
            o->ts = s->ts;
            o->worst = SEV_OK;
            snprintf(o->cause, sizeof o->cause, "all values ok");
        }
        if (strcmp(s->metric, VOCAB_DEVICE_REACHABLE) == 0 && s->value < 1) {
            o->unreachable = true;
            snprintf(o->cause, sizeof o->cause, "no SNMP answer");
        } else if ((s->sev == SEV_CRITICAL || s->sev == SEV_WARNING) && s->sev > o->worst && !o->unreachable &&
                   !selftest_caused(d, cfg, site, s, &memo)) { /* a UPS on battery for its own test */
            o->worst = s->sev;
            state_cause(s, o->cause, sizeof o->cause);
        }
        if (s->ts < *tmin)
            *tmin = s->ts;
        if (s->ts > *tmax)
            *tmax = s->ts;
    }
    vg_code rc = VG_OK;
    for (size_t i = 0; i < nobs && rc == VG_OK; i++) {
        db_member m;
        db_member_device(&m, obs[i].device);
        rc = db_health_observe(d, site, &m, obs[i].ts, state_health_of(&obs[i]), obs[i].cause, state_tol(cfg), NULL,
                               err);
    }
    free(obs);
    return rc;
}

static vg_code state_observe_conditions(db *d, const server_config *cfg, const char *site, const site_model *m,
                                        const push_batch *b, vg_err *err)
{
    for (size_t i = 0; i < push_batch_count(b); i++) {
        const push_sample *s = push_batch_at(b, i);
        const char *cls = push_batch_device_class(b, s->device);
        for (size_t v = 0; v < m->nservices; v++) {
            const site_service *svc = &m->services[v];
            for (size_t c = 0; c < svc->nconditions; c++) {
                const site_condition *cond = &svc->conditions[c];
                if (!site_condition_applies(cond, s->device, cls, s->metric, s->instance))
                    continue;
                char cause[AVAIL_CAUSE_MAX];
                db_member member;
                db_member_condition(&member, svc->name, s->device, s->metric, s->instance);
                bool met = site_condition_met(cond, s->value, s->text);
                state_cause(s, cause, sizeof cause);
                if (!met) {
                    size_t len = strlen(cause);
                    if (cond->text[0])
                        snprintf(cause + len, sizeof cause - len, ", not %s", cond->text);
                    else
                        snprintf(cause + len, sizeof cause - len, " outside [%s%g, %s%g]", cond->has_min ? "" : "-",
                                 cond->has_min ? cond->min : 0.0, cond->has_max ? "" : "+", cond->has_max ? cond->max : 0.0);
                }
                vg_code rc = db_health_observe(d, site, &member, s->ts, met ? HEALTH_OK : HEALTH_DOWN, cause,
                                               state_tol(cfg), NULL, err);
                if (rc != VG_OK)
                    return rc;
            }
        }
    }
    return VG_OK;
}

typedef struct {
    db *d;
    const server_config *cfg;
    const char *site;
    const push_batch *b;
    int64_t now;
} state_ingest_job;

static vg_code state_ingest_tx(void *ctx, vg_err *err)
{
    state_ingest_job *j = ctx;
    state_site_info info;
    state_site_info_get(j->cfg, j->site, &info);
    vg_code rc;
    for (size_t i = 0; i < push_batch_device_count(j->b); i++)
        if ((rc = db_device_upsert(j->d, j->site, push_batch_agent(j->b), push_batch_device_at(j->b, i), j->now,
                                   err)) != VG_OK)
            return rc;
    int64_t tmin = INT64_MAX, tmax = INT64_MIN;
    if ((rc = selftest_ingest(j->d, j->cfg, j->site, j->b, err)) != VG_OK ||
        (rc = state_observe_devices(j->d, j->cfg, j->site, j->b, &tmin, &tmax, err)) != VG_OK ||
        (rc = state_observe_conditions(j->d, j->cfg, j->site, info.model, j->b, err)) != VG_OK)
        return rc;
    if (tmin > tmax)
        return VG_OK;
    /* a late batch changes its own period and what follows it up to the next observations. Events are
     * what has happened: never past the present, the server's, or the agent's own when its clock is
     * behind (skew.h): else each batch of an agent an hour behind would end in "unknown" at its last
     * run's end, an hour ago, though the agent keeps pushing. An agent ahead has its observations
     * judged once the server's present reaches them (from: at most the present), not never. */
    int64_t present = skew_agent_now(push_batch_agent(j->b), j->now);
    if (present > j->now)
        present = j->now;
    int64_t from = (tmin < present ? tmin : present) - state_cover(j->cfg);
    int64_t to = tmax + 2 * state_cover(j->cfg);
    if (to > present + 1)
        to = present + 1;
    if (to <= from)
        return VG_OK;
    return state_events_recompute(j->d, j->cfg, j->site, from, to, j->now, err);
}

vg_code state_ingest(db *d, const server_config *cfg, const char *site, const push_batch *b, int64_t now, vg_err *err)
{
    state_ingest_job j = {d, cfg, site, b, now};
    vg_code rc = db_transaction(d, state_ingest_tx, &j, err);
    if (rc != VG_OK && err)
        vg_wrap(err, "recording the health of site %s", site);
    return rc;
}

/* ---- building a site for avail_compute ----------------------------------------------------- */

struct state_site {
    avail_site site;
    avail_service services[SITE_MAX_SERVICES];
    avail_group groups[SITE_MAX_SERVICES][2];
    avail_member *members; /* every member of every group, one array */
    db_member *keys;       /* whose runs members[i] has: a device or a metric condition */
    size_t nmembers, cap;
    avail_window *windows;
    size_t nwindows;
};

typedef struct {
    db_member keys[STATE_MAX_MEMBERS];
    size_t n;
    const char *cls;
} state_name_list;

static void state_collect_class(void *ctx, const char *device, const char *cls, const char *profile, int64_t seen)
{
    state_name_list *l = ctx;
    if (l->n < STATE_MAX_MEMBERS && strcmp(cls, l->cls) == 0)
        db_member_device(&l->keys[l->n++], device);
    (void)profile;
    (void)seen;
}

/* The member's name is how causes and reports show it ("env env.temperature@1" for a condition). */
static avail_member *state_add_member(state_site *s, const db_member *key)
{
    if (s->nmembers == s->cap)
        return NULL;
    s->keys[s->nmembers] = *key;
    avail_member *m = &s->members[s->nmembers++];
    memset(m, 0, sizeof *m);
    db_member_display(key, m->name, sizeof m->name);
    return m;
}

static vg_code state_fill_group(db *d, const char *site, state_site *s, avail_group *g, state_name_list *names,
                                int64_t from, int64_t to, int64_t step, vg_err *err)
{
    g->members = &s->members[s->nmembers];
    for (size_t i = 0; i < names->n; i++) {
        avail_member *m = state_add_member(s, &names->keys[i]);
        if (!m)
            return vg_fail(err, VG_E_TOO_LARGE, "site %s: more than %zu members", site, s->cap);
        vg_code rc = db_health_spans(d, site, &names->keys[i], from, to, step, &m->spans, &m->nspans, err);
        if (rc != VG_OK)
            return rc;
        g->nmembers++;
    }
    return VG_OK;
}

/* state_site_build with the reason of a failure. */
static vg_code state_site_load(db *d, const server_config *cfg, const char *site, int64_t from, int64_t to,
                               state_site **out, vg_err *err)
{
    *out = NULL;
    state_site_info info;
    state_site_info_get(cfg, site, &info);
    state_site *s = calloc(1, sizeof *s);
    state_name_list *names = calloc(1, sizeof *names);
    vg_code rc = VG_E_NOMEM;
    if (!s || !names) {
        vg_fail(err, rc, "out of memory");
        goto fail;
    }
    s->cap = SITE_MAX_SERVICES * 2 * STATE_MAX_MEMBERS;
    s->members = calloc(s->cap, sizeof *s->members);
    s->keys = calloc(s->cap, sizeof *s->keys);
    if (!s->members || !s->keys) {
        vg_fail(err, rc, "out of memory");
        goto fail;
    }
    s->site.target = info.target;
    s->site.min_coverage = info.min_coverage;
    s->site.policy = info.model->unknown;
    s->site.services = s->services;
    int64_t step = state_cover(cfg);
    for (size_t v = 0; v < info.model->nservices; v++) {
        const site_service *svc = &info.model->services[v];
        avail_service *as = &s->services[s->site.nservices];
        memset(as, 0, sizeof *as);
        snprintf(as->name, sizeof as->name, "%s", svc->name);
        as->groups = s->groups[s->site.nservices];
        /* group 1: k-of-n over devices */
        names->n = 0;
        if (svc->ndevices) {
            for (size_t i = 0; i < svc->ndevices; i++)
                db_member_device(&names->keys[names->n++], svc->devices[i]);
        } else if (svc->cls[0]) {
            names->cls = svc->cls;
            if ((rc = db_devices_each(d, site, state_collect_class, names)) != VG_OK) {
                vg_fail(err, rc, "site %s: cannot read its devices", site);
                goto fail;
            }
        }
        if (names->n) {
            avail_group *g = &as->groups[as->ngroups++];
            if ((rc = state_fill_group(d, site, s, g, names, from, to, step, err)) != VG_OK)
                goto fail;
            g->min_up = svc->min_up > 0 ? svc->min_up : (g->nmembers > 1 ? (int)g->nmembers - 1 : 1);
        }
        /* group 2: every metric condition must hold (those observed so far) */
        names->n = 0;
        if (svc->nconditions &&
            (rc = db_health_conditions(d, site, svc->name, names->keys, STATE_MAX_MEMBERS, &names->n, err)) != VG_OK)
            goto fail;
        if (names->n) {
            avail_group *g = &as->groups[as->ngroups++];
            if ((rc = state_fill_group(d, site, s, g, names, from, to, step, err)) != VG_OK)
                goto fail;
            g->min_up = (int)g->nmembers;
        }
        /* a service with nothing to judge it (no device of its class at this site) is left out */
        if (as->ngroups)
            s->site.nservices++;
    }
    if ((rc = db_maintenance_list(d, site, from, to, &s->windows, &s->nwindows, NULL)) != VG_OK) {
        vg_fail(err, rc, "site %s: cannot read its maintenance windows", site);
        goto fail;
    }
    s->site.maintenance = s->windows;
    s->site.nmaintenance = s->nwindows;
    free(names);
    *out = s;
    return VG_OK;
fail:
    free(names);
    state_site_free(s);
    return rc;
}

state_site *state_site_build(db *d, const server_config *cfg, const char *site, int64_t from, int64_t to)
{
    state_site *s;
    return state_site_load(d, cfg, site, from, to, &s, NULL) == VG_OK ? s : NULL;
}

const avail_site *state_site_avail(const state_site *s) { return &s->site; }

void state_site_free(state_site *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nmembers; i++)
        free(s->members[i].spans);
    free(s->members);
    free(s->keys);
    free(s->windows);
    free(s);
}

int state_availability(db *d, const server_config *cfg, const char *site, int64_t from, int64_t to,
                       avail_result *out)
{
    state_site *s = state_site_build(d, cfg, site, from, to);
    if (!s)
        return -1;
    int rc = avail_compute(&s->site, from, to, out);
    state_site_free(s);
    return rc;
}

/* ---- events -------------------------------------------------------------------------------- */

static int state_cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Replaces the events of one entity in [from, to) by the changes of its state at `points`. */
static vg_code state_entity_events(db *d, const char *site, const char *scope, const char *name,
                                   const int64_t *points, size_t npoints, const char *const *states,
                                   char (*causes)[AVAIL_CAUSE_MAX * 2], int64_t from, int64_t to, int64_t now,
                                   vg_err *err)
{
    char prev[32];
    vg_code rc;
    if ((rc = db_event_last_before(d, site, scope, name, from, prev, sizeof prev, err)) != VG_OK ||
        (rc = db_event_replace(d, site, scope, name, from, to, err)) != VG_OK)
        return rc;
    for (size_t i = 0; i < npoints; i++) {
        /* nothing known before and nothing known now is not a change worth a line */
        if (strcmp(prev, states[i]) == 0 || (!prev[0] && strcmp(states[i], "unknown") == 0))
            continue;
        if ((rc = db_event_add(d, site, scope, name, points[i], states[i], causes[i], now, err)) != VG_OK)
            return rc;
        snprintf(prev, sizeof prev, "%s", states[i]);
    }
    return VG_OK;
}

vg_code state_events_recompute(db *d, const server_config *cfg, const char *site, int64_t from, int64_t to,
                               int64_t now, vg_err *err)
{
    state_site *s;
    vg_code rc = state_site_load(d, cfg, site, from, to, &s, err);
    if (rc != VG_OK)
        return rc;
    size_t n = 1, k = 0;
    for (size_t i = 0; i < s->nmembers; i++)
        n += 2 * s->members[i].nspans;
    int64_t *pts = malloc(n * sizeof *pts);
    const char **states = malloc(n * sizeof *states);
    char (*causes)[AVAIL_CAUSE_MAX * 2] = malloc(n * sizeof *causes);
    rc = VG_E_NOMEM;
    if (!pts || !states || !causes) {
        vg_fail(err, rc, "out of memory");
        goto out;
    }
    pts[k++] = from;
    for (size_t i = 0; i < s->nmembers; i++)
        for (size_t j = 0; j < s->members[i].nspans; j++) {
            const avail_span *sp = &s->members[i].spans[j];
            if (sp->start > from && sp->start < to)
                pts[k++] = sp->start;
            if (sp->end > from && sp->end < to)
                pts[k++] = sp->end;
        }
    qsort(pts, k, sizeof *pts, state_cmp64);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || pts[i] != pts[u - 1])
            pts[u++] = pts[i];
    /* devices (not condition members) */
    for (size_t i = 0; i < s->nmembers; i++) {
        const avail_member *m = &s->members[i];
        if (s->keys[i].kind != DB_MEMBER_DEVICE)
            continue;
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcmp(s->members[j].name, m->name) == 0;
        if (dup)
            continue;
        for (size_t p = 0; p < u; p++) {
            const avail_span *sp = NULL;
            for (size_t j = 0; j < m->nspans && !sp; j++)
                if (m->spans[j].start <= pts[p] && pts[p] < m->spans[j].end)
                    sp = &m->spans[j];
            states[p] = health_name(sp ? sp->h : HEALTH_UNKNOWN);
            snprintf(causes[p], sizeof causes[p], "%s", sp ? sp->cause : "no data");
        }
        if ((rc = state_entity_events(d, site, "device", s->keys[i].device, pts, u, states, causes, from, to, now,
                                      err)) != VG_OK)
            goto out;
    }
    for (size_t v = 0; v < s->site.nservices; v++) {
        for (size_t p = 0; p < u; p++)
            states[p] = avail_state_name(avail_service_state_at(&s->services[v], pts[p], causes[p], sizeof causes[p]));
        if ((rc = state_entity_events(d, site, "service", s->services[v].name, pts, u, states, causes, from, to, now,
                                      err)) != VG_OK)
            goto out;
    }
    for (size_t p = 0; p < u; p++)
        states[p] = avail_state_name(avail_site_state_at(&s->site, pts[p], causes[p], sizeof causes[p]));
    rc = state_entity_events(d, site, "site", site, pts, u, states, causes, from, to, now, err);
out:
    free(pts);
    free(states);
    free(causes);
    state_site_free(s);
    return rc;
}

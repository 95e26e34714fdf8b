/* The data side of the API, what the dashboard reads (and /metrics, routes_metrics.c, from the same
 * helpers, routes_data.h):
 *
 *   GET /api/v1/devices  ?site=S             devices with class, profile, last seen and health, and
 *                                            the current state of the site's services
 *   GET /api/v1/latest   ?site=S&device=D    the latest value of every series
 *   GET /api/v1/series   ?site&device&metric&instance&from&to&cf&step
 *                                            one RRD series, at most SERIES_MAX_POINTS points
 *
 * All need an API token. See doc/api.md. */
#include "vocab_names.h"
#include "timeutil.h"
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/api_routes.h"
#include "http/routes_data.h"
#include "alerting/alerts.h"
#include "alerting/skew.h"
#include "log.h"
#include "sla/health.h"
#include "store/series.h"

#define SERIES_MAX_POINTS 2000
#define SERIES_MAX_SPAN (5 * 366 * 86400LL) /* the daily archive's reach */

/* ---- latency histogram ---------------------------------------------------------------------- */

const double api_latency_bounds[API_LATENCY_BUCKETS - 1] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                            0.05,   0.1,   0.25,   0.5,   1.0};

void api_latency_observe(api_latency *l, double seconds)
{
    size_t i = 0;
    while (i < API_LATENCY_BUCKETS - 1 && seconds > api_latency_bounds[i])
        i++;
    l->buckets[i]++;
    l->count++;
    l->sum += seconds;
}

/* ---- alerting hook -------------------------------------------------------------------------- */

/* The alerts not yet resolved (firing or acknowledged), from alerts.c. */
size_t api_alerts_firing(api_ctx *ctx, const char *site)
{
    return alerts_firing_count(api_db(ctx), site);
}

/* ---- helpers -------------------------------------------------------------------------------- */

/* Whether the server knows the site: declared in server.yaml, or served by one of its agents. */
static bool data_site_known(const server_config *cfg, const char *site)
{
    if (server_config_site(cfg, site))
        return true;
    for (size_t i = 0; i < cfg->nagents; i++)
        if (strcmp(cfg->agents[i].site, site) == 0)
            return true;
    return false;
}

/* The sites of the server that who sees (all for NULL), declared ones first, each once. Caller frees. */
const char **data_sites(const server_config *cfg, const auth_principal *who, size_t *n)
{
    const char **ids = calloc(cfg->nsites + cfg->nagents + 1, sizeof *ids);
    *n = 0;
    if (!ids)
        return NULL;
    for (size_t i = 0; i < cfg->nsites; i++)
        ids[(*n)++] = cfg->sites[i].id;
    for (size_t i = 0; i < cfg->nagents; i++) {
        bool seen = false;
        for (size_t k = 0; k < *n && !seen; k++)
            seen = strcmp(ids[k], cfg->agents[i].site) == 0;
        if (!seen)
            ids[(*n)++] = cfg->agents[i].site;
    }
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (api_scope_sees(who, cfg, ids[i]))
            ids[k++] = ids[i];
    *n = k;
    return ids;
}

/* site= (optional unless required): valid and known, or a 400 / 404 reply (also for a site outside the
 * caller's scope). */
static bool data_site_arg(api_ctx *ctx, const api_request *req, bool required, const char **site,
                          api_reply *bad)
{
    *site = req->arg(req->arg_ctx, "site");
    if (!*site) {
        if (required)
            *bad = api_error(400, "site", "site is required");
        return !required;
    }
    if (!name_is_valid(*site)) {
        *bad = api_error(400, "site", "not a valid site name");
        return false;
    }
    if (!data_site_known(ctx->cfg, *site) || !api_scope_sees(api_who(ctx, req), ctx->cfg, *site)) {
        *bad = api_error(404, "site", "no such site on this server");
        return false;
    }
    return true;
}

const char *data_tz(const api_ctx *ctx, const char *site)
{
    const server_site *s = site ? server_config_site(ctx->cfg, site) : NULL;
    return s ? s->timezone : ctx->cfg->nsites ? ctx->cfg->sites[0].timezone : "Europe/Paris";
}

int64_t data_stale_after(const api_ctx *ctx) { return 3 * (int64_t)ctx->cfg->step; }

/* The agent's measured clock skew, 0 before a measure: data is stale by the agent's own clock and by
 * the server's receive time (skew_fresh), so that an agent behind but pushing is not taken for silent. */
double data_skew(const char *agent)
{
    skew_entry e;
    return agent && skew_get(agent, &e) && e.measured ? e.skew : 0;
}

/* Whether a value may be served as a reading of its metric: inside the physical range the vocabulary
 * gives it (a value outside is a device's or a file's garbage, doc/api.md). NaN is never one. */
bool data_plausible(const vocab *v, const char *metric, double value)
{
    if (isnan(value))
        return false;
    const vocab_metric *m = v ? vocab_metric_find(v, metric) : NULL;
    return !m || !m->has_range || (value >= m->range_min && value <= m->range_max);
}

/* ---- devices -------------------------------------------------------------------------------- */

/* What the latest values say of a device: newest sample, reachability, worst severity. */
typedef struct {
    char site[NAME_MAX_LEN + 1], device[NAME_MAX_LEN + 1];
    int64_t newest;
    int64_t received; /* the newest receive time of its values */
    double skew;      /* its agent's clock skew */
    bool unreachable;
    severity worst;
} data_dev_latest;

typedef struct {
    data_dev_latest *list;
    size_t n, cap;
    bool oom;
} data_dev_latest_walk;

static void data_dev_latest_row(void *arg, const char *site, const char *agent, const push_sample *s, int64_t received)
{
    data_dev_latest_walk *w = arg;
    data_dev_latest *d = w->n ? &w->list[w->n - 1] : NULL; /* rows come by site, then device */
    if (!d || strcmp(d->site, site) != 0 || strcmp(d->device, s->device) != 0) {
        if (w->n == w->cap) {
            size_t cap = w->cap ? w->cap * 2 : 64;
            data_dev_latest *p = realloc(w->list, cap * sizeof *p);
            if (!p) {
                w->oom = true;
                return;
            }
            w->list = p;
            w->cap = cap;
        }
        d = &w->list[w->n++];
        memset(d, 0, sizeof *d);
        snprintf(d->site, sizeof d->site, "%s", site);
        snprintf(d->device, sizeof d->device, "%s", s->device);
        d->worst = SEV_OK;
        d->skew = data_skew(agent);
    }
    d->newest = s->ts > d->newest ? s->ts : d->newest;
    d->received = received > d->received ? received : d->received;
    if (strcmp(s->metric, VOCAB_DEVICE_REACHABLE) == 0 && s->value < 1)
        d->unreachable = true;
    if ((s->sev == SEV_CRITICAL || s->sev == SEV_WARNING) && (d->worst != SEV_CRITICAL))
        d->worst = s->sev;
}

typedef struct {
    api_ctx *ctx;
    const char *site;
    json_t *list;
    time_t now;
    int failed;
    data_dev_latest_walk latest;
} data_devices_walk;

/* A device's health: unknown while its data is stale; else that of its last state change event
 * (devices that are members of a service have them), else what its latest values say, as the state
 * module judges a device: unreachable is unknown, a critical value down, a warning degraded. */
static void data_device_row(void *arg, const char *device, const char *cls, const char *profile, int64_t last_seen)
{
    data_devices_walk *w = arg;
    const data_dev_latest *l = NULL;
    for (size_t i = 0; i < w->latest.n && !l; i++)
        if (strcmp(w->latest.list[i].site, w->site) == 0 && strcmp(w->latest.list[i].device, device) == 0)
            l = &w->latest.list[i];
    int64_t seen = l ? l->newest : last_seen; /* the newest sample; else when its agent last described it */
    int64_t age = (int64_t)w->now - seen;
    /* received: its newest value's, or the last batch that described it (also one whose older times
     * left the latest values as they were: an agent whose clock stepped back) */
    int64_t received = l && l->received > last_seen ? l->received : last_seen;
    bool stale = l ? !skew_fresh(seen, received, l->skew, (int64_t)w->now, data_stale_after(w->ctx))
                   : age > data_stale_after(w->ctx);
    char hstate[32] = "", source[16] = "event";
    if (db_event_last_before(api_db(w->ctx), w->site, "device", device, (int64_t)w->now + 1, hstate, sizeof hstate,
                             NULL) != VG_OK)
        w->failed = 1;
    if (stale) {
        snprintf(hstate, sizeof hstate, "unknown");
        snprintf(source, sizeof source, "stale");
    } else if (!hstate[0] && l) {
        snprintf(hstate, sizeof hstate, "%s", l->unreachable ? "unknown" : l->worst == SEV_CRITICAL ? "down"
                                                                   : l->worst == SEV_WARNING  ? "degraded"
                                                                                              : "ok");
        snprintf(source, sizeof source, "latest");
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:s, s:s}", "site", w->site, "device", device, "class",
                          cls ? cls : "", "profile", profile ? profile : "", "last_seen", (json_int_t)seen, "age",
                          (json_int_t)age, "stale", stale, "health", hstate[0] ? hstate : "unknown", "health_from",
                          hstate[0] ? source : "none");
    if (l)
        json_object_set_new(o, "reachable", json_boolean(!l->unreachable));
    json_array_append_new(w->list, o);
}

api_reply api_route_devices(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    const char *site;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &deny) || !data_site_arg(ctx, req, false, &site, &deny))
        return deny;
    size_t n = 1;
    const char **sites = site ? &site : data_sites(ctx->cfg, api_who(ctx, req), &n);
    if (!sites)
        return api_error(500, NULL, "out of memory");
    json_t *devices = json_array(), *services = json_array();
    data_devices_walk w = {.ctx = ctx, .list = devices, .now = req->now};
    if (db_latest_each(api_db(ctx), data_dev_latest_row, &w.latest, NULL) != VG_OK || w.latest.oom)
        w.failed = 1;
    for (size_t i = 0; i < n && !w.failed; i++) {
        w.site = sites[i];
        if (db_devices_each(api_db(ctx), sites[i], data_device_row, &w) != 0)
            w.failed = 1;
        state_site_info info;
        state_site_info_get(ctx->cfg, sites[i], &info);
        for (size_t k = 0; k < info.model->nservices && !w.failed; k++) {
            const char *name = info.model->services[k].name;
            char state[32] = "";
            if (db_event_last_before(api_db(ctx), sites[i], "service", name, (int64_t)req->now + 1, state, sizeof state,
                                     NULL) != VG_OK)
                w.failed = 1;
            json_array_append_new(services, json_pack("{s:s, s:s, s:s}", "site", sites[i], "name", name, "state",
                                                      state[0] ? state : "unknown"));
        }
    }
    if (!site)
        free(sites);
    free(w.latest.list);
    if (w.failed) {
        json_decref(devices);
        json_decref(services);
        return api_error(500, NULL, "database error");
    }
    json_t *o = json_pack("{s:I, s:i, s:I, s:o, s:o}", "now", (json_int_t)req->now, "step", ctx->cfg->step,
                          "stale_after", (json_int_t)data_stale_after(ctx), "devices", devices, "services", services);
    if (o) /* their clocks (skew.h), the scope's sites' */
        json_object_set_new(o, "agents", api_scope_agents(api_who(ctx, req), ctx->cfg));
    return api_json_reply(200, o);
}

/* ---- latest --------------------------------------------------------------------------------- */

typedef struct {
    const char *site, *device;
    json_t *list;
    time_t now;
    int64_t stale_after;
    const vocab *vocab;
    const auth_principal *who; /* the values of its sites only */
    const server_config *cfg;
} data_latest_walk;

static void data_latest_row(void *arg, const char *site, const char *agent, const push_sample *s, int64_t received)
{
    data_latest_walk *w = arg;
    if ((w->site && strcmp(site, w->site) != 0) || (w->device && strcmp(s->device, w->device) != 0) ||
        !api_scope_sees(w->who, w->cfg, site))
        return;
    if (!data_plausible(w->vocab, s->metric, s->value))
        return; /* left out: not a reading */
    int64_t age = (int64_t)w->now - s->ts;
    bool stale = !skew_fresh(s->ts, received, data_skew(agent), (int64_t)w->now, w->stale_after);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:f, s:s, s:I, s:I, s:b}", "site", site, "device", s->device,
                          "metric", s->metric, "instance", s->instance, "value", s->value, "unit", s->unit, "ts",
                          (json_int_t)s->ts, "age", (json_int_t)age, "stale", stale);
    if (s->label[0])
        json_object_set_new(o, "label", json_string(s->label));
    if (s->text[0])
        json_object_set_new(o, "text", json_string(s->text));
    if (s->sev != SEV_NONE)
        json_object_set_new(o, "severity", json_string(severity_name(s->sev)));
    json_array_append_new(w->list, o);
}

api_reply api_route_latest(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    const char *site, *device = req->arg(req->arg_ctx, "device");
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &deny) || !data_site_arg(ctx, req, false, &site, &deny))
        return deny;
    if (device && !name_is_valid(device))
        return api_error(400, "device", "not a valid device name");
    data_latest_walk w = {site, device, json_array(), req->now, data_stale_after(ctx), ctx->cfg->vocab,
                          api_who(ctx, req), ctx->cfg};
    if (db_latest_query(api_db(ctx), site, device, data_latest_row, &w, NULL) != VG_OK) {
        json_decref(w.list);
        return api_error(500, NULL, "database error");
    }
    if (device && json_array_size(w.list) == 0) {
        json_decref(w.list);
        return api_error(404, "device", site ? "no values for this device at this site" : "no values for this device");
    }
    return api_json_reply(200, json_pack("{s:I, s:i, s:I, s:o}", "now", (json_int_t)req->now, "step", ctx->cfg->step,
                                         "stale_after", (json_int_t)data_stale_after(ctx), "values", w.list));
}

/* ---- series --------------------------------------------------------------------------------- */

/* Consolidates k consecutive values into one, as the archive's function would (NaN is unknown). */
static double data_consolidate(const double *v, size_t k, const char *cf)
{
    double acc = NAN;
    size_t known = 0;
    for (size_t i = 0; i < k; i++) {
        if (isnan(v[i]))
            continue;
        if (!known)
            acc = v[i];
        else if (strcmp(cf, "MIN") == 0)
            acc = v[i] < acc ? v[i] : acc;
        else if (strcmp(cf, "MAX") == 0)
            acc = v[i] > acc ? v[i] : acc;
        else
            acc += v[i];
        known++;
    }
    return known && strcmp(cf, "AVERAGE") == 0 ? acc / (double)known : acc;
}

api_reply api_route_series(api_ctx *ctx, const api_request *req)
{
    api_reply bad;
    const char *site;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &bad) || !data_site_arg(ctx, req, true, &site, &bad))
        return bad;
    const char *device = req->arg(req->arg_ctx, "device"), *metric = req->arg(req->arg_ctx, "metric");
    const char *instance = req->arg(req->arg_ctx, "instance"), *cf = req->arg(req->arg_ctx, "cf");
    const char *step_s = req->arg(req->arg_ctx, "step");
    if (!instance)
        instance = "";
    if (!cf)
        cf = "AVERAGE";
    if (!device || !name_is_valid(device))
        return api_error(400, "device", device ? "not a valid device name" : "device is required");
    if (!metric || !metric_name_is_valid(metric))
        return api_error(400, "metric", metric ? "not a valid metric name (battery.charge)" : "metric is required");
    if (*instance && !text_is_valid(instance, INSTANCE_MAX_LEN))
        return api_error(400, "instance", "not a valid instance");
    if (strcmp(cf, "AVERAGE") != 0 && strcmp(cf, "MIN") != 0 && strcmp(cf, "MAX") != 0)
        return api_error(400, "cf", "must be AVERAGE, MIN or MAX");
    int64_t to = (int64_t)req->now, from;
    const char *tz = data_tz(ctx, site);
    if (!api_time_arg(req, "to", tz, &to, &bad))
        return bad;
    from = to - 86400;
    if (!api_time_arg(req, "from", tz, &from, &bad) || !api_time_span(from, to, "from", "to", SERIES_MAX_SPAN, &bad))
        return bad;
    unsigned long step = 0;
    if (step_s) {
        char *end;
        long long v = strtoll(step_s, &end, 10);
        if (!*step_s || *end || v < 1 || v > 31 * 86400)
            return api_error(400, "step", "seconds between points, 1 to 2678400");
        step = (unsigned long)v;
    }
    /* a step that keeps the reply within SERIES_MAX_POINTS, the archive choosing the closest */
    unsigned long min_step = (unsigned long)((to - from + SERIES_MAX_POINTS - 1) / SERIES_MAX_POINTS);
    if (step < min_step)
        step = min_step;
    unsigned long want_step = step;
    store_cf fcf;
    store_cf_parse(cf, &fcf);
    store_series ser;
    vg_err err;
    if (store_series_fetch(ctx->rrd, site, device, metric, instance, fcf, from, to, (int64_t)step, &ser, &err) !=
        VG_OK) {
        if (err.code == VG_E_INVALID)
            return api_error(vg_http_status(err.code), "instance", "not a valid series name");
        if (err.code == VG_E_NOT_FOUND)
            return api_error(vg_http_status(err.code), "metric",
                             "no such series: this device has never sent this metric (and instance)");
        if (strcmp(err.field, "file") == 0) {
            log_error("api", "%s: it is set aside at the next write", err.msg);
            return api_error(vg_http_status(err.code), NULL, "cannot read the series: its file is damaged");
        }
        log_error("api", "%s", err.msg);
        return api_error(vg_http_status(err.code), NULL, "cannot read the series");
    }
    /* the gaps RRD has where samples came late (older than the file's last update) */
    db *d = api_db(ctx);
    if (!d || store_series_add_late(&ser, d, site, device, metric, instance, fcf, NULL, &err) != VG_OK) {
        if (d)
            log_error("api", "%s", err.msg);
        store_series_clear(&ser);
        return api_error(vg_http_status(err.code), NULL, "cannot read the series' late samples");
    }
    const vocab_metric *vm = vocab_metric_find(ctx->cfg->vocab, metric);
    if (vm && vm->has_range)
        store_series_clip(&ser, vm->range_min, vm->range_max); /* served as null, before consolidating */
    step = (unsigned long)ser.step;
    size_t rows = ser.npoints;
    /* an archive finer than asked: consolidate k rows into one, so that the step is at least the one
     * asked for and the points at most SERIES_MAX_POINTS */
    size_t k = (rows + SERIES_MAX_POINTS - 1) / SERIES_MAX_POINTS;
    if (step && step < want_step && (want_step + step - 1) / step > k)
        k = (want_step + step - 1) / step;
    if (k < 1)
        k = 1;
    json_t *points = json_array();
    double *col = malloc((k ? k : 1) * sizeof *col);
    /* groups end with the newest row; the oldest rows that do not fill a group are left out */
    for (size_t i = rows % k; col && i < rows; i += k) {
        size_t m = k;
        for (size_t j = 0; j < m; j++)
            col[j] = ser.points[i + j].value;
        double v = data_consolidate(col, m, cf);
        /* a group covers its rows' intervals: stamped with its end, as rrdtool does */
        int64_t ts = ser.points[i + m - 1].ts;
        json_array_append_new(points, json_pack("[I, o]", (json_int_t)ts, isfinite(v) ? json_real(v) : json_null()));
    }
    free(col);
    int64_t start = ser.start, end = ser.end;
    store_series_clear(&ser);
    return api_json_reply(200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o}", "site", site, "device",
                                         device, "metric", metric, "instance", instance, "cf", cf, "from",
                                         (json_int_t)(start + (int64_t)((rows % k) * step)), "to", (json_int_t)end,
                                         "step", (json_int_t)(step * k), "points", points));
}

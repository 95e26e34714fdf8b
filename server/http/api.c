#include "config.h"
#include "vocab_names.h"
#include "http/api.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/api_routes.h"
#include "log.h"
#include "vocab.h"
#include "report/report.h"
#include "sla/health.h"
#include "alerting/alerts.h"
#include "alerting/skew.h"
#include "http/status_summary.h"

api_reply api_error(int status, const char *field, const char *msg)
{
    json_t *o = json_pack("{s:s}", "error", msg);
    if (field)
        json_object_set_new(o, "field", json_string(field));
    api_reply r = {.status = status, .body = json_dumps(o, JSON_COMPACT)};
    json_decref(o);
    return r;
}

static api_reply api_json(int status, json_t *o)
{
    api_reply r = {.status = status, .body = json_dumps(o, JSON_COMPACT)};
    json_decref(o);
    if (!r.body)
        return api_error(500, NULL, "out of memory");
    return r;
}

/* The token of "Authorization: Bearer TOKEN", or NULL. */
const char *api_bearer(const char *authorization)
{
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return NULL;
    const char *t = authorization + 7;
    while (*t == ' ')
        t++;
    return *t ? t : NULL;
}

void api_lock(api_ctx *ctx)
{
    if (ctx->lock)
        pthread_mutex_lock(ctx->lock);
}

void api_unlock(api_ctx *ctx)
{
    if (ctx->lock)
        pthread_mutex_unlock(ctx->lock);
}

db *api_db(api_ctx *ctx)
{
    if (!ctx->pool)
        return ctx->db;
    vg_err err;
    db *d = db_pool_get(ctx->pool, &err);
    if (!d)
        log_error("server", "no database connection for this thread: %s", err.msg);
    return d;
}

void api_counters_get(api_ctx *ctx, api_counters *out)
{
    api_lock(ctx);
    *out = (api_counters){ctx->batches, ctx->samples, ctx->rejected, ctx->samples_rejected, ctx->series_failed,
                          ctx->rrd_write};
    api_unlock(ctx);
}

/* ---- status -------------------------------------------------------------------------------- */

typedef struct {
    json_t *devices;
    json_t *cur;       /* current device object */
    char site[NAME_MAX_LEN + 1], device[NAME_MAX_LEN + 1];
    time_t now;
    int64_t newest;    /* newest sample of the current device */
} api_status_walk;

static void api_status_close_device(api_status_walk *w)
{
    if (!w->cur)
        return;
    json_object_set_new(w->cur, "last_seen", json_integer(w->newest));
    json_object_set_new(w->cur, "age", json_integer((json_int_t)(w->now - w->newest)));
    json_array_append_new(w->devices, w->cur);
    w->cur = NULL;
}

static void api_status_row(void *ctx, const char *site, const char *agent, const push_sample *s, int64_t received)
{
    api_status_walk *w = ctx;
    if (!w->cur || strcmp(w->site, site) != 0 || strcmp(w->device, s->device) != 0) {
        api_status_close_device(w);
        w->cur = json_pack("{s:s, s:s, s:s, s:[]}", "site", site, "agent", agent, "device", s->device, "metrics");
        snprintf(w->site, sizeof w->site, "%s", site);
        snprintf(w->device, sizeof w->device, "%s", s->device);
        w->newest = 0;
    }
    if (s->ts > w->newest)
        w->newest = s->ts;
    if (strcmp(s->metric, VOCAB_DEVICE_REACHABLE) == 0)
        json_object_set_new(w->cur, "reachable", json_boolean(s->value >= 1));
    json_t *m = json_pack("{s:s, s:s, s:f, s:s, s:I, s:I}", "name", s->metric, "instance", s->instance, "value",
                          s->value, "unit", s->unit, "ts", (json_int_t)s->ts, "age", (json_int_t)(w->now - s->ts));
    if (s->label[0])
        json_object_set_new(m, "label", json_string(s->label));
    if (s->text[0])
        json_object_set_new(m, "text", json_string(s->text));
    if (s->sev != SEV_NONE)
        json_object_set_new(m, "severity", json_string(severity_name(s->sev)));
    json_array_append_new(json_object_get(w->cur, "metrics"), m);
    (void)received;
}

const server_reader *api_reader(const api_ctx *ctx, const char *authorization)
{
    const char *token = api_bearer(authorization);
    return token ? server_config_reader_by_token(ctx->cfg, token) : NULL;
}

/* Read access needs an API token (server.yaml api_tokens); an agent's token only pushes. */
static bool api_may_read(api_ctx *ctx, const char *authorization) { return api_reader(ctx, authorization) != NULL; }

api_reply api_status(api_ctx *ctx, const char *authorization, time_t now)
{
    if (!api_may_read(ctx, authorization))
        return api_error(401, "Authorization", "an API token is required (Authorization: Bearer ...)");
    api_status_walk w = {.devices = json_array(), .now = now};
    if (db_latest_each(api_db(ctx), api_status_row, &w, NULL) != VG_OK) {
        json_decref(w.devices);
        json_decref(w.cur);
        return api_error(500, NULL, "database error");
    }
    api_status_close_device(&w);
    /* each device's class and the summary of its table values (status_summary.h) */
    status_summary_opts so = {.stale_after = 3 * (int64_t)ctx->cfg->step, .vocab = ctx->cfg->vocab};
    vg_err serr;
    if (status_summary_annotate(api_db(ctx), w.devices, &so, &serr) != VG_OK) {
        log_error("api", "/api/v1/status: %s", serr.msg);
        json_decref(w.devices);
        return api_error(500, NULL, "database error");
    }
    json_t *o = json_pack("{s:I, s:s, s:o}", "now", (json_int_t)now, "version", PACKAGE_VERSION, "devices", w.devices);
    if (o)
        json_object_set_new(o, "agents", skew_agents_json()); /* their clocks (alerting/skew.h) */
    return api_json(200, o);
}

/* One part of the storage for /api/v1/health: its state and its last error, kept after recovery. */
static json_t *api_health_part(db_part part, bool *failing)
{
    db_storage st;
    db_storage_get(part, &st);
    *failing = *failing || st.failing;
    return json_pack("{s:s, s:o, s:o, s:o}", "state", st.failing ? "error" : "ok", "since",
                     st.since ? json_integer(st.since) : json_null(), "last_error",
                     st.error_at ? json_string(st.last_error) : json_null(), "error_at",
                     st.error_at ? json_integer(st.error_at) : json_null());
}

api_reply api_health(api_ctx *ctx)
{
    bool failing = false;
    json_t *storage = json_pack("{s:o, s:o}", "db", api_health_part(DB_PART_DB, &failing), "rrd",
                                api_health_part(DB_PART_RRD, &failing));
    api_counters c;
    api_counters_get(ctx, &c);
    json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:o}", "status", failing ? "storage_error" : "ok", "batches",
                          (json_int_t)c.batches, "samples", (json_int_t)c.samples, "rejected",
                          (json_int_t)c.rejected, "storage", storage);
    return api_json(200, o);
}

/* ---- dispatch ------------------------------------------------------------------------------ */

api_reply api_json_reply(int status, json_t *o) { return api_json(status, o); }

bool api_check_reader(const api_ctx *ctx, const api_request *req, bool admin, api_reply *deny)
{
    const server_reader *r = api_reader(ctx, req->authorization);
    if (!r) {
        *deny = api_error(401, "Authorization", "an API token is required (Authorization: Bearer ...)");
        return false;
    }
    if (admin && !r->admin) {
        *deny = api_error(403, "Authorization", "this action needs an API token of role admin");
        return false;
    }
    return true;
}

static api_reply api_route_status(api_ctx *ctx, const api_request *req)
{
    return api_status(ctx, req->authorization, req->now);
}

static api_reply api_route_health(api_ctx *ctx, const api_request *req)
{
    (void)req;
    return api_health(ctx);
}

typedef api_reply (*api_handler)(api_ctx *ctx, const api_request *req);

/* The credential a route needs, checked by api_admit() before the body is read and again by the handler. */
typedef enum { API_AUTH_NONE, API_AUTH_AGENT, API_AUTH_READER, API_AUTH_ADMIN, API_AUTH_METRICS } api_auth;

/* How a route meets the other threads: a read runs in a read transaction of its thread's connection
 * and takes no lock (a PDF being drawn or mailed delays nobody); a write holds the writers' lock; the
 * ingest takes it itself, for its db part only. */
typedef enum { API_READ, API_WRITE, API_INGEST } api_access;

typedef struct {
    const char *method;
    const char *path;
    bool prefix; /* the path continues with an id */
    api_auth auth;
    api_access access;
    api_handler fn;
} api_route;

static const api_route api_routes[] = {
    {"POST", "/api/v1/ingest", false, API_AUTH_AGENT, API_INGEST, api_route_ingest},
    {"GET", "/api/v1/status", false, API_AUTH_READER, API_READ, api_route_status},
    {"GET", "/api/v1/health", false, API_AUTH_NONE, API_READ, api_route_health},
    {"GET", "/api/v1/sites", false, API_AUTH_READER, API_READ, api_route_sites},
    {"GET", "/api/v1/availability", false, API_AUTH_READER, API_READ, api_route_availability},
    {"GET", "/api/v1/events", false, API_AUTH_READER, API_READ, api_route_events},
    {"GET", "/api/v1/maintenance", false, API_AUTH_READER, API_READ, api_route_maintenance_list},
    {"POST", "/api/v1/maintenance", false, API_AUTH_ADMIN, API_WRITE, api_route_maintenance_add},
    {"DELETE", "/api/v1/maintenance/", true, API_AUTH_ADMIN, API_WRITE, api_route_maintenance_delete},
    {"PUT", "/api/v1/maintenance/", true, API_AUTH_ADMIN, API_WRITE, api_route_maintenance_put},
    {"GET", "/api/v1/report", false, API_AUTH_READER, API_READ, api_route_report},
    {"POST", "/api/v1/report/send", false, API_AUTH_ADMIN, API_READ, api_route_report_send},
    {"GET", "/api/v1/devices", false, API_AUTH_READER, API_READ, api_route_devices},
    {"GET", "/api/v1/latest", false, API_AUTH_READER, API_READ, api_route_latest},
    {"GET", "/api/v1/series", false, API_AUTH_READER, API_READ, api_route_series},
    {"GET", "/api/v1/vocabulary", false, API_AUTH_READER, API_READ, api_route_vocabulary},
    {"GET", "/api/v1/energy", false, API_AUTH_READER, API_READ, api_route_energy},
    {"GET", "/api/v1/headroom", false, API_AUTH_READER, API_READ, api_route_headroom},
    {"GET", "/api/v1/trends", false, API_AUTH_READER, API_READ, api_route_trends},
    {"GET", "/api/v1/selftests", false, API_AUTH_READER, API_READ, api_route_selftests},
    {"GET", "/api/v1/incidents", false, API_AUTH_READER, API_READ, api_route_incidents},
    {"GET", "/api/v1/public-sites", false, API_AUTH_READER, API_READ, api_route_public_sites},
    {"GET", "/api/v1/public-sites/", true, API_AUTH_READER, API_READ, api_route_public_site},
    {"GET", "/api/v1/agent/targets", false, API_AUTH_AGENT, API_READ, api_route_agent_targets},
    {"GET", "/metrics", false, API_AUTH_METRICS, API_READ, api_route_metrics},
    {"GET", "/", false, API_AUTH_NONE, API_READ, api_route_web},
    {"GET", "/static/", true, API_AUTH_NONE, API_READ, api_route_web},
    {"GET", "/api/v1/alerts", false, API_AUTH_READER, API_READ, api_route_alerts_list},
    {"POST", "/api/v1/alerts/", true, API_AUTH_ADMIN, API_WRITE, api_route_alert_ack},
    {"GET", "/api/v1/silences", false, API_AUTH_READER, API_READ, api_route_silences_list},
    {"POST", "/api/v1/silences", false, API_AUTH_ADMIN, API_WRITE, api_route_silences_add},
    {"DELETE", "/api/v1/silences/", true, API_AUTH_ADMIN, API_WRITE, api_route_silences_delete},
    {"POST", "/api/v1/test-notify", false, API_AUTH_ADMIN, API_WRITE, api_route_test_notify},
};
#define API_NROUTES (sizeof api_routes / sizeof api_routes[0])

static bool api_path_matches(const api_route *rt, const char *path)
{
    return rt->prefix ? strncmp(path, rt->path, strlen(rt->path)) == 0 : strcmp(path, rt->path) == 0;
}

/* The route of method and path; NULL with the refusal in *deny: 404 for an unknown path, 405 with an
 * Allow header naming the path's methods for another method. */
static const api_route *api_route_find(const char *method, const char *path, api_reply *deny)
{
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    char allow[128] = "";
    for (size_t i = 0; i < API_NROUTES; i++) {
        if (!api_path_matches(&api_routes[i], path))
            continue;
        if (strcmp(m, api_routes[i].method) == 0)
            return &api_routes[i];
        if (!strstr(allow, api_routes[i].method)) {
            size_t n = strlen(allow);
            snprintf(allow + n, sizeof allow - n, "%s%s%s", n ? ", " : "", api_routes[i].method,
                     strcmp(api_routes[i].method, "GET") == 0 ? ", HEAD" : "");
        }
    }
    if (!allow[0]) {
        *deny = api_error(404, NULL, "no such endpoint");
        return NULL;
    }
    *deny = api_error(405, NULL, "method not allowed for this path");
    snprintf(deny->headers, sizeof deny->headers, "Allow: %s", allow);
    return NULL;
}

bool api_admit(api_ctx *ctx, const char *method, const char *path, const char *authorization, api_reply *deny)
{
    const api_route *rt = api_route_find(method, path, deny);
    if (!rt)
        return false;
    api_request req = {.method = method, .path = path, .authorization = authorization};
    switch (rt->auth) {
    case API_AUTH_NONE:
        return true;
    case API_AUTH_METRICS:
        return ctx->cfg->metrics_public || api_check_reader(ctx, &req, false, deny);
    case API_AUTH_READER:
    case API_AUTH_ADMIN:
        return api_check_reader(ctx, &req, rt->auth == API_AUTH_ADMIN, deny);
    case API_AUTH_AGENT:
        break;
    }
    const char *token = api_bearer(authorization);
    if (token && server_config_agent_by_token(ctx->cfg, token))
        return true;
    api_ingest_refuse_token(ctx, token, deny);
    return false;
}

/* Writes wait for each other (and for the alerting timer, main.c) on the writers' lock; reads wait
 * for nobody: each sees its thread's connection at the instant its read transaction began. */
api_reply api_dispatch(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    const api_route *rt = api_route_find(req->method, req->path, &r);
    if (!rt)
        return r;
    db *d = api_db(ctx);
    if (!d && rt->fn != api_route_health && rt->fn != api_route_web) /* these two read no table */
        return api_error(503, NULL, "the database cannot be opened: see the server's log");
    if (rt->access == API_INGEST)
        return rt->fn(ctx, req);
    if (rt->access == API_WRITE) {
        api_lock(ctx);
        r = rt->fn(ctx, req);
        api_unlock(ctx);
        return r;
    }
    bool began = false;
    vg_err err;
    if (d && db_read_begin(d, &began, &err) != VG_OK)
        log_warn("server", "%s: the request reads without one snapshot", err.msg);
    r = rt->fn(ctx, req);
    if (d)
        db_read_end(d, began);
    return r;
}

/* ---- time arguments ------------------------------------------------------------------------ */

vg_code api_time_parse(const char *s, const char *tz, int64_t *out, vg_err *err)
{
    const char *d = s + (*s == '-');
    if (*d && strspn(d, "0123456789") == strlen(d) && strlen(s) > 4) {
        /* Unix seconds: checked here, as strtoll would saturate an overflow without a word */
        if (*s == '-' || strlen(d) > 12)
            return vg_fail(err, VG_E_INVALID, "out of range: Unix seconds from 0 to %lld", (long long)API_TIME_MAX);
        long long v = strtoll(d, NULL, 10);
        if (v > API_TIME_MAX)
            return vg_fail(err, VG_E_INVALID, "out of range: Unix seconds from 0 to %lld", (long long)API_TIME_MAX);
        *out = v;
        return VG_OK;
    }
    int64_t t;
    vg_code rc = report_parse_time(s, tz, &t, err);
    if (rc != VG_OK)
        return rc;
    if (t < 0 || t > API_TIME_MAX)
        return vg_fail(err, VG_E_INVALID, "out of range");
    *out = t;
    return VG_OK;
}

bool api_time_arg(const api_request *req, const char *name, const char *tz, int64_t *out, api_reply *bad)
{
    const char *s = req->arg(req->arg_ctx, name);
    vg_err err;
    if (!s || api_time_parse(s, tz, out, &err) == VG_OK)
        return true;
    *bad = api_error(400, name, err.msg);
    return false;
}

bool api_time_span(int64_t from, int64_t to, const char *from_name, const char *to_name, int64_t max_span,
                   api_reply *bad)
{
    char msg[96];
    if (to <= from) {
        snprintf(msg, sizeof msg, "must be after %s", from_name);
        *bad = api_error(400, to_name, msg);
        return false;
    }
    if (to - from > max_span) {
        snprintf(msg, sizeof msg, "%s to %s spans at most %lld days", from_name, to_name, (long long)(max_span / 86400));
        *bad = api_error(400, from_name, msg);
        return false;
    }
    return true;
}

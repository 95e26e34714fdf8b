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
#include "cluster/cluster.h"
#include "alerting/alerts.h"
#include "alerting/skew.h"
#include "http/status_summary.h"
#include "auth/auth.h"
#include "cluster/shard_forward.h"

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
    const auth_principal *who;
    const server_config *cfg;
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

api_reply api_status(api_ctx *ctx, const char *authorization, time_t now)
{
    api_request req = {.authorization = authorization, .now = now};
    auth_principal who;
    if (!api_principal(ctx, &req, &who))
        return api_error(401, "Authorization", "an API token is required (Authorization: Bearer ...)");
    return api_status_of(ctx, &who, now);
}

/* The scope's sites only: a row of another site is skipped before it becomes JSON. */
static void api_status_scoped_row(void *ctx, const char *site, const char *agent, const push_sample *s,
                                  int64_t received)
{
    api_status_walk *w = ctx;
    if (auth_may_see(w->who, w->cfg, site))
        api_status_row(ctx, site, agent, s, received);
}

api_reply api_status_of(api_ctx *ctx, const auth_principal *who, time_t now)
{
    api_status_walk w = {.devices = json_array(), .now = now, .who = who, .cfg = ctx->cfg};
    if (db_latest_each(api_db(ctx), api_status_scoped_row, &w, NULL) != VG_OK) {
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
        json_object_set_new(o, "agents", api_scope_agents(who, ctx->cfg)); /* their clocks (alerting/skew.h), the scope's */
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
    cluster_status cs; /* which server of a pair this is, and which leads (cluster/cluster.h) */
    cluster_status_get(&cs);
    json_object_set_new(o, "cluster", json_pack("{s:s, s:s, s:s, s:I, s:i, s:I}", "node", cs.node, "role",
                                                cluster_role_name(cs.role), "leader", cs.leader, "term",
                                                (json_int_t)cs.term, "lease", cs.lease, "since", (json_int_t)cs.since));
    if (cs.shard[0]) /* a sharded estate (cluster/shard.h): which shard's leader or follower */
        json_object_set_new(json_object_get(o, "cluster"), "shard", json_string(cs.shard));
    return api_json(200, o);
}

/* ---- dispatch ------------------------------------------------------------------------------ */

api_reply api_json_reply(int status, json_t *o) { return api_json(status, o); }

static api_reply api_route_status(api_ctx *ctx, const api_request *req)
{
    return api_status_of(ctx, api_who(ctx, req), req->now);
}

static api_reply api_route_health(api_ctx *ctx, const api_request *req)
{
    (void)req;
    return api_health(ctx);
}

typedef api_reply (*api_handler)(api_ctx *ctx, const api_request *req);

/* The credential a route needs, checked by api_admit() before the body is read: none, an agent's token,
 * or a person's (token or session) of at least a role. */
typedef enum { API_AUTH_NONE, API_AUTH_AGENT, API_AUTH_READ, API_AUTH_OPERATOR, API_AUTH_ADMIN, API_AUTH_METRICS } api_auth;

/* How a route meets the other threads: a read runs in a read transaction of its thread's connection
 * and takes no lock (a PDF being drawn or mailed delays nobody); a write holds the writers' lock; the
 * SELF ones (the ingest, for its db part only; the sessions' routes, around their writes) take it
 * themselves, outside any read transaction. */
typedef enum { API_READ, API_WRITE, API_SELF } api_access;

typedef struct {
    const char *method;
    const char *path;
    bool prefix; /* the path continues with an id */
    api_auth auth;
    api_access access;
    api_handler fn;
    const char *audit; /* the action recorded in the audit trail for each call; NULL: not recorded */
} api_route;

static const api_route api_routes[] = {
    {"POST", "/api/v1/ingest", false, API_AUTH_AGENT, API_SELF, api_route_ingest, NULL},
    {"GET", "/api/v1/status", false, API_AUTH_READ, API_READ, api_route_status, NULL},
    {"GET", "/api/v1/health", false, API_AUTH_NONE, API_READ, api_route_health, NULL},
    {"GET", "/api/v1/sites", false, API_AUTH_READ, API_READ, api_route_sites, NULL},
    {"GET", "/api/v1/availability", false, API_AUTH_READ, API_READ, api_route_availability, NULL},
    {"GET", "/api/v1/events", false, API_AUTH_READ, API_READ, api_route_events, NULL},
    {"GET", "/api/v1/maintenance", false, API_AUTH_READ, API_READ, api_route_maintenance_list, NULL},
    {"POST", "/api/v1/maintenance", false, API_AUTH_OPERATOR, API_WRITE, api_route_maintenance_add, "maintenance.add"},
    {"DELETE", "/api/v1/maintenance/", true, API_AUTH_OPERATOR, API_WRITE, api_route_maintenance_delete, "maintenance.delete"},
    {"PUT", "/api/v1/maintenance/", true, API_AUTH_OPERATOR, API_WRITE, api_route_maintenance_put, "maintenance.change"},
    {"GET", "/api/v1/report", false, API_AUTH_READ, API_READ, api_route_report, "report.generate"},
    {"POST", "/api/v1/report/send", false, API_AUTH_ADMIN, API_READ, api_route_report_send, "report.send"},
    {"GET", "/api/v1/devices", false, API_AUTH_READ, API_READ, api_route_devices, NULL},
    {"GET", "/api/v1/latest", false, API_AUTH_READ, API_READ, api_route_latest, NULL},
    {"GET", "/api/v1/series", false, API_AUTH_READ, API_READ, api_route_series, NULL},
    {"GET", "/api/v1/vocabulary", false, API_AUTH_READ, API_READ, api_route_vocabulary, NULL},
    {"GET", "/api/v1/energy", false, API_AUTH_READ, API_READ, api_route_energy, NULL},
    {"GET", "/api/v1/headroom", false, API_AUTH_READ, API_READ, api_route_headroom, NULL},
    {"GET", "/api/v1/trends", false, API_AUTH_READ, API_READ, api_route_trends, NULL},
    {"GET", "/api/v1/selftests", false, API_AUTH_READ, API_READ, api_route_selftests, NULL},
    {"GET", "/api/v1/incidents", false, API_AUTH_READ, API_READ, api_route_incidents, NULL},
    {"GET", "/api/v1/public-sites", false, API_AUTH_READ, API_READ, api_route_public_sites, NULL},
    {"GET", "/api/v1/public-sites/", true, API_AUTH_READ, API_READ, api_route_public_site, NULL},
    {"GET", "/api/v1/agent/targets", false, API_AUTH_AGENT, API_READ, api_route_agent_targets, NULL},
    {"GET", "/metrics", false, API_AUTH_METRICS, API_READ, api_route_metrics, NULL},
    {"GET", "/", false, API_AUTH_NONE, API_READ, api_route_web, NULL},
    {"GET", "/static/", true, API_AUTH_NONE, API_READ, api_route_web, NULL},
    {"GET", "/api/v1/alerts", false, API_AUTH_READ, API_READ, api_route_alerts_list, NULL},
    {"POST", "/api/v1/alerts/", true, API_AUTH_OPERATOR, API_WRITE, api_route_alert_ack, "alert.acknowledge"},
    {"GET", "/api/v1/silences", false, API_AUTH_READ, API_READ, api_route_silences_list, NULL},
    {"POST", "/api/v1/silences", false, API_AUTH_OPERATOR, API_WRITE, api_route_silences_add, "silence.add"},
    {"DELETE", "/api/v1/silences/", true, API_AUTH_OPERATOR, API_WRITE, api_route_silences_delete, "silence.delete"},
    {"POST", "/api/v1/test-notify", false, API_AUTH_ADMIN, API_WRITE, api_route_test_notify, "notify.test"},
    {"GET", "/api/v1/oncall", false, API_AUTH_READ, API_READ, api_route_oncall, NULL},
    {"GET", "/api/v1/oncall.ics", false, API_AUTH_READ, API_READ, api_route_oncall_ics, NULL},
    {"GET", "/api/v1/oncall/overrides", false, API_AUTH_READ, API_READ, api_route_oncall_overrides, NULL},
    {"POST", "/api/v1/oncall/overrides", false, API_AUTH_OPERATOR, API_WRITE, api_route_oncall_override_add, "oncall.override.add"},
    {"DELETE", "/api/v1/oncall/overrides/", true, API_AUTH_OPERATOR, API_WRITE, api_route_oncall_override_delete, "oncall.override.delete"},
    {"GET", "/api/v1/tokens", false, API_AUTH_ADMIN, API_READ, api_route_tokens_list, NULL},
    {"POST", "/api/v1/tokens", false, API_AUTH_ADMIN, API_WRITE, api_route_tokens_add, "token.add"},
    {"DELETE", "/api/v1/tokens/", true, API_AUTH_ADMIN, API_WRITE, api_route_tokens_revoke, "token.revoke"},
    {"GET", "/api/v1/whoami", false, API_AUTH_READ, API_READ, api_route_whoami, NULL},
    {"GET", "/api/v1/audit", false, API_AUTH_ADMIN, API_READ, api_route_audit_list, NULL},
    {"GET", "/api/v1/audit/verify", false, API_AUTH_ADMIN, API_READ, api_route_audit_verify, NULL},
    /* sessions (routes_session.c): login, logout and session check their own credential; like the
     * ingest, these take the writers' lock themselves, outside a read transaction, for their few writes
     * (a session found dead is deleted, its use recorded) */
    {"POST", "/api/v1/login", false, API_AUTH_NONE, API_SELF, api_route_login, NULL},
    {"POST", "/api/v1/logout", false, API_AUTH_NONE, API_SELF, api_route_logout, NULL},
    {"GET", "/api/v1/session", false, API_AUTH_NONE, API_SELF, api_route_session, NULL},
    {"POST", "/api/v1/login-links", false, API_AUTH_READ, API_SELF, api_route_login_link, "login_link.add"},
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

static const char *api_audit_object(const api_request *req);

static bool api_is_read_method(const char *method) { return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0; }

/* A person's request: a principal of the route's role at least, and an action from a dashboard session
 * carries the session's CSRF token. */
static bool api_admit_person(api_ctx *ctx, const api_route *rt, const api_request *req, auth_principal *who,
                             api_reply *deny)
{
    auth_role need = rt->auth == API_AUTH_ADMIN ? AUTH_ROLE_ADMIN : rt->auth == API_AUTH_OPERATOR ? AUTH_ROLE_OPERATOR
                                                                                                  : AUTH_ROLE_READ;
    if (api_bearer_throttled(req, deny))
        return false;
    if (!api_principal(ctx, req, who)) {
        api_bearer_failed(req);
        *deny = api_error(401, "Authorization", "an API token is required (Authorization: Bearer ...)");
        return false;
    }
    if (who->via == AUTH_VIA_SESSION && !api_is_read_method(req->method)) {
        const char *csrf = req->header ? req->header(req->arg_ctx, "X-CSRF-Token") : NULL;
        if (!csrf || !auth_equal(csrf, who->csrf)) {
            *deny = api_error(403, "X-CSRF-Token", "an action from the dashboard needs its session's CSRF token");
            return false;
        }
    }
    if (who->role < need) {
        char msg[96];
        snprintf(msg, sizeof msg, "this action needs a token of role %s", auth_role_name(need));
        *deny = api_error(403, "Authorization", msg);
        return false;
    }
    return true;
}

static bool api_admit_route(api_ctx *ctx, const api_route *rt, const api_request *req, auth_principal *who,
                            api_reply *deny)
{
    switch (rt->auth) {
    case API_AUTH_NONE:
        return true;
    case API_AUTH_METRICS:
        if (ctx->cfg->metrics_public && !req->authorization)
            return true;
        return api_admit_person(ctx, rt, req, who, deny);
    case API_AUTH_READ:
    case API_AUTH_OPERATOR:
    case API_AUTH_ADMIN:
        return api_admit_person(ctx, rt, req, who, deny);
    case API_AUTH_AGENT:
        break;
    }
    const char *token = api_bearer(req->authorization);
    if (token && server_config_agent_by_token(ctx->cfg, token))
        return true;
    api_ingest_refuse_token(ctx, token, deny);
    return false;
}

bool api_admit_request(api_ctx *ctx, const api_request *req, api_reply *deny)
{
    const api_route *rt = api_route_find(req->method, req->path, deny);
    if (!rt)
        return false;
    auth_principal who;
    memset(&who, 0, sizeof who);
    if (api_admit_route(ctx, rt, req, &who, deny))
        return true;
    /* an action refused to someone known is recorded; an unknown caller's (401) is not, so that no
     * stranger makes the server write */
    if (rt->audit && deny->status == 403 && who.role != AUTH_ROLE_NONE) {
        api_request q = *req;
        q.who = &who;
        api_audit(ctx, &q, rt->audit, api_audit_object(&q), "403", "");
    }
    return false;
}

bool api_admit(api_ctx *ctx, const char *method, const char *path, const char *authorization, api_reply *deny)
{
    api_request req = {.method = method, .path = path, .authorization = authorization, .now = time(NULL)};
    return api_admit_request(ctx, &req, deny);
}

static api_reply api_dispatch_route(api_ctx *ctx, const api_route *rt, const api_request *req);

/* What an audit entry names as the action's object: the path and the query arguments that choose
 * what it acts on. */
static const char *api_audit_object(const api_request *req)
{
    static _Thread_local char obj[512];
    static const char *const keys[] = {"site", "month", "contract", "format", "lang", NULL};
    size_t at = (size_t)snprintf(obj, sizeof obj, "%s", req->path);
    for (size_t i = 0; keys[i] && req->arg && at < sizeof obj; i++) {
        const char *v = req->arg(req->arg_ctx, keys[i]);
        if (v)
            at += (size_t)snprintf(obj + at, sizeof obj - at, "%s%s=%.64s", strchr(obj, '?') ? "&" : "?", keys[i], v);
    }
    return obj;
}

/* Writes wait for each other (and for the alerting timer, main.c) on the writers' lock; reads wait
 * for nobody: each sees its thread's connection at the instant its read transaction began. */
api_reply api_dispatch(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    const api_route *rt = api_route_find(req->method, req->path, &r);
    if (!rt)
        return r;
    /* who asks, once for the handler: the same checks as api_admit (a token revoked since is refused) */
    auth_principal who;
    memset(&who, 0, sizeof who);
    if (!api_admit_route(ctx, rt, req, &who, &r))
        return r;
    api_request q = *req;
    q.who = who.role != AUTH_ROLE_NONE ? &who : NULL;
    /* a read of RRD files for another shard's site is answered by that shard's servers, once the
     * caller is known here (the scope is checked in shard_fwd_target) */
    const server_shard *to = shard_fwd_target(ctx->cfg, q.who, &q);
    r = to ? shard_fwd_get(ctx->cfg, to, &q) : api_dispatch_route(ctx, rt, &q);
    if (rt->audit) {
        char outcome[16];
        snprintf(outcome, sizeof outcome, "%d", r.status);
        /* a write's body says what it asked; a DELETE has none, and its reply says what is gone */
        const char *detail = api_is_read_method(q.method) ? ""
                             : strcmp(q.method, "DELETE") == 0 && q.len == 0 && r.status < 300 && r.body ? r.body
                                                                                                   : q.body;
        api_audit(ctx, &q, rt->audit, api_audit_object(&q), outcome, detail ? detail : "");
    }
    return r;
}

static api_reply api_dispatch_route(api_ctx *ctx, const api_route *rt, const api_request *req)
{
    api_reply r;
    db *d = api_db(ctx);
    if (!d && rt->fn != api_route_health && rt->fn != api_route_web) /* these two read no table */
        return api_error(503, NULL, "the database cannot be opened: see the server's log");
    if (rt->access == API_SELF)
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

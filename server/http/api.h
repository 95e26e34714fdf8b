/* api: the server's request handlers, independent of the HTTP library so that they can be tested
 * with plain strings. http.c routes requests here; each handler returns a status and a JSON body.
 *
 *   POST /api/v1/ingest        agents push batches (Bearer token of the agent)
 *   GET  /api/v1/status        every device with its last values and their age
 *   GET  /api/v1/health        liveness, no credential
 *   GET  /api/v1/sites         sites with their current state and this month's availability
 *   GET  /api/v1/availability  ?site=S&month=YYYY-MM or &from=...&to=...: the report's figures
 *   GET  /api/v1/events        ?site=S&from=...&to=...: state changes with their cause
 *   GET  /api/v1/maintenance   ?site=S&from=...&to=...; POST to declare one or a series (rrule);
 *                              DELETE .../ID; PUT or DELETE .../ID/occurrences/OCC (routes_maintenance.c)
 *   GET  /api/v1/report        ?month=YYYY-MM|previous&site&format&lang: the monthly SLA report (PDF,
 *                              HTML, CSV, JSON; api_report.c); POST /api/v1/report/send mails it (admin)
 *   GET  /api/v1/devices       ?site=S: devices with class, profile, last seen, health (api_data.c)
 *   GET  /api/v1/latest        ?site=S&device=D: latest values
 *   GET  /api/v1/series        ?site&device&metric&instance&from&to&cf&step: one RRD series
 *   GET  /api/v1/vocabulary    classes, metrics, units and words of mibs/vocabulary.yaml (routes_vocab.c)
 *   GET  /api/v1/selftests     ?site=S&month=YYYY-MM: UPS self-tests, last pass and its age (routes_selftest.c)
 *   GET  /api/v1/energy        ?site=S&month=: kWh, coverage, PUE; /headroom, /trends ?site=S (routes_energy.c)
 *   GET  /api/v1/public-sites  ?commune&category&contract&nro&state&q: the public sites, worst first;
 *                              .../ID one with its checks and incidents; GET /api/v1/agent/targets: what
 *                              the calling agent checks (its token) (routes_public.c)
 *   GET  /metrics              Prometheus text format (API token unless metrics_public)
 *   GET  /, /static/NAME       the dashboard's files from web_dir (web.c), no credential
 *   GET  /api/v1/alerts        ?site&state&severity; POST .../ID/ack; GET/POST /api/v1/silences,
 *                              DELETE .../ID; POST /api/v1/test-notify (api_alerts.c, doc/alerting.md)
 *   GET/POST /api/v1/tokens, DELETE .../NAME: personal tokens (admin; routes_tokens.c); GET /api/v1/whoami
 *   POST /api/v1/login, /logout, /login-links; GET /api/v1/session: dashboard sessions (routes_session.c)
 *   GET  /api/v1/audit, /api/v1/audit/verify: the audit trail (admin; routes_audit.c)
 * Reads need a token of role read (server.yaml api_tokens, or a personal token, or a dashboard session),
 * acknowledgements, silences and maintenance one of role operator, tokens and mailing role admin; each
 * sees only its scope's sites (auth/auth.h, api_scope.c). See doc/api.md. */
#ifndef VIGIE_API_H
#define VIGIE_API_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "store/db.h"
#include "store/db_pool.h"
#include "store/rrd_store.h"
#include "config/server_config.h"

/* A latency histogram for /metrics: bucket i counts observations <= api_latency_bounds[i] seconds
 * (not cumulated); the last bucket is +Inf. */
#define API_LATENCY_BUCKETS 12
extern const double api_latency_bounds[API_LATENCY_BUCKETS - 1];
typedef struct {
    unsigned long count;
    double sum;
    unsigned long buckets[API_LATENCY_BUCKETS];
} api_latency;
void api_latency_observe(api_latency *l, double seconds);

/* Pushes stored at once, at most: more than the HTTP threads (http.c), so that none ever waits for a slot. */
#define API_INFLIGHT_MAX 16

typedef struct {
    /* the running configuration: replaced whole by a reload (SIGHUP, server/reload.h), so read it once
     * per use; the one replaced stays allocated while requests under way may still read it */
    _Atomic(const server_config *) cfg;
    db *db;                   /* the main thread's connection, and every thread's when pool is NULL (tests) */
    db_pool *pool;            /* NULL, or a connection per thread (api_db) */
    rrd_store *rrd;
    unsigned long batches, samples, rejected;
    unsigned long samples_rejected, series_failed; /* refused alone in accepted batches (api_ingest_filter) */
    api_latency rrd_write;    /* time spent in rrd_store_write per accepted batch */
    pthread_mutex_t *lock;    /* NULL, or the writers' lock: held around the db writes of a request
                                 (routes that change something, an ingest's db part) and the timer's,
                                 never by reads, rendering, mail or the RRD writes */
    pthread_cond_t *agent_done; /* with lock: signalled when a push is stored (see inflight) */
    const server_agent *inflight[API_INFLIGHT_MAX]; /* agents whose push is being stored */
} api_ctx;

typedef struct {
    int status;
    char *body;               /* malloc'd; JSON unless content_type says otherwise */
    size_t len;               /* 0: strlen(body) */
    const char *content_type; /* NULL: application/json */
    char disposition[160];    /* Content-Disposition, "" for none */
    char headers[512];        /* more response headers, "Name: value" lines joined by '\n'; a
                                 Cache-Control here replaces the default no-store */
} api_reply;

/* One request, as http.c hands it over: `arg` reads a query-string argument (NULL when absent). */
typedef struct {
    const char *method;
    const char *path;
    const char *authorization;
    const char *body;
    size_t len;
    time_t now;
    const char *(*arg)(void *arg_ctx, const char *name);
    void *arg_ctx;
    const char *(*header)(void *arg_ctx, const char *name); /* a request header; may be NULL */
    /* the raw query string, percent-encoded, without '?' ("" for none), as sent on to another shard
     * (cluster/shard_forward.h); NULL when unknown (tests), not a GET or HEAD, or past HTTP_QUERY_MAX (http.c) */
    const char *query;
    const char *remote;       /* the client's address ("" or NULL when unknown), for the audit trail */
    const struct auth_principal_s *who; /* set by api_dispatch: who asks (auth/auth.h); NULL before */
} api_request;

/* Routes a request to its handler: 404 for an unknown path, 405 (with an Allow header naming the path's
 * methods) for a known path and another method. */
api_reply api_dispatch(api_ctx *ctx, const api_request *req);

/* What http.c asks when a request's headers are in, before it reads a byte of the body: true when the
 * request may go on; otherwise false with the reply in *deny (404, 405 + Allow, 401 without a valid
 * token for the route: the agent's for POST /api/v1/ingest, an API token for the others that need one,
 * 403 for an action without an admin token). Tokens are compared in constant time. */
bool api_admit(api_ctx *ctx, const char *method, const char *path, const char *authorization, api_reply *deny);
/* The same with the whole request's headers (a session cookie, X-CSRF-Token) and the client's address:
 * what http.c calls. req->body is not read. */
bool api_admit_request(api_ctx *ctx, const api_request *req, api_reply *deny);

/* The calling thread's database connection: its own from ctx->pool, or ctx->db without a pool; NULL
 * (logged) when it cannot be opened. */
db *api_db(api_ctx *ctx);

/* The ingest counters at one instant, copied under the writers' lock (for /metrics and health). */
typedef struct {
    unsigned long batches, samples, rejected, samples_rejected, series_failed;
    api_latency rrd_write;
} api_counters;
void api_counters_get(api_ctx *ctx, api_counters *out);

/* `authorization` is the raw Authorization header (may be NULL). */
api_reply api_ingest(api_ctx *ctx, const char *authorization, const char *body, size_t len, time_t now);
api_reply api_status(api_ctx *ctx, const char *authorization, time_t now);
/* The same for a principal already known: its scope's devices only. */
api_reply api_status_of(api_ctx *ctx, const struct auth_principal_s *who, time_t now);
api_reply api_health(api_ctx *ctx);
/* A JSON error reply: {"error": msg, "field": field} (field may be NULL). */
api_reply api_error(int status, const char *field, const char *msg);

#endif

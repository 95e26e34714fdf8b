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
static const char *api_bearer(const char *authorization)
{
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return NULL;
    const char *t = authorization + 7;
    while (*t == ' ')
        t++;
    return *t ? t : NULL;
}

static void api_lock(api_ctx *ctx)
{
    if (ctx->lock)
        pthread_mutex_lock(ctx->lock);
}

static void api_unlock(api_ctx *ctx)
{
    if (ctx->lock)
        pthread_mutex_unlock(ctx->lock);
}

/* One push of an agent stored at a time (with the lock held): a batch sent again while its first copy
 * is still being written waits for it, then finds it stored; and an agent's batches reach the RRD files
 * in the order they came, so none of them is taken for stale. */
static void api_agent_claim(api_ctx *ctx, const server_agent *agent)
{
    if (!ctx->lock || !ctx->agent_done)
        return;
    for (;;) {
        size_t free_slot = API_INFLIGHT_MAX;
        bool busy = false;
        for (size_t i = 0; i < API_INFLIGHT_MAX; i++) {
            if (ctx->inflight[i] == agent)
                busy = true;
            else if (!ctx->inflight[i] && free_slot == API_INFLIGHT_MAX)
                free_slot = i;
        }
        if (!busy && free_slot < API_INFLIGHT_MAX) {
            ctx->inflight[free_slot] = agent;
            return;
        }
        pthread_cond_wait(ctx->agent_done, ctx->lock);
    }
}

static void api_agent_release(api_ctx *ctx, const server_agent *agent)
{
    if (!ctx->lock || !ctx->agent_done)
        return;
    for (size_t i = 0; i < API_INFLIGHT_MAX; i++)
        if (ctx->inflight[i] == agent)
            ctx->inflight[i] = NULL;
    pthread_cond_broadcast(ctx->agent_done);
}

/* The checks of a decoded push (lock held): false with the refusal in *deny. */
static bool api_ingest_allowed(api_ctx *ctx, const server_agent *agent, const char *token, const push_batch *b,
                               const vg_err *perr, api_reply *deny)
{
    if (!agent) {
        ctx->rejected++;
        log_warn("ingest", "push refused: %s", token ? "unknown token" : "no bearer token");
        *deny = api_error(401, "Authorization", token ? "unknown agent token" : "a Bearer token is required");
        return false;
    }
    if (!b) {
        ctx->rejected++;
        log_warn("ingest", "batch from %s refused: %s: %s", agent->id, perr->field, perr->msg);
        *deny = api_error(400, perr->field, perr->msg);
        return false;
    }
    if (strcmp(push_batch_agent(b), agent->id) != 0) {
        ctx->rejected++;
        log_warn("ingest", "agent %s tried to push as %s", agent->id, push_batch_agent(b));
        *deny = api_error(403, "agent", "this token belongs to another agent");
        return false;
    }
    for (size_t i = 0; agent->devices && i < push_batch_count(b); i++) {
        if (!server_agent_may_write(agent, push_batch_at(b, i)->device)) {
            char field[64];
            snprintf(field, sizeof field, "samples[%zu].device", i);
            ctx->rejected++;
            log_warn("ingest", "agent %s pushed device %s, which server.yaml does not give it", agent->id,
                     push_batch_at(b, i)->device);
            *deny = api_error(403, field, "this agent is not declared for this device (server.yaml agents[].devices)");
            return false;
        }
    }
    return true;
}

/* ---- ingest: samples refused alone ----------------------------------------------------------
 *
 * A sample that can never be stored (a metric outside the vocabulary, a file name too long once
 * escaped, a file that cannot be reached, a series past a quota, no disk left for a new file) is
 * refused alone and named in the reply; the rest of its batch is stored and the batch accepted, so
 * that the agent does not send it again for ever. Of samples of one series with the same time in one
 * batch the last one wins (the others are refused as duplicates), so that RRD and latest agree. */

#define API_REJECTS_LISTED 100 /* the reply names at most this many; the count is whole */
#define API_METRIC_ESCAPE "x." /* the namespace of metrics the vocabulary does not have (mibs/README.md) */
#define API_LOG_SLOTS 1024u     /* series whose refusal was logged lately */
#define API_LOG_EVERY 3600      /* a series' refusal is logged at most once an hour */
#define API_LOG_BATCH 5         /* and at most this many series a batch, then one line for the others */

typedef struct {
    size_t n;            /* samples refused */
    size_t series_failed; /* of which their file could not be reached */
    size_t logged, unlogged; /* series whose refusal this batch logged, or would have past API_LOG_BATCH */
    json_t *list;        /* the first API_REJECTS_LISTED: {"index", "field", "reason"} */
    bool *refused;       /* per sample of the batch */
} api_rejects;

typedef struct {
    api_ctx *ctx;
    const char *site;
    const push_batch *b;
    uint64_t disk_free;
    bool disk_known;
    long site_series; /* -1 until counted */
    long device_series;
} api_quota;

static void api_reject(api_rejects *r, size_t i, const char *field, const char *reason)
{
    if (r->refused[i])
        return;
    r->refused[i] = true;
    r->n++;
    if (json_array_size(r->list) >= API_REJECTS_LISTED)
        return;
    char f[96];
    snprintf(f, sizeof f, "samples[%zu].%s", i, field);
    json_array_append_new(r->list, json_pack("{s:I, s:s, s:s}", "index", (json_int_t)i, "field", f, "reason", reason));
}

static uint32_t api_hash(const char *site, const push_sample *s)
{
    uint32_t h = 2166136261u;
    const char *parts[] = {site, s->device, s->metric, s->instance};
    for (size_t k = 0; k < 4; k++)
        for (const char *c = parts[k]; ; c++) {
            h = (h ^ (unsigned char)*c) * 16777619u;
            if (!*c)
                break;
        }
    return h;
}

/* Whether a line of key h is due (none in the last hour), marking it logged: an agent sends a refused
 * series again every cycle. */
static bool api_log_due(uint32_t h, time_t now)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* the filter runs without the api lock */
    static struct {
        uint32_t hash;
        time_t at;
    } logged[API_LOG_SLOTS];
    unsigned slot = h & (API_LOG_SLOTS - 1);
    pthread_mutex_lock(&lock);
    bool again = logged[slot].hash == h && logged[slot].at && now - logged[slot].at < API_LOG_EVERY;
    if (!again) {
        logged[slot].hash = h;
        logged[slot].at = now;
    }
    pthread_mutex_unlock(&lock);
    return !again;
}

/* Logs a series' refusal once an hour at most; true when it did. */
static bool api_log_refusal(const char *agent, const char *site, const push_sample *s, const char *reason, time_t now)
{
    if (!api_log_due(api_hash(site, s), now))
        return false;
    log_warn("ingest", "agent %s: series %s/%s/%s%s%.40s refused (logged once an hour a series): %s", agent, site, s->device,
             s->metric, *s->instance ? "@" : "", s->instance, reason);
    return true;
}

static int api_cmp_index(const void *a, const void *b, void *arg)
{
    const push_batch *batch = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const push_sample *x = push_batch_at(batch, i), *y = push_batch_at(batch, j);
    int c = strcmp(x->device, y->device);
    if (!c)
        c = strcmp(x->metric, y->metric);
    if (!c)
        c = strcmp(x->instance, y->instance);
    if (!c)
        c = (x->ts > y->ts) - (x->ts < y->ts);
    if (!c)
        c = (i > j) - (i < j);
    return c;
}

static bool api_same_series(const push_sample *x, const push_sample *y)
{
    return strcmp(x->device, y->device) == 0 && strcmp(x->metric, y->metric) == 0 &&
           strcmp(x->instance, y->instance) == 0;
}

/* Whether a metric may be stored: a name of the vocabulary, or in the escape namespace. Of any class,
 * not only the device's: agent.yaml may give a device another class than its profile's, whose metrics
 * --check-profiles held to the profile's class. */
static bool api_metric_known(const api_ctx *ctx, const push_batch *b, const push_sample *s)
{
    if (strncmp(s->metric, API_METRIC_ESCAPE, strlen(API_METRIC_ESCAPE)) == 0)
        return true;
    const char *cls = push_batch_device_class(b, s->device);
    return (cls && vocab_metric_for(ctx->cfg->vocab, cls, s->metric) != NULL) ||
           vocab_metric_find(ctx->cfg->vocab, s->metric) != NULL;
}

/* Whether a new series may be made: NULL, or the reason it may not. */
static const char *api_quota_check(api_quota *q, const push_sample *s, char *why, size_t size)
{
    const server_config *cfg = q->ctx->cfg;
    if (q->device_series < 0)
        q->device_series = (long)rrd_store_series_count(q->ctx->rrd, q->site, s->device);
    if (q->device_series >= cfg->max_series_per_device) {
        snprintf(why, size, "device %s has %ld series, the most server.yaml allows (max_series_per_device): "
                 "a new series is refused, the existing ones are still written", s->device, q->device_series);
        return why;
    }
    if (q->site_series < 0)
        q->site_series = (long)rrd_store_series_count(q->ctx->rrd, q->site, NULL);
    if (q->site_series >= cfg->max_series_per_agent) {
        snprintf(why, size, "agent %s has %ld series, the most server.yaml allows (max_series_per_agent): "
                 "a new series is refused, the existing ones are still written", push_batch_agent(q->b), q->site_series);
        return why;
    }
    uint64_t need = rrd_store_file_bytes(q->ctx->rrd), reserve = (uint64_t)cfg->disk_reserve_mb * 1024 * 1024;
    if (!q->disk_known) {
        q->disk_known = rrd_store_disk_free(q->ctx->rrd, &q->disk_free) == VG_OK;
        if (!q->disk_known)
            q->disk_free = UINT64_MAX;
    }
    if (q->disk_free < reserve + need) {
        snprintf(why, size, "the data folder has %llu MiB free, below the reserve of %d MiB (disk_reserve_mb): "
                 "no new RRD file is made, the existing ones are still written",
                 (unsigned long long)(q->disk_free / (1024 * 1024)), cfg->disk_reserve_mb);
        return why;
    }
    q->disk_free -= need;
    q->device_series++;
    q->site_series++;
    return NULL;
}

/* The series starting at order[k] (samples of one series, oldest first, ties in batch order): refuses
 * all of it or what it cannot take; returns the index past it. */
static size_t api_filter_series(api_quota *q, const size_t *order, size_t k, size_t n, api_rejects *r)
{
    const push_batch *b = q->b;
    const push_sample *s = push_batch_at(b, order[k]);
    size_t end = k + 1;
    while (end < n && api_same_series(s, push_batch_at(b, order[end])))
        end++;
    char why[VG_ERR_MAX + 64];
    const char *field = NULL, *reason = NULL;
    bool is_new = false;
    vg_err err;
    vg_clear(&err);
    if (!api_metric_known(q->ctx, b, s)) {
        snprintf(why, sizeof why, "not a metric of the vocabulary (mibs/vocabulary.yaml), nor in the %s* namespace "
                 "for unmapped values", API_METRIC_ESCAPE);
        field = "metric";
        reason = why;
    } else if (rrd_store_admit(q->ctx->rrd, q->site, s, &is_new, &err) != VG_OK) {
        field = err.field[0] ? err.field : "metric";
        snprintf(why, sizeof why, "%s", err.msg);
        reason = why;
        if (err.code == VG_E_IO)
            r->series_failed++;
    } else if (is_new) {
        reason = api_quota_check(q, s, why, sizeof why);
        field = "metric";
    }
    if (reason) {
        for (size_t j = k; j < end; j++)
            api_reject(r, order[j], field, reason);
        if (r->logged >= API_LOG_BATCH)
            r->unlogged++;
        else if (api_log_refusal(push_batch_agent(b), q->site, s, reason, time(NULL)))
            r->logged++;
        return end;
    }
    for (size_t j = k; j + 1 < end; j++) {
        const push_sample *x = push_batch_at(b, order[j]), *y = push_batch_at(b, order[j + 1]);
        if (x->ts == y->ts) {
            snprintf(why, sizeof why, "duplicate in batch: samples[%zu] has the same device, metric, instance and ts, "
                     "and the last one wins", order[j + 1]);
            api_reject(r, order[j], "ts", why);
        }
    }
    return end;
}

/* The batch of the samples of b that can be stored, r saying which were refused and why. NULL when
 * out of memory. */
static push_batch *api_ingest_filter(api_ctx *ctx, const char *site, const push_batch *b, api_rejects *r)
{
    size_t n = push_batch_count(b);
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    r->refused = calloc(n ? n : 1, sizeof *r->refused);
    r->list = json_array();
    push_batch *out = push_batch_new(push_batch_agent(b), push_batch_seq(b));
    if (!order || !r->refused || !r->list || !out) {
        free(order);
        push_batch_free(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof *order, api_cmp_index, (void *)b);
    api_quota q = {.ctx = ctx, .site = site, .b = b, .site_series = -1, .device_series = -1};
    for (size_t k = 0; k < n;) {
        if (k > 0 && strcmp(push_batch_at(b, order[k])->device, push_batch_at(b, order[k - 1])->device) != 0)
            q.device_series = -1; /* counted again for the next device */
        k = api_filter_series(&q, order, k, n, r);
    }
    free(order);
    push_sample key = {.device = "", .metric = "", .instance = ""};
    if (r->unlogged && api_log_due(api_hash(push_batch_agent(b), &key), time(NULL)))
        log_warn("ingest", "agent %s: %zu more series refused in batch %llu (the reply names them; logged once an hour)", push_batch_agent(b),
                 r->unlogged, (unsigned long long)push_batch_seq(b));
    for (size_t i = 0; i < push_batch_device_count(b); i++) {
        const push_device *d = push_batch_device_at(b, i);
        if (push_batch_set_device(out, d->name, d->cls, d->profile) != 0) {
            push_batch_free(out);
            return NULL;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!r->refused[i] && push_batch_add(out, push_batch_at(b, i)) != 0) {
            push_batch_free(out);
            return NULL;
        }
    return out;
}

static void api_rejects_clear(api_rejects *r)
{
    json_decref(r->list);
    free(r->refused);
}

/* Stores an allowed push (lock held, released while the RRD files are written: the next push is read
 * and checked meanwhile). */
static api_reply api_ingest_store(api_ctx *ctx, const server_agent *agent, const push_batch *all, time_t now)
{
    bool dup = false;
    vg_err verr;
    vg_code seen = db_batch_seen(ctx->db, agent->id, push_batch_seq(all), &dup, &verr);
    if (seen == VG_OK && dup) {
        json_t *o = json_pack("{s:s, s:I, s:b}", "agent", agent->id, "seq", (json_int_t)push_batch_seq(all),
                              "duplicate", 1);
        return api_json(200, o);
    }
    char err[1200] = "";
    rrd_store_stats st = {0};
    int written = -1;
    api_rejects rej = {0};
    push_batch *b = NULL;
    if (seen == VG_OK) { /* the RRD write latency, for /metrics */
        struct timespec t0, t1;
        api_unlock(ctx);
        b = api_ingest_filter(ctx, agent->site, all, &rej);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (!b)
            snprintf(err, sizeof err, "out of memory");
        else if (rrd_store_write(ctx->rrd, agent->site, b, &st, &verr) == VG_OK)
            written = 0;
        else
            snprintf(err, sizeof err, "%s", verr.msg);
        if (b && (written == 0 || verr.code == VG_E_IO || verr.code == VG_E_UNAVAILABLE))
            db_storage_note(DB_PART_RRD, written == 0, err); /* for /api/v1/health */
        clock_gettime(CLOCK_MONOTONIC, &t1);
        api_lock(ctx);
        api_latency_observe(&ctx->rrd_write, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    }
    if (written == 0 && db_batch_store(ctx->db, agent->site, b, (int64_t)now, &verr) != VG_OK) {
        snprintf(err, sizeof err, "%s", verr.msg);
        written = -1;
    }
    if (written != 0) {
        log_error("ingest", "batch %llu from %s not stored: %s", (unsigned long long)push_batch_seq(all), agent->id,
                  err[0] ? err : "database error");
        push_batch_free(b);
        api_rejects_clear(&rej);
        return api_error(500, NULL, "storage error: the batch was not stored, send it again");
    }
    /* samples are stored: a failure to derive health is logged, not a reason to have them resent */
    if (state_ingest(ctx->db, ctx->cfg, agent->site, b, (int64_t)now, &verr) != VG_OK)
        log_error("ingest", "batch %llu from %s: %s", (unsigned long long)push_batch_seq(b), agent->id, verr.msg);
    if (alerts_ingest(ctx->db, ctx->cfg, agent->site, b, (int64_t)now) != 0)
        log_error("ingest", "batch %llu from %s: alerting could not judge it", (unsigned long long)push_batch_seq(b),
                  agent->id);
    ctx->batches++;
    ctx->samples += st.written;
    ctx->samples_rejected += rej.n;
    ctx->series_failed += rej.series_failed;
    json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:O}", "agent", agent->id, "seq", (json_int_t)push_batch_seq(b),
                          "stored", (json_int_t)st.written, "stale", (json_int_t)st.stale, "rejected",
                          (json_int_t)rej.n, "rejects", rej.list);
    push_batch_free(b);
    api_rejects_clear(&rej);
    return api_json(200, o);
}

/* Called without the lock (api_dispatch): the configuration is read-only once the server runs, and
 * decoding, the costly part, needs nothing shared. */
api_reply api_ingest(api_ctx *ctx, const char *authorization, const char *body, size_t len, time_t now)
{
    const char *token = api_bearer(authorization);
    const server_agent *agent = token ? server_config_agent_by_token(ctx->cfg, token) : NULL;
    vg_err perr;
    push_batch *b = agent ? push_batch_decode_vocab(body, len, now, ctx->cfg->vocab, &perr) : NULL;
    api_reply r;
    api_lock(ctx);
    if (api_ingest_allowed(ctx, agent, token, b, &perr, &r)) {
        api_agent_claim(ctx, agent);
        r = api_ingest_store(ctx, agent, b, now);
        api_agent_release(ctx, agent);
    }
    api_unlock(ctx);
    push_batch_free(b);
    return r;
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
    if (db_latest_each(ctx->db, api_status_row, &w, NULL) != VG_OK) {
        json_decref(w.devices);
        json_decref(w.cur);
        return api_error(500, NULL, "database error");
    }
    api_status_close_device(&w);
    json_t *o = json_pack("{s:I, s:s, s:o}", "now", (json_int_t)now, "version", PACKAGE_VERSION, "devices", w.devices);
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
    json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:o}", "status", failing ? "storage_error" : "ok", "batches",
                          (json_int_t)ctx->batches, "samples", (json_int_t)ctx->samples, "rejected",
                          (json_int_t)ctx->rejected, "storage", storage);
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

static api_reply api_route_ingest(api_ctx *ctx, const api_request *req)
{
    return api_ingest(ctx, req->authorization, req->body ? req->body : "", req->len, req->now);
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

typedef struct {
    const char *method;
    const char *path;
    bool prefix; /* the path continues with an id */
    api_auth auth;
    api_handler fn;
} api_route;

static const api_route api_routes[] = {
    {"POST", "/api/v1/ingest", false, API_AUTH_AGENT, api_route_ingest},
    {"GET", "/api/v1/status", false, API_AUTH_READER, api_route_status},
    {"GET", "/api/v1/health", false, API_AUTH_NONE, api_route_health},
    {"GET", "/api/v1/sites", false, API_AUTH_READER, api_route_sites},
    {"GET", "/api/v1/availability", false, API_AUTH_READER, api_route_availability},
    {"GET", "/api/v1/events", false, API_AUTH_READER, api_route_events},
    {"GET", "/api/v1/maintenance", false, API_AUTH_READER, api_route_maintenance_list},
    {"POST", "/api/v1/maintenance", false, API_AUTH_ADMIN, api_route_maintenance_add},
    {"DELETE", "/api/v1/maintenance/", true, API_AUTH_ADMIN, api_route_maintenance_delete},
    {"GET", "/api/v1/report", false, API_AUTH_READER, api_route_report},
    {"POST", "/api/v1/report/send", false, API_AUTH_ADMIN, api_route_report_send},
    {"GET", "/api/v1/devices", false, API_AUTH_READER, api_route_devices},
    {"GET", "/api/v1/latest", false, API_AUTH_READER, api_route_latest},
    {"GET", "/api/v1/series", false, API_AUTH_READER, api_route_series},
    {"GET", "/api/v1/vocabulary", false, API_AUTH_READER, api_route_vocabulary},
    {"GET", "/metrics", false, API_AUTH_METRICS, api_route_metrics},
    {"GET", "/", false, API_AUTH_NONE, api_route_web},
    {"GET", "/static/", true, API_AUTH_NONE, api_route_web},
    {"GET", "/api/v1/alerts", false, API_AUTH_READER, api_route_alerts_list},
    {"POST", "/api/v1/alerts/", true, API_AUTH_ADMIN, api_route_alert_ack},
    {"GET", "/api/v1/silences", false, API_AUTH_READER, api_route_silences_list},
    {"POST", "/api/v1/silences", false, API_AUTH_ADMIN, api_route_silences_add},
    {"DELETE", "/api/v1/silences/", true, API_AUTH_ADMIN, api_route_silences_delete},
    {"POST", "/api/v1/test-notify", false, API_AUTH_ADMIN, api_route_test_notify},
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
    api_lock(ctx);
    (void)api_ingest_allowed(ctx, NULL, token, NULL, NULL, deny);
    api_unlock(ctx);
    return false;
}

static api_reply api_dispatch_locked(api_ctx *ctx, const api_request *req);

/* One request at a time against the db and the state, shared with the alerting timer (main.c); the
 * HTTP threads wait for each other here. */
api_reply api_dispatch(api_ctx *ctx, const api_request *req)
{
    /* ingest takes the lock itself, for less than the whole push (api_ingest) */
    if (strcmp(req->method, "POST") == 0 && strcmp(req->path, "/api/v1/ingest") == 0)
        return api_route_ingest(ctx, req);
    api_lock(ctx);
    api_reply r = api_dispatch_locked(ctx, req);
    api_unlock(ctx);
    return r;
}

static api_reply api_dispatch_locked(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    const api_route *rt = api_route_find(req->method, req->path, &deny);
    return rt ? rt->fn(ctx, req) : deny;
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
    if (report_parse_time(s, tz, &t) != VG_OK)
        return vg_fail(err, VG_E_INVALID,
                       "not Unix seconds nor a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM in the site's time zone)");
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

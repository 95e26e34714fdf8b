/* ingest_filter: the samples of a push refused alone, and why (ingest.h).
 *
 * A sample that can never be stored (a metric outside the vocabulary, a file name too long once
 * escaped, a file that cannot be reached, a series past a quota, no disk left for a new file) is
 * refused alone and named in the reply; the rest of its batch is stored and the batch accepted, so
 * that the agent does not send it again for ever. Of samples of one series with the same time in one
 * batch the last one wins (the others are refused as duplicates), so that RRD and latest agree. */
#include "config.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/ingest.h"
#include "http/ingest_route.h"
#include "log.h"
#include "vocab.h"

#define API_REJECTS_LISTED 100 /* the reply names at most this many; the count is whole */
#define API_METRIC_ESCAPE "x." /* the namespace of metrics the vocabulary does not have (mibs/README.md) */
#define API_LOG_SLOTS 1024u     /* series whose refusal was logged lately */
#define API_LOG_EVERY 3600      /* a series' refusal is logged at most once an hour */
#define API_LOG_BATCH 5         /* and at most this many series a batch, then one line for the others */

typedef struct {
    api_ctx *ctx;
    ingest_router *router; /* the site of each device (ingest_route.h) */
    const char *site;      /* the current device's */
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

uint32_t api_hash(const char *site, const push_sample *s)
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
bool api_log_due(uint32_t h, time_t now)
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
    int c = push_sample_cmp(x, y);
    if (!c)
        c = (i > j) - (i < j);
    return c;
}

static bool api_same_series(const push_sample *x, const push_sample *y)
{
    return push_sample_same_series(x, y);
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
    const char *site = ingest_router_site(q->router, s->device);
    if (site != q->site) { /* a public site the agent checks: its own folder and counts */
        q->site = site;
        q->site_series = -1;
    }
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
        /* made here, on this agent's own request thread, not by the writers all agents share; a failure
         * is the writer's to report, which tries again (rrd_store_create) */
        if (!reason)
            (void)rrd_store_create(q->ctx->rrd, q->site, s, &err);
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
push_batch *api_ingest_filter(api_ctx *ctx, ingest_router *router, const push_batch *b, api_rejects *r)
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
    api_quota q = {.ctx = ctx, .router = router, .site = router->agent->site, .b = b, .site_series = -1,
                   .device_series = -1};
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

void api_rejects_clear(api_rejects *r)
{
    json_decref(r->list);
    free(r->refused);
}

int api_rejects_add_failed(api_rejects *r, const server_agent *agent, const push_batch *all, const push_batch *b,
                           const rrd_store_stats *st, time_t now)
{
    size_t *map = malloc(push_batch_count(b) * sizeof *map); /* index in `all` of b's samples */
    for (size_t i = 0, k = 0; map && i < push_batch_count(all); i++)
        if (!r->refused[i])
            map[k++] = i;
    for (size_t k = 0; map && k < push_batch_count(b) && k < st->nfate; k++)
        if (st->fate[k] == RRD_SAMPLE_FAILED)
            api_reject(r, map[k], "metric", rrd_store_stats_reason(st, b, k));
    for (size_t f = 0; f < st->nfailures && r->logged < API_LOG_BATCH; f++)
        r->logged += api_log_refusal(agent->id, agent->site, push_batch_at(b, st->failures[f].index),
                                     st->failures[f].reason, now);
    r->series_failed += st->failed_series;
    int rc = map ? 0 : -1;
    free(map);
    return rc;
}

/* GET /metrics: the Prometheus text exposition format (0.0.4) of the latest values, the sites'
 * availability this month, the agents' clocks and the server's own counters; a sharded estate's own
 * shard's sites only, every shard's with ?federate=1 (cluster/shard_forward.h). It needs an API token
 * unless server.yaml says metrics_public: true. See doc/api.md. */
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
#include "cluster/cluster.h"
#include "cluster/shard.h"
#include "cluster/shard_forward.h"
#include "alerting/alerts.h"
#include "alerting/skew.h"
#include "log.h"
#include "report/report.h"

/* ---- /metrics ------------------------------------------------------------------------------- */

typedef struct {
    char *s;
    size_t len, cap;
    bool oom;
} data_buf;

static void data_put(data_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void data_put(data_buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 65536;
        while (cap <= b->len + (size_t)n)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
}

/* A label value: backslash, double quote and newline escaped. */
static void data_put_label(data_buf *b, const char *name, const char *v, bool first)
{
    data_put(b, "%s%s=\"", first ? "" : ",", name);
    for (const char *p = v; *p; p++) {
        if (*p == '\\')
            data_put(b, "\\\\");
        else if (*p == '"')
            data_put(b, "\\\"");
        else if (*p == '\n')
            data_put(b, "\\n");
        else
            data_put(b, "%c", *p);
    }
    data_put(b, "\"");
}

static void data_put_value(data_buf *b, double v)
{
    if (isnan(v))
        data_put(b, " NaN\n");
    else if (isinf(v))
        data_put(b, v > 0 ? " +Inf\n" : " -Inf\n");
    else
        data_put(b, " %.15g\n", v);
}

static void data_put_family(data_buf *b, const char *name, const char *type, const char *help)
{
    data_put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* vigie_ + the metric name with dots as underscores; names ending in a suffix that Prometheus keeps
 * for counters, histograms and summaries (olt.ont.count) get _value appended. */
static void data_prom_name(const char *metric, char *out, size_t size)
{
    size_t n = (size_t)snprintf(out, size, "vigie_%s", metric);
    for (char *p = out; *p; p++)
        if (*p == '.')
            *p = '_';
    static const char *const reserved[] = {"_count", "_sum", "_bucket", "_total", "_created"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        size_t r = strlen(reserved[i]);
        if (n >= r && n < size && strcmp(out + n - r, reserved[i]) == 0) {
            snprintf(out + n, size - n, "_value");
            break;
        }
    }
}

typedef struct {
    char site[NAME_MAX_LEN + 1], device[NAME_MAX_LEN + 1], metric[NAME_MAX_LEN + 1];
    char instance[INSTANCE_MAX_LEN + 1], unit[PUSH_UNIT_MAX + 1];
    const char *cls;
    double value;
    int64_t ts;
    int64_t received; /* its own, or its device's last description if later */
    double skew;      /* its agent's clock */
} data_row;

typedef struct {
    data_row *rows;
    size_t n, cap;
    bool oom;
    const vocab *vocab;
    const auth_principal *who; /* the rows of its sites only */
    const server_config *cfg;
} data_rows;

static void data_collect(void *arg, const char *site, const char *agent, const push_sample *s, int64_t received)
{
    data_rows *r = arg;
    if (r->oom || !data_plausible(r->vocab, s->metric, s->value) || !api_scope_sees(r->who, r->cfg, site) ||
        !shard_owns(r->cfg, site)) /* another shard's site is in its own servers' /metrics */
        return;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        data_row *p = realloc(r->rows, cap * sizeof *p);
        if (!p) {
            r->oom = true;
            return;
        }
        r->rows = p;
        r->cap = cap;
    }
    data_row *o = &r->rows[r->n++];
    snprintf(o->site, sizeof o->site, "%s", site);
    snprintf(o->device, sizeof o->device, "%s", s->device);
    snprintf(o->metric, sizeof o->metric, "%s", s->metric);
    snprintf(o->instance, sizeof o->instance, "%s", s->instance);
    snprintf(o->unit, sizeof o->unit, "%s", s->unit);
    o->cls = "";
    o->value = s->value;
    o->ts = s->ts;
    o->received = received;
    o->skew = data_skew(agent);
}

static int data_cmp_metric(const void *a, const void *b)
{
    const data_row *x = a, *y = b;
    int c = strcmp(x->metric, y->metric);
    if (!c)
        c = strcmp(x->site, y->site);
    if (!c)
        c = strcmp(x->device, y->device);
    if (!c)
        c = strcmp(x->instance, y->instance);
    return c;
}

typedef struct {
    char site[NAME_MAX_LEN + 1], device[NAME_MAX_LEN + 1], cls[16];
    int64_t last_seen; /* the last batch that described it (server time) */
} data_class;

typedef struct {
    data_class *list;
    size_t n, cap;
    const char *site;
} data_classes;

static void data_class_row(void *arg, const char *device, const char *cls, const char *profile, int64_t last_seen)
{
    data_classes *c = arg;
    (void)profile;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        data_class *p = realloc(c->list, cap * sizeof *p);
        if (!p)
            return;
        c->list = p;
        c->cap = cap;
    }
    data_class *o = &c->list[c->n++];
    snprintf(o->site, sizeof o->site, "%s", c->site);
    snprintf(o->device, sizeof o->device, "%s", device);
    snprintf(o->cls, sizeof o->cls, "%s", cls ? cls : "");
    o->last_seen = last_seen;
}

static int data_cmp_class(const void *a, const void *b)
{
    const data_class *x = a, *y = b;
    int c = strcmp(x->site, y->site);
    return c ? c : strcmp(x->device, y->device);
}

static void data_put_device_labels(data_buf *b, const data_row *r)
{
    data_put(b, "{");
    data_put_label(b, "site", r->site, true);
    data_put_label(b, "device", r->device, false);
    data_put_label(b, "class", r->cls, false);
}

/* The current month of the first site's time zone, as api_route_sites reports it. */
static void data_this_month(const char *tz, time_t now, int *year, int *month)
{
    struct tm tm;
    time_zone_localtime(tz, (int64_t)now, &tm);
    *year = tm.tm_year + 1900;
    *month = tm.tm_mon + 1;
}

static void data_metrics_devices(api_ctx *ctx, const auth_principal *who, data_buf *b, time_t now)
{
    data_rows rows = {.vocab = ctx->cfg->vocab, .who = who, .cfg = ctx->cfg};
    if (db_latest_each(api_db(ctx), data_collect, &rows, NULL) != VG_OK || rows.oom) {
        log_error("api", "/metrics: cannot read the latest values");
        free(rows.rows);
        return;
    }
    /* the class of each device, from what its agent said */
    data_classes classes = {0};
    size_t nsites;
    const char **sites = data_sites(ctx->cfg, who, &nsites);
    for (size_t i = 0; sites && i < nsites; i++) {
        if (!shard_owns(ctx->cfg, sites[i]))
            continue;
        classes.site = sites[i];
        db_devices_each(api_db(ctx), sites[i], data_class_row, &classes);
    }
    free(sites);
    if (classes.n)
        qsort(classes.list, classes.n, sizeof *classes.list, data_cmp_class);
    for (size_t i = 0; i < rows.n; i++) {
        data_class key;
        snprintf(key.site, sizeof key.site, "%s", rows.rows[i].site);
        snprintf(key.device, sizeof key.device, "%s", rows.rows[i].device);
        const data_class *c = classes.n ? bsearch(&key, classes.list, classes.n, sizeof key, data_cmp_class) : NULL;
        rows.rows[i].cls = c ? c->cls : "";
        if (c && c->last_seen > rows.rows[i].received)
            rows.rows[i].received = c->last_seen;
    }

    /* when each device was last heard of (rows come ordered by site and device) */
    data_put_family(b, "vigie_device_last_seen_timestamp_seconds", "gauge",
                    "Time of the newest sample of the device (Unix seconds)");
    for (size_t i = 0; i < rows.n;) {
        size_t j = i;
        int64_t newest = 0;
        for (; j < rows.n && strcmp(rows.rows[j].site, rows.rows[i].site) == 0 &&
               strcmp(rows.rows[j].device, rows.rows[i].device) == 0;
             j++)
            newest = rows.rows[j].ts > newest ? rows.rows[j].ts : newest;
        data_put(b, "vigie_device_last_seen_timestamp_seconds");
        data_put_device_labels(b, &rows.rows[i]);
        data_put(b, "} %lld\n", (long long)newest);
        i = j;
    }

    /* one family per vigie metric; values older than 3 steps are left out (the device or its agent
     * is silent: vigie_device_last_seen_timestamp_seconds tells since when) */
    if (rows.n)
        qsort(rows.rows, rows.n, sizeof *rows.rows, data_cmp_metric);
    int64_t stale = data_stale_after(ctx);
    for (size_t i = 0; i < rows.n;) {
        size_t j = i;
        while (j < rows.n && strcmp(rows.rows[j].metric, rows.rows[i].metric) == 0)
            j++;
        bool reach = strcmp(rows.rows[i].metric, VOCAB_DEVICE_REACHABLE) == 0;
        char name[NAME_MAX_LEN + 16];
        data_prom_name(rows.rows[i].metric, name, sizeof name);
        char help[160];
        if (reach)
            snprintf(help, sizeof help, "1 when the device answered its agent's last poll, 0 when it did not");
        else
            snprintf(help, sizeof help, "vigie metric %s%s%s%s", rows.rows[i].metric, rows.rows[i].unit[0] ? " (" : "",
                     rows.rows[i].unit, rows.rows[i].unit[0] ? ")" : "");
        data_put_family(b, name, "gauge", help);
        for (size_t k = i; k < j; k++) {
            const data_row *r = &rows.rows[k];
            if (!skew_fresh(r->ts, r->received, r->skew, (int64_t)now, stale))
                continue;
            data_put(b, "%s", name);
            data_put_device_labels(b, r);
            if (!reach) {
                data_put_label(b, "metric", r->metric, false);
                data_put_label(b, "instance", r->instance, false);
            }
            data_put(b, "}");
            data_put_value(b, r->value);
        }
        i = j;
    }
    free(classes.list);
    free(rows.rows);
}

/* A site of /metrics: in the caller's scope, as in every answer, and of this server's shard, so that
 * a Prometheus scraping every server of a sharded estate gets each site once (from both servers of
 * its shard's pair). */
static bool data_metrics_admit(const void *who, const server_config *cfg, const char *site)
{
    return shard_owns(cfg, site) && api_scope_admit(who, cfg, site);
}

static void data_metrics_sites(api_ctx *ctx, const auth_principal *who, data_buf *b, time_t now)
{
    report_query q = {.now = (int64_t)now, .admit = data_metrics_admit, .admit_arg = who};
    data_this_month(data_tz(ctx, NULL), now, &q.year, &q.month);
    vg_err err;
    json_t *doc;
    if (report_build(api_db(ctx), ctx->cfg, &q, &doc, &err) != VG_OK) {
        log_error("api", "/metrics: %s", err.msg);
        return;
    }
    static const struct {
        const char *name, *field, *help;
    } fams[] = {
        {"vigie_site_availability_percent", "availability",
         "Availability of the site this calendar month so far, percent (left out while nothing is eligible)"},
        {"vigie_site_downtime_seconds", "downtime", "Counted downtime of the site this calendar month"},
        {"vigie_site_budget_consumed_percent", "budget_consumed",
         "Share of this month's allowed downtime (so far) that the site's downtime used, percent"},
    };
    json_t *sites = json_object_get(doc, "sites"), *s;
    size_t i;
    for (size_t f = 0; f < sizeof fams / sizeof fams[0]; f++) {
        data_put_family(b, fams[f].name, "gauge", fams[f].help);
        json_array_foreach(sites, i, s) {
            json_t *v = json_object_get(json_object_get(s, "figures"), fams[f].field);
            if (!json_is_number(v))
                continue;
            data_put(b, "%s{", fams[f].name);
            data_put_label(b, "site", json_string_value(json_object_get(s, "site")), true);
            data_put(b, "}");
            data_put_value(b, json_number_value(v));
        }
    }
    data_put_family(b, "vigie_site_target_percent", "gauge", "Availability target of the site, percent");
    json_array_foreach(sites, i, s) {
        data_put(b, "vigie_site_target_percent{");
        data_put_label(b, "site", json_string_value(json_object_get(s, "site")), true);
        data_put(b, "}");
        data_put_value(b, json_number_value(json_object_get(s, "target")));
    }
    data_put_family(b, "vigie_site_up", "gauge", "1 while the site is up, 0 while it is down (left out while unknown)");
    json_array_foreach(sites, i, s) {
        const char *id = json_string_value(json_object_get(s, "site"));
        char state[32] = "";
        db_event_last_before(api_db(ctx), id, "site", id, (int64_t)now + 1, state, sizeof state, NULL);
        if (strcmp(state, "up") != 0 && strcmp(state, "down") != 0)
            continue;
        data_put(b, "vigie_site_up{");
        data_put_label(b, "site", id, true);
        data_put(b, "} %d\n", strcmp(state, "up") == 0);
    }
    data_put_family(b, "vigie_alerts_firing", "gauge",
                    "Alerts not yet resolved (firing or acknowledged) per site");
    json_array_foreach(sites, i, s) {
        const char *id = json_string_value(json_object_get(s, "site"));
        data_put(b, "vigie_alerts_firing{");
        data_put_label(b, "site", id, true);
        data_put(b, "} %zu\n", api_alerts_firing(ctx, id));
    }
    json_decref(doc);
}

/* The agents' clocks (alerting/skew.h): the skew last measured, and the batches refused for their times. */
static void data_metrics_clocks(const auth_principal *who, const server_config *cfg, data_buf *b)
{
    skew_entry *list = malloc(SKEW_AGENTS_MAX * sizeof *list);
    size_t n = list ? skew_list(list, SKEW_AGENTS_MAX) : 0;
    if (!list)
        b->oom = true;
    data_put_family(b, "vigie_agent_clock_skew_seconds", "gauge",
                    "The agent's clock minus the server's, measured at its last push (positive: ahead)");
    for (size_t i = 0; i < n; i++) {
        if (!list[i].measured || !api_scope_sees(who, cfg, list[i].site) || !shard_owns(cfg, list[i].site))
            continue;
        data_put(b, "vigie_agent_clock_skew_seconds{");
        data_put_label(b, "agent", list[i].agent, true);
        data_put_label(b, "site", list[i].site, false);
        data_put(b, "}");
        data_put_value(b, list[i].skew);
    }
    free(list);
    data_put_family(b, "vigie_ingest_clock_refused_total", "counter",
                    "Batches refused for their samples' times (409, sent again by their agent) since the server started");
    data_put(b, "vigie_ingest_clock_refused_total %lu\n", skew_refused_total());
}

static void data_metrics_server(api_ctx *ctx, const auth_principal *who, data_buf *b)
{
    api_counters c;
    api_counters_get(ctx, &c);
    data_put_family(b, "vigie_ingest_batches_total", "counter", "Batches accepted from agents since the server started");
    data_put(b, "vigie_ingest_batches_total %lu\n", c.batches);
    data_put_family(b, "vigie_ingest_samples_total", "counter", "Samples written to RRD files since the server started");
    data_put(b, "vigie_ingest_samples_total %lu\n", c.samples);
    data_put_family(b, "vigie_ingest_rejected_total", "counter",
                    "Pushes refused (bad token, malformed batch, wrong agent) since the server started");
    data_put(b, "vigie_ingest_rejected_total %lu\n", c.rejected);
    data_put_family(b, "vigie_ingest_samples_rejected_total", "counter",
                    "Samples refused alone in accepted batches (vocabulary, file name, quota, disk reserve, duplicate)");
    data_put(b, "vigie_ingest_samples_rejected_total %lu\n", c.samples_rejected);
    data_put_family(b, "vigie_ingest_series_failed_total", "counter",
                    "Series of accepted batches refused because their RRD file cannot be reached, once per batch");
    data_put(b, "vigie_ingest_series_failed_total %lu\n", c.series_failed);
    data_metrics_clocks(who, ctx->cfg, b);
    pid_t pids[8];
    data_put_family(b, "vigie_rrd_writers", "gauge",
                    "Processes writing the RRD files (0 through rrdcached, which writes them)");
    data_put(b, "vigie_rrd_writers %zu\n", rrd_store_writer_pids(ctx->rrd, pids, 8));
    data_put_family(b, "vigie_rrd_writer_restarts_total", "counter",
                    "RRD writer processes that ended (crash, kill) and were replaced since the server started");
    data_put(b, "vigie_rrd_writer_restarts_total %lu\n", rrd_store_writer_restarts(ctx->rrd));
    data_put_family(b, "vigie_ingest_queue_depth", "gauge",
                    "Batches waiting to be stored; always 0: ingest is synchronous, each push is stored before "
                    "its reply");
    data_put(b, "vigie_ingest_queue_depth 0\n");
    const char *h = "vigie_rrd_write_duration_seconds";
    data_put_family(b, h, "histogram", "Time spent writing one accepted batch into the RRD files");
    unsigned long cum = 0;
    for (size_t i = 0; i < API_LATENCY_BUCKETS; i++) {
        cum += c.rrd_write.buckets[i];
        if (i < API_LATENCY_BUCKETS - 1)
            data_put(b, "%s_bucket{le=\"%g\"} %lu\n", h, api_latency_bounds[i], cum);
        else
            data_put(b, "%s_bucket{le=\"+Inf\"} %lu\n", h, cum);
    }
    data_put(b, "%s_sum %.9g\n%s_count %lu\n", h, c.rrd_write.sum, h, c.rrd_write.count);
    cluster_status cs; /* the pair (cluster/cluster.h): which server leads, for an alert on two or none */
    cluster_status_get(&cs);
    data_put_family(b, "vigie_cluster_leader", "gauge",
                    "1 when this server leads (evaluates alerts, sends notifications), 0 when it follows");
    data_put(b, "vigie_cluster_leader{");
    data_put_label(b, "node", cs.node, true);
    data_put_label(b, "role", cluster_role_name(cs.role), false);
    data_put_label(b, "leader", cs.leader, false);
    data_put(b, "} %d\n", cs.role == CLUSTER_FOLLOWER ? 0 : 1);
    data_put_family(b, "vigie_cluster_term", "gauge", "The lease's term as this server last read it (+1 at each takeover)");
    data_put(b, "vigie_cluster_term %lld\n", (long long)cs.term);
    data_put_family(b, "vigie_build_info", "gauge", "Always 1; the version of vigie-server as a label");
    data_put(b, "vigie_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
}

api_reply api_route_metrics(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!ctx->cfg->metrics_public && !api_check_role(ctx, req, AUTH_ROLE_READ, &deny))
        return deny;
    /* a scoped caller gets its sites' series only; the server's own counters are no site's data.
     * Without a token (metrics_public) who is NULL: every site, as before scopes. */
    const auth_principal *who = api_who(ctx, req);
    data_buf b = {0};
    data_metrics_devices(ctx, who, &b, req->now);
    data_metrics_sites(ctx, who, &b, req->now);
    data_metrics_server(ctx, who, &b);
    if (b.oom) {
        free(b.s);
        return api_error(500, NULL, "out of memory");
    }
    if (shard_fwd_federates(ctx->cfg, req)) { /* ?federate=1: the other shards' too (shard_forward.h) */
        api_reply f = shard_fwd_federate(ctx->cfg, req, b.s ? b.s : "", b.len);
        free(b.s);
        return f;
    }
    api_reply r = {.status = 200, .body = b.s, .len = b.len,
                   .content_type = "text/plain; version=0.0.4; charset=utf-8"};
    return r;
}

/* The availability side of the API: sites, availability figures, events (maintenance windows:
 * routes_maintenance.c). */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/api_routes.h"
#include "log.h"
#include "report/report.h"
#include "sla/health.h"
#include "timeutil.h"
#include "vocab.h"

/* The period of a request: month=YYYY-MM, or from= and to= (dates in the site's zone or Unix
 * seconds), by default the current month. */
static bool sla_period(const api_request *req, const char *tz, report_query *q, api_reply *bad)
{
    const char *month = req->arg(req->arg_ctx, "month"), *from = req->arg(req->arg_ctx, "from"),
               *to = req->arg(req->arg_ctx, "to");
    if (month && (from || to)) {
        *bad = api_error(400, "month", "give month, or from and to, not both");
        return false;
    }
    if (from || to) {
        if (!from || !to) {
            *bad = api_error(400, from ? "to" : "from", "from and to go together");
            return false;
        }
        return api_time_arg(req, "from", tz, &q->from, bad) && api_time_arg(req, "to", tz, &q->to, bad) &&
               api_time_span(q->from, q->to, "from", "to", API_MAX_SPAN, bad);
    }
    if (month) {
        if (report_parse_month(month, &q->year, &q->month) != 0) {
            *bad = api_error(400, "month", "must be YYYY-MM");
            return false;
        }
        return true;
    }
    struct tm tm;
    time_zone_localtime(tz, (int64_t)req->now, &tm);
    q->year = tm.tm_year + 1900;
    q->month = tm.tm_mon + 1;
    return true;
}

/* A site argument, checked (one outside the caller's scope is unknown); NULL for all sites. */
static bool sla_site(api_ctx *ctx, const api_request *req, const char **site, api_reply *bad)
{
    *site = req->arg(req->arg_ctx, "site");
    if (*site && !name_is_valid(*site)) {
        *bad = api_error(400, "site", "not a valid site name");
        return false;
    }
    return api_scope_site_arg(ctx, req, *site, bad);
}

static const char *sla_tz(const api_ctx *ctx, const char *site)
{
    const server_site *s = site ? server_config_site(ctx->cfg, site) : NULL;
    return s ? s->timezone : ctx->cfg->nsites ? ctx->cfg->sites[0].timezone : "Europe/Paris";
}

/* The common start of the listing routes: a reader, an optional site, and [from, to) from the
 * period arguments (a month made explicit in the site's zone). */
static bool sla_read_window(api_ctx *ctx, const api_request *req, const char **site, report_query *q,
                            api_reply *deny)
{
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, deny) || !sla_site(ctx, req, site, deny))
        return false;
    *q = (report_query){.now = req->now};
    if (!sla_period(req, sla_tz(ctx, *site), q, deny))
        return false;
    if (q->month && avail_month_bounds(sla_tz(ctx, *site), q->year, q->month, &q->from, &q->to) != 0) {
        *deny = api_error(400, "month", "no such month");
        return false;
    }
    return true;
}

/* The same for routes_maintenance.c (api_routes.h). */
bool api_sla_read_window(api_ctx *ctx, const api_request *req, const char **site, int64_t *from, int64_t *to,
                         api_reply *deny)
{
    report_query q;
    if (!sla_read_window(ctx, req, site, &q, deny))
        return false;
    *from = q.from;
    *to = q.to;
    return true;
}

const char *api_site_tz(const api_ctx *ctx, const char *site) { return sla_tz(ctx, site); }

api_reply api_route_availability(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    const char *site;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &deny) || !sla_site(ctx, req, &site, &deny))
        return deny;
    report_query q = {.site = site, .now = req->now};
    if (!sla_period(req, sla_tz(ctx, site), &q, &deny))
        return deny;
    api_scope_report(ctx, req, &q);
    vg_err err;
    json_t *doc;
    if (report_build(api_db(ctx), ctx->cfg, &q, &doc, &err) != VG_OK)
        return api_error(vg_http_status(err.code), "site", err.msg);
    return api_json_reply(200, doc);
}

/* ?kind=K[,K...]: site kinds of the vocabulary (at most SLA_MAX_KINDS), into kinds; *n 0 when absent. */
#define SLA_MAX_KINDS 8
static bool sla_kinds(const api_ctx *ctx, const api_request *req, char kinds[][32], size_t *n, api_reply *bad)
{
    const char *v = req->arg(req->arg_ctx, "kind");
    *n = 0;
    if (!v)
        return true;
    for (const char *p = v;; p++) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= 32 || *n == SLA_MAX_KINDS) {
            *bad = api_error(400, "kind", "a site kind, or several separated by commas");
            return false;
        }
        snprintf(kinds[*n], 32, "%.*s", (int)len, p);
        if (!vocab_site_kind_find(ctx->cfg->vocab, kinds[*n])) {
            char msg[256];
            snprintf(msg, sizeof msg, "'%s' is not a site kind (%s)", kinds[*n], vocab_site_kind_list(ctx->cfg->vocab));
            *bad = api_error(400, "kind", msg);
            return false;
        }
        (*n)++;
        p += len;
        if (!*p)
            return true;
    }
}

/* report_build's order: lowest availability, then the most downtime, then the site. */
static int sla_cmp_sites(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_t *fx = json_object_get(x, "figures"), *fy = json_object_get(y, "figures");
    json_t *ax = json_object_get(fx, "availability"), *ay = json_object_get(fy, "availability");
    double vx = json_is_number(ax) ? json_number_value(ax) : 101, vy = json_is_number(ay) ? json_number_value(ay) : 101;
    if (vx != vy)
        return vx < vy ? -1 : 1;
    json_int_t dx = json_integer_value(json_object_get(fx, "downtime")), dy = json_integer_value(json_object_get(fy, "downtime"));
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return strcmp(json_string_value(json_object_get(x, "site")), json_string_value(json_object_get(y, "site")));
}

/* The sites of the given kinds only: each built alone (the others, 1,200 public sites among them, are
 * never computed), then put in report_build's order under its envelope. */
static vg_code sla_sites_of_kinds(api_ctx *ctx, report_query *q, char kinds[][32], size_t nkinds, json_t **out,
                                  vg_err *err)
{
    const server_config *cfg = ctx->cfg;
    size_t cap = cfg->nsites + cfg->nagents + 1, n = 0;
    json_t **docs = calloc(cap, sizeof *docs);
    if (!docs)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    vg_code rc = VG_OK;
    for (size_t i = 0; rc == VG_OK && i < cfg->nsites + cfg->nagents; i++) {
        const char *id = i < cfg->nsites ? cfg->sites[i].id : cfg->agents[i - cfg->nsites].site;
        bool seen = i >= cfg->nsites && server_config_site(cfg, id);
        for (size_t j = cfg->nsites; !seen && j < i; j++)
            seen = strcmp(cfg->agents[j - cfg->nsites].site, id) == 0;
        state_site_info info;
        state_site_info_get(cfg, id, &info);
        bool wanted = false;
        for (size_t k = 0; k < nkinds; k++)
            wanted = wanted || strcmp(info.kind, kinds[k]) == 0;
        wanted = wanted && (!q->admit || q->admit(q->admit_arg, cfg, id));
        if (seen || !wanted)
            continue;
        json_t *one;
        q->site = id;
        if ((rc = report_build(api_db(ctx), cfg, q, &one, err)) == VG_OK) {
            docs[n++] = json_incref(json_array_get(json_object_get(one, "sites"), 0));
            json_decref(one);
        }
    }
    json_t *arr = json_array();
    if (n)
        qsort(docs, n, sizeof *docs, sla_cmp_sites);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, docs[i]);
    free(docs);
    char label[16] = "";
    if (q->month)
        snprintf(label, sizeof label, "%04d-%02d", q->year, q->month);
    *out = json_pack("{s:s, s:s, s:I, s:o}", "software", PACKAGE_NAME " " PACKAGE_VERSION, "period", label,
                     "generated_at", (json_int_t)q->now, "sites", arr);
    if (rc != VG_OK || !*out) {
        json_decref(*out);
        *out = NULL;
        return rc != VG_OK ? rc : vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    return VG_OK;
}

api_reply api_route_sites(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    char kinds[SLA_MAX_KINDS][32];
    size_t nkinds;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &deny) || !sla_kinds(ctx, req, kinds, &nkinds, &deny))
        return deny;
    report_query q = {.now = req->now};
    if (!sla_period(req, sla_tz(ctx, NULL), &q, &deny))
        return deny;
    api_scope_report(ctx, req, &q);
    vg_err err;
    json_t *doc;
    if ((nkinds ? sla_sites_of_kinds(ctx, &q, kinds, nkinds, &doc, &err) : report_build(api_db(ctx), ctx->cfg, &q, &doc, &err)) != VG_OK)
        return api_error(vg_http_status(err.code), NULL, err.msg);
    /* the current state of each site, from its last event */
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(doc, "sites"), i, s) {
        char state[32];
        const char *id = json_string_value(json_object_get(s, "site"));
        if (db_event_last_before(api_db(ctx), id, "site", id, (int64_t)req->now + 1, state, sizeof state, NULL) == VG_OK)
            json_object_set_new(s, "state", json_string(state[0] ? state : "unknown"));
        json_object_del(s, "incidents");
    }
    return api_json_reply(200, doc);
}

typedef struct {
    json_t *list;
    size_t count, max;
    const auth_principal *who; /* the events of its sites only */
    const server_config *cfg;
} sla_events;

static void sla_event(void *ctx, const char *site, const char *scope, const char *name, int64_t ts, const char *state,
                      const char *cause)
{
    sla_events *e = ctx;
    if (!api_scope_sees(e->who, e->cfg, site))
        return;
    if (e->count++ >= e->max)
        return;
    json_array_append_new(e->list, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "site", site, "scope", scope, "name", name,
                                             "ts", (json_int_t)ts, "state", state, "cause", cause));
}

api_reply api_route_events(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    const char *site;
    report_query q;
    if (!sla_read_window(ctx, req, &site, &q, &deny))
        return deny;
    sla_events e = {json_array(), 0, 10000, api_who(ctx, req), ctx->cfg};
    if (db_events_each(api_db(ctx), site, q.from, q.to, sla_event, &e, NULL) != VG_OK) {
        json_decref(e.list);
        return api_error(500, NULL, "database error");
    }
    return api_json_reply(200, json_pack("{s:I, s:I, s:b, s:o}", "from", (json_int_t)q.from, "to", (json_int_t)q.to,
                                         "truncated", e.count > e.max, "events", e.list));
}

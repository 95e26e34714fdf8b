/* The availability side of the API: sites, availability figures, events, maintenance windows. */
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

/* A site argument, checked; NULL for all sites. */
static bool sla_site(const api_ctx *ctx, const api_request *req, const char **site, api_reply *bad)
{
    *site = req->arg(req->arg_ctx, "site");
    if (*site && !name_is_valid(*site)) {
        *bad = api_error(400, "site", "not a valid site name");
        return false;
    }
    (void)ctx;
    return true;
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
    if (!api_check_reader(ctx, req, false, deny) || !sla_site(ctx, req, site, deny))
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

api_reply api_route_availability(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    const char *site;
    if (!api_check_reader(ctx, req, false, &deny) || !sla_site(ctx, req, &site, &deny))
        return deny;
    report_query q = {.site = site, .now = req->now};
    if (!sla_period(req, sla_tz(ctx, site), &q, &deny))
        return deny;
    vg_err err;
    json_t *doc;
    if (report_build(api_db(ctx), ctx->cfg, &q, &doc, &err) != VG_OK)
        return api_error(vg_http_status(err.code), "site", err.msg);
    return api_json_reply(200, doc);
}

api_reply api_route_sites(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_reader(ctx, req, false, &deny))
        return deny;
    report_query q = {.now = req->now};
    if (!sla_period(req, sla_tz(ctx, NULL), &q, &deny))
        return deny;
    vg_err err;
    json_t *doc;
    if (report_build(api_db(ctx), ctx->cfg, &q, &doc, &err) != VG_OK)
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
} sla_events;

static void sla_event(void *ctx, const char *site, const char *scope, const char *name, int64_t ts, const char *state,
                      const char *cause)
{
    sla_events *e = ctx;
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
    sla_events e = {json_array(), 0, 10000};
    if (db_events_each(api_db(ctx), site, q.from, q.to, sla_event, &e, NULL) != VG_OK) {
        json_decref(e.list);
        return api_error(500, NULL, "database error");
    }
    return api_json_reply(200, json_pack("{s:I, s:I, s:b, s:o}", "from", (json_int_t)q.from, "to", (json_int_t)q.to,
                                         "truncated", e.count > e.max, "events", e.list));
}

api_reply api_route_maintenance_list(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    const char *site;
    report_query q;
    if (!sla_read_window(ctx, req, &site, &q, &deny))
        return deny;
    avail_window *w;
    int64_t *ids;
    size_t n;
    if (db_maintenance_list(api_db(ctx), site, q.from, q.to, &w, &n, &ids) != 0)
        return api_error(500, NULL, "database error");
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:I, s:s, s:I, s:I, s:s, s:s}", "id", (json_int_t)ids[i], "service",
                                              w[i].service, "start", (json_int_t)w[i].start, "end", (json_int_t)w[i].end,
                                              "reason", w[i].reason, "who", w[i].who));
    free(w);
    free(ids);
    return api_json_reply(200, json_pack("{s:o}", "maintenance", list));
}

/* A time given as Unix seconds or as a date in the site's zone. */
static int sla_time(json_t *j, const char *tz, int64_t *out)
{
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
        return *out >= 0 && *out <= API_TIME_MAX ? 0 : -1;
    }
    return json_is_string(j) && api_time_parse(json_string_value(j), tz, out, NULL) == VG_OK ? 0 : -1;
}

/* POST {"site", "service" (optional), "start", "end", "reason"}: start and end as in from/to. */
api_reply api_route_maintenance_add(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_reader(ctx, req, true, &deny))
        return deny;
    const server_reader *who = api_reader(ctx, req->authorization);
    json_error_t jerr;
    json_t *o = json_loadb(req->body, req->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return api_error(400, "body", "a JSON object {site, service, start, end, reason} is required");
    }
    const char *site = json_string_value(json_object_get(o, "site"));
    const char *service = json_string_value(json_object_get(o, "service"));
    const char *reason = json_string_value(json_object_get(o, "reason"));
    json_t *js = json_object_get(o, "start"), *je = json_object_get(o, "end");
    api_reply r;
    int64_t start = 0, end = 0;
    const char *tz = site ? sla_tz(ctx, site) : "Europe/Paris";
    if (!site || !name_is_valid(site))
        r = api_error(400, "site", "a valid site name is required");
    else if (!server_config_site(ctx->cfg, site))
        r = api_error(404, "site", "no such site in server.yaml");
    else if (service && (strlen(service) >= 32 || !metric_name_is_valid(service)))
        r = api_error(400, "service", "a service name such as power, cooling, network, environment");
    else if (!reason || !*reason || !text_is_valid(reason, 127))
        r = api_error(400, "reason", "a reason of at most 127 printable characters is required");
    else if (sla_time(js, tz, &start) != 0)
        r = api_error(400, "start", "a date (YYYY-MM-DDTHH:MM in the site's time zone) or Unix seconds");
    else if (sla_time(je, tz, &end) != 0)
        r = api_error(400, "end", "a date (YYYY-MM-DDTHH:MM in the site's time zone) or Unix seconds");
    else if (end <= start)
        r = api_error(400, "end", "must be after start");
    else if (end - start > 31 * 86400)
        r = api_error(400, "end", "a maintenance window lasts at most 31 days");
    else {
        int64_t id = 0;
        vg_code rc = db_maintenance_add(api_db(ctx), site, service ? service : "", start, end, reason, who->name,
                                        (int64_t)req->now, &id, NULL);
        if (rc != VG_OK) {
            r = api_error(vg_http_status(rc), NULL, "database error");
        } else {
            log_info("api", "maintenance %lld declared by %s for %s%s%s", (long long)id, who->name, site,
                     service ? "/" : "", service ? service : "");
            r = api_json_reply(201, json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:s}", "id", (json_int_t)id, "site", site,
                                              "service", service ? service : "", "start", (json_int_t)start, "end",
                                              (json_int_t)end, "reason", reason, "who", who->name));
        }
    }
    json_decref(o);
    return r;
}

api_reply api_route_maintenance_delete(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_reader(ctx, req, true, &deny))
        return deny;
    const char *id = req->path + strlen("/api/v1/maintenance/");
    char *end;
    long long v = strtoll(id, &end, 10);
    if (!*id || *end || v <= 0)
        return api_error(400, "id", "a maintenance window id is a positive integer");
    vg_code rc = db_maintenance_delete(api_db(ctx), v, NULL);
    if (rc == VG_E_NOT_FOUND)
        return api_error(vg_http_status(rc), "id", "no such maintenance window");
    if (rc != VG_OK)
        return api_error(vg_http_status(rc), NULL, "database error");
    return api_json_reply(200, json_pack("{s:I, s:b}", "id", (json_int_t)v, "deleted", 1));
}

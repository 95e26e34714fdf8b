/* GET /api/v1/selftests?site=S[&month=YYYY-MM | &from=..&to=..]: per UPS of each site, its last
 * self-test and calibration, its last pass and that pass's age in days, a test running now, the tests
 * of the period (by default the current month in the site's zone) and the level of its "selftest"
 * alert under alerting.self_test (doc/api.md). */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerting/alert_config.h"
#include "alerting/selftest_alerts.h"
#include "http/api_routes.h"
#include "report/report.h"
#include "sla/health.h"
#include "sla/selftest.h"
#include "timeutil.h"

/* What the request asks: a month, an explicit period, or (neither) the current month. */
typedef struct {
    const char *site;
    int year, month;
    int64_t from, to;
    bool explicit_period;
} rs_query;

static bool rs_parse(api_ctx *ctx, const api_request *req, rs_query *q, api_reply *bad)
{
    memset(q, 0, sizeof *q);
    q->site = req->arg(req->arg_ctx, "site");
    const char *month = req->arg(req->arg_ctx, "month"), *from = req->arg(req->arg_ctx, "from"),
               *to = req->arg(req->arg_ctx, "to");
    if (q->site && !name_is_valid(q->site)) {
        *bad = api_error(400, "site", "not a valid site name");
        return false;
    }
    if (month && (from || to)) {
        *bad = api_error(400, "month", "give month, or from and to, not both");
        return false;
    }
    if (month && report_parse_month(month, &q->year, &q->month) != VG_OK) {
        *bad = api_error(400, "month", "must be YYYY-MM");
        return false;
    }
    if (!from && !to)
        return true;
    if (!from || !to) {
        *bad = api_error(400, from ? "to" : "from", "from and to go together");
        return false;
    }
    const server_site *s = q->site ? server_config_site(ctx->cfg, q->site) : NULL;
    const char *tz = s ? s->timezone : "Europe/Paris";
    q->explicit_period = true;
    return api_time_arg(req, "from", tz, &q->from, bad) && api_time_arg(req, "to", tz, &q->to, bad) &&
           api_time_span(q->from, q->to, "from", "to", API_MAX_SPAN, bad);
}

/* The period of one site: explicit, the month asked, or the site's current month. */
static bool rs_bounds(const rs_query *q, const char *tz, int64_t now, int64_t *from, int64_t *to)
{
    if (q->explicit_period) {
        *from = q->from;
        *to = q->to;
        return true;
    }
    int y = q->year, m = q->month;
    if (!m) {
        struct tm tm;
        time_zone_localtime(tz, now, &tm);
        y = tm.tm_year + 1900;
        m = tm.tm_mon + 1;
    }
    return avail_month_bounds(tz, y, m, from, to) == 0;
}

static const char *rs_level(al_level l) { return l == AL_CRITICAL ? "critical" : l == AL_WARNING ? "warning" : "ok"; }

/* One site's object, its UPS each with the level its alert has. */
static json_t *rs_site(api_ctx *ctx, const rs_query *q, const char *site, int64_t now, vg_err *err)
{
    state_site_info info;
    state_site_info_get(ctx->cfg, site, &info);
    int64_t from, to;
    if (!rs_bounds(q, info.timezone, now, &from, &to)) {
        vg_fail_field(err, VG_E_INVALID, "month", "no month %04d-%02d in %s", q->year, q->month, info.timezone);
        return NULL;
    }
    json_t *ups = NULL;
    if (selftest_site_json(api_db(ctx), ctx->cfg, site, from, to, now, &ups, err) != VG_OK)
        return NULL;
    const alert_selftest_rule *rule = &ctx->cfg->alerting->self_test;
    size_t i;
    json_t *u;
    json_array_foreach(ups, i, u) {
        selftest_ups s;
        char why[400];
        if (selftest_ups_get(api_db(ctx), ctx->cfg, site, json_string_value(json_object_get(u, "device")), now, &s,
                             err) != VG_OK) {
            json_decref(ups);
            return NULL;
        }
        al_level l = selftest_alert_judge(rule, &s, now, why, sizeof why);
        json_object_set_new(u, "alert", json_pack("{s:s, s:s}", "level", rs_level(l), "why", why));
    }
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:o}", "site", site, "name", info.name, "timezone", info.timezone,
                     "from", (json_int_t)from, "to", (json_int_t)to, "ups", ups);
}

/* The sites asked: one (known to the configuration or an agent), or every one; of who's scope only. */
static size_t rs_sites(const server_config *cfg, const auth_principal *who, const char *site, const char **out,
                       size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->nsites + cfg->nagents && n < max; i++) {
        const char *id = i < cfg->nsites ? cfg->sites[i].id : cfg->agents[i - cfg->nsites].site;
        bool dup = (site && strcmp(site, id) != 0) || !api_scope_sees(who, cfg, id);
        for (size_t k = 0; k < n && !dup; k++)
            dup = strcmp(out[k], id) == 0;
        if (!dup)
            out[n++] = id;
    }
    return n;
}

api_reply api_route_selftests(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    rs_query q;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &deny) || !rs_parse(ctx, req, &q, &deny))
        return deny;
    size_t cap = ctx->cfg->nsites + ctx->cfg->nagents + 1;
    const char **ids = calloc(cap, sizeof *ids);
    if (!ids)
        return api_error(500, NULL, "out of memory");
    size_t n = rs_sites(ctx->cfg, api_who(ctx, req), q.site, ids, cap);
    if (q.site && n == 0) {
        free(ids);
        return api_error(404, "site", "no such site");
    }
    const alert_selftest_rule *rule = &ctx->cfg->alerting->self_test;
    json_t *sites = json_array();
    for (size_t i = 0; i < n; i++) {
        vg_err err = {0};
        json_t *o = rs_site(ctx, &q, ids[i], (int64_t)req->now, &err);
        if (!o) {
            free(ids);
            json_decref(sites);
            return api_error(vg_http_status(err.code), err.field[0] ? err.field : NULL, err.msg);
        }
        json_array_append_new(sites, o);
    }
    free(ids);
    json_t *doc = json_pack("{s:I, s:i, s:s, s:o}", "now", (json_int_t)req->now, "max_age_days", rule->max_age_days,
                            "on_failure", rule->on_failure == AL_OK ? "off" : rs_level(rule->on_failure), "sites", sites);
    return api_json_reply(200, doc);
}

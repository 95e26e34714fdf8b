/* The energy side of the API (doc/api.md), from server/energy/:
 *
 *   GET /api/v1/energy?site=S[&month=YYYY-MM|previous]   kWh of the facility and IT, their coverage, the
 *                                                         PUE of the month and of each day
 *   GET /api/v1/headroom?site=S                           power and cooling headroom now
 *   GET /api/v1/trends?site=S                             trends of room temperature and battery runtime */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "energy/energy_site.h"
#include "http/api_routes.h"
#include "log.h"
#include "report/report.h"
#include "timeutil.h"

/* A site of server.yaml or one an agent serves. */
static bool en_site_known(const server_config *cfg, const char *site)
{
    if (server_config_site(cfg, site))
        return true;
    for (size_t i = 0; i < cfg->nagents; i++)
        if (strcmp(cfg->agents[i].site, site) == 0)
            return true;
    return false;
}

/* The reader and the required site; false with the reply. */
static bool en_args(api_ctx *ctx, const api_request *req, const char **site, api_reply *deny)
{
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, deny))
        return false;
    *site = req->arg(req->arg_ctx, "site");
    if (!*site || !**site) {
        *deny = api_error(400, "site", "the site is required: site=ID");
        return false;
    }
    if (!name_is_valid(*site)) {
        *deny = api_error(400, "site", "not a valid site name");
        return false;
    }
    if (!en_site_known(ctx->cfg, *site) || !api_scope_sees(api_who(ctx, req), ctx->cfg, *site)) {
        *deny = api_error(404, "site", "no such site");
        return false;
    }
    return true;
}

static const char *en_tz(const api_ctx *ctx, const char *site)
{
    const server_site *s = server_config_site(ctx->cfg, site);
    return s ? s->timezone : "Europe/Paris";
}

/* month=YYYY-MM or previous, by default the present month in the site's zone: [from, to). */
static bool en_month(const api_ctx *ctx, const api_request *req, const char *site, int64_t *from, int64_t *to,
                     char *label, size_t size, api_reply *bad)
{
    const char *month = req->arg(req->arg_ctx, "month"), *tz = en_tz(ctx, site);
    struct tm tm;
    time_zone_localtime(tz, (int64_t)req->now, &tm);
    int year = tm.tm_year + 1900, mon = tm.tm_mon + 1;
    if (month && strcmp(month, "previous") == 0) {
        if (--mon == 0) {
            mon = 12;
            year--;
        }
    } else if (month && report_parse_month(month, &year, &mon) != VG_OK) {
        *bad = api_error(400, "month", "must be YYYY-MM or previous");
        return false;
    }
    if (avail_month_bounds(tz, year, mon, from, to) != 0) {
        *bad = api_error(400, "month", "no such month");
        return false;
    }
    if (*from > (int64_t)req->now) {
        *bad = api_error(400, "month", "this month has not started yet");
        return false;
    }
    snprintf(label, size, "%04d-%02d", year, mon);
    return true;
}

static api_reply en_reply(vg_code rc, json_t *doc, const vg_err *err, const char *what)
{
    if (rc == VG_OK)
        return api_json_reply(200, doc);
    if (vg_http_status(rc) >= 500)
        log_error("api", "%s: %s", what, err->msg);
    return api_error(vg_http_status(rc), err->field[0] ? err->field : NULL, err->msg);
}

api_reply api_route_energy(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    const char *site;
    int64_t from, to;
    char label[16];
    if (!en_args(ctx, req, &site, &r) || !en_month(ctx, req, site, &from, &to, label, sizeof label, &r))
        return r;
    vg_err err;
    vg_clear(&err);
    json_t *doc = NULL;
    vg_code rc = energy_site_energy(api_db(ctx), ctx->rrd, ctx->cfg, site, from, to, (int64_t)req->now, &doc, &err);
    if (rc == VG_OK)
        json_object_set_new(doc, "month", json_string(label));
    return en_reply(rc, doc, &err, "energy");
}

api_reply api_route_headroom(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    const char *site;
    if (!en_args(ctx, req, &site, &r))
        return r;
    vg_err err;
    vg_clear(&err);
    json_t *doc = NULL;
    vg_code rc = energy_site_headroom(api_db(ctx), ctx->cfg, site, (int64_t)req->now, &doc, &err);
    return en_reply(rc, doc, &err, "headroom");
}

api_reply api_route_trends(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    const char *site;
    if (!en_args(ctx, req, &site, &r))
        return r;
    vg_err err;
    vg_clear(&err);
    json_t *doc = NULL;
    vg_code rc = energy_site_trends(api_db(ctx), ctx->rrd, ctx->cfg, site, (int64_t)req->now, &doc, &err);
    return en_reply(rc, doc, &err, "trends");
}

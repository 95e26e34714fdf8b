/* GET /api/v1/incidents?contract=C&month=YYYY-MM[&site=ID]: a contract's month of public-site
 * incidents against its GTR (contract/contract.h), with the totals the délégataire's report gives.
 * Times in Unix seconds, durations and overruns in seconds, penalties in euros. */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "contract/contract.h"
#include "http/api_routes.h"

static json_t *ri_incident(const contract_incident *in)
{
    json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:b, s:I, s:f, s:s}", "site", in->site, "start",
                          (json_int_t)in->start, "duration", (json_int_t)in->duration, "gtr_deadline",
                          (json_int_t)in->gtr_deadline, "breach", in->breach, "overrun", (json_int_t)in->overrun,
                          "penalty", in->penalty, "cause", in->cause);
    if (!o)
        return NULL;
    json_object_set_new(o, "restored", in->restored ? json_integer(in->restored) : json_null());
    json_object_set_new(o, "attributed_to", in->attributed_to[0] ? json_string(in->attributed_to) : json_null());
    return o;
}

static json_t *ri_number(double v) { return isnan(v) ? json_null() : json_real(v); }

static json_t *ri_doc(const contract_report *r)
{
    json_t *inc = json_array(), *sites = json_array();
    for (size_t i = 0; i < r->nincidents; i++)
        json_array_append_new(inc, ri_incident(&r->incidents[i]));
    for (size_t i = 0; i < r->nsites; i++) {
        const contract_site_row *s = &r->sites[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:f}", "id", s->id, "name", s->name,
                              "commune", s->commune, "nro", s->nro, "target_met", s->target_met, "downtime",
                              (json_int_t)s->downtime, "incidents", (json_int_t)s->incidents, "breaches",
                              (json_int_t)s->breaches, "attributed", (json_int_t)s->attributed, "penalty", s->penalty);
        json_object_set_new(o, "availability", ri_number(s->availability));
        json_array_append_new(sites, o);
    }
    const contract_totals *t = &r->totals;
    json_t *totals = json_pack("{s:I, s:I, s:I, s:I, s:f, s:f, s:f}", "sites", (json_int_t)t->sites, "incidents",
                               (json_int_t)t->incidents, "breaches", (json_int_t)t->breaches, "attributed",
                               (json_int_t)t->attributed, "penalty", t->penalty, "penalty_nro", t->penalty_nro,
                               "penalty_link", t->penalty_link);
    char month[16];
    snprintf(month, sizeof month, "%04d-%02d", r->year, r->month);
    return json_pack("{s:{s:s, s:f, s:I, s:s}, s:s, s:I, s:I, s:o, s:o, s:o}", "contract", "name", r->contract,
                     "target", contract_target(r->cls), "gtr", (json_int_t)contract_gtr(r->cls), "calendar",
                     contract_calendar_name(contract_calendar_of(r->cls)), "month", month, "from",
                     (json_int_t)r->from, "to", (json_int_t)r->to, "totals", totals, "sites", sites, "incidents", inc);
}

api_reply api_route_incidents(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &deny))
        return deny;
    const char *contract = req->arg(req->arg_ctx, "contract");
    const char *month = req->arg(req->arg_ctx, "month");
    const char *site = req->arg(req->arg_ctx, "site");
    int year, mon;
    if (!contract || !*contract)
        return api_error(400, "contract", "required: the name of a contract of server.yaml");
    if (!month || contract_month_parse(month, &year, &mon) != 0)
        return api_error(400, "month", "required: YYYY-MM");
    contract_report *r = NULL;
    vg_err err = {0};
    /* the caller's scope: its sites only (another is unknown), and the totals over them */
    const auth_principal *who = api_who(ctx, req);
    bool lim = api_scope_limited(who);
    vg_code rc = contract_report_build_scoped(api_db(ctx), ctx->cfg, contract, year, mon, site && *site ? site : NULL,
                                              lim ? api_scope_admit : NULL, lim ? who : NULL, (int64_t)req->now, &r,
                                              &err);
    if (rc != VG_OK)
        return api_error(vg_http_status(rc), err.field[0] ? err.field : NULL, err.msg);
    json_t *doc = ri_doc(r);
    contract_report_free(r);
    return doc ? api_json_reply(200, doc) : api_error(500, NULL, "out of memory");
}

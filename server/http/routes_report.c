/* The monthly SLA report over the API:
 *
 *   GET  /api/v1/report?month=YYYY-MM|previous[&site=S][&format=pdf|html|csv|json][&lang=fr|en]
 *        the document, with its content type and a Content-Disposition file name
 *   POST /api/v1/report/send?month=...[&site=S][&lang=...]   (admin)
 *        renders the PDF and mails it to server.yaml's report.recipients, the cover summary as the
 *        text of the mail
 *
 * The server renders: it has the RRD files the graphs are drawn from. With contract=C both routes give
 * the délégataire's report of that contract instead (routes_contract_report.c, which reads month,
 * format and lang and mails through the functions here). */
#include "timeutil.h"
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/shard.h"
#include "http/api_routes.h"
#include "log.h"
#include "report/report.h"
#include "report/report_render.h"
#include "alerting/smtp.h"
#include "cluster/cluster.h"
#include "cluster/shard.h"
#include "sla/availability.h"

typedef struct {
    report_query q;
    report_format format;
    report_lang lang;
    char filename[128];
} report_request;

static const char *report_tz(const api_ctx *ctx, const char *site)
{
    const server_site *s = site ? server_config_site(ctx->cfg, site) : NULL;
    return s ? s->timezone : ctx->cfg->nsites ? ctx->cfg->sites[0].timezone : "Europe/Paris";
}

/* month=YYYY-MM, or month=previous: the month before the present one in the zone tz. */
bool api_report_month(const api_request *req, const char *tz, int *year, int *month, api_reply *bad)
{
    const char *arg = req->arg(req->arg_ctx, "month");
    if (!arg) {
        *bad = api_error(400, "month", "the month of the report is required: month=YYYY-MM or month=previous");
        return false;
    }
    if (strcmp(arg, "previous") == 0) {
        struct tm tm;
        time_zone_localtime(tz, (int64_t)req->now, &tm);
        *year = tm.tm_year + 1900;
        *month = tm.tm_mon; /* 0 in January: December of the year before */
        if (*month == 0) {
            *month = 12;
            (*year)--;
        }
    } else if (report_parse_month(arg, year, month) != 0) {
        *bad = api_error(400, "month", "must be YYYY-MM or previous");
        return false;
    }
    int64_t from, to;
    if (avail_month_bounds(tz, *year, *month, &from, &to) != 0 || from > (int64_t)req->now) {
        *bad = api_error(400, "month", "this month has not started yet");
        return false;
    }
    return true;
}

bool api_report_format_lang(const api_ctx *ctx, const api_request *req, report_format *format, report_lang *lang,
                            api_reply *bad)
{
    const char *f = req->arg(req->arg_ctx, "format"), *l = req->arg(req->arg_ctx, "lang");
    *format = REPORT_PDF;
    if (f && report_render_format_parse(f, format) != 0) {
        *bad = api_error(400, "format", "must be pdf, html, csv or json");
        return false;
    }
    if (report_render_lang_parse(l ? l : ctx->cfg->report.lang, lang) != 0) {
        *bad = api_error(400, "lang", "must be fr or en");
        return false;
    }
    return true;
}

static bool report_args(api_ctx *ctx, const api_request *req, report_request *r, api_reply *bad)
{
    memset(r, 0, sizeof *r);
    r->q.now = req->now;
    r->q.rrd = ctx->rrd; /* the report has each site's energy and headroom */
    r->q.site = req->arg(req->arg_ctx, "site");
    if (r->q.site && !*r->q.site)
        r->q.site = NULL;
    if (r->q.site && !name_is_valid(r->q.site)) {
        *bad = api_error(400, "site", "not a valid site name");
        return false;
    }
    /* the caller's scope: its sites only, in every figure and total; another site is unknown */
    api_scope_report(ctx, req, &r->q);
    if (!api_scope_site_arg(ctx, req, r->q.site, bad))
        return false;
    if (!api_report_format_lang(ctx, req, &r->format, &r->lang, bad) ||
        !api_report_month(req, report_tz(ctx, r->q.site), &r->q.year, &r->q.month, bad))
        return false;
    snprintf(r->filename, sizeof r->filename, "vigie-report-%04d-%02d%s%s.%s", r->q.year, r->q.month,
             r->q.site ? "-" : "", r->q.site ? r->q.site : "", report_render_extension(r->format));
    return true;
}

/* The figures of the month; NULL with the reply to give. */
static json_t *report_doc(api_ctx *ctx, const report_request *r, api_reply *bad)
{
    vg_err err;
    json_t *doc;
    if (report_build(api_db(ctx), ctx->cfg, &r->q, &doc, &err) != VG_OK) {
        if (err.code != VG_E_NOT_FOUND)
            log_error("report", "%s not built: %s", r->filename, err.msg);
        *bad = api_error(vg_http_status(err.code), err.field[0] ? err.field : NULL, err.msg);
        return NULL;
    }
    return doc;
}

api_reply api_route_report(api_ctx *ctx, const api_request *req)
{
    api_reply bad;
    report_request r;
    if (req->arg(req->arg_ctx, "contract")) /* the délégataire's report (routes_contract_report.c) */
        return api_route_contract_report(ctx, req);
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &bad) || !report_args(ctx, req, &r, &bad))
        return bad;
    json_t *doc = report_doc(ctx, &r, &bad);
    if (!doc)
        return bad;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    report_render_opts o = {.lang = r.lang, .db = api_db(ctx), .rrd = ctx->rrd, .vocab = ctx->cfg->vocab};
    report_render_out out;
    vg_err err;
    vg_code rc = report_render(r.format, doc, &o, &out, &err);
    json_decref(doc);
    if (rc != VG_OK) {
        log_error("report", "%s not rendered: %s", r.filename, err.msg);
        return api_error(500, NULL, err.msg);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    log_info("report", "%s rendered: %zu bytes in %.1f s", r.filename, out.len,
             (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    api_reply rep = {.status = 200, .body = out.data, .len = out.len, .content_type = report_render_content_type(r.format)};
    snprintf(rep.disposition, sizeof rep.disposition, "attachment; filename=\"%s\"", r.filename);
    return rep;
}

api_reply api_route_report_send(api_ctx *ctx, const api_request *req)
{
    api_reply bad;
    report_request r;
    if (req->arg(req->arg_ctx, "contract"))
        return api_route_contract_report_send(ctx, req);
    if (!api_check_role(ctx, req, AUTH_ROLE_ADMIN, &bad) || !report_args(ctx, req, &r, &bad))
        return bad;
    if (!api_report_can_mail(ctx, r.format, &bad))
        return bad;
    json_t *doc = report_doc(ctx, &r, &bad);
    if (!doc)
        return bad;
    report_render_opts o = {.lang = r.lang, .db = api_db(ctx), .rrd = ctx->rrd, .vocab = ctx->cfg->vocab};
    report_render_out pdf;
    char subject[200], digest[65];
    vg_err rerr;
    if (report_render_pdf(doc, &o, &pdf, &rerr) != VG_OK) {
        json_decref(doc);
        log_error("report", "%s not rendered: %s", r.filename, rerr.msg);
        return api_error(500, NULL, rerr.msg);
    }
    char *body = report_render_summary(doc, r.lang);
    report_render_subject(doc, r.lang, subject, sizeof subject);
    if (r.q.site) {
        size_t n = strlen(subject);
        snprintf(subject + n, sizeof subject - n, " – %s", r.q.site);
    }
    report_render_digest(doc, digest);
    json_decref(doc);
    char month[8];
    snprintf(month, sizeof month, "%04d-%02d", r.q.year, r.q.month);
    return api_report_mail(ctx, r.filename, subject, body, &pdf,
                           json_pack("{s:s, s:s, s:s}", "month", month, "digest", digest, "subject", subject));
}

bool api_report_can_mail(const api_ctx *ctx, report_format format, api_reply *bad)
{
    const server_config *cfg = ctx->cfg;
    if (!shard_is_first(cfg)) { /* the estate's reports are mailed once, by the first shard's leader: */
        const server_shard *first = &cfg->cluster.shards[0]; /* said before any PDF is made */
        char msg[NAME_MAX_LEN + SHARD_URL_MAX + 96];
        snprintf(msg, sizeof msg, "the estate's reports are mailed by the leader of the first shard, '%s' (%s)",
                 first->name, first->servers[0]);
        log_warn("report", "report not mailed: shard %s's leader mails the estate's reports", first->name);
        *bad = api_error(409, NULL, msg);
    } else if (format != REPORT_PDF)
        *bad = api_error(400, "format", "the report is mailed as PDF");
    else if (!cfg->smtp.configured || cfg->report.nrecipients == 0)
        *bad = api_error(503, NULL, !cfg->smtp.configured ? "server.yaml has no smtp section: the server cannot send mail"
                                                          : "server.yaml names no report recipients (report: recipients)");
    else
        return true;
    return false;
}

api_reply api_report_mail(api_ctx *ctx, const char *filename, const char *subject, char *body, report_render_out *pdf,
                          json_t *reply)
{
    const server_config *cfg = ctx->cfg;
    if (!cluster_is_leader()) { /* a pair mails each report once: its leader (cluster/cluster.h) */
        cluster_status cs;
        cluster_status_get(&cs);
        free(body);
        free(pdf->data);
        pdf->data = NULL;
        json_decref(reply);
        log_warn("report", "%s not mailed: node %s follows, %s leads and mails the reports", filename, cs.node,
                 cs.leader[0] ? cs.leader : "no server");
        return api_error(409, NULL, cs.leader[0] ? "this server is the follower of its pair: send the report through "
                                                   "the leader, which mails the reports"
                                                 : "this server is the follower of its pair and no server leads now");
    }
    const char *to[SERVER_MAX_RECIPIENTS + 1];
    json_t *list = json_array();
    for (size_t i = 0; i < cfg->report.nrecipients; i++) {
        to[i] = cfg->report.recipients[i];
        json_array_append_new(list, json_string(to[i]));
    }
    to[cfg->report.nrecipients] = NULL;
    smtp_attachment att = {filename, "application/pdf", pdf->data, pdf->len};
    vg_err merr;
    vg_code rc = body && reply ? smtp_send(&cfg->smtp, to, subject, body, &att, 1, &merr)
                               : vg_fail(&merr, VG_E_NOMEM, "out of memory");
    free(body);
    free(pdf->data);
    pdf->data = NULL;
    if (rc != VG_OK) { /* 502: the mail server, not this one, failed */
        json_decref(list);
        json_decref(reply);
        log_error("report", "%s not sent: %s", filename, merr.msg);
        return api_error(rc == VG_E_NOMEM ? 500 : 502, NULL, merr.msg);
    }
    log_info("report", "%s sent to %zu recipient(s)", filename, cfg->report.nrecipients);
    json_object_set_new(reply, "sent", json_true());
    json_object_set_new(reply, "filename", json_string(filename));
    json_object_set_new(reply, "recipients", list);
    json_object_set_new(reply, "bytes", json_integer((json_int_t)att.len));
    return api_json_reply(200, reply);
}

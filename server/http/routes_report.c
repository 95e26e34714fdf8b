/* The monthly SLA report over the API:
 *
 *   GET  /api/v1/report?month=YYYY-MM|previous[&site=S][&format=pdf|html|csv|json][&lang=fr|en]
 *        the document, with its content type and a Content-Disposition file name
 *   POST /api/v1/report/send?month=...[&site=S][&lang=...]   (admin)
 *        renders the PDF and mails it to server.yaml's report.recipients, the cover summary as the
 *        text of the mail
 *
 * The server renders: it has the RRD files the graphs are drawn from. */
#include "timeutil.h"
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/api_routes.h"
#include "log.h"
#include "report/report.h"
#include "report/report_render.h"
#include "alerting/smtp.h"

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

/* month=YYYY-MM, or month=previous: the month before the present one in the sites' zone. */
static bool report_month(const api_ctx *ctx, const api_request *req, const char *site, report_query *q, api_reply *bad)
{
    const char *month = req->arg(req->arg_ctx, "month");
    if (!month) {
        *bad = api_error(400, "month", "the month of the report is required: month=YYYY-MM or month=previous");
        return false;
    }
    const char *tz = report_tz(ctx, site);
    if (strcmp(month, "previous") == 0) {
        struct tm tm;
        time_zone_localtime(tz, (int64_t)req->now, &tm);
        q->year = tm.tm_year + 1900;
        q->month = tm.tm_mon; /* 0 in January: December of the year before */
        if (q->month == 0) {
            q->month = 12;
            q->year--;
        }
    } else if (report_parse_month(month, &q->year, &q->month) != 0) {
        *bad = api_error(400, "month", "must be YYYY-MM or previous");
        return false;
    }
    int64_t from, to;
    if (avail_month_bounds(tz, q->year, q->month, &from, &to) != 0 || from > (int64_t)req->now) {
        *bad = api_error(400, "month", "this month has not started yet");
        return false;
    }
    return true;
}

static bool report_args(const api_ctx *ctx, const api_request *req, report_request *r, api_reply *bad)
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
    const char *format = req->arg(req->arg_ctx, "format"), *lang = req->arg(req->arg_ctx, "lang");
    if (format && report_render_format_parse(format, &r->format) != 0) {
        *bad = api_error(400, "format", "must be pdf, html, csv or json");
        return false;
    }
    if (report_render_lang_parse(lang ? lang : ctx->cfg->report.lang, &r->lang) != 0) {
        *bad = api_error(400, "lang", "must be fr or en");
        return false;
    }
    if (!report_month(ctx, req, r->q.site, &r->q, bad))
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
    if (!api_check_reader(ctx, req, false, &bad) || !report_args(ctx, req, &r, &bad))
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
    if (!api_check_reader(ctx, req, true, &bad) || !report_args(ctx, req, &r, &bad))
        return bad;
    if (r.format != REPORT_PDF)
        return api_error(400, "format", "the report is mailed as PDF");
    const server_config *cfg = ctx->cfg;
    if (!cfg->smtp.configured || cfg->report.nrecipients == 0)
        return api_error(503, NULL, !cfg->smtp.configured ? "server.yaml has no smtp section: the server cannot send mail"
                                                          : "server.yaml names no report recipients (report: recipients)");
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
    const char *to[SERVER_MAX_RECIPIENTS + 1];
    json_t *list = json_array();
    for (size_t i = 0; i < cfg->report.nrecipients; i++) {
        to[i] = cfg->report.recipients[i];
        json_array_append_new(list, json_string(to[i]));
    }
    to[cfg->report.nrecipients] = NULL;
    smtp_attachment att = {r.filename, "application/pdf", pdf.data, pdf.len};
    vg_err merr;
    vg_code rc = body ? smtp_send(&cfg->smtp, to, subject, body, &att, 1, &merr)
                      : vg_fail(&merr, VG_E_NOMEM, "out of memory");
    free(body);
    free(pdf.data);
    if (rc != VG_OK) { /* 502: the mail server, not this one, failed */
        json_decref(list);
        log_error("report", "%s not sent: %s", r.filename, merr.msg);
        return api_error(502, NULL, merr.msg);
    }
    log_info("report", "%s sent to %zu recipient(s)", r.filename, cfg->report.nrecipients);
    char month[8];
    snprintf(month, sizeof month, "%04d-%02d", r.q.year, r.q.month);
    return api_json_reply(200, json_pack("{s:b, s:s, s:s, s:o, s:I, s:s, s:s}", "sent", 1, "month", month, "filename",
                                         r.filename, "recipients", list, "bytes", (json_int_t)att.len, "digest", digest,
                                         "subject", subject));
}

/* The délégataire's report over the API, on the monthly report's routes with a `contract` argument
 * (routes_report.c hands them over):
 *
 *   GET  /api/v1/report?contract=C&month=YYYY-MM|previous[&format=pdf|html|csv|json][&lang=fr|en]
 *        the document, with its content type and a file name vigie-contract-C-YYYY-MM.EXT
 *   POST /api/v1/report/send?contract=C&month=...[&lang=...]   (admin)
 *        the PDF mailed to server.yaml's report.recipients, the summary as the mail's text
 *
 * The figures are contract_report_build()'s (contract/contract.h); report/contract_render.h draws them. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/api_routes.h"
#include "log.h"
#include "names.h"
#include "report/contract_render.h"
#include "report/digest.h"
#include "report/report.h"

typedef struct {
    const char *contract;
    int year, month;
    report_format format;
    report_lang lang;
} ctr_request;

static bool ctr_args(const api_ctx *ctx, const api_request *req, ctr_request *r, api_reply *bad)
{
    memset(r, 0, sizeof *r);
    r->contract = req->arg(req->arg_ctx, "contract");
    if (!r->contract || !name_is_valid(r->contract)) {
        *bad = api_error(400, "contract", "not a valid contract name");
        return false;
    }
    const char *site = req->arg(req->arg_ctx, "site");
    if (site && *site) {
        *bad = api_error(400, "site", "a contract's report covers all its sites: give contract or site, not both");
        return false;
    }
    /* "previous" and "not started yet" in the first site's zone, as the monthly report reads them */
    return api_report_format_lang(ctx, req, &r->format, &r->lang, bad) &&
           api_report_month(req, api_site_tz(ctx, NULL), &r->year, &r->month, bad);
}

/* The document of the month; NULL with the reply to give. */
static json_t *ctr_doc(api_ctx *ctx, const api_request *req, const ctr_request *r, api_reply *bad)
{
    vg_err err;
    json_t *doc;
    /* the caller's scope: the contract's sites in it only; a contract with none is unknown to it */
    const auth_principal *who = api_who(ctx, req);
    bool lim = api_scope_limited(who);
    if (report_contract_build_scoped(api_db(ctx), ctx->cfg, r->contract, r->year, r->month, lim ? api_scope_admit : NULL,
                                     lim ? who : NULL, (int64_t)req->now, &doc, &err) != VG_OK) {
        if (err.code != VG_E_NOT_FOUND && err.code != VG_E_INVALID)
            log_error("report", "contract %s %04d-%02d not built: %s", r->contract, r->year, r->month, err.msg);
        *bad = api_error(vg_http_status(err.code), err.field[0] ? err.field : NULL, err.msg);
        return NULL;
    }
    return doc;
}

api_reply api_route_contract_report(api_ctx *ctx, const api_request *req)
{
    api_reply bad;
    ctr_request r;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &bad) || !ctr_args(ctx, req, &r, &bad))
        return bad;
    json_t *doc = ctr_doc(ctx, req, &r, &bad);
    if (!doc)
        return bad;
    char filename[160];
    report_contract_filename(doc, r.format, filename, sizeof filename);
    report_render_out out;
    vg_err err;
    vg_code rc = report_contract_render(r.format, doc, r.lang, &out, &err);
    json_decref(doc);
    if (rc != VG_OK) {
        log_error("report", "%s not rendered: %s", filename, err.msg);
        return api_error(500, NULL, err.msg);
    }
    log_info("report", "%s rendered: %zu bytes", filename, out.len);
    api_reply rep = {.status = 200, .body = out.data, .len = out.len, .content_type = report_render_content_type(r.format)};
    snprintf(rep.disposition, sizeof rep.disposition, "attachment; filename=\"%s\"", filename);
    return rep;
}

api_reply api_route_contract_report_send(api_ctx *ctx, const api_request *req)
{
    api_reply bad;
    ctr_request r;
    if (!api_check_role(ctx, req, AUTH_ROLE_ADMIN, &bad) || !ctr_args(ctx, req, &r, &bad))
        return bad;
    if (!api_report_can_mail(ctx, r.format, &bad))
        return bad;
    json_t *doc = ctr_doc(ctx, req, &r, &bad);
    if (!doc)
        return bad;
    char filename[160], subject[300], digest[65];
    report_contract_filename(doc, REPORT_PDF, filename, sizeof filename);
    report_contract_subject(doc, r.lang, subject, sizeof subject);
    report_render_out pdf;
    vg_err rerr;
    if (report_contract_render(REPORT_PDF, doc, r.lang, &pdf, &rerr) != VG_OK) {
        json_decref(doc);
        log_error("report", "%s not rendered: %s", filename, rerr.msg);
        return api_error(500, NULL, rerr.msg);
    }
    char *body = report_contract_summary(doc, r.lang);
    report_digest_hex(doc, digest);
    json_decref(doc);
    char month[8];
    snprintf(month, sizeof month, "%04d-%02d", r.year, r.month);
    return api_report_mail(ctx, filename, subject, body, &pdf,
                           json_pack("{s:s, s:s, s:s, s:s}", "contract", r.contract, "month", month, "digest", digest,
                                     "subject", subject));
}

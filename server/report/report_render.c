/* report_render: the formats' entry points. Each reads report_build()'s document once into the typed
 * view (view.h) and hands it to its renderer: csv.c, html.c, pdf_pages.c, or the JSON below (the
 * document as it is, plus its digest). See report_render.h and doc/report.md. */
#include "config.h"
#include "report/report_render.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/digest.h"
#include "report/formats.h"
#include "report/view.h"

static const char *const render_formats[] = {"pdf", "html", "csv", "json"};

vg_code report_render_format_parse(const char *s, report_format *out)
{
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, render_formats[i]) == 0) {
            *out = (report_format)i;
            return VG_OK;
        }
    return VG_E_INVALID;
}

const char *report_render_extension(report_format f) { return render_formats[f]; }

const char *report_render_content_type(report_format f)
{
    switch (f) {
    case REPORT_PDF: return "application/pdf";
    case REPORT_HTML: return "text/html; charset=utf-8";
    case REPORT_CSV: return "text/csv; charset=utf-8; header=present";
    default: return "application/json; charset=utf-8";
    }
}

vg_code report_buf_open(report_buf *b, vg_err *err)
{
    memset(b, 0, sizeof *b);
    b->f = open_memstream(&b->data, &b->len);
    return b->f ? VG_OK : vg_fail(err, VG_E_NOMEM, "out of memory");
}

vg_code report_buf_close(report_buf *b, report_render_out *out, vg_err *err)
{
    bool bad = ferror(b->f) != 0;
    if (fclose(b->f) != 0 || bad) {
        free(b->data);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    out->data = b->data;
    out->len = b->len;
    return VG_OK;
}

vg_code report_json(const report_view *v, report_render_out *out, vg_err *err)
{
    json_t *c = json_deep_copy(v->doc), *d = report_digest_block(v->digest);
    if (!c || !d) {
        json_decref(c);
        json_decref(d);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    json_object_set_new(c, "digest", d);
    out->data = json_dumps(c, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(c);
    if (!out->data)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    size_t n = strlen(out->data);
    char *t = realloc(out->data, n + 2);
    if (t) {
        t[n] = '\n';
        t[n + 1] = '\0';
        out->data = t;
        n++;
    }
    out->len = n;
    return VG_OK;
}

vg_code report_render(report_format f, const json_t *doc, const report_render_opts *o, report_render_out *out,
                      vg_err *err)
{
    out->data = NULL;
    out->len = 0;
    vg_err local;
    if (!err)
        err = &local;
    report_view *v = report_view_new(doc, err);
    if (!v)
        return err->code;
    vg_code rc;
    switch (f) {
    case REPORT_PDF: rc = report_pdf(v, o, out, err); break;
    case REPORT_HTML: rc = report_html(v, o, out, err); break;
    case REPORT_CSV: rc = report_csv(v, o, out, err); break;
    default: rc = report_json(v, out, err);
    }
    report_view_free(v);
    return rc;
}

vg_code report_render_pdf(const json_t *doc, const report_render_opts *o, report_render_out *out, vg_err *err)
{
    return report_render(REPORT_PDF, doc, o, out, err);
}

vg_code report_render_html(const json_t *doc, const report_render_opts *o, report_render_out *out, vg_err *err)
{
    return report_render(REPORT_HTML, doc, o, out, err);
}

vg_code report_render_csv(const json_t *doc, const report_render_opts *o, report_render_out *out, vg_err *err)
{
    return report_render(REPORT_CSV, doc, o, out, err);
}

vg_code report_render_json(const json_t *doc, const report_render_opts *o, report_render_out *out, vg_err *err)
{
    return report_render(REPORT_JSON, doc, o, out, err);
}

/* The délégataire's report's entry points: the document read once into the view (contract_view.h)
 * and handed to its format; the JSON is the document plus its digest block; the mail's text and
 * subject. See contract_render.h. */
#include "config.h"
#include "report/contract_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/contract_content.h"
#include "report/contract_formats.h"
#include "report/contract_view.h"
#include "report/digest.h"
#include "report/formats.h"
#include "report/i18n.h"

static vg_code crender_json(const cview *v, report_render_out *out, vg_err *err)
{
    json_t *c = json_deep_copy(v->doc), *d = report_digest_block(v->digest);
    if (!c || !d || json_object_set_new(c, "digest", d) != 0) {
        json_decref(c);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    char *text = json_dumps(c, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(c);
    size_t n = text ? strlen(text) : 0;
    char *t = text ? realloc(text, n + 2) : NULL;
    if (!t) {
        free(text);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    t[n] = '\n';
    t[n + 1] = '\0';
    out->data = t;
    out->len = n + 1;
    return VG_OK;
}

vg_code report_contract_render(report_format f, const json_t *doc, report_lang l, report_render_out *out, vg_err *err)
{
    out->data = NULL;
    out->len = 0;
    vg_err local;
    if (!err)
        err = &local;
    cview *v = cview_new(doc, err);
    if (!v)
        return err->code;
    vg_code rc;
    switch (f) {
    case REPORT_PDF: rc = contract_pdf(v, l, out, err); break;
    case REPORT_HTML: rc = contract_html(v, l, out, err); break;
    case REPORT_CSV: rc = contract_csv(v, l, out, err); break;
    default: rc = crender_json(v, out, err);
    }
    cview_free(v);
    return rc;
}

void report_contract_subject(const json_t *doc, report_lang l, char *out, size_t size)
{
    char month[48];
    const json_t *c = json_object_get(doc, "contract");
    const char *label = json_string_value(json_object_get(c, TR(l, "fr", "en")));
    const char *period = json_string_value(json_object_get(doc, "period"));
    i18n_period_words(l, period ? period : "", month, sizeof month);
    snprintf(out, size, "%s – %s – %s", ccontent_title(l, false), label ? label : "?", month);
}

void report_contract_filename(const json_t *doc, report_format f, char *out, size_t size)
{
    const char *id = json_string_value(json_object_get(json_object_get(doc, "contract"), "id"));
    const char *period = json_string_value(json_object_get(doc, "period"));
    snprintf(out, size, "vigie-contract-%s-%s.%s", id && name_is_valid(id) ? id : "contract", period ? period : "",
             report_render_extension(f));
}

/* The sites of the body's exceptions in the mail: the worst ten, then how many more. */
#define CRENDER_MAIL_SITES 10

char *report_contract_summary(const json_t *doc, report_lang l)
{
    cview *v = cview_new(doc, NULL);
    if (!v)
        return NULL;
    char *data = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&data, &len);
    if (!o) {
        cview_free(v);
        return NULL;
    }
    char subject[300], terms[512];
    report_contract_subject(doc, l, subject, sizeof subject);
    ccontent_terms(v, l, terms, sizeof terms);
    fprintf(o, "%s\n%s\n\n", subject, terms);
    ccontent_row rows[CCONTENT_ROWS];
    size_t n = ccontent_summary_rows(v, l, rows);
    for (size_t i = 0; i < n; i++)
        fprintf(o, "%s%s %s\n", rows[i].label, TR(l, " :", ":"), rows[i].value);
    size_t shown = 0, more = 0;
    for (size_t i = 0; i < v->nsites; i++) {
        const cview_site *s = &v->sites[i];
        if (!cview_site_exception(s))
            continue;
        if (shown == CRENDER_MAIL_SITES) {
            more++;
            continue;
        }
        if (!shown)
            fprintf(o, "\n%s\n", TR(l, "Sites sous l'objectif ou avec dépassement :", "Sites below their target or with a breach:"));
        char av[48], pen[48];
        report_render_availability(l, s->availability, av, sizeof av);
        ccontent_money(l, s->penalty, pen, sizeof pen);
        fprintf(o, "  %s %s (%s) – %s, %lld %s, %s\n", s->status == CONTENT_MISSED ? "✗" : "!", s->name, s->commune, av,
                (long long)s->breaches, TR(l, "dépassement(s)", "breach(es)"), pen);
        shown++;
    }
    if (more)
        fprintf(o, TR(l, "  … et %zu autre(s) : voir le rapport.\n", "  … and %zu more: see the report.\n"), more);
    fprintf(o, "\n%s\n", TR(l, "Le rapport complet est en pièce jointe (PDF) ; chaque site est dans son annexe.",
                            "The full report is attached (PDF); every site is in its annex."));
    fprintf(o, "%s\n%.32s\n%.32s\n%s\n", TR(l, "Empreinte SHA-256 des chiffres :", "SHA-256 digest of the figures:"),
            v->digest, v->digest + 32, v->software);
    bool bad = ferror(o) != 0;
    cview_free(v);
    if (fclose(o) != 0 || bad) {
        free(data);
        return NULL;
    }
    return data;
}

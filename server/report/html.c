/* The report as one self-contained, printable HTML page: no script, no outside resource, the
 * graphs inlined as PNG. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "report/content.h"
#include "report/content_selftests.h"
#include "report/view_selftests.h"
#include "report/energy_formats.h"
#include "report/formats.h"
#include "report/graphs.h"
#include "report/html_out.h"
#include "report/i18n.h"
#include "report/report_changes.h"

static void html_base64(FILE *f, const unsigned char *d, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
        fputc(t[v >> 18 & 63], f);
        fputc(t[v >> 12 & 63], f);
        fputc(i + 1 < n ? t[v >> 6 & 63] : '=', f);
        fputc(i + 2 < n ? t[v & 63] : '=', f);
    }
}

static const char *html_status_class(content_status st)
{
    return st == CONTENT_MET ? "met" : st == CONTENT_MISSED ? "missed" : "nodata";
}

static const char html_css[] =
    "@page{size:A4;margin:14mm 14mm 16mm}"
    "body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;font-size:9.5pt;color:#222;margin:0 auto;max-width:190mm}"
    "header.cover{background:#1f3a5f;color:#fff;padding:18px 22px;margin-bottom:14px}"
    "header.cover h1{margin:0;font-size:20pt;letter-spacing:.5px}header.cover p{margin:4px 0 0;font-size:12pt}"
    "h2{color:#1f3a5f;font-size:13pt;border-bottom:2px solid #1f3a5f;padding-bottom:2px;margin:18px 0 6px}"
    "h3{color:#1f3a5f;font-size:10.5pt;margin:12px 0 4px}"
    "table{border-collapse:collapse;width:100%;margin:4px 0 8px;page-break-inside:auto;font-size:8.5pt}"
    "tr{page-break-inside:avoid}th{background:#1f3a5f;color:#fff;font-weight:bold;text-align:left}"
    "th,td{border:1px solid #c9d1dc;padding:3px 6px;vertical-align:top}tbody tr:nth-child(even){background:#f4f6f9}"
    "td.num,th.num{text-align:right}td.num{white-space:nowrap}td.kv{font-weight:bold;width:34%}"
    ".met{background:#e3f2e4!important;color:#1b5e20;font-weight:bold}"
    ".missed{background:#fdecea!important;color:#b71c1c;font-weight:bold}"
    ".nodata{background:#eeeeee!important;color:#616161}"
    ".badge{float:right;padding:3px 10px;border-radius:3px;font-size:9pt}"
    ".site{page-break-before:always}.sub{color:#555;margin:2px 0 8px}.digest{font-family:'DejaVu Sans Mono',monospace;"
    "font-size:8.5pt;word-break:break-all}.note{color:#555;font-size:8.5pt}.none{color:#555;font-style:italic}"
    ".graphs{display:flex;flex-wrap:wrap;gap:8px}.graphs img{width:calc(50% - 4px);box-sizing:border-box;"
    "border:1px solid #e0e0e0;page-break-inside:avoid}"
    ".sign{display:flex;gap:16px;margin-top:22px;page-break-inside:avoid}.sign div{flex:1;border:1px solid #999;"
    "height:95px;padding:6px 10px}.sign b{display:block;margin-bottom:6px}"
    "footer{color:#777;font-size:8pt;margin-top:20px;border-top:1px solid #ccc;padding-top:4px}";

static void html_summary_table(FILE *f, const report_view *v, report_lang l)
{
    fprintf(f, "<table><thead><tr>");
    const char *heads[] = {TR(l, "Site", "Site"), TR(l, "Disponibilité", "Availability"), TR(l, "Objectif", "Target"),
                           TR(l, "Objectif atteint", "Target met"), TR(l, "Indisponibilité", "Downtime"),
                           TR(l, "Autorisée", "Allowed"), TR(l, "Budget consommé", "Budget used"),
                           TR(l, "Incidents", "Incidents"), TR(l, "Couverture", "Coverage")};
    for (int i = 0; i < 9; i++)
        html_cell(f, "th", i == 0 || i == 3 ? NULL : "num", heads[i]);
    fprintf(f, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < v->nsites; i++) {
        const report_view_site *s = &v->sites[i];
        const report_view_figures *fig = &s->figures;
        content_status st = content_site_status(fig);
        char title[220], av[48], tg[48], down[48], allowed[48], budget[48], inc[24], cov[48];
        content_site_title(s, title, sizeof title);
        report_render_availability(l, fig->availability, av, sizeof av);
        report_render_target(l, s->target, tg, sizeof tg);
        report_render_duration(l, (double)fig->downtime, down, sizeof down);
        report_render_duration(l, fig->allowed_downtime, allowed, sizeof allowed);
        i18n_pct(l, fig->budget_consumed, 1, budget, sizeof budget);
        snprintf(inc, sizeof inc, "%lld", (long long)fig->incidents);
        i18n_pct(l, fig->coverage, 1, cov, sizeof cov);
        fprintf(f, "<tr>");
        html_cell(f, "td", NULL, title);
        html_cell(f, "td", "num", av);
        html_cell(f, "td", "num", tg);
        html_cell(f, "td", html_status_class(st), content_status_word(l, st));
        html_cell(f, "td", "num", down);
        html_cell(f, "td", "num", allowed);
        html_cell(f, "td", "num", budget);
        html_cell(f, "td", "num", inc);
        html_cell(f, "td", st == CONTENT_NODATA ? "num nodata" : "num", cov);
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</tbody></table>\n");
}

static void html_kv(FILE *f, const char *k, const char *v, const char *cls)
{
    fprintf(f, "<tr>");
    html_cell(f, "td", "kv", k);
    html_cell(f, "td", cls, v);
    fprintf(f, "</tr>\n");
}

static void html_cover(FILE *f, const report_view *v, report_lang l, const content_facts *fa)
{
    char tg[48], text[1024];
    report_render_target(l, fa->target, tg, sizeof tg);
    fprintf(f, "<header class=\"cover\"><h1>%s</h1><p>", TR(l, "Rapport mensuel de disponibilité", "Monthly availability report"));
    html_text(f, fa->month);
    fprintf(f, "</p><p>");
    if (fa->same_target)
        snprintf(text, sizeof text, TR(l, "%zu site(s) – objectif de disponibilité %s par site",
                                       "%zu site(s) – availability target %s per site"), fa->nsites, tg);
    else
        snprintf(text, sizeof text, TR(l, "%zu site(s) – objectif propre à chaque site", "%zu site(s) – each with its own target"), fa->nsites);
    html_text(f, text);
    fprintf(f, "</p></header>\n<h2>%s</h2>\n", TR(l, "Synthèse", "Summary"));
    content_summary_line(l, fa, text, sizeof text);
    size_t tn = strlen(text);
    snprintf(text + tn, sizeof text - tn, "%s", TR(l, " Du moins disponible au plus disponible.", " Least available first."));
    fprintf(f, "<p>");
    html_text(f, text);
    fprintf(f, "</p>\n");
    html_summary_table(f, v, l);

    fprintf(f, "<h2>%s</h2>\n<table><tbody>\n", TR(l, "Données du calcul", "What the figures were computed from"));
    html_kv(f, TR(l, "Période", "Period"), fa->month, NULL);
    content_site_list(v, text, sizeof text);
    html_kv(f, TR(l, "Sites", "Sites"), text, NULL);
    content_zones(v, text, sizeof text);
    html_kv(f, TR(l, "Fuseau horaire", "Time zone"), text, NULL);
    content_policies(v, l, text, sizeof text);
    html_kv(f, TR(l, "Période sans données", "Time without data"), text, NULL);
    html_kv(f, TR(l, "Logiciel", "Software"), v->software, NULL);
    i18n_long_time(l, v->generated_at, text, sizeof text);
    html_kv(f, TR(l, "Établi le", "Generated on"), text, NULL);
    html_kv(f, TR(l, "Empreinte SHA-256 des chiffres", "SHA-256 digest of the figures"), v->digest, "digest");
    fprintf(f, "</tbody></table>\n<p class=\"note\">%s</p>\n",
            TR(l, "L'empreinte porte sur les chiffres du rapport (le document JSON canonique, sans sa date de "
                  "génération) : le recalculer sur les mêmes données redonne les mêmes chiffres et la même empreinte.",
               "The digest covers the figures of the report (the canonical JSON document without its generation "
               "time): computing it again from the same data gives the same figures and the same digest."));
    fprintf(f, "<div class=\"sign\"><div><b>%s</b>%s</div><div><b>%s</b>%s</div></div>\n",
            TR(l, "Établi par", "Prepared by"), TR(l, "Nom, date et signature", "Name, date and signature"),
            TR(l, "Visa du délégataire", "Acknowledged by the operator"), TR(l, "Nom, date et signature", "Name, date and signature"));
}

/* A site's title, the line under it and its figures table. */
static void html_site_head(FILE *f, const report_view_site *s, report_lang l, const content_facts *fa)
{
    content_status st = content_site_status(&s->figures);
    char title[220], text[1024], st_text[64], span[200];
    if (st == CONTENT_NODATA)
        snprintf(st_text, sizeof st_text, "%s", TR(l, "Données insuffisantes", "Insufficient data"));
    else
        snprintf(st_text, sizeof st_text, "%s %s", TR(l, "Objectif", "Target"), content_status_word(l, st));
    content_site_title(s, title, sizeof title);
    fprintf(f, "<section class=\"site\"><h2><span class=\"badge %s\">", html_status_class(st));
    html_text(f, st_text);
    fprintf(f, "</span>");
    html_text(f, title);
    fprintf(f, "</h2>\n<p class=\"sub\">");
    content_period_span(l, s, span, sizeof span);
    char cov[64];
    content_coverage(l, s->figures.coverage, s->min_coverage, cov, sizeof cov);
    snprintf(text, sizeof text, "%s · %s · %s %s · %s %s · %s %s", i18n_kind(l, s->kind), span, TR(l, "fuseau", "zone"),
             s->timezone, TR(l, "période sans données :", "time without data:"), i18n_policy(l, s->unknown_policy),
             TR(l, "couverture", "coverage"), cov);
    html_text(f, text);
    fprintf(f, "</p>\n");

    content_fig_row rows[CONTENT_FIG_ROWS];
    size_t nr = content_figure_rows(s, l, rows);
    char yf[24], yt[24];
    i18n_date(l, s->ytd.from, s->timezone, yf, sizeof yf);
    i18n_date(l, s->ytd.to, s->timezone, yt, sizeof yt);
    snprintf(text, sizeof text, TR(l, "Cumul annuel (%s – %s)", "Year to date (%s – %s)"), yf, yt);
    fprintf(f, "<h3>%s</h3><table><thead><tr>", TR(l, "Indicateurs", "Figures"));
    html_cell(f, "th", NULL, TR(l, "Indicateur", "Figure"));
    html_cell(f, "th", "num", fa->month);
    html_cell(f, "th", "num", text);
    fprintf(f, "</tr></thead><tbody>\n");
    for (size_t r = 0; r < nr; r++) {
        fprintf(f, "<tr>");
        html_cell(f, "td", "kv", rows[r].label);
        const char *cls = rows[r].style == 1   ? "num met"
                          : rows[r].style == 2 ? "num missed"
                          : rows[r].style == 3 ? "num nodata"
                                               : "num";
        html_cell(f, "td", cls, rows[r].month);
        html_cell(f, "td", "num", rows[r].ytd);
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</tbody></table>\n");
}

static void html_services(FILE *f, const report_view_site *s, report_lang l, const vocab *words)
{
    fprintf(f, "<h3>%s</h3><table><thead><tr>", TR(l, "Disponibilité par service", "Availability per service"));
    const char *sh[] = {TR(l, "Service", "Service"), TR(l, "Disponibilité", "Availability"),
                        TR(l, "Indisponibilité", "Downtime"), TR(l, "Incidents", "Incidents"),
                        TR(l, "Temps inconnu", "Unknown time"), TR(l, "Maintenance", "Maintenance")};
    for (int c = 0; c < 6; c++)
        html_cell(f, "th", c ? "num" : NULL, sh[c]);
    fprintf(f, "</tr></thead><tbody>\n");
    for (size_t k = 0; k < s->nservices; k++) {
        const report_view_figures *v = &s->services[k].figures;
        char av[48], down[48], unk[48], mt[48], inc[24];
        report_render_availability(l, v->availability, av, sizeof av);
        report_render_duration(l, (double)v->downtime, down, sizeof down);
        report_render_duration(l, (double)v->unknown, unk, sizeof unk);
        report_render_duration(l, (double)v->maintenance, mt, sizeof mt);
        snprintf(inc, sizeof inc, "%lld", (long long)v->incidents);
        fprintf(f, "<tr>");
        html_cell(f, "td", NULL, i18n_service(words, l, s->services[k].name));
        html_cell(f, "td", "num", av);
        html_cell(f, "td", "num", down);
        html_cell(f, "td", "num", inc);
        html_cell(f, "td", "num", unk);
        html_cell(f, "td", "num", mt);
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</tbody></table>\n");
}

static void html_incidents(FILE *f, const report_view_site *s, report_lang l, const vocab *words)
{
    fprintf(f, "<h3>%s</h3>\n", TR(l, "Incidents", "Incidents"));
    if (s->nincidents == 0) {
        fprintf(f, "<p class=\"none\">%s</p>\n", TR(l, "Aucun incident sur la période.", "No incident in the period."));
        return;
    }
    fprintf(f, "<table><thead><tr>");
    const char *ih[] = {TR(l, "Début", "Start"), TR(l, "Fin", "End"), TR(l, "Durée", "Duration"),
                        TR(l, "Service(s)", "Service(s)"), TR(l, "Cause", "Cause"),
                        TR(l, "Exclu (maintenance)", "Excluded (maintenance)")};
    for (int c = 0; c < 6; c++)
        html_cell(f, "th", c == 2 ? "num" : NULL, ih[c]);
    fprintf(f, "</tr></thead><tbody>\n");
    for (size_t k = 0; k < s->nincidents; k++) {
        const report_view_incident *in = &s->incidents[k];
        char a[40], e[40], d[48], sv[200];
        report_render_time(l, in->start, s->timezone, a, sizeof a);
        report_render_time(l, in->end, s->timezone, e, sizeof e);
        report_render_duration(l, (double)in->duration, d, sizeof d);
        i18n_services(words, l, in->services, sv, sizeof sv);
        fprintf(f, "<tr>");
        html_cell(f, "td", NULL, a);
        html_cell(f, "td", NULL, e);
        html_cell(f, "td", "num", d);
        html_cell(f, "td", NULL, sv);
        html_cell(f, "td", NULL, in->cause);
        html_cell(f, "td", NULL, in->excluded ? TR(l, "oui", "yes") : TR(l, "non", "no"));
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</tbody></table>\n");
}

/* The occurrences cancelled in the period, by whom and when (report_changes.h). */
static void html_cancelled(FILE *f, const report_view_site *s, report_lang l, const vocab *words)
{
    for (size_t k = 0; k < s->ncancelled; k++) {
        char line[600];
        report_changes_cancelled_line(l, &s->cancelled[k], s->timezone, words, line, sizeof line);
        html_cell(f, "p", "none", line);
    }
}

static void html_windows(FILE *f, const report_view_site *s, report_lang l, const vocab *words)
{
    fprintf(f, "<h3>%s</h3>\n", TR(l, "Fenêtres de maintenance", "Maintenance windows"));
    if (s->nwindows == 0) {
        fprintf(f, "<p class=\"none\">%s</p>\n",
                TR(l, "Aucune fenêtre de maintenance sur la période.", "No maintenance window in the period."));
        html_cancelled(f, s, l, words);
        return;
    }
    fprintf(f, "<table><thead><tr>");
    const char *mh[] = {TR(l, "Début", "Start"), TR(l, "Fin", "End"), TR(l, "Service", "Service"),
                        TR(l, "Motif", "Reason"), TR(l, "Récurrence", "Recurrence"), TR(l, "Déclarée par", "Declared by")};
    for (int c = 0; c < 6; c++)
        html_cell(f, "th", NULL, mh[c]);
    fprintf(f, "</tr></thead><tbody>\n");
    for (size_t k = 0; k < s->nwindows; k++) {
        const report_view_window *w = &s->windows[k];
        char a[40], e[40];
        report_render_time(l, w->start, s->timezone, a, sizeof a);
        report_render_time(l, w->end, s->timezone, e, sizeof e);
        fprintf(f, "<tr>");
        html_cell(f, "td", NULL, a);
        html_cell(f, "td", NULL, e);
        html_cell(f, "td", NULL, *w->service ? i18n_service(words, l, w->service) : TR(l, "tout le site", "whole site"));
        html_cell(f, "td", NULL, w->reason);
        char rec[240];
        i18n_recurrence(l, w->recurring, w->rrule, w->moved, rec, sizeof rec);
        html_cell(f, "td", NULL, rec);
        report_changes_by(l, w, s->timezone, rec, sizeof rec);
        html_cell(f, "td", NULL, rec);
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</tbody></table>\n");
    html_cancelled(f, s, l, words);
}

/* The UPS self-tests (content_selftests.h): a line per UPS, then the tests of the month. */
static void html_selftests(FILE *f, const report_view_site *s, report_lang l)
{
    size_t n = s->self_tests ? s->self_tests->nups : 0, more = 0;
    content_st_row *rows = n ? calloc(n, sizeof *rows) : NULL;
    content_st_test *tests = rows ? calloc(CONTENT_ST_TESTS_MAX, sizeof *tests) : NULL;
    if (!tests) {
        free(rows);
        return;
    }
    n = content_selftest_rows(s, l, rows, n);
    fprintf(f, "<h3>%s</h3><table><thead><tr>", TR(l, "Autotests des onduleurs", "UPS self-tests"));
    const char *hd[] = {TR(l, "Onduleur", "UPS"), TR(l, "Dernier test", "Last test"), TR(l, "Résultat", "Result"),
                        TR(l, "Dernier succès", "Last pass"), TR(l, "Âge du succès", "Age of the pass"),
                        TR(l, "Tests du mois", "Tests this month")};
    for (int c = 0; c < 6; c++)
        html_cell(f, "th", c == 4 ? "num" : NULL, hd[c]);
    fprintf(f, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<tr>");
        html_cell(f, "td", NULL, rows[i].device);
        html_cell(f, "td", NULL, rows[i].last);
        html_cell(f, "td", rows[i].style == 1 ? "missed" : rows[i].style == 2 ? "nodata" : NULL, rows[i].result);
        html_cell(f, "td", NULL, rows[i].passed);
        html_cell(f, "td", "num", rows[i].age);
        html_cell(f, "td", NULL, rows[i].month);
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</tbody></table>\n");
    size_t nt = content_selftest_tests(s, l, tests, CONTENT_ST_TESTS_MAX, &more);
    if (nt)
        fprintf(f, "<table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th class=\"num\">%s</th></tr>"
                   "</thead><tbody>\n",
                TR(l, "Date", "Date"), TR(l, "Onduleur", "UPS"), TR(l, "Test", "Test"), TR(l, "Résultat", "Result"),
                TR(l, "Durée", "Duration"));
    for (size_t i = 0; i < nt; i++) {
        fprintf(f, "<tr>");
        html_cell(f, "td", NULL, tests[i].when);
        html_cell(f, "td", NULL, tests[i].device);
        html_cell(f, "td", NULL, tests[i].kind);
        html_cell(f, "td", tests[i].style ? "missed" : NULL, tests[i].result);
        html_cell(f, "td", "num", tests[i].duration);
        fprintf(f, "</tr>\n");
    }
    if (nt)
        fprintf(f, "</tbody></table>\n");
    if (more)
        fprintf(f, "<p class=\"note\">%s %zu</p>\n",
                TR(l, "Autres tests (dans le CSV et le JSON) :", "More tests (in the CSV and the JSON):"), more);
    free(tests);
    free(rows);
}

/* The site's graphs as PNG, inlined; one drawn at a time and written at once. */
static void html_graphs(FILE *f, const report_render_opts *o, const report_view_site *s)
{
    report_graphs *g = report_graphs_find(o, s);
    bool shown = false;
    for (size_t k = 0; k < report_graphs_count(g); k++) {
        store_graph_image img;
        vg_err err;
        if (report_graphs_draw(g, k, STORE_GRAPH_PNG, &img, &err) != VG_OK) {
            log_warn("report", "site %s: graph '%s' not drawn: %s", s->id, report_graphs_title(g, k), err.msg);
            continue;
        }
        if (!shown)
            fprintf(f, "<h3>%s</h3><div class=\"graphs\">\n", TR(o->lang, "Mesures du mois", "Measurements of the month"));
        shown = true;
        fprintf(f, "<img alt=\"\" src=\"data:image/png;base64,");
        html_base64(f, img.data, img.len);
        fprintf(f, "\">\n");
        free(img.data);
    }
    if (shown)
        fprintf(f, "</div>\n");
    report_graphs_free(g);
}

vg_code report_html(const report_view *v, const report_render_opts *o, report_render_out *out, vg_err *err)
{
    report_lang l = o->lang;
    content_facts fa;
    report_buf b;
    content_facts_get(v, l, &fa);
    vg_code rc = report_buf_open(&b, err);
    if (rc)
        return rc;
    FILE *f = b.f;
    char title[160], text[1024];
    snprintf(title, sizeof title, "%s – %s", TR(l, "Rapport mensuel de disponibilité", "Monthly availability report"),
             fa.month);
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n<title>", TR(l, "fr", "en"));
    html_text(f, title);
    fprintf(f, "</title>\n<meta name=\"generator\" content=\"");
    html_text(f, v->software);
    fprintf(f, "\">\n<style>%s</style></head><body>\n", html_css);
    html_cover(f, v, l, &fa);
    for (size_t i = 0; i < v->nsites; i++) {
        const report_view_site *s = &v->sites[i];
        html_site_head(f, s, l, &fa);
        html_services(f, s, l, o->vocab);
        html_incidents(f, s, l, o->vocab);
        html_windows(f, s, l, o->vocab);
        html_energy_site(f, s, l); /* energy, PUE, headroom (energy_formats.c) */
        html_selftests(f, s, l);   /* UPS self-tests (content_selftests.h) */
        html_graphs(f, o, s);
        fprintf(f, "</section>\n");
    }
    fprintf(f, "<footer>");
    snprintf(text, sizeof text, "%s – %s – SHA-256 %s", v->software, fa.month, v->digest);
    html_text(f, text);
    fprintf(f, "</footer>\n</body></html>\n");
    return report_buf_close(&b, out, err);
}

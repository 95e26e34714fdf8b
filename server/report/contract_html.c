/* The délégataire's report as one self-contained, printable HTML page (no script, no outside
 * resource): the same sections as the PDF, the pictures as inline SVG, the annex on a page of its
 * own when printed. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/contract_content.h"
#include "report/contract_formats.h"
#include "report/formats.h"
#include "report/html_out.h"
#include "report/i18n.h"

static const char *chtml_status(content_status st)
{
    return st == CONTENT_MET ? "num met" : st == CONTENT_MISSED ? "num missed" : "num nodata";
}

static const char chtml_css[] =
    "@page{size:A4;margin:14mm 14mm 16mm}"
    "body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;font-size:9.5pt;color:#222;margin:0 auto;max-width:190mm}"
    "header.cover{background:#1f3a5f;color:#fff;padding:18px 22px;margin-bottom:14px}"
    "header.cover h1{margin:0;font-size:20pt}header.cover p{margin:4px 0 0;font-size:12pt}header.cover p.terms{font-size:9pt}"
    "h2{color:#1f3a5f;font-size:13pt;border-bottom:2px solid #1f3a5f;padding-bottom:2px;margin:18px 0 6px}"
    "table{border-collapse:collapse;width:100%;margin:4px 0 8px;font-size:8.5pt}tr{page-break-inside:avoid}"
    "th{background:#1f3a5f;color:#fff;text-align:left}th,td{border:1px solid #c9d1dc;padding:3px 6px;vertical-align:top}"
    "tbody tr:nth-child(even){background:#f4f6f9}td.num,th.num{text-align:right}td.num{white-space:nowrap}"
    "td.kv{font-weight:bold;width:30%}.met{background:#e3f2e4!important;color:#1b5e20;font-weight:bold}"
    ".missed{background:#fdecea!important;color:#b71c1c;font-weight:bold}.nodata{background:#eee!important;color:#616161}"
    ".nro{font-weight:bold}.pictures{display:flex;gap:24px;margin:8px 0}.pictures figure{flex:1;margin:0}"
    ".pictures figcaption{color:#1f3a5f;font-weight:bold;font-size:8.5pt;margin-bottom:4px}"
    ".annex{page-break-before:always}.note{color:#555;font-size:8.5pt}.none{color:#555;font-style:italic}"
    ".digest{font-family:'DejaVu Sans Mono',monospace;font-size:8.5pt;word-break:break-all}"
    ".sign{display:flex;gap:16px;margin-top:18px;page-break-inside:avoid}.sign div{flex:1;border:1px solid #999;"
    "height:80px;padding:6px 10px}";

static void chtml_summary(FILE *f, const cview *v, report_lang l)
{
    ccontent_row rows[CCONTENT_ROWS];
    size_t n = ccontent_summary_rows(v, l, rows);
    fprintf(f, "<h2>%s</h2>\n<table class=\"summary\"><tbody>\n", TR(l, "Synthèse", "Summary"));
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<tr>");
        html_cell(f, "td", "kv", rows[i].label);
        html_cell(f, "td", rows[i].style == 1 ? "met" : rows[i].style == 2 ? "missed" : NULL, rows[i].value);
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</tbody></table>\n");
}

static void chtml_penalty_bar(FILE *f, const cview *v, report_lang l)
{
    const cview_summary *s = &v->sum;
    fprintf(f, "<figure><figcaption>%s</figcaption>",
            TR(l, "Pénalités : pannes de NRO et liens propres", "Penalties: NRO failures and single links"));
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 300 80\" width=\"100%%\" role=\"img\">");
    if (!(s->penalties > 0)) {
        fprintf(f, "<rect x=\"0\" y=\"4\" width=\"300\" height=\"26\" fill=\"#eee\"/><text x=\"150\" y=\"21\" "
                   "text-anchor=\"middle\" font-size=\"9\" fill=\"#666\">%s</text></svg></figure>",
                TR(l, "aucune pénalité ce mois", "no penalty this month"));
        return;
    }
    double wn = 300 * s->penalties_nro / s->penalties;
    fprintf(f, "<rect x=\"0\" y=\"4\" width=\"%.1f\" height=\"26\" fill=\"#1f3a5f\"/>", wn);
    fprintf(f, "<rect x=\"%.1f\" y=\"4\" width=\"%.1f\" height=\"26\" fill=\"#d9731a\"/>", wn, 300 - wn);
    const char *who[2] = {TR(l, "Pannes de NRO", "NRO failures"), TR(l, "Liens propres", "Single links")};
    const double amount[2] = {s->penalties_nro, s->penalties_link};
    for (int i = 0; i < 2; i++) {
        char m[48], sh[32];
        ccontent_money(l, amount[i], m, sizeof m);
        ccontent_share(l, amount[i], s->penalties, sh, sizeof sh);
        fprintf(f, "<rect x=\"0\" y=\"%d\" width=\"8\" height=\"8\" fill=\"%s\"/><text x=\"12\" y=\"%d\" font-size=\"9\">",
                42 + 16 * i, i ? "#d9731a" : "#1f3a5f", 50 + 16 * i);
        html_text(f, who[i]);
        fprintf(f, "%s", l == REPORT_LANG_FR ? " : " : ": ");
        html_text(f, m);
        fprintf(f, " (");
        html_text(f, sh);
        fprintf(f, ")</text>");
    }
    fprintf(f, "</svg></figure>");
}

static void chtml_distribution(FILE *f, const cview *v, report_lang l)
{
    fprintf(f, "<figure><figcaption>%s</figcaption>", TR(l, "Répartition des sites par disponibilité", "Sites by availability"));
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 300 110\" width=\"100%%\" role=\"img\">");
    size_t top = 1;
    for (int b = 0; b < CVIEW_BANDS; b++)
        top = v->bands[b] > top ? v->bands[b] : top;
    double slot = 300.0 / CVIEW_BANDS, bw = slot * 0.62, h = 72;
    for (int b = 0; b < CVIEW_BANDS; b++) {
        double bh = h * (double)v->bands[b] / (double)top, x = slot * b + (slot - bw) / 2;
        char lab[64];
        ccontent_band_label(v, l, b, lab, sizeof lab);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", x, 86 - bh, bw, bh,
                b <= 1 ? "#1b5e20" : b == 5 ? "#757575" : "#b71c1c");
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"8\">%zu</text>", x + bw / 2, 83 - bh,
                v->bands[b]);
        fprintf(f, "<text x=\"%.1f\" y=\"100\" text-anchor=\"middle\" font-size=\"6.5\" fill=\"#555\">", slot * b + slot / 2);
        html_text(f, lab);
        fprintf(f, "</text>");
    }
    fprintf(f, "</svg></figure>");
}

static void chtml_communes(FILE *f, const cview *v, report_lang l)
{
    fprintf(f, "<h2>%s</h2>\n<table class=\"communes\"><thead><tr>", TR(l, "Totaux par commune", "Totals per commune"));
    const char *heads[] = {TR(l, "Commune", "Commune"), TR(l, "Sites", "Sites"), TR(l, "Non atteint", "Missed"),
                           TR(l, "Disponibilité", "Availability"), TR(l, "Incidents", "Incidents"),
                           TR(l, "Dépassements", "Breaches"), TR(l, "Pénalités", "Penalties"), TR(l, "dont NRO", "of which NRO")};
    for (int i = 0; i < 8; i++)
        html_cell(f, "th", i ? "num" : NULL, heads[i]);
    fprintf(f, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < v->ncommunes; i++) {
        const cview_commune *m = &v->communes[i];
        char b[64];
        fprintf(f, "<tr>");
        html_cell(f, "td", NULL, m->commune);
        fprintf(f, "<td class=\"num\">%lld</td><td class=\"num%s\">%lld</td>", (long long)m->sites,
                m->not_met ? " missed" : "", (long long)m->not_met);
        report_render_availability(l, m->availability, b, sizeof b);
        html_cell(f, "td", "num", b);
        fprintf(f, "<td class=\"num\">%lld</td><td class=\"num%s\">%lld</td>", (long long)m->incidents,
                m->breaches ? " missed" : "", (long long)m->breaches);
        ccontent_money(l, m->penalty, b, sizeof b);
        html_cell(f, "td", "num", b);
        ccontent_money(l, m->penalty_nro, b, sizeof b);
        html_cell(f, "td", "num", b);
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</tbody></table>\n");
}

static void chtml_sites(FILE *f, const cview *v, report_lang l, bool only_exceptions, const char *cls)
{
    size_t n = 0;
    for (size_t i = 0; i < v->nsites; i++)
        n += !only_exceptions || cview_site_exception(&v->sites[i]);
    if (n == 0) {
        fprintf(f, "<p class=\"none\">%s</p>\n", TR(l, "Aucun site sous l'objectif ni aucun dépassement de la GTR ce mois.",
                                                     "No site below its target and no GTR breach this month."));
        return;
    }
    fprintf(f, "<table class=\"%s\"><thead><tr>", cls);
    const char *heads[] = {TR(l, "Site", "Site"), TR(l, "Commune", "Commune"), TR(l, "Catégorie", "Category"), "NRO",
                           TR(l, "Disponibilité", "Availability"), TR(l, "Incidents", "Incidents"),
                           TR(l, "Dépassements", "Breaches"), TR(l, "Pénalité", "Penalty")};
    for (int i = 0; i < 8; i++)
        html_cell(f, "th", i >= 4 ? "num" : NULL, heads[i]);
    fprintf(f, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < v->nsites; i++) {
        const cview_site *s = &v->sites[i];
        if (only_exceptions && !cview_site_exception(s))
            continue;
        char b[220];
        snprintf(b, sizeof b, strcmp(s->name, s->id) ? "%s (%s)" : "%s", s->name, s->id);
        fprintf(f, "<tr>");
        html_cell(f, "td", NULL, b);
        html_cell(f, "td", NULL, s->commune);
        html_cell(f, "td", NULL, ccontent_category(l, s->category));
        html_cell(f, "td", NULL, s->nro);
        report_render_availability(l, s->availability, b, sizeof b);
        html_cell(f, "td", chtml_status(s->status), b);
        fprintf(f, "<td class=\"num\">%lld</td><td class=\"num%s\">%lld</td>", (long long)s->incidents,
                s->breaches ? " missed" : "", (long long)s->breaches);
        ccontent_money(l, s->penalty, b, sizeof b);
        html_cell(f, "td", "num", b);
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</tbody></table>\n");
}

static void chtml_incidents(FILE *f, const cview *v, report_lang l)
{
    fprintf(f, "<h2>%s</h2>\n", TR(l, "Incidents et GTR", "Incidents against the GTR"));
    if (v->nincidents == 0) {
        fprintf(f, "<p class=\"none\">%s</p>\n", TR(l, "Aucun incident sur la période.", "No incident in the period."));
        return;
    }
    fprintf(f, "<table class=\"incidents\"><thead><tr>");
    const char *heads[] = {TR(l, "Site", "Site"), TR(l, "Début", "Start"), TR(l, "Rétabli", "Restored"),
                           TR(l, "Durée", "Duration"), TR(l, "Échéance GTR", "GTR deadline"), TR(l, "Dépassement", "Overrun"),
                           TR(l, "Pénalité", "Penalty"), TR(l, "Attribution", "Attributed to"), TR(l, "Cause", "Cause")};
    for (int i = 0; i < 9; i++)
        html_cell(f, "th", i == 3 || i == 5 || i == 6 ? "num" : NULL, heads[i]);
    fprintf(f, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < v->nincidents; i++) {
        const cview_incident *in = &v->incidents[i];
        char b[256], who[96];
        fprintf(f, "<tr%s>", in->breach ? " class=\"breach\"" : "");
        html_cell(f, "td", NULL, in->site);
        report_render_time(l, in->start, v->timezone, b, sizeof b);
        html_cell(f, "td", NULL, b);
        if (in->restored)
            report_render_time(l, in->restored, v->timezone, b, sizeof b);
        html_cell(f, "td", NULL, in->restored ? b : TR(l, "en cours", "ongoing"));
        report_render_duration(l, (double)in->duration, b, sizeof b);
        html_cell(f, "td", "num", b);
        report_render_time(l, in->gtr_deadline, v->timezone, b, sizeof b);
        html_cell(f, "td", NULL, b);
        report_render_duration(l, (double)in->overrun, b, sizeof b);
        html_cell(f, "td", in->breach ? "num missed" : "num met", in->breach ? b : TR(l, "dans la GTR", "within GTR"));
        ccontent_money(l, in->penalty, b, sizeof b);
        html_cell(f, "td", "num", b);
        html_cell(f, "td", in->attributed_to ? "nro" : NULL, ccontent_attribution(l, in, who, sizeof who));
        html_cell(f, "td", NULL, in->cause);
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</tbody></table>\n");
}

static void chtml_kv(FILE *f, const char *k, const char *v, const char *cls)
{
    fprintf(f, "<tr>");
    html_cell(f, "td", "kv", k);
    html_cell(f, "td", cls, v);
    fprintf(f, "</tr>\n");
}

static void chtml_sources(FILE *f, const cview *v, report_lang l, const char *month)
{
    char until[48], gen[64], terms[512], contract[200];
    report_render_time(l, v->counted_until, v->timezone, until, sizeof until);
    i18n_long_time(l, v->generated_at, gen, sizeof gen);
    ccontent_terms(v, l, terms, sizeof terms);
    snprintf(contract, sizeof contract, "%s (%s)", cview_label(v, l), v->contract);
    fprintf(f, "<h2>%s</h2>\n<table><tbody>\n", TR(l, "Données du calcul", "What the figures were computed from"));
    chtml_kv(f, TR(l, "Contrat", "Contract"), contract, NULL);
    chtml_kv(f, TR(l, "Conditions", "Terms"), terms, NULL);
    chtml_kv(f, TR(l, "Période", "Period"), month, NULL);
    chtml_kv(f, TR(l, "Compté jusqu'au", "Counted until"), until, NULL);
    chtml_kv(f, TR(l, "Fuseau horaire", "Time zone"), v->timezone, NULL);
    chtml_kv(f, TR(l, "Logiciel", "Software"), v->software, NULL);
    chtml_kv(f, TR(l, "Établi le", "Generated on"), gen, NULL);
    chtml_kv(f, TR(l, "Empreinte SHA-256 des chiffres", "SHA-256 digest of the figures"), v->digest, "digest");
    fprintf(f, "</tbody></table>\n<div class=\"sign\"><div><b>%s</b></div><div><b>%s</b></div></div>\n",
            TR(l, "Établi par", "Prepared by"), TR(l, "Visa du délégataire", "Acknowledged by the délégataire"));
}

/* The head (title, generator, digest, style) and the cover. */
static void chtml_head(FILE *f, const cview *v, report_lang l, const char *month)
{
    char terms[512];
    ccontent_terms(v, l, terms, sizeof terms);
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>", TR(l, "fr", "en"));
    html_text(f, ccontent_title(l, false));
    fprintf(f, " – ");
    html_text(f, cview_label(v, l));
    fprintf(f, " – ");
    html_text(f, month);
    fprintf(f, "</title><meta name=\"generator\" content=\"");
    html_text(f, v->software);
    fprintf(f, "\"><meta name=\"digest\" content=\"%s\"><style>%s</style></head><body>\n", v->digest, chtml_css);
    fprintf(f, "<header class=\"cover\"><h1>%s</h1><p>", ccontent_title(l, false));
    html_text(f, cview_label(v, l));
    fprintf(f, " – ");
    html_text(f, month);
    fprintf(f, "</p><p class=\"terms\">");
    html_text(f, terms);
    fprintf(f, "</p></header>\n");
}

vg_code contract_html(const cview *v, report_lang l, report_render_out *out, vg_err *err)
{
    report_buf b;
    vg_code rc = report_buf_open(&b, err);
    if (rc != VG_OK)
        return rc;
    FILE *f = b.f;
    char month[48];
    i18n_period_words(l, v->period, month, sizeof month);
    chtml_head(f, v, l, month);
    chtml_summary(f, v, l);
    fprintf(f, "<div class=\"pictures\">");
    chtml_penalty_bar(f, v, l);
    chtml_distribution(f, v, l);
    fprintf(f, "</div>\n");
    chtml_communes(f, v, l);
    fprintf(f, "<h2>%s</h2>\n", TR(l, "Sites sous l'objectif ou avec dépassement de la GTR",
                                   "Sites below their target or with a GTR breach"));
    chtml_sites(f, v, l, true, "exceptions");
    chtml_incidents(f, v, l);
    chtml_sources(f, v, l, month);
    fprintf(f, "<section class=\"annex\"><h2>%s</h2><p class=\"note\">%s</p>\n", TR(l, "Annexe – tous les sites", "Annex – every site"),
            TR(l, "Du moins disponible au plus disponible.", "From the least available to the most."));
    chtml_sites(f, v, l, false, "annex-sites");
    fprintf(f, "</section>\n</body></html>\n");
    return report_buf_close(&b, out, err);
}

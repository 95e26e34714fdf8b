/* The délégataire's report as PDF, laid out with pdf_layout.h: the first page is the summary (the
 * contract's terms, the figures, a bar of the penalties split NRO failures / single links and the
 * distribution of the sites' availability), then the per-commune totals, the sites that missed their
 * target or had a breach, the incidents against the GTR, what the figures were computed from and the
 * signatures; the annex lists every site. */
#include "config.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/contract_content.h"
#include "report/contract_formats.h"
#include "report/formats.h"
#include "report/i18n.h"
#include "report/pdf_doc.h"
#include "report/pdf_layout.h"

#define CPDF_CHART_H 118.0
static const pdf_rgb CPDF_ORANGE = {0.85, 0.45, 0.10};

static int cpdf_status_style(content_status st)
{
    return st == CONTENT_MET ? PDF_MET : st == CONTENT_MISSED ? PDF_MISSED : PDF_NODATA;
}

static void cpdf_cover(pdf_layout *p, const cview *v, const char *month)
{
    report_lang l = p->l;
    char terms[512];
    pdf_rect(p, 0, 0, PDF_PW, 150, PDF_NAVY);
    pdf_text(p, PDF_ML, 34, PDF_CW, ccontent_title(l, true), "DejaVu Sans Bold 20", PDF_WHITE, PDF_LEFT, true);
    pdf_text(p, PDF_ML, 64, PDF_CW, cview_label(v, l), "DejaVu Sans 15", PDF_WHITE, PDF_LEFT, true);
    pdf_text(p, PDF_ML, 88, PDF_CW, month, "DejaVu Sans 13", PDF_WHITE, PDF_LEFT, true);
    ccontent_terms(v, l, terms, sizeof terms);
    pdf_text(p, PDF_ML, 114, PDF_CW, terms, "DejaVu Sans 8.5", PDF_WHITE, PDF_LEFT, true);
    p->y = 166;
}

static void cpdf_summary(pdf_layout *p, const cview *v)
{
    report_lang l = p->l;
    ccontent_row rows[CCONTENT_ROWS];
    size_t n = ccontent_summary_rows(v, l, rows);
    pdf_heading(p, TR(l, "Synthèse", "Summary"), true);
    static const pdf_col kv[] = {{NULL, 0.3, PDF_LEFT, false}, {NULL, 1, PDF_LEFT, true}};
    const char *cells[2 * CCONTENT_ROWS];
    int styles[2 * CCONTENT_ROWS];
    for (size_t i = 0; i < n; i++) {
        cells[2 * i] = rows[i].label;
        cells[2 * i + 1] = rows[i].value;
        styles[2 * i] = PDF_BOLD;
        styles[2 * i + 1] = rows[i].style == 1 ? PDF_MET : rows[i].style == 2 ? PDF_MISSED : PDF_PLAIN;
    }
    pdf_table(p, kv, 2, cells, styles, n);
}

/* The penalties as one bar, NRO failures then single links, each with its amount and share. */
static void cpdf_penalty_bar(pdf_layout *p, const cview *v, double x, double y, double w)
{
    report_lang l = p->l;
    const cview_summary *s = &v->sum;
    pdf_text(p, x, y, w, TR(l, "Pénalités : pannes de NRO et liens propres", "Penalties: NRO failures and single links"),
             "DejaVu Sans Bold 8", PDF_NAVY, PDF_LEFT, true);
    double by = y + 18, bh = 26;
    if (!(s->penalties > 0)) {
        pdf_rect(p, x, by, w, bh, PDF_NA_BG);
        pdf_text(p, x, by + 7, w, TR(l, "aucune pénalité ce mois", "no penalty this month"), "DejaVu Sans 8", PDF_GREY,
                 PDF_CENTER, true);
        return;
    }
    double wn = w * s->penalties_nro / s->penalties;
    pdf_rect(p, x, by, wn, bh, PDF_NAVY);
    pdf_rect(p, x + wn, by, w - wn, bh, CPDF_ORANGE);
    const char *who[2] = {TR(l, "Pannes de NRO", "NRO failures"), TR(l, "Liens propres", "Single links")};
    const double amount[2] = {s->penalties_nro, s->penalties_link};
    const pdf_rgb col[2] = {PDF_NAVY, CPDF_ORANGE};
    for (int i = 0; i < 2; i++) {
        char m[48], sh[32], line[160];
        ccontent_money(l, amount[i], m, sizeof m);
        ccontent_share(l, amount[i], s->penalties, sh, sizeof sh);
        snprintf(line, sizeof line, "%s : %s (%s)", who[i], m, sh);
        if (l == REPORT_LANG_EN)
            snprintf(line, sizeof line, "%s: %s (%s)", who[i], m, sh);
        double ly = by + bh + 8 + 13 * i;
        pdf_rect(p, x, ly + 2, 8, 8, col[i]);
        pdf_text(p, x + 12, ly, w - 12, line, "DejaVu Sans 8", PDF_TEXT, PDF_LEFT, true);
    }
}

/* The sites per availability band, as vertical bars with their count. */
static void cpdf_distribution(pdf_layout *p, const cview *v, double x, double y, double w)
{
    report_lang l = p->l;
    pdf_text(p, x, y, w, TR(l, "Répartition des sites par disponibilité", "Sites by availability"), "DejaVu Sans Bold 8",
             PDF_NAVY, PDF_LEFT, true);
    size_t top = 1;
    for (int b = 0; b < CVIEW_BANDS; b++)
        top = v->bands[b] > top ? v->bands[b] : top;
    double y0 = y + 26, h = CPDF_CHART_H - 52, slot = w / CVIEW_BANDS, bw = slot * 0.62;
    pdf_hline(p, x, y0 + h, w, PDF_LINE, 0.6);
    for (int b = 0; b < CVIEW_BANDS; b++) {
        double bx = x + slot * b + (slot - bw) / 2, bh = h * (double)v->bands[b] / (double)top;
        pdf_rect(p, bx, y0 + h - bh, bw, bh > 0.5 || !v->bands[b] ? bh : 0.5, b <= 1 ? PDF_OK : b == 5 ? PDF_GREY : PDF_BAD);
        char n[24], lab[64];
        snprintf(n, sizeof n, "%zu", v->bands[b]);
        pdf_text(p, bx - 6, y0 + h - bh - 11, bw + 12, n, "DejaVu Sans 7", PDF_TEXT, PDF_CENTER, true);
        ccontent_band_label(v, l, b, lab, sizeof lab);
        pdf_text(p, x + slot * b, y0 + h + 3, slot, lab, "DejaVu Sans 6", PDF_GREY, PDF_CENTER, true);
    }
}

static void cpdf_pictures(pdf_layout *p, const cview *v)
{
    pdf_need(p, CPDF_CHART_H + 10);
    double half = (PDF_CW - 24) / 2;
    cpdf_penalty_bar(p, v, PDF_ML, p->y + 4, half);
    cpdf_distribution(p, v, PDF_ML + half + 24, p->y + 4, half);
    p->y += CPDF_CHART_H + 6;
}

static void cpdf_communes(pdf_layout *p, const cview *v)
{
    report_lang l = p->l;
    pdf_heading(p, TR(l, "Totaux par commune", "Totals per commune"), true);
    pdf_cells c;
    if (v->ncommunes == 0 || pdf_cells_init(&c, v->ncommunes * 8) != 0)
        return;
    pdf_col cols[] = {{TR(l, "Commune", "Commune"), 1, PDF_LEFT, true},
                      {TR(l, "Sites", "Sites"), 0.07, PDF_RIGHT, false},
                      {TR(l, "Non atteint", "Missed"), 0.09, PDF_RIGHT, false},
                      {TR(l, "Disponibilité", "Availability"), 0.12, PDF_RIGHT, false},
                      {TR(l, "Incidents", "Incidents"), 0.08, PDF_RIGHT, false},
                      {TR(l, "Dépassements", "Breaches"), 0.1, PDF_RIGHT, false},
                      {TR(l, "Pénalités", "Penalties"), 0.1, PDF_RIGHT, false},
                      {TR(l, "dont NRO", "of which NRO"), 0.1, PDF_RIGHT, false}};
    for (size_t i = 0; i < v->ncommunes; i++) {
        const cview_commune *m = &v->communes[i];
        char b[64];
        pdf_cell(&c, m->commune, PDF_PLAIN);
        snprintf(b, sizeof b, "%lld", (long long)m->sites);
        pdf_cell(&c, b, PDF_PLAIN);
        snprintf(b, sizeof b, "%lld", (long long)m->not_met);
        pdf_cell(&c, b, m->not_met ? PDF_MISSED : PDF_PLAIN);
        report_render_availability(l, m->availability, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        snprintf(b, sizeof b, "%lld", (long long)m->incidents);
        pdf_cell(&c, b, PDF_PLAIN);
        snprintf(b, sizeof b, "%lld", (long long)m->breaches);
        pdf_cell(&c, b, m->breaches ? PDF_MISSED : PDF_PLAIN);
        ccontent_money(l, m->penalty, b, sizeof b);
        pdf_cell(&c, b, PDF_BOLD);
        ccontent_money(l, m->penalty_nro, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
    }
    pdf_table(p, cols, 8, c.cells, c.styles, v->ncommunes);
    pdf_cells_free(&c);
}

/* A table of sites (the exceptions, or all of them in the annex). */
static void cpdf_sites(pdf_layout *p, const cview *v, bool only_exceptions)
{
    report_lang l = p->l;
    size_t n = 0;
    for (size_t i = 0; i < v->nsites; i++)
        n += !only_exceptions || cview_site_exception(&v->sites[i]);
    if (n == 0) {
        pdf_para(p, TR(l, "Aucun site sous l'objectif ni aucun dépassement de la GTR ce mois.",
                       "No site below its target and no GTR breach this month."),
                 "DejaVu Sans Oblique 8.5", PDF_GREY);
        return;
    }
    pdf_cells c;
    if (pdf_cells_init(&c, n * 9) != 0)
        return;
    /* the id and the name in columns of their own: a site a line, 1,200 sites in about 25 pages */
    pdf_col cols[] = {{TR(l, "Site", "Site"), 0.1, PDF_LEFT, false},
                      {TR(l, "Nom", "Name"), 0.55, PDF_LEFT, true},
                      {TR(l, "Commune", "Commune"), 0.45, PDF_LEFT, true},
                      {TR(l, "Catégorie", "Category"), 0.1, PDF_LEFT, false},
                      {"NRO", 0.1, PDF_LEFT, false},
                      {TR(l, "Disponibilité", "Availability"), 0.1, PDF_RIGHT, false},
                      {TR(l, "Incid.", "Incid."), 0.07, PDF_RIGHT, false},
                      {TR(l, "Dépass.", "Breaches"), 0.07, PDF_RIGHT, false},
                      {TR(l, "Pénalité", "Penalty"), 0.09, PDF_RIGHT, false}};
    for (size_t i = 0; i < v->nsites; i++) {
        const cview_site *s = &v->sites[i];
        if (only_exceptions && !cview_site_exception(s))
            continue;
        char b[220];
        pdf_cell(&c, s->id, PDF_PLAIN);
        pdf_cell(&c, s->name, PDF_PLAIN);
        pdf_cell(&c, s->commune, PDF_PLAIN);
        pdf_cell(&c, ccontent_category(l, s->category), PDF_PLAIN);
        pdf_cell(&c, s->nro, PDF_PLAIN);
        report_render_availability(l, s->availability, b, sizeof b);
        pdf_cell(&c, b, cpdf_status_style(s->status));
        snprintf(b, sizeof b, "%lld", (long long)s->incidents);
        pdf_cell(&c, b, PDF_PLAIN);
        snprintf(b, sizeof b, "%lld", (long long)s->breaches);
        pdf_cell(&c, b, s->breaches ? PDF_MISSED : PDF_PLAIN);
        ccontent_money(l, s->penalty, b, sizeof b);
        pdf_cell(&c, b, s->penalty > 0 ? PDF_BOLD : PDF_PLAIN);
    }
    pdf_table(p, cols, 9, c.cells, c.styles, n);
    pdf_cells_free(&c);
}

static void cpdf_incidents(pdf_layout *p, const cview *v)
{
    report_lang l = p->l;
    pdf_heading(p, TR(l, "Incidents et GTR", "Incidents against the GTR"), true);
    if (v->nincidents == 0) {
        pdf_para(p, TR(l, "Aucun incident sur la période.", "No incident in the period."), "DejaVu Sans Oblique 8.5", PDF_GREY);
        return;
    }
    pdf_cells c;
    if (pdf_cells_init(&c, v->nincidents * 8) != 0)
        return;
    pdf_col cols[] = {{TR(l, "Site", "Site"), 0.6, PDF_LEFT, true},
                      {TR(l, "Début", "Start"), 0.13, PDF_LEFT, false},
                      {TR(l, "Rétabli", "Restored"), 0.13, PDF_LEFT, false},
                      {TR(l, "Durée", "Duration"), 0.09, PDF_RIGHT, false},
                      {TR(l, "Échéance GTR", "GTR deadline"), 0.13, PDF_LEFT, false},
                      {TR(l, "Dépassement", "Overrun"), 0.1, PDF_RIGHT, false},
                      {TR(l, "Pénalité", "Penalty"), 0.08, PDF_RIGHT, false},
                      {TR(l, "Attribution", "Attributed to"), 0.4, PDF_LEFT, false}};
    for (size_t i = 0; i < v->nincidents; i++) {
        const cview_incident *in = &v->incidents[i];
        char b[256];
        pdf_cell(&c, in->site, PDF_PLAIN);
        report_render_time(l, in->start, v->timezone, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        if (in->restored)
            report_render_time(l, in->restored, v->timezone, b, sizeof b);
        else
            snprintf(b, sizeof b, "%s", TR(l, "en cours", "ongoing"));
        pdf_cell(&c, b, PDF_PLAIN);
        report_render_duration(l, (double)in->duration, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        report_render_time(l, in->gtr_deadline, v->timezone, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        if (in->breach)
            report_render_duration(l, (double)in->overrun, b, sizeof b);
        else
            snprintf(b, sizeof b, "%s", TR(l, "dans la GTR", "within GTR"));
        pdf_cell(&c, b, in->breach ? PDF_MISSED : PDF_MET);
        ccontent_money(l, in->penalty, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        char who[96];
        pdf_cell(&c, ccontent_attribution(l, in, who, sizeof who), in->attributed_to ? PDF_BOLD : PDF_PLAIN);
    }
    pdf_table(p, cols, 8, c.cells, c.styles, v->nincidents);
    pdf_cells_free(&c);
}

static void cpdf_sources(pdf_layout *p, const cview *v, const char *month)
{
    report_lang l = p->l;
    pdf_heading(p, TR(l, "Données du calcul", "What the figures were computed from"), true);
    static const pdf_col kv[] = {{NULL, 0.3, PDF_LEFT, false}, {NULL, 1, PDF_LEFT, true}};
    char until[48], gen[64], terms[512], contract[200];
    report_render_time(l, v->counted_until, v->timezone, until, sizeof until);
    i18n_long_time(l, v->generated_at, gen, sizeof gen);
    ccontent_terms(v, l, terms, sizeof terms);
    snprintf(contract, sizeof contract, "%s (%s)", cview_label(v, l), v->contract);
    const char *cells[] = {TR(l, "Contrat", "Contract"), contract, TR(l, "Conditions", "Terms"), terms,
                           TR(l, "Période", "Period"), month, TR(l, "Compté jusqu'au", "Counted until"), until,
                           TR(l, "Fuseau horaire", "Time zone"), v->timezone, TR(l, "Logiciel", "Software"), v->software,
                           TR(l, "Établi le", "Generated on"), gen,
                           TR(l, "Empreinte SHA-256 des chiffres", "SHA-256 digest of the figures"), v->digest};
    int styles[16];
    for (int i = 0; i < 16; i++)
        styles[i] = i % 2 ? (i == 15 ? PDF_MONO : PDF_PLAIN) : PDF_BOLD;
    pdf_table(p, kv, 2, cells, styles, 8);
    pdf_para(p, TR(l, "Une pénalité compte chaque heure entamée au-delà de l'échéance de la GTR, dans les heures du "
                      "calendrier du contrat. Un incident est attribué à un NRO quand son NRO était en panne à son début ; "
                      "il compte pour le site, et sa pénalité est rangée dans la part des pannes de NRO.",
                   "A penalty counts every started hour beyond the GTR deadline, in the hours of the contract's calendar. "
                   "An incident is attributed to an NRO when its NRO was down as it began; it counts for the site, and its "
                   "penalty goes to the NRO failures' share."),
             "DejaVu Sans 7.5", PDF_GREY);
    double bh = 80, bw = (PDF_CW - 16) / 2;
    pdf_need(p, bh + 16);
    double y = p->y + 8;
    const char *who[2] = {TR(l, "Établi par", "Prepared by"), TR(l, "Visa du délégataire", "Acknowledged by the délégataire")};
    for (int i = 0; i < 2; i++) {
        double x = PDF_ML + i * (bw + 16);
        cairo_set_source_rgb(p->cr, 0.55, 0.55, 0.55);
        cairo_set_line_width(p->cr, 0.7);
        cairo_rectangle(p->cr, x, y, bw, bh);
        cairo_stroke(p->cr);
        pdf_text(p, x + 8, y + 6, bw - 16, who[i], "DejaVu Sans Bold 9", PDF_NAVY, PDF_LEFT, true);
        pdf_text(p, x + 8, y + 26, bw - 16, TR(l, "Nom, date, signature :", "Name, date, signature:"), "DejaVu Sans 8",
                 PDF_GREY, PDF_LEFT, true);
    }
    p->y = y + bh;
}

typedef struct {
    const cview *v;
    const char *month;
} cpdf_doc;

/* The whole document (pdf_doc.h draws it twice). */
static void cpdf_draw(pdf_layout *p, const void *arg)
{
    const cview *v = ((const cpdf_doc *)arg)->v;
    const char *month = ((const cpdf_doc *)arg)->month;
    report_lang l = p->l;
    pdf_page_furniture(p, true);
    cpdf_cover(p, v, month);
    cpdf_summary(p, v);
    cpdf_pictures(p, v);
    cpdf_communes(p, v);
    pdf_heading(p, TR(l, "Sites sous l'objectif ou avec dépassement de la GTR", "Sites below their target or with a GTR breach"),
                true);
    cpdf_sites(p, v, true);
    cpdf_incidents(p, v);
    cpdf_sources(p, v, month);
    pdf_new_page(p);
    pdf_heading(p, TR(l, "Annexe – tous les sites", "Annex – every site"), true);
    pdf_para(p, TR(l, "Du moins disponible au plus disponible.", "From the least available to the most."),
             "DejaVu Sans 8", PDF_GREY);
    cpdf_sites(p, v, false);
}

vg_code contract_pdf(const cview *v, report_lang l, report_render_out *out, vg_err *err)
{
    char month[48], running[300];
    i18n_period_words(l, v->period, month, sizeof month);
    snprintf(running, sizeof running, "%s – %s – %s", ccontent_title(l, false), cview_label(v, l), month);
    pdf_layout like = {.l = l, .running = running, .digest = v->digest, .software = v->software};
    cpdf_doc d = {v, month};
    return pdf_doc_render(&like, v->generated_at, cpdf_draw, &d, out, err);
}

/* The PDF report's pages: the cover (summary of every site, what the figures were computed from,
 * where the signatures go), then a page or more per site (figures, services, incidents, maintenance
 * windows, graphs), laid out with pdf_layout.h. */
#include "config.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <librsvg/rsvg.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "report/content.h"
#include "report/formats.h"
#include "report/graphs.h"
#include "report/i18n.h"
#include "report/pdf_doc.h"
#include "report/pdf_energy.h"
#include "report/pdf_selftests.h"
#include "report/pdf_layout.h"
#include "report/report_changes.h"

static int pages_status_style(content_status st)
{
    return st == CONTENT_MET ? PDF_MET : st == CONTENT_MISSED ? PDF_MISSED : PDF_NODATA;
}

/* Draws graph k of the site into the page, as vector paths, in the box (x, y, w, h). Which graphs a
 * site has is known before the layout (their size is fixed); each is drawn, as SVG, only when its
 * page is painted, and freed at once: a month of vector graphs is never held (300 of them weigh
 * some 25 MB). */
static void pages_graph(pdf_layout *p, const report_graphs *g, const report_view_site *s, size_t k, double x,
                        double y, double w, double h)
{
    store_graph_image img;
    vg_err err;
    if (report_graphs_draw(g, k, STORE_GRAPH_SVG, &img, &err) != VG_OK) {
        log_warn("report", "site %s: graph '%s' not drawn: %s", s->id, report_graphs_title(g, k), err.msg);
        return;
    }
    GError *e = NULL;
    RsvgHandle *rh = rsvg_handle_new_from_data(img.data, img.len, &e);
    RsvgRectangle box = {x, y, w, h};
    if (!rh || !rsvg_handle_render_document(rh, p->cr, &box, &e))
        log_warn("report", "site %s: graph '%s' not drawn: %s", s->id, report_graphs_title(g, k),
                 e ? e->message : "unknown error");
    if (e)
        g_error_free(e);
    if (rh)
        g_object_unref(rh);
    free(img.data);
}

static void pages_cover(pdf_layout *p, const report_view *doc, const content_facts *fa)
{
    report_lang l = p->l;
    char text[1024], tg[48];
    pdf_rect(p, 0, 0, PDF_PW, 150, PDF_NAVY);
    pdf_text(p, PDF_ML, 40, PDF_CW, TR(l, "RAPPORT MENSUEL DE DISPONIBILITÉ", "MONTHLY AVAILABILITY REPORT"),
             "DejaVu Sans Bold 20", PDF_WHITE, PDF_LEFT, true);
    pdf_text(p, PDF_ML, 72, PDF_CW, fa->month, "DejaVu Sans 17", PDF_WHITE, PDF_LEFT, true);
    report_render_target(l, fa->target, tg, sizeof tg);
    if (fa->same_target)
        snprintf(text, sizeof text, TR(l, "%zu site(s) – objectif de disponibilité %s par site%s",
                                       "%zu site(s) – availability target %s per site%s"),
                 fa->nsites, tg, fabs(fa->target - 99.982) < 1e-9 ? " (Tier III)" : "");
    else
        snprintf(text, sizeof text, TR(l, "%zu site(s) – objectif propre à chaque site", "%zu site(s) – each with its own target"),
                 fa->nsites);
    pdf_text(p, PDF_ML, 108, PDF_CW, text, "DejaVu Sans 10", PDF_WHITE, PDF_LEFT, true);
    p->y = 172;
    pdf_heading(p, TR(l, "Synthèse", "Summary"), true);
    content_summary_line(l, fa, text, sizeof text);
    size_t tn = strlen(text);
    snprintf(text + tn, sizeof text - tn, "%s",
             TR(l, " Sites du moins disponible au plus disponible.", " Sites from the least available to the most."));
    pdf_para(p, text, "DejaVu Sans 9", fa->met + fa->nodata == fa->nsites ? PDF_OK : PDF_BAD);

    static const pdf_col cols_fr[] = {{"Site", 1, PDF_LEFT, true},          {"Disponibilité", 0.12, PDF_RIGHT, false},
                                      {"Objectif", 0.09, PDF_RIGHT, false},    {"Atteint", 0.1, PDF_CENTER, false},
                                      {"Indisponibilité", 0.12, PDF_RIGHT, false}, {"Autorisée", 0.11, PDF_RIGHT, false},
                                      {"Budget consommé", 0.09, PDF_RIGHT, false}, {"Incidents", 0.08, PDF_RIGHT, false},
                                      {"Couverture", 0.1, PDF_RIGHT, false}};
    static const pdf_col cols_en[] = {{"Site", 1, PDF_LEFT, true},          {"Availability", 0.12, PDF_RIGHT, false},
                                      {"Target", 0.09, PDF_RIGHT, false},      {"Met", 0.1, PDF_CENTER, false},
                                      {"Downtime", 0.12, PDF_RIGHT, false},    {"Allowed", 0.11, PDF_RIGHT, false},
                                      {"Budget used", 0.09, PDF_RIGHT, false}, {"Incidents", 0.08, PDF_RIGHT, false},
                                      {"Coverage", 0.1, PDF_RIGHT, false}};
    pdf_cells c;
    size_t nsites = doc->nsites;
    if (pdf_cells_init(&c, nsites * 9) == 0) {
        for (size_t i = 0; i < nsites; i++) {
            const report_view_site *s = &doc->sites[i];
            const report_view_figures *fig = &s->figures;
            content_status st = content_site_status(fig);
            char title[220], v[64];
            content_site_title(s, title, sizeof title);
            pdf_cell(&c, title, PDF_PLAIN);
            report_render_availability(l, fig->availability, v, sizeof v);
            pdf_cell(&c, v, PDF_BOLD);
            report_render_target(l, s->target, v, sizeof v);
            pdf_cell(&c, v, PDF_PLAIN);
            pdf_cell(&c, st == CONTENT_MET ? TR(l, "oui", "yes") : st == CONTENT_MISSED ? TR(l, "non", "no") : TR(l, "insuffisant", "insufficient"),
                     pages_status_style(st));
            report_render_duration(l, (double)fig->downtime, v, sizeof v);
            pdf_cell(&c, v, PDF_PLAIN);
            report_render_duration(l, fig->allowed_downtime, v, sizeof v);
            pdf_cell(&c, v, PDF_PLAIN);
            i18n_pct(l, fig->budget_consumed, 1, v, sizeof v);
            pdf_cell(&c, v, PDF_PLAIN);
            snprintf(v, sizeof v, "%lld", (long long)fig->incidents);
            pdf_cell(&c, v, PDF_PLAIN);
            i18n_pct(l, fig->coverage, 1, v, sizeof v);
            pdf_cell(&c, v, st == CONTENT_NODATA ? pages_status_style(st) : PDF_PLAIN);
        }
        pdf_table(p, l == REPORT_LANG_FR ? cols_fr : cols_en, 9, c.cells, c.styles, nsites);
        pdf_cells_free(&c);
    }

    pdf_heading(p, TR(l, "Données du calcul", "What the figures were computed from"), true);
    static const pdf_col kv[] = {{NULL, 0.3, PDF_LEFT, false}, {NULL, 1, PDF_LEFT, true}};
    if (pdf_cells_init(&c, 16) == 0) {
        pdf_cell(&c, TR(l, "Période", "Period"), PDF_BOLD);
        pdf_cell(&c, fa->month, PDF_PLAIN);
        content_site_list(doc, text, sizeof text);
        pdf_cell(&c, TR(l, "Sites", "Sites"), PDF_BOLD);
        pdf_cell(&c, text, PDF_PLAIN);
        content_zones(doc, text, sizeof text);
        pdf_cell(&c, TR(l, "Fuseau horaire", "Time zone"), PDF_BOLD);
        pdf_cell(&c, text, PDF_PLAIN);
        content_policies(doc, l, text, sizeof text);
        pdf_cell(&c, TR(l, "Période sans données", "Time without data"), PDF_BOLD);
        pdf_cell(&c, text, PDF_PLAIN);
        pdf_cell(&c, TR(l, "Logiciel", "Software"), PDF_BOLD);
        pdf_cell(&c, doc->software, PDF_PLAIN);
        i18n_long_time(l, doc->generated_at, text, sizeof text);
        pdf_cell(&c, TR(l, "Établi le", "Generated on"), PDF_BOLD);
        pdf_cell(&c, text, PDF_PLAIN);
        pdf_cell(&c, TR(l, "Empreinte SHA-256 des chiffres", "SHA-256 digest of the figures"), PDF_BOLD);
        pdf_cell(&c, doc->digest, PDF_MONO);
        pdf_table(p, kv, 2, c.cells, c.styles, c.n / 2);
        pdf_cells_free(&c);
    }
    pdf_para(p,
             TR(l, "L'empreinte porte sur les chiffres du rapport (le document JSON canonique, sans sa date de "
                   "génération) : le recalculer sur les mêmes données redonne les mêmes chiffres et la même empreinte. "
                   "Heures dans le fuseau de chaque site.",
                "The digest covers the figures of the report (the canonical JSON document without its generation "
                "time): computing it again from the same data gives the same figures and the same digest. Times are "
                "in each site's time zone."),
             "DejaVu Sans 7.5", PDF_GREY);

    /* where the signatures go */
    double bh = 92;
    pdf_need(p, bh + 20);
    double y = p->y + 12 > PDF_BOTTOM - bh ? p->y + 12 : PDF_BOTTOM - bh;
    const char *who[2] = {TR(l, "Établi par", "Prepared by"), TR(l, "Visa du délégataire", "Acknowledged by the operator")};
    double bw = (PDF_CW - 16) / 2;
    for (int i = 0; i < 2; i++) {
        double x = PDF_ML + i * (bw + 16);
        cairo_set_source_rgb(p->cr, 0.55, 0.55, 0.55);
        cairo_set_line_width(p->cr, 0.7);
        cairo_rectangle(p->cr, x, y, bw, bh);
        cairo_stroke(p->cr);
        pdf_text(p, x + 8, y + 6, bw - 16, who[i], "DejaVu Sans Bold 9", PDF_NAVY, PDF_LEFT, true);
        pdf_text(p, x + 8, y + 24, bw - 16, TR(l, "Nom :", "Name:"), "DejaVu Sans 8", PDF_GREY, PDF_LEFT, true);
        pdf_text(p, x + 8, y + 40, bw - 16, TR(l, "Date :", "Date:"), "DejaVu Sans 8", PDF_GREY, PDF_LEFT, true);
        pdf_text(p, x + 8, y + 56, bw - 16, TR(l, "Signature :", "Signature:"), "DejaVu Sans 8", PDF_GREY, PDF_LEFT, true);
    }
    p->y = y + bh;
}

/* The site's title with its status on the right, and the line under it. */
static void pages_site_head(pdf_layout *p, const report_view_site *s)
{
    report_lang l = p->l;
    content_status st = content_site_status(&s->figures);
    char title[220], text[1024], badge[64], span[200];
    content_site_title(s, title, sizeof title);
    snprintf(badge, sizeof badge, "%s %s", TR(l, "OBJECTIF", "TARGET"),
             st == CONTENT_MET      ? TR(l, "ATTEINT", "MET")
             : st == CONTENT_MISSED ? TR(l, "NON ATTEINT", "NOT MET")
                                    : TR(l, "DONNÉES INSUFFISANTES", "INSUFFICIENT DATA"));
    PangoLayout *lay = pango_cairo_create_layout(p->cr);
    pango_cairo_context_set_resolution(pango_layout_get_context(lay), 72);
    pango_layout_context_changed(lay);
    PangoFontDescription *fd = pango_font_description_from_string("DejaVu Sans Bold 8.5");
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(lay, badge, -1);
    int tw, th;
    pango_layout_get_size(lay, &tw, &th);
    g_object_unref(lay);
    double bwid = (double)tw / PANGO_SCALE + 16, bhei = (double)th / PANGO_SCALE + 8;
    pdf_rect(p, PDF_ML + PDF_CW - bwid, p->y + 2, bwid, bhei, st == CONTENT_MET ? PDF_OK : st == CONTENT_MISSED ? PDF_BAD : PDF_GREY);
    pdf_text(p, PDF_ML + PDF_CW - bwid + 8, p->y + 6, bwid, badge, "DejaVu Sans Bold 8.5", PDF_WHITE, PDF_LEFT, true);
    double h = pdf_text(p, PDF_ML, p->y, PDF_CW - bwid - 10, title, "DejaVu Sans Bold 15", PDF_NAVY, PDF_LEFT, true);
    p->y += (h > bhei + 4 ? h : bhei + 4) + 2;
    pdf_hline(p, PDF_ML, p->y, PDF_CW, PDF_NAVY, 1.4);
    p->y += 5;
    content_period_span(l, s, span, sizeof span);
    char cov[64];
    content_coverage(l, s->figures.coverage, s->min_coverage, cov, sizeof cov);
    snprintf(text, sizeof text, "%s · %s\n%s %s · %s %s · %s %s", i18n_kind(l, s->kind), span, TR(l, "Fuseau", "Time zone"),
             s->timezone, TR(l, "période sans données :", "time without data:"), i18n_policy(l, s->unknown_policy),
             TR(l, "couverture", "coverage"), cov);
    pdf_para(p, text, "DejaVu Sans 8.5", PDF_GREY);
}

/* The figures: the month and the year to date. */
static void pages_site_figures(pdf_layout *p, const report_view_site *s, const content_facts *fa)
{
    report_lang l = p->l;
    content_fig_row rows[CONTENT_FIG_ROWS];
    size_t nr = content_figure_rows(s, l, rows);
    char yf[24], yt[24], ycol[96];
    i18n_date(l, s->ytd.from, s->timezone, yf, sizeof yf);
    i18n_date(l, s->ytd.to, s->timezone, yt, sizeof yt);
    snprintf(ycol, sizeof ycol, TR(l, "Cumul annuel (%s – %s)", "Year to date (%s – %s)"), yf, yt);
    pdf_heading(p, TR(l, "Indicateurs", "Figures"), false);
    pdf_col fcols[] = {{TR(l, "Indicateur", "Figure"), 1, PDF_LEFT, true}, {fa->month, 0.26, PDF_RIGHT, false},
                       {ycol, 0.36, PDF_RIGHT, false}};
    pdf_cells c;
    if (pdf_cells_init(&c, nr * 3) != 0)
        return;
    for (size_t r = 0; r < nr; r++) {
        pdf_cell(&c, rows[r].label, PDF_PLAIN);
        pdf_cell(&c, rows[r].month, rows[r].style == 1   ? PDF_MET
                                    : rows[r].style == 2 ? PDF_MISSED
                                    : rows[r].style == 3 ? PDF_NODATA
                                    : r == 0             ? PDF_BOLD
                                                         : PDF_PLAIN);
        pdf_cell(&c, rows[r].ytd, PDF_PLAIN);
    }
    pdf_table(p, fcols, 3, c.cells, c.styles, nr);
    pdf_cells_free(&c);
}

static void pages_site_services(pdf_layout *p, const report_view_site *s)
{
    report_lang l = p->l;
    pdf_heading(p, TR(l, "Disponibilité par service", "Availability per service"), false);
    pdf_col scols[] = {{TR(l, "Service", "Service"), 0.22, PDF_LEFT, false},
                       {TR(l, "Disponibilité", "Availability"), 0.16, PDF_RIGHT, false},
                       {TR(l, "Indisponibilité", "Downtime"), 0.16, PDF_RIGHT, false},
                       {TR(l, "Incidents", "Incidents"), 0.12, PDF_RIGHT, false},
                       {TR(l, "Temps inconnu", "Unknown time"), 0.17, PDF_RIGHT, false},
                       {TR(l, "Maintenance", "Maintenance"), 0.17, PDF_RIGHT, false}};
    pdf_cells c;
    if (pdf_cells_init(&c, s->nservices * 6) != 0)
        return;
    for (size_t k = 0; k < s->nservices; k++) {
        const report_view_figures *v = &s->services[k].figures;
        char b[64];
        pdf_cell(&c, i18n_service(p->vocab, l, s->services[k].name), PDF_PLAIN);
        report_render_availability(l, v->availability, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        report_render_duration(l, (double)v->downtime, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        snprintf(b, sizeof b, "%lld", (long long)v->incidents);
        pdf_cell(&c, b, PDF_PLAIN);
        report_render_duration(l, (double)v->unknown, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        report_render_duration(l, (double)v->maintenance, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
    }
    pdf_table(p, scols, 6, c.cells, c.styles, s->nservices);
    pdf_cells_free(&c);
}

static void pages_site_incidents(pdf_layout *p, const report_view_site *s)
{
    report_lang l = p->l;
    pdf_cells c;
    pdf_heading(p, TR(l, "Incidents", "Incidents"), false);
    if (s->nincidents == 0) {
        pdf_para(p, TR(l, "Aucun incident sur la période.", "No incident in the period."), "DejaVu Sans Oblique 8.5", PDF_GREY);
        return;
    }
    if (pdf_cells_init(&c, s->nincidents * 6) != 0)
        return;
    pdf_col icols[] = {{TR(l, "Début", "Start"), 0.15, PDF_LEFT, false},
                       {TR(l, "Fin", "End"), 0.15, PDF_LEFT, false},
                       {TR(l, "Durée", "Duration"), 0.13, PDF_RIGHT, false},
                       {TR(l, "Service(s)", "Service(s)"), 0.3, PDF_LEFT, true},
                       {TR(l, "Cause", "Cause"), 0.7, PDF_LEFT, true},
                       {TR(l, "Exclu", "Excluded"), 0.12, PDF_CENTER, false}};
    for (size_t k = 0; k < s->nincidents; k++) {
        const report_view_incident *in = &s->incidents[k];
        char b[256];
        report_render_time(l, in->start, s->timezone, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        report_render_time(l, in->end, s->timezone, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        report_render_duration(l, (double)in->duration, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        i18n_services(p->vocab, l, in->services, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        pdf_cell(&c, in->cause, PDF_PLAIN);
        pdf_cell(&c, in->excluded ? TR(l, "oui (maintenance)", "yes (maintenance)") : TR(l, "non", "no"),
                 in->excluded ? PDF_NODATA : PDF_PLAIN);
    }
    pdf_table(p, icols, 6, c.cells, c.styles, s->nincidents);
    pdf_cells_free(&c);
}

/* The occurrences cancelled in the period, by whom and when (report_changes.h). */
static void pages_site_cancelled(pdf_layout *p, const report_view_site *s)
{
    for (size_t k = 0; k < s->ncancelled; k++) {
        char line[600];
        report_changes_cancelled_line(p->l, &s->cancelled[k], s->timezone, p->vocab, line, sizeof line);
        pdf_para(p, line, "DejaVu Sans Oblique 8.5", PDF_GREY);
    }
}

static void pages_site_windows(pdf_layout *p, const report_view_site *s)
{
    report_lang l = p->l;
    pdf_cells c;
    pdf_heading(p, TR(l, "Fenêtres de maintenance", "Maintenance windows"), false);
    if (s->nwindows == 0) {
        pdf_para(p, TR(l, "Aucune fenêtre de maintenance sur la période.", "No maintenance window in the period."),
                 "DejaVu Sans Oblique 8.5", PDF_GREY);
        pages_site_cancelled(p, s);
        return;
    }
    if (pdf_cells_init(&c, s->nwindows * 6) != 0)
        return;
    pdf_col mcols[] = {{TR(l, "Début", "Start"), 0.16, PDF_LEFT, false},
                       {TR(l, "Fin", "End"), 0.16, PDF_LEFT, false},
                       {TR(l, "Service", "Service"), 0.16, PDF_LEFT, false},
                       {TR(l, "Motif", "Reason"), 0.52, PDF_LEFT, true},
                       {TR(l, "Récurrence", "Recurrence"), 0.3, PDF_LEFT, true},
                       {TR(l, "Déclarée par", "Declared by"), 0.23, PDF_LEFT, true}}; /* and when */
    for (size_t k = 0; k < s->nwindows; k++) {
        const report_view_window *w = &s->windows[k];
        char b[64];
        report_render_time(l, w->start, s->timezone, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        report_render_time(l, w->end, s->timezone, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        pdf_cell(&c, *w->service ? i18n_service(p->vocab, l, w->service) : TR(l, "tout le site", "whole site"), PDF_PLAIN);
        pdf_cell(&c, w->reason, PDF_PLAIN);
        char rec[240];
        i18n_recurrence(l, w->recurring, w->rrule, w->moved, rec, sizeof rec);
        pdf_cell(&c, rec, PDF_PLAIN);
        report_changes_by(l, w, s->timezone, rec, sizeof rec);
        pdf_cell(&c, rec, PDF_PLAIN);
    }
    pdf_table(p, mcols, 6, c.cells, c.styles, s->nwindows);
    pdf_cells_free(&c);
    pages_site_cancelled(p, s);
}

/* The graphs, two by row. */
static void pages_site_graphs(pdf_layout *p, const report_view_site *s, const report_graphs *g)
{
    size_t n = report_graphs_count(g);
    double gw = (PDF_CW - 12) / 2;
    double rh = gw * REPORT_GRAPH_H / REPORT_GRAPH_W;
    for (size_t i = 0; i < n; i += 2) {
        if (i == 0) {
            double hh = pdf_text(p, PDF_ML, 0, PDF_CW, "x", "DejaVu Sans Bold 10.5", PDF_NAVY, PDF_LEFT, false);
            pdf_need(p, hh + 14 + rh);
            pdf_heading(p, TR(p->l, "Mesures du mois", "Measurements of the month"), false);
        }
        pdf_need(p, rh + 6);
        for (size_t k = i; k < i + 2 && k < n; k++) {
            double x = PDF_ML + (double)(k - i) * (gw + 12);
            if (p->pages) /* the page-counting pass needs the layout, not the drawing */
                pages_graph(p, g, s, k, x, p->y, gw, rh);
            cairo_set_source_rgb(p->cr, 0.85, 0.85, 0.85);
            cairo_set_line_width(p->cr, 0.5);
            cairo_rectangle(p->cr, x, p->y, gw, rh);
            cairo_stroke(p->cr);
        }
        p->y += rh + 8;
    }
}

static void pages_site(pdf_layout *p, const report_view_site *s, const content_facts *fa, const report_graphs *g)
{
    pdf_new_page(p);
    pages_site_head(p, s);
    pages_site_figures(p, s, fa);
    pages_site_services(p, s);
    pages_site_incidents(p, s);
    pages_site_windows(p, s);
    pdf_energy_site(p, s); /* energy, PUE, headroom (pdf_energy.c) */
    pdf_selftests(p, s);   /* UPS self-tests (pdf_selftests.c) */
    pages_site_graphs(p, s, g);
}

typedef struct {
    const report_view *v;
    const content_facts *fa;
    report_graphs *const *graphs;
} pages_doc;

/* The whole document (pdf_doc.h draws it twice). */
static void pages_draw(pdf_layout *p, const void *arg)
{
    const pages_doc *d = arg;
    pdf_page_furniture(p, true);
    pages_cover(p, d->v, d->fa);
    for (size_t i = 0; i < d->v->nsites; i++)
        pages_site(p, &d->v->sites[i], d->fa, d->graphs[i]);
}

vg_code report_pdf(const report_view *v, const report_render_opts *o, report_render_out *out, vg_err *err)
{
    content_facts fa;
    content_facts_get(v, o->lang, &fa);
    report_graphs **graphs = calloc(v->nsites ? v->nsites : 1, sizeof *graphs);
    if (!graphs)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < v->nsites; i++)
        graphs[i] = report_graphs_find(o, &v->sites[i]);
    char running[200];
    snprintf(running, sizeof running, "%s – %s", TR(o->lang, "Rapport mensuel de disponibilité", "Monthly availability report"),
             fa.month);
    pdf_layout like = {.l = o->lang, .running = running, .digest = v->digest, .software = v->software, .vocab = o->vocab};
    pages_doc d = {v, &fa, graphs};
    vg_code rc = pdf_doc_render(&like, v->generated_at, pages_draw, &d, out, err);
    for (size_t i = 0; i < v->nsites; i++)
        report_graphs_free(graphs[i]);
    free(graphs);
    return rc;
}

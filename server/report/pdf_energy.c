#include "config.h"
#include "report/pdf_energy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/energy_content.h"
#include "report/i18n.h"
#include "report/view_energy.h"

#define CHART_H 118.0

static void pe_kv(pdf_layout *p, const char *const *cells, size_t rows)
{
    static const pdf_col kv[] = {{NULL, 0.28, PDF_LEFT, false}, {NULL, 1, PDF_LEFT, true}};
    int styles[16];
    for (size_t i = 0; i < rows * 2 && i < 16; i++)
        styles[i] = i % 2 ? PDF_PLAIN : PDF_BOLD;
    pdf_table(p, kv, 2, cells, styles, rows);
}

/* The daily PUE as bars from 1.0 up; a day without a PUE is a grey tick at the base. */
static void pe_chart(pdf_layout *p, const report_view_energy *e)
{
    if (e->ndays == 0)
        return;
    report_lang l = p->l;
    pdf_need(p, CHART_H + 24);
    double top = 2.0;
    for (size_t i = 0; i < e->ndays; i++)
        if (isfinite(e->days[i].pue) && e->days[i].pue > top)
            top = ceil(e->days[i].pue * 2) / 2;
    double x0 = PDF_ML + 30, y0 = p->y + 14, w = PDF_CW - 30, h = CHART_H - 30;
    pdf_text(p, PDF_ML, p->y, PDF_CW, TR(l, "PUE par jour", "PUE per day"), "DejaVu Sans Bold 8", PDF_NAVY, PDF_LEFT, true);
    cairo_t *cr = p->cr;
    cairo_set_line_width(cr, 0.4);
    for (double v = 1.0; v <= top + 1e-9; v += 0.5) { /* the value axis, every 0.5 */
        double y = y0 + h - (v - 1.0) / (top - 1.0) * h;
        cairo_set_source_rgb(cr, PDF_LINE.r, PDF_LINE.g, PDF_LINE.b);
        cairo_move_to(cr, x0, y);
        cairo_line_to(cr, x0 + w, y);
        cairo_stroke(cr);
        char lab[16];
        report_render_number(l, v, 1, lab, sizeof lab);
        pdf_text(p, PDF_ML, y - 5, 26, lab, "DejaVu Sans 6.5", PDF_GREY, PDF_RIGHT, true);
    }
    double slot = w / (double)e->ndays, bw = slot * 0.7;
    for (size_t i = 0; i < e->ndays; i++) {
        const report_view_energy_day *d = &e->days[i];
        double x = x0 + slot * (double)i + (slot - bw) / 2;
        if (isfinite(d->pue)) {
            double v = d->pue > top ? top : d->pue, bh = (v - 1.0) / (top - 1.0) * h;
            pdf_rect(p, x, y0 + h - bh, bw, bh > 0.5 ? bh : 0.5, PDF_NAVY);
        } else {
            pdf_rect(p, x, y0 + h - 1.5, bw, 1.5, PDF_GREY);
        }
        if (e->ndays <= 16 || i % 2 == 0) {
            const char *dd = d->date && strlen(d->date) == 10 ? d->date + 8 : "";
            pdf_text(p, x - 2, y0 + h + 2, bw + 4, dd, "DejaVu Sans 6", PDF_GREY, PDF_CENTER, true);
        }
    }
    p->y += CHART_H;
    pdf_para(p, TR(l, "Jours sans barre : pas de PUE ce jour-là (mesures insuffisantes ou incohérentes).",
                   "Days without a bar: no PUE that day (too little measured, or inconsistent)."),
             "DejaVu Sans Oblique 7", PDF_GREY);
}

static void pe_ups(pdf_layout *p, const report_view_energy *e)
{
    report_lang l = p->l;
    pdf_cells c;
    if (e->nups == 0 || pdf_cells_init(&c, e->nups * 4) != 0)
        return;
    pdf_col cols[] = {{TR(l, "Onduleur", "UPS"), 0.4, PDF_LEFT, false},
                      {TR(l, "Puissance nominale", "Rated power"), 0.2, PDF_RIGHT, false},
                      {TR(l, "Pointe du mois", "Peak of the month"), 0.2, PDF_RIGHT, false},
                      {TR(l, "Charge", "Load"), 0.2, PDF_RIGHT, false}};
    for (size_t i = 0; i < e->nups; i++) {
        char b[64], n[48];
        pdf_cell(&c, e->ups[i].device, PDF_PLAIN);
        report_render_number(l, e->ups[i].capacity_w, 0, n, sizeof n);
        snprintf(b, sizeof b, isfinite(e->ups[i].capacity_w) ? "%s W" : "%s", n);
        pdf_cell(&c, b, PDF_PLAIN);
        report_render_number(l, e->ups[i].load_w, 0, n, sizeof n);
        snprintf(b, sizeof b, isfinite(e->ups[i].load_w) ? "%s W" : "%s", n);
        pdf_cell(&c, b, PDF_PLAIN);
        i18n_pct(l, e->ups[i].load_pct, 1, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
    }
    pdf_table(p, cols, 4, c.cells, c.styles, e->nups);
    pdf_cells_free(&c);
}

static void pe_phases(pdf_layout *p, const report_view_energy *e)
{
    report_lang l = p->l;
    pdf_cells c;
    if (e->nphases == 0 || pdf_cells_init(&c, e->nphases * 5) != 0)
        return;
    pdf_col cols[] = {{TR(l, "PDU, phase", "PDU, phase"), 0.36, PDF_LEFT, false},
                      {TR(l, "Courant de pointe", "Peak current"), 0.16, PDF_RIGHT, false},
                      {TR(l, "Calibre", "Rating"), 0.16, PDF_RIGHT, false},
                      {TR(l, "Charge", "Load"), 0.16, PDF_RIGHT, false},
                      {TR(l, "Marge", "Headroom"), 0.16, PDF_RIGHT, false}};
    for (size_t i = 0; i < e->nphases; i++) {
        const report_view_phase *ph = &e->phases[i];
        char b[200], n[48];
        snprintf(b, sizeof b, "%s %s", ph->device, ph->phase);
        pdf_cell(&c, b, PDF_PLAIN);
        report_render_number(l, ph->current_a, 1, n, sizeof n);
        snprintf(b, sizeof b, isfinite(ph->current_a) ? "%s A" : "%s", n);
        pdf_cell(&c, b, PDF_PLAIN);
        report_render_number(l, ph->rating_a, 0, n, sizeof n);
        snprintf(b, sizeof b, isfinite(ph->rating_a) ? "%s A" : "%s", isfinite(ph->rating_a) ? n : TR(l, "non indiqué", "not reported"));
        pdf_cell(&c, b, PDF_PLAIN);
        i18n_pct(l, ph->load_pct, 1, b, sizeof b);
        pdf_cell(&c, b, PDF_PLAIN);
        i18n_pct(l, ph->headroom_pct, 1, b, sizeof b);
        pdf_cell(&c, b, isfinite(ph->headroom_pct) && ph->headroom_pct < 20 ? PDF_MISSED : PDF_PLAIN);
    }
    pdf_table(p, cols, 5, c.cells, c.styles, e->nphases);
    pdf_cells_free(&c);
}

void pdf_energy_site(pdf_layout *p, const report_view_site *s)
{
    const report_view_energy *e = s->energy;
    if (!e)
        return;
    report_lang l = p->l;
    char fac[400], it[400], pue[200], rule[200], power[300], cool[300];
    pdf_heading(p, TR(l, "Énergie et PUE", "Energy and PUE"), false);
    energy_content_side(l, &e->facility, fac, sizeof fac);
    energy_content_side(l, &e->it, it, sizeof it);
    energy_content_pue(l, e, pue, sizeof pue);
    const char *cells[] = {TR(l, "Énergie du site", "Facility energy"), fac, TR(l, "Énergie IT", "IT energy"), it,
                           TR(l, "PUE du mois", "PUE of the month"), pue};
    pe_kv(p, cells, 3);
    if (e->it.note.en)
        pdf_para(p, TR(l, e->it.note.fr, e->it.note.en), "DejaVu Sans Oblique 7", PDF_GREY);
    pe_chart(p, e);

    pdf_heading(p, TR(l, "Marges de puissance et de froid", "Power and cooling headroom"), false);
    i18n_power_rule(l, e->rule ? e->rule : "service", (long long)e->needed, (long long)e->units, rule, sizeof rule);
    energy_content_power(l, e, power, sizeof power);
    energy_content_cooling(l, e, cool, sizeof cool);
    const char *hc[] = {TR(l, "Règle de redondance", "Redundancy rule"), rule, TR(l, "Onduleurs", "UPS"), power,
                        TR(l, "Froid", "Cooling"), cool};
    pe_kv(p, hc, 3);
    pe_ups(p, e);
    pe_phases(p, e);
    pdf_para(p, TR(l, "Au pic horaire de chaque équipement dans le mois ; la charge du site est la somme de ces pics.",
                   "At each unit's peak hour of the month; the site's load is the sum of those peaks."),
             "DejaVu Sans Oblique 7", PDF_GREY);
}

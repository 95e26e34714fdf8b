#include "config.h"
#include "report/energy_formats.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/energy_content.h"
#include "report/i18n.h"
#include "report/view_energy.h"

/* ---- HTML ----------------------------------------------------------------------------------- */

static void he_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void he_kv(FILE *f, const char *k, const char *v)
{
    fputs("<tr><td class=\"kv\">", f);
    he_text(f, k);
    fputs("</td><td>", f);
    he_text(f, v);
    fputs("</td></tr>\n", f);
}

/* The daily PUE as SVG bars from 1.0 (a day without a PUE: a grey tick). */
static void he_chart(FILE *f, const report_view_energy *e, report_lang l)
{
    if (e->ndays == 0)
        return;
    double top = 2.0;
    for (size_t i = 0; i < e->ndays; i++)
        if (isfinite(e->days[i].pue) && e->days[i].pue > top)
            top = ceil(e->days[i].pue * 2) / 2;
    const double W = 640, H = 150, x0 = 34, h = 120, slot = (W - x0) / (double)e->ndays;
    fprintf(f, "<p class=\"note\">%s</p>\n<svg class=\"pue\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" role=\"img\">",
            TR(l, "PUE par jour (sans barre : pas de PUE ce jour-là)", "PUE per day (no bar: no PUE that day)"), W, H);
    for (double v = 1.0; v <= top + 1e-9; v += 0.5) {
        double y = 4 + h - (v - 1.0) / (top - 1.0) * h;
        char lab[16];
        report_render_number(l, v, 1, lab, sizeof lab);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#c9d1dc\" stroke-width=\"0.6\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\" fill=\"#666\">%s</text>",
                x0, W, y, y, x0 - 4, y + 3, lab);
    }
    for (size_t i = 0; i < e->ndays; i++) {
        const report_view_energy_day *d = &e->days[i];
        double x = x0 + slot * (double)i + slot * 0.15, bw = slot * 0.7;
        if (isfinite(d->pue)) {
            double bh = ((d->pue > top ? top : d->pue) - 1.0) / (top - 1.0) * h;
            char v[16];
            report_render_number(l, d->pue, 3, v, sizeof v);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#1f3a5f\"><title>", x,
                    4 + h - bh, bw, bh > 0.5 ? bh : 0.5);
            he_text(f, d->date);
            fprintf(f, " : %s</title></rect>", v);
        } else {
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"1.5\" fill=\"#999\"/>", x, 4 + h - 1.5, bw);
        }
        if (d->date && strlen(d->date) == 10 && (e->ndays <= 16 || i % 2 == 0))
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"8\" text-anchor=\"middle\" fill=\"#666\">%s</text>",
                    x + bw / 2, 4 + h + 12, d->date + 8);
    }
    fputs("</svg>\n", f);
}

void html_energy_site(FILE *f, const report_view_site *s, report_lang l)
{
    const report_view_energy *e = s->energy;
    if (!e)
        return;
    char a[400], b[400], c[300];
    fprintf(f, "<h3>%s</h3>\n<table><tbody>\n", TR(l, "Énergie et PUE", "Energy and PUE"));
    energy_content_side(l, &e->facility, a, sizeof a);
    he_kv(f, TR(l, "Énergie du site", "Facility energy"), a);
    energy_content_side(l, &e->it, b, sizeof b);
    he_kv(f, TR(l, "Énergie IT", "IT energy"), b);
    energy_content_pue(l, e, c, sizeof c);
    he_kv(f, TR(l, "PUE du mois", "PUE of the month"), c);
    fputs("</tbody></table>\n", f);
    if (e->it.note.en) {
        fputs("<p class=\"note\">", f);
        he_text(f, TR(l, e->it.note.fr, e->it.note.en));
        fputs("</p>\n", f);
    }
    he_chart(f, e, l);
    fprintf(f, "<h3>%s</h3>\n<table><tbody>\n", TR(l, "Marges de puissance et de froid", "Power and cooling headroom"));
    i18n_power_rule(l, e->rule ? e->rule : "service", (long long)e->needed, (long long)e->units, a, sizeof a);
    he_kv(f, TR(l, "Règle de redondance", "Redundancy rule"), a);
    energy_content_power(l, e, b, sizeof b);
    he_kv(f, TR(l, "Onduleurs", "UPS"), b);
    energy_content_cooling(l, e, c, sizeof c);
    he_kv(f, TR(l, "Froid", "Cooling"), c);
    for (size_t i = 0; i < e->nphases; i++) {
        const report_view_phase *p = &e->phases[i];
        char k[200], cur[48], load[32], head[32];
        snprintf(k, sizeof k, "%s %s", p->device, p->phase);
        report_render_number(l, p->current_a, 1, cur, sizeof cur);
        i18n_pct(l, p->load_pct, 1, load, sizeof load);
        i18n_pct(l, p->headroom_pct, 1, head, sizeof head);
        snprintf(a, sizeof a, TR(l, "pointe %s A, charge %s, marge %s", "peak %s A, load %s, headroom %s"), cur,
                 isfinite(p->load_pct) ? load : TR(l, "calibre non indiqué", "rating not reported"), head);
        he_kv(f, k, a);
    }
    fputs("</tbody></table>\n", f);
}

/* ---- CSV ------------------------------------------------------------------------------------ */

typedef struct {
    csv_energy_field_fn field;
    csv_energy_end_fn end;
    void *ctx;
    report_lang l;
} ce_out;

static void ce_num(const ce_out *o, double v, int decimals)
{
    char b[64] = "";
    if (isfinite(v))
        report_render_number(o->l, v, decimals, b, sizeof b);
    o->field(o->ctx, b);
}

static void ce_str(const ce_out *o, const char *s) { o->field(o->ctx, s ? s : ""); }

/* Free text (an instance) that a spreadsheet would take for a formula gets a leading quote, as csv.c does. */
static void ce_text(const ce_out *o, const char *s)
{
    char b[160];
    if (s && s[0] && strchr("=+-@\t\r", s[0])) {
        snprintf(b, sizeof b, "'%s", s);
        s = b;
    }
    ce_str(o, s);
}

static void ce_row(const ce_out *o, const char *const *cells)
{
    for (; *cells; cells++)
        o->field(o->ctx, *cells);
    o->end(o->ctx);
}

static void ce_energy(const ce_out *o, const report_view *v)
{
    ce_row(o, (const char *const[]){"section", "site", "facility_source", "facility_kwh", "facility_coverage_pct",
                                    "it_source", "it_kwh", "it_coverage_pct", "pue", "pue_status", "pue_ratio",
                                    "pue_coverage_pct", NULL});
    for (size_t i = 0; i < v->nsites; i++) {
        const report_view_energy *e = v->sites[i].energy;
        if (!e)
            continue;
        ce_str(o, "energy");
        ce_str(o, v->sites[i].id);
        ce_str(o, e->facility.source);
        ce_num(o, e->facility.kwh, 3);
        ce_num(o, e->facility.coverage, 2);
        ce_str(o, e->it.source);
        ce_num(o, e->it.kwh, 3);
        ce_num(o, e->it.coverage, 2);
        ce_num(o, e->pue, 3);
        ce_str(o, e->pue_status);
        ce_num(o, e->pue_ratio, 3);
        ce_num(o, e->pue_coverage, 2);
        o->end(o->ctx);
    }
    ce_row(o, (const char *const[]){"section", "site", "date", "facility_kwh", "it_kwh", "pue", "pue_status", NULL});
    for (size_t i = 0; i < v->nsites; i++) {
        const report_view_energy *e = v->sites[i].energy;
        for (size_t k = 0; e && k < e->ndays; k++) {
            ce_str(o, "energy_days");
            ce_str(o, v->sites[i].id);
            ce_str(o, e->days[k].date);
            ce_num(o, e->days[k].facility_kwh, 3);
            ce_num(o, e->days[k].it_kwh, 3);
            ce_num(o, e->days[k].pue, 3);
            ce_str(o, e->days[k].pue_status);
            o->end(o->ctx);
        }
    }
}

static void ce_headroom(const ce_out *o, const report_view *v)
{
    ce_row(o, (const char *const[]){"section", "site", "rule", "units", "needed", "usable_w", "peak_load_w",
                                    "headroom_w", "headroom_pct", "status", NULL});
    for (size_t i = 0; i < v->nsites; i++) {
        const report_view_energy *e = v->sites[i].energy;
        if (!e)
            continue;
        char n[24], k[24];
        snprintf(n, sizeof n, "%lld", (long long)e->units);
        snprintf(k, sizeof k, "%lld", (long long)e->needed);
        ce_str(o, "headroom");
        ce_str(o, v->sites[i].id);
        ce_str(o, e->rule);
        ce_str(o, n);
        ce_str(o, k);
        ce_num(o, e->usable_w, 0);
        ce_num(o, e->load_w, 0);
        ce_num(o, e->headroom_w, 0);
        ce_num(o, e->headroom_pct, 1);
        ce_str(o, e->power_status);
        o->end(o->ctx);
    }
    ce_row(o, (const char *const[]){"section", "site", "pdu", "phase", "peak_current_a", "rating_a", "load_pct",
                                    "headroom_pct", NULL});
    for (size_t i = 0; i < v->nsites; i++) {
        const report_view_energy *e = v->sites[i].energy;
        for (size_t k = 0; e && k < e->nphases; k++) {
            ce_str(o, "headroom_pdu");
            ce_str(o, v->sites[i].id);
            ce_str(o, e->phases[k].device);
            ce_text(o, e->phases[k].phase);
            ce_num(o, e->phases[k].current_a, 2);
            ce_num(o, e->phases[k].rating_a, 1);
            ce_num(o, e->phases[k].load_pct, 1);
            ce_num(o, e->phases[k].headroom_pct, 1);
            o->end(o->ctx);
        }
    }
}

void csv_energy_sections(const report_view *v, report_lang l, csv_energy_field_fn field, csv_energy_end_fn end,
                         void *ctx)
{
    bool any = false;
    for (size_t i = 0; i < v->nsites; i++)
        any = any || v->sites[i].energy;
    if (!any)
        return; /* a document without energy: the CSV it always had */
    ce_out o = {field, end, ctx, l};
    ce_energy(&o, v);
    ce_headroom(&o, v);
}

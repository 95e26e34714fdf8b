#include "config.h"
#include "report/content.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/i18n.h"

void content_facts_get(const report_view *v, report_lang l, content_facts *f)
{
    memset(f, 0, sizeof *f);
    i18n_period_words(l, v->period, f->month, sizeof f->month);
    f->same_target = true;
    for (size_t i = 0; i < v->nsites; i++) {
        const report_view_site *s = &v->sites[i];
        if (i == 0)
            f->target = s->target;
        else if (fabs(s->target - f->target) > 1e-9)
            f->same_target = false;
        if (content_site_status(&s->figures) == CONTENT_NODATA)
            f->nodata++;
        else if (s->figures.target_met)
            f->met++;
        f->nsites++;
    }
}

content_status content_site_status(const report_view_figures *f)
{
    if (f->verdict == REPORT_INSUFFICIENT || !isfinite(f->availability))
        return CONTENT_NODATA;
    return f->verdict == REPORT_MET ? CONTENT_MET : CONTENT_MISSED;
}

const char *content_status_word(report_lang l, content_status st)
{
    return st == CONTENT_MET      ? TR(l, "atteint", "met")
           : st == CONTENT_MISSED ? TR(l, "non atteint", "not met")
                                  : TR(l, "données insuffisantes", "insufficient data");
}

void content_site_title(const report_view_site *s, char *out, size_t size)
{
    if (strcmp(s->name, s->id) == 0)
        snprintf(out, size, "%s", s->id);
    else
        snprintf(out, size, "%s (%s)", s->name, s->id);
}

double content_ytd_budget(const report_view_site *s)
{
    double annual = s->ytd.annual_allowed_downtime;
    return annual > 0 ? 100.0 * (double)s->ytd.figures.downtime / annual : NAN;
}

void content_summary_line(report_lang l, const content_facts *fa, char *out, size_t size)
{
    int n = snprintf(out, size, TR(l, "Objectif atteint par %zu site(s) sur %zu.", "Target met by %zu site(s) of %zu."), fa->met,
                     fa->nsites);
    if (fa->nodata && n > 0 && (size_t)n < size)
        snprintf(out + n, size - (size_t)n,
                 TR(l, " %zu site(s) sans verdict faute de données : moins que la couverture minimale a été surveillé.",
                    " %zu site(s) without a verdict for lack of data: less than the minimum coverage was monitored."),
                 fa->nodata);
}

void content_coverage(report_lang l, double coverage, double min, char *out, size_t size)
{
    char c[32], m[32];
    i18n_pct(l, coverage, 1, c, sizeof c);
    i18n_pct(l, min, 0, m, sizeof m);
    snprintf(out, size, TR(l, "%s (minimum %s)", "%s (minimum %s)"), c, m);
}

size_t content_figure_rows(const report_view_site *s, report_lang l, content_fig_row r[CONTENT_FIG_ROWS])
{
    const report_view_figures *f = &s->figures, *y = &s->ytd.figures;
    size_t n = 0;
    content_status st = content_site_status(f), yst = content_site_status(y);
#define ROW(lab) (snprintf(r[n].label, sizeof r[n].label, "%s", lab), r[n].style = 0, &r[n++])
    content_fig_row *x = ROW(TR(l, "Disponibilité", "Availability"));
    report_render_availability(l, f->availability, x->month, sizeof x->month);
    report_render_availability(l, y->availability, x->ytd, sizeof x->ytd);
    x = ROW(TR(l, "Objectif", "Target"));
    char tg[48];
    report_render_target(l, s->target, tg, sizeof tg);
    snprintf(x->month, sizeof x->month, "%s – %s", tg, content_status_word(l, st));
    snprintf(x->ytd, sizeof x->ytd, "%s – %s", tg, content_status_word(l, yst));
    x->style = st == CONTENT_MET ? 1 : st == CONTENT_MISSED ? 2 : 3;
    x = ROW(TR(l, "Indisponibilité autorisée", "Allowed downtime"));
    report_render_duration(l, f->allowed_downtime, x->month, sizeof x->month);
    char an[48];
    report_render_duration(l, s->ytd.annual_allowed_downtime, an, sizeof an);
    snprintf(x->ytd, sizeof x->ytd, TR(l, "%s par an", "%s a year"), an);
    x = ROW(TR(l, "Indisponibilité", "Downtime"));
    report_render_duration(l, (double)f->downtime, x->month, sizeof x->month);
    report_render_duration(l, (double)y->downtime, x->ytd, sizeof x->ytd);
    x = ROW(TR(l, "Budget d'erreur consommé", "Error budget consumed"));
    i18n_pct(l, f->budget_consumed, 1, x->month, sizeof x->month);
    char yb[48];
    i18n_pct(l, content_ytd_budget(s), 1, yb, sizeof yb);
    snprintf(x->ytd, sizeof x->ytd, TR(l, "%s du budget annuel", "%s of the annual budget"), yb);
    x = ROW(TR(l, "Temps inconnu (sans données)", "Unknown time (no data)"));
    report_render_duration(l, (double)f->unknown, x->month, sizeof x->month);
    report_render_duration(l, (double)y->unknown, x->ytd, sizeof x->ytd);
    x = ROW(TR(l, "Couverture (temps surveillé)", "Coverage (time monitored)"));
    content_coverage(l, f->coverage, s->min_coverage, x->month, sizeof x->month);
    content_coverage(l, y->coverage, s->min_coverage, x->ytd, sizeof x->ytd);
    x->style = f->verdict == REPORT_INSUFFICIENT ? 3 : 0;
    x = ROW(TR(l, "Maintenance déclarée", "Declared maintenance"));
    report_render_duration(l, (double)f->maintenance, x->month, sizeof x->month);
    report_render_duration(l, (double)y->maintenance, x->ytd, sizeof x->ytd);
    x = ROW(TR(l, "Incidents", "Incidents"));
    snprintf(x->month, sizeof x->month, "%lld", (long long)f->incidents);
    snprintf(x->ytd, sizeof x->ytd, "%lld", (long long)y->incidents);
    x = ROW(TR(l, "MTTR (durée moyenne de rétablissement)", "MTTR (mean time to restore)"));
    report_render_duration(l, f->mttr, x->month, sizeof x->month);
    report_render_duration(l, y->mttr, x->ytd, sizeof x->ytd);
    x = ROW(TR(l, "MTBF (temps moyen entre incidents)", "MTBF (mean time between failures)"));
    report_render_duration(l, f->mtbf, x->month, sizeof x->month);
    report_render_duration(l, y->mtbf, x->ytd, sizeof x->ytd);
#undef ROW
    return n;
}

void content_period_span(report_lang l, const report_view_site *s, char *out, size_t size)
{
    const report_view_period *p = &s->period;
    char a[40], b[40], h[32];
    report_render_time(l, p->from, s->timezone, a, sizeof a);
    report_render_time(l, p->to, s->timezone, b, sizeof b);
    report_render_number(l, p->hours, 0, h, sizeof h);
    snprintf(out, size, "%s – %s (%s h)", a, b, h);
    if (p->counted_until < p->to) {
        char u[40];
        size_t n = strlen(out);
        report_render_time(l, p->counted_until, s->timezone, u, sizeof u);
        snprintf(out + n, size - n, TR(l, ", compté jusqu'au %s", ", counted until %s"), u);
    }
}

/* Appends each text once, separated by sep. */
static void content_once(char *out, size_t size, size_t *o, const char *text, const char *sep)
{
    if (*o >= size || strstr(out, text))
        return;
    *o += (size_t)snprintf(out + *o, size - *o, "%s%s", *o ? sep : "", text);
}

void content_zones(const report_view *v, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < v->nsites; i++)
        content_once(out, size, &o, v->sites[i].timezone, ", ");
}

void content_policies(const report_view *v, report_lang l, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < v->nsites; i++)
        content_once(out, size, &o, i18n_policy(l, v->sites[i].unknown_policy), "; ");
}

void content_site_list(const report_view *v, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < v->nsites && o < size; i++)
        o += (size_t)snprintf(out + o, size - o, "%s%s", o ? ", " : "", v->sites[i].id);
}

/* ---- plain text: the mail ---------------------------------------------------------------------- */

void report_render_subject(const json_t *doc, report_lang l, char *out, size_t size)
{
    char month[48];
    const char *label = json_string_value(json_object_get(doc, "period"));
    i18n_period_words(l, label ? label : "", month, sizeof month);
    snprintf(out, size, "%s – %s", TR(l, "Rapport de disponibilité", "Availability report"), month);
}

static void content_summary_site(FILE *o, const report_view_site *s, report_lang l)
{
    const report_view_figures *fig = &s->figures;
    content_status st = content_site_status(fig);
    char title[220], av[48], tg[48], down[48], allowed[48], budget[48];
    content_site_title(s, title, sizeof title);
    report_render_availability(l, fig->availability, av, sizeof av);
    report_render_target(l, s->target, tg, sizeof tg);
    report_render_duration(l, (double)fig->downtime, down, sizeof down);
    report_render_duration(l, fig->allowed_downtime, allowed, sizeof allowed);
    i18n_pct(l, fig->budget_consumed, 1, budget, sizeof budget);
    fprintf(o, "\n%s %s\n", st == CONTENT_MET ? "✓" : st == CONTENT_MISSED ? "✗" : "?", title);
    if (st == CONTENT_NODATA) {
        char cov[64];
        content_coverage(l, fig->coverage, s->min_coverage, cov, sizeof cov);
        fprintf(o, "  %s %s – %s %s\n", av,
                TR(l, "– données insuffisantes pour un verdict, couverture", "– insufficient data for a verdict, coverage"),
                cov, TR(l, "(ni atteint ni manqué)", "(neither met nor missed)"));
        return;
    }
    fprintf(o, "  %s – %s %s%s\n", av, TR(l, "objectif", "target"), tg,
            st == CONTENT_MET ? TR(l, " atteint", " met") : TR(l, " NON ATTEINT", " NOT MET"));
    fprintf(o, TR(l, "  indisponibilité %s (%s autorisées)\n", "  downtime %s (%s allowed)\n"), down, allowed);
    fprintf(o, TR(l, "  budget consommé %s, %lld incident(s)\n", "  budget used %s, %lld incident(s)\n"), budget,
            (long long)fig->incidents);
}

char *report_render_summary(const json_t *doc, report_lang l)
{
    report_view *v = report_view_new(doc, NULL);
    if (!v)
        return NULL;
    content_facts f;
    content_facts_get(v, l, &f);
    char *data = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&data, &len);
    if (!o) {
        report_view_free(v);
        return NULL;
    }
    char t[48];
    report_render_target(l, f.target, t, sizeof t);
    fprintf(o, "%s – %s\n\n", TR(l, "Rapport de disponibilité", "Availability report"), f.month);
    if (f.same_target)
        fprintf(o, TR(l, "%zu site(s), objectif %s.\n", "%zu site(s), target %s.\n"), f.nsites, t);
    char line[512];
    content_summary_line(l, &f, line, sizeof line);
    fprintf(o, "%s\n", line);
    for (size_t i = 0; i < v->nsites; i++)
        content_summary_site(o, &v->sites[i], l);
    fprintf(o, "\n%s\n", TR(l, "Le rapport complet est en pièce jointe (PDF).", "The full report is attached (PDF)."));
    fprintf(o, "%s\n%.32s\n%.32s\n", TR(l, "Empreinte SHA-256 des chiffres :", "SHA-256 digest of the figures:"),
            v->digest, v->digest + 32);
    fprintf(o, "%s\n", v->software);
    bool bad = ferror(o) != 0;
    report_view_free(v);
    if (fclose(o) != 0 || bad) {
        free(data);
        return NULL;
    }
    return data;
}

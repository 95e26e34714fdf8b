#include "config.h"
#include "report/contract_content.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/i18n.h"

const char *ccontent_title(report_lang l, bool upper)
{
    return upper ? TR(l, "RAPPORT DU DÉLÉGATAIRE", "THE DÉLÉGATAIRE'S REPORT")
                 : TR(l, "Rapport du délégataire", "The délégataire's report");
}

void ccontent_money(report_lang l, double v, char *out, size_t size)
{
    if (!isfinite(v)) {
        snprintf(out, size, "–");
        return;
    }
    double r = round(v * 100) / 100;
    bool cents = fabs(r - round(r)) > 1e-9;
    char digits[64], grouped[96];
    snprintf(digits, sizeof digits, "%.0f", floor(fabs(r)));
    size_t n = strlen(digits), k = 0;
    for (size_t i = 0; i < n && k + 2 < sizeof grouped; i++) {
        if (i && (n - i) % 3 == 0)
            grouped[k++] = l == REPORT_LANG_FR ? ' ' : ',';
        grouped[k++] = digits[i];
    }
    grouped[k] = '\0';
    char frac[8] = "";
    if (cents)
        snprintf(frac, sizeof frac, "%c%02d", l == REPORT_LANG_FR ? ',' : '.', (int)lround(fmod(fabs(r) * 100, 100)));
    if (l == REPORT_LANG_FR)
        snprintf(out, size, "%s%s%s €", r < 0 ? "-" : "", grouped, frac);
    else
        snprintf(out, size, "%s€%s%s", r < 0 ? "-" : "", grouped, frac);
}

const char *ccontent_category(report_lang l, const char *c)
{
    static const struct {
        const char *key, *fr, *en;
    } words[] = {{"school", "École", "School"},
                 {"town_hall", "Mairie", "Town hall"},
                 {"police", "Police", "Police station"},
                 {"traffic", "Sécurité routière", "Traffic safety"},
                 {"camera", "Vidéoprotection", "Video protection"},
                 {"other", "Autre", "Other"}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(c, words[i].key) == 0)
            return TR(l, words[i].fr, words[i].en);
    return c;
}

/* A GTR as a contract states it: "4 h", "1 j" | "1 d", "30 min", else the report's duration. */
static void ccontent_gtr(report_lang l, int64_t s, char *out, size_t size)
{
    if (s % 86400 == 0)
        snprintf(out, size, "%lld %s", (long long)(s / 86400), TR(l, "j", "d"));
    else if (s % 3600 == 0)
        snprintf(out, size, "%lld h", (long long)(s / 3600));
    else if (s % 60 == 0 && s < 3600)
        snprintf(out, size, "%lld min", (long long)(s / 60));
    else
        report_render_duration(l, (double)s, out, size);
}

void ccontent_terms(const cview *v, report_lang l, char *out, size_t size)
{
    char tg[32], gtr[48], pen[48], cap[48];
    report_render_target(l, v->target, tg, sizeof tg);
    ccontent_gtr(l, v->gtr, gtr, sizeof gtr);
    int n = snprintf(out, size, TR(l, "objectif %s par mois · GTR %s (calendrier %s)", "target %s a month · GTR %s (calendar %s)"),
                     tg, gtr, v->calendar);
    if (n < 0 || (size_t)n >= size)
        return;
    if (v->penalty_per_hour > 0) {
        ccontent_money(l, v->penalty_per_hour, pen, sizeof pen);
        n += snprintf(out + n, size - (size_t)n, TR(l, " · %s par heure entamée au-delà", " · %s per started hour beyond"), pen);
        if (isfinite(v->penalty_cap) && (size_t)n < size) {
            ccontent_money(l, v->penalty_cap, cap, sizeof cap);
            snprintf(out + n, size - (size_t)n, TR(l, ", plafond %s par site et par mois", ", capped at %s per site a month"), cap);
        }
    } else {
        snprintf(out + n, size - (size_t)n, "%s", TR(l, " · sans pénalité", " · no penalty"));
    }
}

const char *ccontent_attribution(report_lang l, const cview_incident *in, char *buf, size_t size)
{
    if (!in->attributed_to)
        return TR(l, "lien propre", "single link");
    snprintf(buf, size, "NRO %s", in->attributed_to);
    return buf;
}

void ccontent_share(report_lang l, double part, double whole, char *out, size_t size)
{
    i18n_pct(l, whole > 0 ? part / whole * 100 : NAN, 1, out, size);
}

static void ccontent_row_set(ccontent_row *r, const char *label, int style, const char *value)
{
    snprintf(r->label, sizeof r->label, "%s", label);
    snprintf(r->value, sizeof r->value, "%s", value);
    r->style = style;
}

size_t ccontent_summary_rows(const cview *v, report_lang l, ccontent_row r[CCONTENT_ROWS])
{
    const cview_summary *s = &v->sum;
    char b[160], x[64], y[64], z[64], w[64];
    size_t n = 0;
    snprintf(b, sizeof b, "%lld", (long long)s->sites);
    ccontent_row_set(&r[n++], TR(l, "Sites publics", "Public sites"), 0, b);
    snprintf(b, sizeof b, TR(l, "%lld atteint(s), %lld non atteint(s), %lld sans verdict", "%lld met, %lld missed, %lld without a verdict"),
             (long long)s->met, (long long)s->missed, (long long)s->nodata);
    /* green only when every site has its verdict and met it */
    ccontent_row_set(&r[n++], TR(l, "Objectif de disponibilité", "Availability target"), s->missed ? 2 : s->nodata ? 0 : 1, b);
    report_render_availability(l, s->mean_availability, x, sizeof x);
    report_render_availability(l, s->min_availability, y, sizeof y);
    report_render_target(l, v->target, z, sizeof z);
    snprintf(b, sizeof b, TR(l, "%s en moyenne, %s au plus bas (objectif %s)", "%s on average, %s at the lowest (target %s)"), x, y, z);
    ccontent_row_set(&r[n++], TR(l, "Disponibilité des sites", "Availability of the sites"), 0, b);
    report_render_duration(l, (double)s->downtime, x, sizeof x);
    ccontent_row_set(&r[n++], TR(l, "Indisponibilité cumulée", "Total downtime"), 0, x);
    snprintf(b, sizeof b, TR(l, "%lld, dont %lld attribué(s) à une panne de NRO", "%lld, of which %lld attributed to an NRO failure"),
             (long long)s->incidents, (long long)s->attributed);
    ccontent_row_set(&r[n++], TR(l, "Incidents", "Incidents"), 0, b);
    snprintf(b, sizeof b, TR(l, "%lld (sur %lld site(s)), dont %lld attribué(s) à un NRO", "%lld (at %lld site(s)), of which %lld attributed to an NRO"),
             (long long)s->breaches, (long long)s->sites_breached, (long long)s->breaches_nro);
    ccontent_row_set(&r[n++], TR(l, "Dépassements de la GTR", "GTR breaches"), s->breaches ? 2 : 1, b);
    ccontent_money(l, s->penalties, x, sizeof x);
    if (s->sites_capped)
        snprintf(b, sizeof b, TR(l, "%s (plafond atteint pour %lld site(s))", "%s (cap reached at %lld site(s))"), x,
                 (long long)s->sites_capped);
    else
        snprintf(b, sizeof b, "%s", x);
    ccontent_row_set(&r[n++], TR(l, "Pénalités dues", "Penalties due"), s->penalties > 0 ? 2 : 0, b);
    ccontent_money(l, s->penalties_nro, x, sizeof x);
    ccontent_share(l, s->penalties_nro, s->penalties, y, sizeof y);
    ccontent_money(l, s->penalties_link, z, sizeof z);
    ccontent_share(l, s->penalties_link, s->penalties, w, sizeof w);
    snprintf(b, sizeof b, TR(l, "pannes de NRO %s (%s) · liens propres %s (%s)", "NRO failures %s (%s) · single links %s (%s)"), x, y,
             z, w);
    ccontent_row_set(&r[n++], TR(l, "Part des pénalités", "Share of the penalties"), 0, b);
    return n;
}

void ccontent_band_label(const cview *v, report_lang l, int band, char *out, size_t size)
{
    char a[32], b[32];
    double t = v->target;
    switch (band) {
    case 0: snprintf(out, size, "100 %%"); return;
    case 1: report_render_target(l, t, a, sizeof a); snprintf(out, size, "≥ %s", a); return;
    case 2:
    case 3:
        report_render_target(l, band == 2 ? t - 1 : t - 5, a, sizeof a);
        report_render_target(l, band == 2 ? t : t - 1, b, sizeof b);
        a[strcspn(a, " ")] = '\0';
        snprintf(out, size, "%s – %s", a, b);
        return;
    case 4: report_render_target(l, t - 5, a, sizeof a); snprintf(out, size, "< %s", a); return;
    default: snprintf(out, size, "%s", TR(l, "sans chiffre", "no figure"));
    }
}

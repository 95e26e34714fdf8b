#include "config.h"
#include "report/energy_content.h"

#include <math.h>
#include <stdio.h>

#include "report/i18n.h"

void energy_content_kwh(report_lang l, double kwh, char *out, size_t size)
{
    char n[48];
    report_render_number(l, kwh, 1, n, sizeof n);
    snprintf(out, size, isfinite(kwh) ? "%s kWh" : "%s", n);
}

void energy_content_side(report_lang l, const report_view_energy_side *s, char *out, size_t size)
{
    if (!s->source) {
        const char *why = TR(l, s->missing.fr, s->missing.en);
        snprintf(out, size, "%s%s%s", TR(l, "non mesurée", "not measured"), why ? TR(l, " : ", ": ") : "", why ? why : "");
        return;
    }
    char kwh[64], cov[32];
    energy_content_kwh(l, s->kwh, kwh, sizeof kwh);
    i18n_pct(l, s->coverage, 1, cov, sizeof cov);
    snprintf(out, size, TR(l, "%s – mesurée %s du temps – %s", "%s – measured %s of the time – %s"), kwh, cov,
             i18n_energy_source(l, s->source));
}

void energy_content_pue(report_lang l, const report_view_energy *e, char *out, size_t size)
{
    if (isfinite(e->pue)) {
        report_render_number(l, e->pue, 3, out, size);
        return;
    }
    i18n_pue_status(l, e->pue_status ? e->pue_status : "", e->min_coverage, out, size);
}

void energy_content_power(report_lang l, const report_view_energy *e, char *out, size_t size)
{
    if (!e->power_status || !isfinite(e->headroom_w)) {
        const char *why = TR(l, e->power_missing.fr, e->power_missing.en);
        snprintf(out, size, "%s%s%s", TR(l, "non calculée", "not computed"), why ? TR(l, " : ", ": ") : "", why ? why : "");
        return;
    }
    char load[48], usable[48], head[48], pct[32];
    report_render_number(l, e->load_w, 0, load, sizeof load);
    report_render_number(l, e->usable_w, 0, usable, sizeof usable);
    report_render_number(l, e->headroom_w, 0, head, sizeof head);
    i18n_pct(l, e->headroom_pct, 1, pct, sizeof pct);
    snprintf(out, size,
             TR(l, "pointe %s W pour %s W utilisables : marge %s W (%s)%s",
                "peak %s W for %s W usable: headroom %s W (%s)%s"),
             load, usable, head, pct, e->headroom_w < 0 ? TR(l, " – DÉPASSÉE", " – EXCEEDED") : "");
}

void energy_content_cooling(report_lang l, const report_view_energy *e, char *out, size_t size)
{
    if (!e->cooling_status || !isfinite(e->cooling_headroom_kw)) {
        const char *why = TR(l, e->cooling_missing.fr, e->cooling_missing.en);
        snprintf(out, size, "%s%s%s", TR(l, "non indiquée", "not reported"), why ? TR(l, " : ", ": ") : "", why ? why : "");
        return;
    }
    char heat[48], usable[48], head[48], pct[32];
    report_render_number(l, e->heat_load_kw, 1, heat, sizeof heat);
    report_render_number(l, e->cooling_usable_kw, 1, usable, sizeof usable);
    report_render_number(l, e->cooling_headroom_kw, 1, head, sizeof head);
    i18n_pct(l, e->cooling_headroom_pct, 1, pct, sizeof pct);
    snprintf(out, size,
             TR(l, "charge thermique (puissance IT) %s kW pour %s kW utilisables : marge %s kW (%s)",
                "heat load (IT power) %s kW for %s kW usable: headroom %s kW (%s)"),
             heat, usable, head, pct);
}

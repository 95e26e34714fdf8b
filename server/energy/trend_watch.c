#include "config.h"
#include "energy/trend_watch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/series.h"

/* ---- sentences ------------------------------------------------------------------------------ */

static void tw_num(bool fr, double v, int decimals, char *out, size_t size)
{
    if (fabs(v) < 0.5 * pow(10, -decimals))
        v = 0;
    snprintf(out, size, "%.*f", decimals, v);
    for (char *p = out; fr && *p; p++)
        if (*p == '.')
            *p = ',';
}

/* 2700 -> "45 min", 11400 -> "3 h 10 min", 3 days -> "3 j" | "3 d" */
static void tw_duration(bool fr, double s, char *out, size_t size)
{
    long long m = llround(s / 60);
    if (m < 60)
        snprintf(out, size, "%lld min", m < 1 ? 1 : m);
    else if (m < 48 * 60 && m % 60)
        snprintf(out, size, "%lld h %02lld min", m / 60, m % 60);
    else if (m < 48 * 60)
        snprintf(out, size, "%lld h", m / 60);
    else
        snprintf(out, size, "%lld %s", (m + 720) / 1440, fr ? "j" : "d");
}

void trend_watch_temperature_text(bool fr, double level, double eta_s, double slope_per_hour, char *out, size_t size)
{
    char lv[32], sl[32], eta[48];
    tw_num(fr, level, level == floor(level) ? 0 : 1, lv, sizeof lv);
    tw_num(fr, slope_per_hour, 1, sl, sizeof sl);
    if (eta_s <= 0) {
        snprintf(out, size, fr ? "déjà à %s °C ou plus, et en hausse (%s%s °C/h)" : "already at %s °C or above, and rising (%s%s °C/h)",
                 lv, slope_per_hour >= 0 ? "+" : "", sl);
        return;
    }
    tw_duration(fr, eta_s, eta, sizeof eta);
    snprintf(out, size, fr ? "à ce rythme %s °C dans %s (%s%s °C/h)" : "at this rate %s °C in %s (%s%s °C/h)", lv, eta,
             slope_per_hour >= 0 ? "+" : "", sl);
}

void trend_watch_runtime_text(bool fr, double drop_pct, int days, double from_s, double to_s, char *out, size_t size)
{
    char pct[32], a[48], b[48];
    tw_num(fr, drop_pct, 0, pct, sizeof pct);
    tw_duration(fr, from_s, a, sizeof a);
    tw_duration(fr, to_s, b, sizeof b);
    snprintf(out, size, fr ? "autonomie en baisse de %s %% en %d jours (de %s à %s)"
                           : "runtime down %s %% in %d days (from %s to %s)",
             pct, days, a, b);
}

/* ---- the series ----------------------------------------------------------------------------- */

typedef struct {
    rrd_store *rrd;
    const inventory *inv;
    const energy_site_config *cfg;
    const char *site;
    int64_t now;
    json_t *warnings, *series;
    size_t count;
} tw_ctx;

static const char *tw_state(const trend_fit *f, bool fitted)
{
    if (!fitted)
        return "too_few_points";
    if (!trend_significant(f))
        return "steady";
    return f->slope > 0 ? "rising" : "falling";
}

/* Fits one series over [now - window, now]; false (and the series listed as too_few_points) without a trend. */
static bool tw_fit(tw_ctx *c, const char *kind, const inventory_reading *r, int64_t window, int64_t step, trend_fit *f)
{
    store_series s;
    bool fitted = false;
    if (store_series_fetch(c->rrd, c->site, r->device, r->metric, r->instance, STORE_CF_AVERAGE, c->now - window, c->now,
                           step, &s, NULL) == VG_OK) {
        fitted = trend_fit_points(s.points, s.npoints, window / 2, f);
        store_series_clear(&s);
    }
    if (!fitted)
        memset(f, 0, sizeof *f);
    json_array_append_new(c->series,
                          json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o}", "kind", kind, "device", r->device,
                                    "instance", r->instance, "metric", r->metric, "state", tw_state(f, fitted), "points",
                                    (json_int_t)f->n, "slope_per_hour",
                                    fitted ? json_real(round(f->slope * 3600 * 1e4) / 1e4) : json_null(), "value_now",
                                    fitted ? json_real(round(trend_value_at(f, (double)c->now) * 100) / 100) : json_null()));
    c->count++;
    return fitted && trend_significant(f);
}

static void tw_warn(tw_ctx *c, const char *kind, const inventory_reading *r, json_t *o, const char *fr, const char *en)
{
    char who[NAME_MAX_LEN + INSTANCE_MAX_LEN + 4];
    snprintf(who, sizeof who, "%s%s%s", r->device, r->instance[0] ? "/" : "", r->instance);
    char tfr[400], ten[400];
    snprintf(tfr, sizeof tfr, "%s : %s", who, fr);
    snprintf(ten, sizeof ten, "%s: %s", who, en);
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "device", json_string(r->device));
    json_object_set_new(o, "instance", json_string(r->instance));
    json_object_set_new(o, "metric", json_string(r->metric));
    json_object_set_new(o, "text", json_pack("{s:s, s:s}", "fr", tfr, "en", ten));
    json_array_append_new(c->warnings, o);
}

static void tw_temperature(tw_ctx *c, const inventory_reading *r, double level)
{
    trend_fit f;
    int64_t window = (int64_t)c->cfg->temperature_window * 3600;
    if (!tw_fit(c, "temperature", r, window, 0, &f) || f.slope <= 0 || !isfinite(level))
        return;
    double eta = trend_value_at(&f, (double)c->now) >= level ? 0 : trend_time_to(&f, (double)c->now, level);
    if (!(eta <= (double)c->cfg->temperature_horizon * 3600))
        return; /* NAN: moving away; or beyond the horizon */
    char fr[300], en[300];
    trend_watch_temperature_text(true, level, eta, f.slope * 3600, fr, sizeof fr);
    trend_watch_temperature_text(false, level, eta, f.slope * 3600, en, sizeof en);
    tw_warn(c, "temperature", r,
            json_pack("{s:f, s:f, s:f, s:f}", "level", level, "eta_s", round(eta), "slope_per_hour",
                      round(f.slope * 3600 * 1e4) / 1e4, "value_now", round(trend_value_at(&f, (double)c->now) * 100) / 100),
            fr, en);
}

static void tw_runtime(tw_ctx *c, const inventory_reading *r)
{
    trend_fit f;
    int days = c->cfg->runtime_window;
    int64_t window = (int64_t)days * 86400;
    if (!tw_fit(c, "runtime", r, window, 3600, &f) || f.slope >= 0)
        return;
    double a = trend_value_at(&f, (double)(c->now - window)), b = trend_value_at(&f, (double)c->now);
    double change = trend_change_pct(&f, (double)(c->now - window), (double)c->now);
    if (!(a > 0) || !(-change >= c->cfg->runtime_drop))
        return;
    char fr[300], en[300];
    trend_watch_runtime_text(true, -change, days, a, b < 0 ? 0 : b, fr, sizeof fr);
    trend_watch_runtime_text(false, -change, days, a, b < 0 ? 0 : b, en, sizeof en);
    tw_warn(c, "runtime", r,
            json_pack("{s:f, s:i, s:f, s:f}", "change_pct", round(change * 10) / 10, "window_days", days, "from_s",
                      round(a), "to_s", round(b)),
            fr, en);
}

/* The level a device's room temperature is judged against: server.yaml's, else the environment
 * service's condition on it; NAN when none applies. */
static double tw_level(const tw_ctx *c, const site_model *m, const char *device, const char *cls, const char *instance,
                       bool *judged)
{
    *judged = false;
    double level = NAN;
    for (size_t i = 0; m && i < m->nservices; i++)
        for (size_t k = 0; k < m->services[i].nconditions; k++) {
            const site_condition *sc = &m->services[i].conditions[k];
            if (!site_condition_applies(sc, device, cls, "env.temperature", instance))
                continue;
            *judged = true;
            if (sc->has_max && !(sc->max >= level))
                level = sc->max;
        }
    if (isfinite(c->cfg->temperature_max))
        level = c->cfg->temperature_max;
    return level;
}

vg_code trend_watch_site(rrd_store *rrd, const inventory *inv, const site_model *m, const energy_site_config *cfg,
                         const char *site, int64_t now, json_t **out, vg_err *err)
{
    tw_ctx c = {rrd, inv, energy_config_get(cfg), site, now, json_array(), json_array(), 0};
    for (size_t i = 0; i < inventory_device_count(inv); i++) {
        const char *dev = inventory_device_at(inv, i), *cls = inventory_class_at(inv, i);
        if (inventory_last_at(inv, i) < now - 7 * 86400)
            continue; /* gone */
        size_t n;
        const inventory_reading *r = inventory_readings(inv, dev, "env.temperature", &n);
        for (size_t k = 0; k < n && c.count < TREND_WATCH_MAX_SERIES; k++) {
            bool judged;
            double level = tw_level(&c, m, dev, cls, r[k].instance, &judged);
            if (judged || strcmp(cls, "env") == 0)
                tw_temperature(&c, &r[k], level);
        }
        r = strcmp(cls, "ups") == 0 ? inventory_readings(inv, dev, "battery.runtime", &n) : NULL;
        for (size_t k = 0; r && k < n && c.count < TREND_WATCH_MAX_SERIES; k++)
            tw_runtime(&c, &r[k]);
    }
    *out = json_pack("{s:I, s:o, s:o}", "at", (json_int_t)now, "warnings", c.warnings, "series", c.series);
    return *out ? VG_OK : vg_fail(err, VG_E_NOMEM, "out of memory");
}

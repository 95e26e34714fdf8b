/* headroom_read: the figures of headroom.h from a site's inventory, now or at a period's peak, as JSON. */
#include "config.h"
#include "energy/headroom.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy/energy_sides.h"
#include "store/series.h"

typedef struct {
    const inventory *inv;
    const energy_site_config *cfg;
    const char *site;
    const headroom_when *w;
} hr_ctx;

static json_t *hr_num(double v, double unit) { return isfinite(v) ? json_real(round(v / unit) * unit) : json_null(); }
static json_t *hr_str(const char *s) { return s && *s ? json_string(s) : json_null(); }

/* A series' value now (the latest, when fresh), or its highest hourly average in the period. */
static double hr_value(const hr_ctx *c, const inventory_reading *r)
{
    const headroom_when *w = c->w;
    if (!w->rrd)
        return w->max_age <= 0 || r->ts >= w->now - w->max_age ? r->value : NAN;
    store_series s;
    double peak = NAN;
    if (store_series_fetch(w->rrd, c->site, r->device, r->metric, r->instance, STORE_CF_AVERAGE, w->from, w->to, 3600,
                           &s, NULL) != VG_OK)
        return NAN;
    for (size_t i = 0; i < s.npoints; i++)
        if (isfinite(s.points[i].value) && s.points[i].ts > w->from && s.points[i].ts <= w->to &&
            !(s.points[i].value <= peak))
            peak = s.points[i].value;
    store_series_clear(&s);
    return peak;
}

/* A device's total of a metric (its "" instance, else its instances summed); NAN when not reported. */
static double hr_total(const hr_ctx *c, const char *device, const char *metric)
{
    size_t n;
    const inventory_reading *r = inventory_total(c->inv, device, metric, &n);
    double sum = n ? 0 : NAN;
    for (size_t i = 0; i < n; i++)
        sum += hr_value(c, &r[i]);
    return sum;
}

/* The highest of a device's instances of a metric (a three-phase UPS's worst phase). */
static double hr_highest(const hr_ctx *c, const char *device, const char *metric)
{
    size_t n;
    const inventory_reading *r = inventory_total(c->inv, device, metric, &n);
    double best = NAN;
    for (size_t i = 0; i < n; i++) {
        double v = hr_value(c, &r[i]);
        if (isfinite(v) && !(v <= best))
            best = v;
    }
    return best;
}

/* A rating: the device's latest value whatever its age (a rating does not change with the hour). */
static double hr_rating(const hr_ctx *c, const char *device, const char *metric)
{
    const inventory_reading *r = inventory_find(c->inv, device, metric, "");
    return r ? r->value : NAN;
}

/* The devices a service judges: its list, or every device of its class seen since `since`. */
static size_t hr_devices(const hr_ctx *c, const site_service *sv, const char *cls, int64_t since,
                         char (*out)[NAME_MAX_LEN + 1], size_t max)
{
    size_t n = 0;
    if (sv && sv->ndevices) {
        for (size_t i = 0; i < sv->ndevices && n < max; i++)
            snprintf(out[n++], NAME_MAX_LEN + 1, "%s", sv->devices[i]);
        return n;
    }
    const char *want = sv && sv->cls[0] ? sv->cls : cls;
    for (size_t i = 0; i < inventory_device_count(c->inv) && n < max; i++)
        if (strcmp(inventory_class_at(c->inv, i), want) == 0 && inventory_last_at(c->inv, i) >= since)
            snprintf(out[n++], NAME_MAX_LEN + 1, "%s", inventory_device_at(c->inv, i));
    return n;
}

static const site_service *hr_service(const site_model *m, const char *name)
{
    for (size_t i = 0; m && i < m->nservices; i++)
        if (strcmp(m->services[i].name, name) == 0)
            return &m->services[i];
    return NULL;
}

static void hr_ups(const hr_ctx *c, const char *dev, headroom_ups *u)
{
    memset(u, 0, sizeof *u);
    snprintf(u->device, sizeof u->device, "%s", dev);
    const energy_rating *rt = energy_config_rating(c->cfg, dev);
    u->capacity_w = hr_rating(c, dev, "ups.realpower.nominal");
    u->capacity_from = isfinite(u->capacity_w) ? "ups.realpower.nominal" : "";
    if (!isfinite(u->capacity_w) && rt && isfinite(rt->realpower_w)) {
        u->capacity_w = rt->realpower_w;
        u->capacity_from = "config";
    }
    u->load_w = hr_total(c, dev, "ups.realpower");
    u->load_pct = hr_highest(c, dev, "ups.load");
    if (!isfinite(u->load_w) && isfinite(u->load_pct) && isfinite(u->capacity_w))
        u->load_w = u->load_pct / 100.0 * u->capacity_w;
    if (!isfinite(u->load_pct) && isfinite(u->load_w) && u->capacity_w > 0)
        u->load_pct = u->load_w / u->capacity_w * 100.0;
}

static json_t *hr_power(const hr_ctx *c, const site_model *m, int64_t since)
{
    const site_service *sv = hr_service(m, "power");
    char (*devs)[NAME_MAX_LEN + 1] = calloc(HEADROOM_MAX_UNITS, sizeof *devs);
    headroom_ups *u = calloc(HEADROOM_MAX_UNITS, sizeof *u);
    size_t n = devs && u ? hr_devices(c, sv, "ups", since, devs, HEADROOM_MAX_UNITS) : 0;
    json_t *units = json_array();
    for (size_t i = 0; i < n; i++) {
        hr_ups(c, devs[i], &u[i]);
        json_array_append_new(units, json_pack("{s:s, s:o, s:o, s:o, s:o}", "device", u[i].device, "capacity_w",
                                               hr_num(u[i].capacity_w, 1), "capacity_from", hr_str(u[i].capacity_from),
                                               "load_w", hr_num(u[i].load_w, 1), "load_pct", hr_num(u[i].load_pct, 0.1)));
    }
    headroom_power p;
    headroom_power_compute(u, n, c->cfg->redundancy, sv ? sv->min_up : INT_MAX, &p);
    free(devs);
    free(u);
    return json_pack("{s:s, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o}", "rule",
                     p.rule == ENERGY_REDUNDANCY_SERVICE ? "service" : energy_redundancy_name(p.rule), "rule_from",
                     p.rule == ENERGY_REDUNDANCY_SERVICE ? "service" : "config", "units", (json_int_t)p.units, "needed",
                     (json_int_t)p.needed, "capacity_w", hr_num(p.capacity_w, 1), "usable_w", hr_num(p.usable_w, 1),
                     "load_w", hr_num(p.load_w, 1), "headroom_w", hr_num(p.headroom_w, 1), "headroom_pct",
                     hr_num(p.headroom_pct, 0.1), "status", p.status, "missing", energy_msg_json(&p.missing), "ups", units);
}

static json_t *hr_pdus(const hr_ctx *c, int64_t since)
{
    json_t *out = json_array();
    size_t nphases = 0;
    for (size_t i = 0; i < inventory_device_count(c->inv); i++) {
        const char *dev = inventory_device_at(c->inv, i);
        if (strcmp(inventory_class_at(c->inv, i), "pdu") != 0 || inventory_last_at(c->inv, i) < since)
            continue;
        const energy_rating *rt = energy_config_rating(c->cfg, dev);
        size_t n;
        const inventory_reading *r = inventory_readings(c->inv, dev, "input.current", &n);
        for (size_t k = 0; k < n && nphases < HEADROOM_MAX_PHASES; k++, nphases++) {
            headroom_phase p = {.current_a = hr_value(c, &r[k]), .rating_a = rt ? rt->phase_current_a : NAN};
            snprintf(p.device, sizeof p.device, "%s", dev);
            snprintf(p.phase, sizeof p.phase, "%s", r[k].instance);
            const inventory_reading *ld = inventory_find(c->inv, dev, "input.load", r[k].instance);
            headroom_phase_compute(&p, ld ? hr_value(c, ld) : NAN);
            json_array_append_new(out, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "device", p.device, "phase",
                                                 p.phase, "current_a", hr_num(p.current_a, 0.01), "rating_a",
                                                 hr_num(p.rating_a, 0.1), "rating_from", hr_str(p.rating_from),
                                                 "load_pct", hr_num(p.load_pct, 0.1), "headroom_pct",
                                                 hr_num(p.headroom_pct, 0.1)));
        }
    }
    return out;
}

/* The IT power (W) now or at its peak: the heat the cooling removes. */
static double hr_it_power(const hr_ctx *c, int64_t since)
{
    energy_side_def *fac = malloc(sizeof *fac), *it = malloc(sizeof *it);
    double w = NAN;
    if (fac && it) {
        energy_sides_find(c->inv, c->cfg, since, fac, it);
        w = it->nseries ? 0 : NAN;
        for (size_t i = 0; i < it->nseries; i++) {
            const inventory_reading *r =
                inventory_find(c->inv, it->series[i].device, it->series[i].metric, it->series[i].instance);
            /* a counter gives energy, not the power of an instant */
            w += r && !it->series[i].counter ? hr_value(c, r) : NAN;
        }
    }
    free(fac);
    free(it);
    return w;
}

static json_t *hr_cooling(const hr_ctx *c, const site_model *m, int64_t since)
{
    const site_service *sv = hr_service(m, "cooling");
    char (*devs)[NAME_MAX_LEN + 1] = calloc(HEADROOM_MAX_UNITS, sizeof *devs);
    headroom_cooler *u = calloc(HEADROOM_MAX_UNITS, sizeof *u);
    size_t n = devs && u ? hr_devices(c, sv, "cooling", since, devs, HEADROOM_MAX_UNITS) : 0;
    json_t *units = json_array();
    for (size_t i = 0; i < n; i++) {
        const energy_rating *rt = energy_config_rating(c->cfg, devs[i]);
        snprintf(u[i].device, sizeof u[i].device, "%s", devs[i]);
        u[i].in_use_pct = hr_highest(c, devs[i], "cooling.capacity");
        u[i].output_kw = hr_total(c, devs[i], "cooling.output");
        u[i].rated_kw = rt ? rt->cooling_kw : NAN;
        json_array_append_new(units, json_pack("{s:s, s:o, s:o, s:o}", "device", u[i].device, "in_use_pct",
                                               hr_num(u[i].in_use_pct, 0.1), "output_kw", hr_num(u[i].output_kw, 0.01),
                                               "rated_kw", hr_num(u[i].rated_kw, 0.01)));
    }
    double heat = hr_it_power(c, since) / 1000.0;
    headroom_cooling h;
    headroom_cooling_compute(u, n, sv ? sv->min_up : INT_MAX, heat, &h);
    free(devs);
    free(u);
    return json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o}", "units", (json_int_t)h.units, "needed",
                     (json_int_t)h.needed, "heat_load_kw", hr_num(h.heat_load_kw, 0.01), "capacity_kw",
                     hr_num(h.capacity_kw, 0.01), "usable_kw", hr_num(h.usable_kw, 0.01), "headroom_kw",
                     hr_num(h.headroom_kw, 0.01), "headroom_pct", hr_num(h.headroom_pct, 0.1), "status", h.status,
                     "missing", energy_msg_json(&h.missing), "coolers", units);
}

vg_code headroom_read(const inventory *inv, const energy_site_config *c, const site_model *m, const char *site,
                      const headroom_when *w, json_t **out, vg_err *err)
{
    hr_ctx ctx = {inv, energy_config_get(c), site, w};
    /* now: the devices seen in the last week; a period: those seen since it began */
    int64_t since = w->rrd ? w->from : w->now - 7 * 86400;
    json_t *o = json_pack("{s:s, s:o, s:o, s:o}", "mode", w->rrd ? "peak" : "now", "at",
                          w->rrd ? json_null() : json_integer(w->now), "from",
                          w->rrd ? json_integer(w->from) : json_null(), "to", w->rrd ? json_integer(w->to) : json_null());
    if (!o)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    json_object_set_new(o, "power", hr_power(&ctx, m, since));
    json_object_set_new(o, "pdu", hr_pdus(&ctx, since));
    json_object_set_new(o, "cooling", hr_cooling(&ctx, m, since));
    *out = o;
    return VG_OK;
}

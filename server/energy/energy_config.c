#include "config.h"
#include "energy/energy_config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void energy_config_defaults(energy_site_config *c)
{
    memset(c, 0, sizeof *c);
    c->pue_min_coverage = ENERGY_PUE_MIN_COVERAGE;
    c->redundancy = ENERGY_REDUNDANCY_SERVICE;
    c->temperature_max = NAN;
    c->temperature_window = 6;
    c->temperature_horizon = 24;
    c->runtime_window = 90;
    c->runtime_drop = 10;
}

const energy_site_config *energy_config_get(const energy_site_config *c)
{
    /* energy_config_defaults' values, as a constant: read from any thread */
    static const energy_site_config defaults = {.pue_min_coverage = ENERGY_PUE_MIN_COVERAGE,
                                                .redundancy = ENERGY_REDUNDANCY_SERVICE,
                                                .temperature_max = NAN,
                                                .temperature_window = 6,
                                                .temperature_horizon = 24,
                                                .runtime_window = 90,
                                                .runtime_drop = 10};
    return c ? c : &defaults;
}

const energy_rating *energy_config_rating(const energy_site_config *c, const char *device)
{
    for (size_t i = 0; c && i < c->nratings; i++)
        if (strcmp(c->ratings[i].device, device) == 0)
            return &c->ratings[i];
    return NULL;
}

const char *energy_redundancy_name(energy_redundancy r)
{
    switch (r) {
    case ENERGY_REDUNDANCY_N:
        return "N";
    case ENERGY_REDUNDANCY_N1:
        return "N+1";
    case ENERGY_REDUNDANCY_2N:
        return "2N";
    case ENERGY_REDUNDANCY_SERVICE:
        break;
    }
    return "service";
}

/* {device, metric, instance}: a power (W) is integrated, an energy counter (kWh) differenced. */
static vg_code ec_source(const conf_doc *d, const conf_node *n, const vocab *v, const char *side, energy_source *s,
                         vg_err *err)
{
    static const char *const keys[] = {"device", "metric", "instance", NULL};
    static const char *const required[] = {"device", "metric", NULL};
    vg_code rc;
    if ((rc = conf_check_map(d, n, side, keys, err)) || (rc = conf_require_keys(d, n, side, required, err)) ||
        (rc = conf_get_buf(d, n, "device", true, s->device, sizeof s->device, err)) ||
        (rc = conf_check_name(d, n, "device", s->device, err)) ||
        (rc = conf_get_buf(d, n, "metric", true, s->metric, sizeof s->metric, err)) ||
        (rc = conf_get_buf(d, n, "instance", false, s->instance, sizeof s->instance, err)))
        return rc;
    if (s->instance[0] && !text_is_valid(s->instance, INSTANCE_MAX_LEN))
        return conf_fail(err, d, conf_map_get(d, n, "instance"), "instance", "not a valid instance");
    const vocab_metric *m = v ? vocab_metric_find(v, s->metric) : NULL;
    if (v && !m)
        return conf_fail(err, d, conf_map_get(d, n, "metric"), "metric", "'%s' is not in the vocabulary", s->metric);
    const char *unit = m ? m->unit : "W";
    if (strcmp(unit, "W") != 0 && strcmp(unit, "kWh") != 0)
        return conf_fail(err, d, conf_map_get(d, n, "metric"), "metric",
                         "'%s' is in %s: a side of the PUE is a real power in W (input.realpower) or an energy "
                         "counter in kWh (input.energy)", s->metric, unit);
    s->counter = strcmp(unit, "kWh") == 0;
    return VG_OK;
}

static vg_code ec_sources(const conf_doc *d, const conf_node *energy, const char *key, const vocab *v,
                          energy_source *out, size_t *n, vg_err *err)
{
    const conf_node *list;
    vg_code rc = conf_get_list(d, energy, key, false, 1, ENERGY_MAX_SOURCES, "series", &list, err);
    for (size_t i = 0; rc == VG_OK && list && i < conf_len(list); i++) {
        energy_source *s = &out[(*n)++];
        memset(s, 0, sizeof *s);
        rc = ec_source(d, conf_seq_at(d, list, i), v, key, s, err);
        for (size_t j = 0; rc == VG_OK && j + 1 < *n; j++)
            if (strcmp(out[j].device, s->device) == 0 && strcmp(out[j].metric, s->metric) == 0 &&
                strcmp(out[j].instance, s->instance) == 0)
                rc = conf_fail(err, d, conf_seq_at(d, list, i), key, "%s %s is listed twice", s->device, s->metric);
    }
    return rc;
}

/* A positive rating, NAN when absent. */
static vg_code ec_positive(const conf_doc *d, const conf_node *n, const char *key, double *out, vg_err *err)
{
    *out = NAN;
    if (!conf_map_get(d, n, key))
        return VG_OK;
    vg_code rc = conf_get_double(d, n, key, true, out, err);
    if (rc == VG_OK && !(*out > 0 && *out < 1e9))
        return conf_fail(err, d, conf_map_get(d, n, key), key, "must be a positive number");
    return rc;
}

static vg_code ec_ratings(const conf_doc *d, const conf_node *energy, energy_site_config *c, vg_err *err)
{
    static const char *const keys[] = {"device", "realpower", "phase_current", "cooling_kw", NULL};
    const conf_node *list;
    vg_code rc = conf_get_list(d, energy, "ratings", false, 1, ENERGY_MAX_RATINGS, "ratings", &list, err);
    for (size_t i = 0; rc == VG_OK && list && i < conf_len(list); i++) {
        const conf_node *n = conf_seq_at(d, list, i);
        energy_rating *r = &c->ratings[c->nratings];
        memset(r, 0, sizeof *r);
        if ((rc = conf_check_map(d, n, "rating", keys, err)) ||
            (rc = conf_get_buf(d, n, "device", true, r->device, sizeof r->device, err)) ||
            (rc = conf_check_name(d, n, "device", r->device, err)) ||
            (rc = ec_positive(d, n, "realpower", &r->realpower_w, err)) ||
            (rc = ec_positive(d, n, "phase_current", &r->phase_current_a, err)) ||
            (rc = ec_positive(d, n, "cooling_kw", &r->cooling_kw, err)))
            return rc;
        if (isnan(r->realpower_w) && isnan(r->phase_current_a) && isnan(r->cooling_kw))
            return conf_fail(err, d, n, "realpower", "a rating gives realpower (W), phase_current (A) or cooling_kw");
        if (energy_config_rating(c, r->device))
            return conf_fail(err, d, n, "device", "device '%s' is rated twice", r->device);
        c->nratings++;
    }
    return rc;
}

static vg_code ec_energy(const conf_doc *d, const conf_node *n, const vocab *v, energy_site_config *c, vg_err *err)
{
    static const char *const keys[] = {"facility", "it", "pue_min_coverage", "ratings", NULL};
    vg_code rc;
    if ((rc = conf_check_map(d, n, "energy", keys, err)) ||
        (rc = ec_sources(d, n, "facility", v, c->facility, &c->nfacility, err)) ||
        (rc = ec_sources(d, n, "it", v, c->it, &c->nit, err)) ||
        (rc = conf_get_double(d, n, "pue_min_coverage", false, &c->pue_min_coverage, err)) ||
        (rc = ec_ratings(d, n, c, err)))
        return rc;
    if (!(c->pue_min_coverage > 0 && c->pue_min_coverage <= 100))
        return conf_fail(err, d, conf_map_get(d, n, "pue_min_coverage"), "pue_min_coverage",
                         "must be a percentage in (0, 100]");
    return VG_OK;
}

static vg_code ec_trends(const conf_doc *d, const conf_node *n, energy_site_config *c, vg_err *err)
{
    static const char *const keys[] = {"temperature_max", "temperature_window", "temperature_horizon",
                                       "runtime_window", "runtime_drop", NULL};
    vg_code rc;
    if ((rc = conf_check_map(d, n, "trends", keys, err)) ||
        (rc = conf_get_double(d, n, "temperature_max", false, &c->temperature_max, err)) ||
        (rc = conf_get_int32(d, n, "temperature_window", false, 1, 168, &c->temperature_window, err)) ||
        (rc = conf_get_int32(d, n, "temperature_horizon", false, 1, 720, &c->temperature_horizon, err)) ||
        (rc = conf_get_int32(d, n, "runtime_window", false, 7, 365, &c->runtime_window, err)) ||
        (rc = conf_get_double(d, n, "runtime_drop", false, &c->runtime_drop, err)))
        return rc;
    if (conf_map_get(d, n, "temperature_max") && !(c->temperature_max > -80 && c->temperature_max < 200))
        return conf_fail(err, d, conf_map_get(d, n, "temperature_max"), "temperature_max", "must be in °C, -80 to 200");
    if (!(c->runtime_drop > 0 && c->runtime_drop < 100))
        return conf_fail(err, d, conf_map_get(d, n, "runtime_drop"), "runtime_drop", "must be a percentage in (0, 100)");
    return VG_OK;
}

static vg_code ec_redundancy(const conf_doc *d, const conf_node *site, energy_site_config *c, vg_err *err)
{
    static const char *const rules[] = {"2N", "N+1", "N", NULL};
    char rule[8] = "";
    vg_code rc;
    if ((rc = conf_get_buf(d, site, "power_redundancy", false, rule, sizeof rule, err)) ||
        (rc = conf_check_choice(d, site, "power_redundancy", rule, rules, NULL, err)))
        return rc;
    c->redundancy = strcmp(rule, "2N") == 0 ? ENERGY_REDUNDANCY_2N
                    : strcmp(rule, "N+1") == 0 ? ENERGY_REDUNDANCY_N1
                                               : ENERGY_REDUNDANCY_N;
    return VG_OK;
}

vg_code energy_config_read(const conf_doc *d, const conf_node *site, const vocab *v, energy_site_config **out,
                           vg_err *err)
{
    *out = NULL;
    const conf_node *energy = conf_map_get(d, site, "energy"), *trends = conf_map_get(d, site, "trends");
    const conf_node *redundancy = conf_map_get(d, site, "power_redundancy");
    if (!energy && !trends && !redundancy)
        return VG_OK;
    energy_site_config *c = malloc(sizeof *c);
    if (!c)
        return conf_fail_code(err, VG_E_NOMEM, d, site, "energy", "out of memory");
    energy_config_defaults(c);
    *out = c; /* the caller frees it, whatever happens below */
    vg_code rc = VG_OK;
    if (energy && (rc = ec_energy(d, energy, v, c, err)) != VG_OK)
        return rc;
    if (trends && (rc = ec_trends(d, trends, c, err)) != VG_OK)
        return rc;
    if (redundancy && (rc = ec_redundancy(d, site, c, err)) != VG_OK)
        return rc;
    return VG_OK;
}

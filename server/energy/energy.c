#include "config.h"
#include "energy/energy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/series.h"
#include "timeutil.h"

/* Adds one series' kWh per row to acc (NAN where the series is unknown). */
static vg_code en_series(rrd_store *rrd, const char *site, const energy_grid *g, const energy_source *src,
                         double *acc, vg_err *err)
{
    /* one row more before the grid: a counter's value before its first row */
    energy_grid ext = {g->start - g->step, g->step, g->nrows + 1};
    double *vals = malloc(ext.nrows * sizeof *vals), *kwh = malloc(g->nrows * sizeof *kwh);
    if (!vals || !kwh) {
        free(vals);
        free(kwh);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    store_series s;
    if (store_series_fetch(rrd, site, src->device, src->metric, src->instance, STORE_CF_AVERAGE, ext.start,
                           ext.start + (int64_t)ext.nrows * ext.step, g->step, &s, NULL) == VG_OK) {
        store_series_clip(&s, 0, src->counter ? 1e12 : 1e9); /* no negative power, no garbage page */
        energy_resample(&s, &ext, vals);
        store_series_clear(&s);
    } else {
        for (size_t i = 0; i < ext.nrows; i++)
            vals[i] = NAN; /* never written, or damaged: unknown, which the coverage shows */
    }
    energy_rows_kwh(vals + 1, g->nrows, g->step, src->counter, vals[0], kwh);
    energy_rows_add(acc, kwh, g->nrows);
    free(vals);
    free(kwh);
    return VG_OK;
}

/* The side's kWh per row; NULL in *out when it has no series. */
static vg_code en_side(rrd_store *rrd, const char *site, const energy_grid *g, const energy_side_def *side,
                       double **out, vg_err *err)
{
    *out = NULL;
    if (side->nseries == 0)
        return VG_OK;
    double *acc = malloc(g->nrows * sizeof *acc);
    if (!acc)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < g->nrows; i++)
        acc[i] = 0;
    for (size_t k = 0; k < side->nseries; k++) {
        vg_code rc = en_series(rrd, site, g, &side->series[k], acc, err);
        if (rc != VG_OK) {
            free(acc);
            return rc;
        }
    }
    *out = acc;
    return VG_OK;
}

/* The local days of [from, to) in zone tz, each with its PUE. */
static vg_code en_days(energy_period *p, const char *tz, vg_err *err)
{
    struct tm tm;
    time_zone_localtime(tz, p->from, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    int64_t day = time_zone_mktime(tz, &tm);
    p->days = calloc(ENERGY_MAX_DAYS, sizeof *p->days);
    if (!p->days)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    while (day < p->to && p->ndays < ENERGY_MAX_DAYS) {
        struct tm next = tm;
        next.tm_mday++;
        next.tm_hour = next.tm_min = next.tm_sec = 0;
        next.tm_isdst = -1;
        int64_t end = time_zone_mktime(tz, &next);
        if (end <= day)
            break; /* a zone the library cannot step through: no more days rather than a loop */
        energy_day *d = &p->days[p->ndays++];
        snprintf(d->date, sizeof d->date, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        d->from = day > p->from ? day : p->from;
        d->to = end < p->to ? end : p->to;
        int64_t r0 = energy_grid_row(&p->grid, d->from + 1), r1 = energy_grid_row(&p->grid, d->to) + 1;
        r0 = r0 < 0 ? 0 : r0;
        r1 = r1 > (int64_t)p->grid.nrows ? (int64_t)p->grid.nrows : r1;
        pue_compute(p->facility_kwh, p->it_kwh, (size_t)r0, (size_t)(r1 > r0 ? r1 : r0), p->counted, p->min_coverage,
                    &d->pue);
        tm = next;
        day = end;
    }
    return VG_OK;
}

vg_code energy_compute(rrd_store *rrd, const inventory *inv, const energy_site_config *c, const char *site,
                       const char *tz, int64_t from, int64_t to, int64_t until, energy_period **out, vg_err *err)
{
    *out = NULL;
    c = energy_config_get(c);
    energy_period *p = calloc(1, sizeof *p);
    if (!p)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    p->from = from;
    p->to = to;
    p->until = until < to ? until : to;
    p->min_coverage = c->pue_min_coverage;
    if (!energy_grid_init(&p->grid, from, to, ENERGY_STEP)) {
        free(p);
        return vg_fail_field(err, VG_E_INVALID, "from", "a period of energy is from 1 hour to 5 years");
    }
    int64_t ended = p->until - p->grid.start;
    p->counted = ended <= 0 ? 0 : (size_t)(ended / p->grid.step);
    if (p->counted > p->grid.nrows)
        p->counted = p->grid.nrows;
    energy_sides_find(inv, c, from, &p->facility, &p->it);
    vg_code rc;
    if ((rc = en_side(rrd, site, &p->grid, &p->facility, &p->facility_kwh, err)) != VG_OK ||
        (rc = en_side(rrd, site, &p->grid, &p->it, &p->it_kwh, err)) != VG_OK ||
        (rc = en_days(p, tz, err)) != VG_OK) {
        energy_period_free(p);
        return rc;
    }
    pue_compute(p->facility_kwh, p->it_kwh, 0, p->grid.nrows, p->counted, p->min_coverage, &p->pue);
    *out = p;
    return VG_OK;
}

void energy_period_free(energy_period *p)
{
    if (!p)
        return;
    free(p->facility_kwh);
    free(p->it_kwh);
    free(p->days);
    free(p);
}

#include "config.h"
#include "store/series.h"

#include <math.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const series_cf_names[] = {"AVERAGE", "MIN", "MAX"};

bool store_cf_parse(const char *name, store_cf *out)
{
    for (size_t i = 0; i < sizeof series_cf_names / sizeof series_cf_names[0]; i++)
        if (name && strcmp(name, series_cf_names[i]) == 0) {
            *out = (store_cf)i;
            return true;
        }
    return false;
}

const char *store_cf_name(store_cf cf) { return series_cf_names[cf <= STORE_CF_MAX ? cf : STORE_CF_AVERAGE]; }

void store_series_clear(store_series *out)
{
    if (!out)
        return;
    free(out->points);
    memset(out, 0, sizeof *out);
}

size_t store_series_clip(store_series *s, double lo, double hi)
{
    size_t n = 0;
    for (size_t i = 0; s && i < s->npoints; i++) {
        double v = s->points[i].value;
        if (!isnan(v) && !(v >= lo && v <= hi)) {
            s->points[i].value = NAN;
            n++;
        }
    }
    return n;
}

/* The late samples of each point of a series, consolidated as they come. */
typedef struct {
    const store_series *s;
    store_cf cf;
    double *acc;  /* per point: sum, min or max */
    size_t *n;    /* per point: samples */
} series_late;

static void series_late_row(void *ctx, int64_t ts, double value)
{
    series_late *l = ctx;
    const store_series *s = l->s;
    if (ts <= s->start || s->step <= 0 || !isfinite(value))
        return;
    size_t i = (size_t)((ts - s->start - 1) / s->step); /* (start + i * step, start + (i + 1) * step] */
    if (i >= s->npoints || !isnan(s->points[i].value))
        return; /* RRD wins where it knows the point */
    double *a = &l->acc[i];
    if (l->n[i] == 0)
        *a = value;
    else if (l->cf == STORE_CF_MIN)
        *a = value < *a ? value : *a;
    else if (l->cf == STORE_CF_MAX)
        *a = value > *a ? value : *a;
    else
        *a += value;
    l->n[i]++;
}

vg_code store_series_add_late(store_series *s, db *d, const char *site, const char *device, const char *metric,
                              const char *instance, store_cf cf, size_t *filled, vg_err *err)
{
    if (filled)
        *filled = 0;
    if (s->npoints == 0)
        return VG_OK;
    series_late l = {s, cf, calloc(s->npoints, sizeof *l.acc), calloc(s->npoints, sizeof *l.n)};
    vg_code rc = l.acc && l.n ? db_late_each(d, site, device, metric, instance ? instance : "", s->start, s->end,
                                            series_late_row, &l, err)
                              : vg_fail(err, VG_E_NOMEM, "out of memory");
    for (size_t i = 0; rc == VG_OK && i < s->npoints; i++) {
        if (l.n[i] == 0)
            continue;
        s->points[i].value = cf == STORE_CF_AVERAGE ? l.acc[i] / (double)l.n[i] : l.acc[i];
        if (filled)
            (*filled)++;
    }
    free(l.acc);
    free(l.n);
    return rc;
}

vg_code store_series_fetch(rrd_store *s, const char *site, const char *device, const char *metric,
                           const char *instance, store_cf cf, int64_t from, int64_t to, int64_t step,
                           store_series *out, vg_err *err)
{
    memset(out, 0, sizeof *out);
    char path[2048];
    if (rrd_store_path(s, site, device, metric, instance ? instance : "", path, sizeof path) != 0)
        return vg_fail_field(err, VG_E_INVALID, "instance", "not a valid series name");
    struct stat st;
    if (stat(path, &st) != 0)
        return vg_fail(err, VG_E_NOT_FOUND, "no such series: %s", path);
    if (!rrd_store_file_mappable(path))
        return vg_fail_field(err, VG_E_IO, "file", "%s is damaged (empty or not a file)", path);
    time_t start = (time_t)from, end = (time_t)to;
    unsigned long rstep = step > 0 ? (unsigned long)step : 0, ds_cnt = 0;
    char **ds_names = NULL;
    rrd_value_t *data = NULL;
    rrd_clear_error();
    rrd_store_flush(s, path);
    if (rrd_fetch_r(path, store_cf_name(cf), &start, &end, &rstep, &ds_cnt, &ds_names, &data) != 0)
        return vg_fail(err, VG_E_IO, "fetching %s: %s", path, rrd_get_error());
    size_t rows = rstep && ds_cnt ? (size_t)((end - start) / (time_t)rstep) : 0;
    vg_code rc = VG_OK;
    out->points = calloc(rows ? rows : 1, sizeof *out->points);
    if (!out->points) {
        rc = vg_fail(err, VG_E_NOMEM, "out of memory reading %s", path);
    } else {
        out->start = (int64_t)start;
        out->end = (int64_t)end;
        out->step = (int64_t)rstep;
        out->npoints = rows;
        for (size_t i = 0; i < rows; i++) {
            out->points[i].ts = (int64_t)start + (int64_t)(i + 1) * (int64_t)rstep;
            out->points[i].value = data[i * ds_cnt]; /* one data source per file: "value" */
        }
    }
    for (unsigned long i = 0; i < ds_cnt; i++)
        rrd_freemem(ds_names[i]);
    rrd_freemem(ds_names);
    rrd_freemem(data);
    return rc;
}

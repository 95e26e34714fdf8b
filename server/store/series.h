/* series: reading the time series back out of the RRD files (the write side is rrd_store.h).
 *
 * store_series_fetch() is the one way a reader of the server gets a series over a period: it finds the
 * series' file, refuses a file librrd may not be handed (empty, not a regular file: see
 * rrd_store_file_mappable), has rrdcached write what it holds for the file first, and returns the rows
 * of the archive librrd chose as typed points; store_series_add_late() fills its gaps with the late
 * samples the database keeps. Consolidating to a coarser step is the caller's. */
#ifndef VIGIE_STORE_SERIES_H
#define VIGIE_STORE_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store/db.h"
#include "store/rrd_store.h"

typedef enum { STORE_CF_AVERAGE, STORE_CF_MIN, STORE_CF_MAX } store_cf;

/* "AVERAGE", "MIN", "MAX" (the names of the API and of librrd); false for any other name. */
bool store_cf_parse(const char *name, store_cf *out);
const char *store_cf_name(store_cf cf);

/* One row of an archive: the value (NaN when unknown) of the interval (ts - step, ts]. */
typedef struct {
    int64_t ts;
    double value;
} store_point;

/* What was read: points[i].ts = start + (i + 1) * step, the last one at end. */
typedef struct {
    int64_t start, end, step;
    size_t npoints;
    store_point *points;
} store_series;

/* Fetches one series (instance "" for a scalar metric) over [from, to] with at least `step` seconds
 * between rows (0: the finest archive). VG_E_INVALID for a name that cannot be a series, VG_E_NOT_FOUND
 * when the series was never written, VG_E_IO when its file is damaged (err->field is "file": the file
 * is set aside at the next write) or cannot be read. Free out with store_series_clear. */
vg_code store_series_fetch(rrd_store *s, const char *site, const char *device, const char *metric,
                           const char *instance, store_cf cf, int64_t from, int64_t to, int64_t step,
                           store_series *out, vg_err *err);
void store_series_clear(store_series *out);

/* Fills the points of s that RRD does not know (NaN) with the late samples kept for the series
 * (db_late.c: older than the file's last update when they came). A late sample at t belongs to the
 * point whose interval (ts - step, ts] holds t, and the samples of one point are consolidated with cf
 * (their mean, min or max), as RRD would have: the points are at the archive's step, and the caller
 * consolidates further alike. Where RRD has a value for a point, RRD wins: it holds the samples that
 * came in time, and a late one at such a point is most often a sample RRD already has, sent again.
 * *filled (may be NULL): the points filled. */
vg_code store_series_add_late(store_series *s, db *d, const char *site, const char *device, const char *metric,
                              const char *instance, store_cf cf, size_t *filled, vg_err *err);

/* Makes unknown (NaN) every point outside [lo, hi], the metric's physical range (vocabulary.yaml):
 * a garbage page of a file read back as -3.7e240 V is not a reading. Returns how many were. */
size_t store_series_clip(store_series *s, double lo, double hi);

#endif

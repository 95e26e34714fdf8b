/* energy_grid: series put on one grid of rows, and turned into energy per row.
 *
 * A grid is rows (start + i * step, start + (i + 1) * step], as RRD's: every series of a side is
 * resampled onto it (a row is known only when the series is known over all of it: a gap is never
 * filled in), so that the sides can be added and compared row by row. A power (W) gives a row
 * value x step joules; an energy counter (kWh) the difference between its value in the row and in the
 * last known row before, spread evenly over the rows between (the counter kept counting in a gap, so
 * the energy is exact, only its split over the gap is even); a counter that goes down (reset,
 * replaced meter) leaves the rows of that step unknown. Pure arithmetic, tested on its own. */
#ifndef VIGIE_ENERGY_GRID_H
#define VIGIE_ENERGY_GRID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/series.h"

/* The largest grid: 5 years of hours. */
#define ENERGY_GRID_MAX_ROWS (5 * 366 * 24)

typedef struct {
    int64_t start; /* rows are (start + i * step, start + (i + 1) * step] */
    int64_t step;
    size_t nrows;
} energy_grid;

/* The rows of [from, to) at step (> 0), aligned on multiples of step: false when from >= to or the
 * grid would have more than ENERGY_GRID_MAX_ROWS rows. */
bool energy_grid_init(energy_grid *g, int64_t from, int64_t to, int64_t step);
/* The row whose interval holds t (may be out of the grid: < 0 or >= nrows). */
int64_t energy_grid_row(const energy_grid *g, int64_t t);

/* out[i]: the time-weighted mean of the series over row i of g, NAN unless the series is known over
 * the whole row. */
void energy_resample(const store_series *s, const energy_grid *g, double *out);

/* out[i]: the kWh of row i from one series: a power in W, or an energy counter (counter true) whose
 * value at the row before the grid comes from before[0] (NAN when unknown: the grid's first row is
 * then unknown too unless a later reading bridges it). vals are the series resampled on g. */
void energy_rows_kwh(const double *vals, size_t n, int64_t step, bool counter, double before, double *out);

/* acc[i] += add[i], NAN in either staying NAN: a side's row is known when all its series are. */
void energy_rows_add(double *acc, const double *add, size_t n);

/* The known rows of [r0, r1) that are counted (row index < counted: the rest is the future). */
typedef struct {
    double kwh;       /* over the known rows */
    size_t known, expected;
    double coverage;  /* percent of the expected rows known; NAN when none is expected */
} energy_total;
void energy_rows_total(const double *kwh, size_t r0, size_t r1, size_t counted, energy_total *out);

#endif

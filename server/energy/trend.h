/* trend: a straight line fitted by least squares to the known points of a series, and what it says —
 * when it reaches a level, how much it changes over a span.
 *
 * Pure arithmetic on (time, value) points, NaN values skipped: trend_watch.c feeds it RRD rows. A line
 * is only a trend when it has enough points over enough time (TREND_MIN_POINTS, half the span asked
 * for) and its slope stands out of the noise: |slope| at least twice its standard error (about 95 %
 * for a normal noise), else the series is called steady. Times are centred on their mean, so that
 * Unix seconds squared lose no precision. */
#ifndef VIGIE_TREND_H
#define VIGIE_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/series.h"

#define TREND_MIN_POINTS 6

typedef struct {
    size_t n;              /* known points used */
    double t_mean;         /* the time origin of the line: the points' mean time */
    double intercept;      /* the line's value at t_mean */
    double slope;          /* value units per second */
    double slope_se;       /* standard error of the slope (0 for points exactly on the line) */
    double r2;             /* share of the variance the line explains (1 for a flat exact series) */
    int64_t t_first, t_last;
} trend_fit;

/* Fits the line to the known points of pts[0..n). false when there are fewer than TREND_MIN_POINTS
 * known points, or when they span less than min_span seconds (a trend of a few minutes says nothing
 * of a day): then *out is zeroed. */
bool trend_fit_points(const store_point *pts, size_t n, int64_t min_span, trend_fit *out);
/* The line's value at t. */
double trend_value_at(const trend_fit *f, double t);
/* Whether the slope stands out of the noise: |slope| >= 2 standard errors and not zero. */
bool trend_significant(const trend_fit *f);
/* Seconds after `now` at which the line reaches `level`: 0 when it is there now, NAN when the line
 * moves away from it (the level is behind it: crossed already, or never to be) or does not move. */
double trend_time_to(const trend_fit *f, double now, double level);
/* The line's change from a to b in percent of its value at a (NAN when that value is 0). */
double trend_change_pct(const trend_fit *f, double a, double b);

#endif

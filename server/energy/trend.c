#include "config.h"
#include "energy/trend.h"

#include <math.h>
#include <string.h>

bool trend_fit_points(const store_point *pts, size_t n, int64_t min_span, trend_fit *out)
{
    memset(out, 0, sizeof *out);
    size_t k = 0;
    double st = 0, sv = 0;
    int64_t first = 0, last = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(pts[i].value))
            continue;
        if (k == 0 || pts[i].ts < first)
            first = pts[i].ts;
        if (k == 0 || pts[i].ts > last)
            last = pts[i].ts;
        st += (double)pts[i].ts;
        sv += pts[i].value;
        k++;
    }
    if (k < TREND_MIN_POINTS || last - first < min_span || last == first)
        return false;
    double tm = st / (double)k, vm = sv / (double)k, sxx = 0, sxy = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(pts[i].value))
            continue;
        double dx = (double)pts[i].ts - tm, dy = pts[i].value - vm;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    double slope = sxy / sxx;
    double sse = syy - slope * sxy; /* the residuals' sum of squares */
    if (sse < 0)
        sse = 0;
    *out = (trend_fit){.n = k, .t_mean = tm, .intercept = vm, .slope = slope, .t_first = first, .t_last = last};
    out->slope_se = sqrt(sse / (double)(k - 2) / sxx);
    out->r2 = syy > 0 ? 1 - sse / syy : 1;
    return true;
}

double trend_value_at(const trend_fit *f, double t) { return f->intercept + f->slope * (t - f->t_mean); }

bool trend_significant(const trend_fit *f)
{
    return f->n >= TREND_MIN_POINTS && f->slope != 0 && fabs(f->slope) >= 2 * f->slope_se;
}

double trend_time_to(const trend_fit *f, double now, double level)
{
    double v = trend_value_at(f, now);
    if (v == level)
        return 0;
    if (f->slope == 0)
        return NAN;
    double dt = (level - v) / f->slope;
    return dt > 0 ? dt : NAN; /* negative: the level is behind the line, which moves away from it */
}

double trend_change_pct(const trend_fit *f, double a, double b)
{
    double va = trend_value_at(f, a);
    if (va == 0)
        return NAN;
    return (trend_value_at(f, b) - va) / fabs(va) * 100.0;
}

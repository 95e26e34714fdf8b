#include "config.h"
#include "energy/energy_grid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int64_t eg_floor(int64_t t, int64_t step) { return t >= 0 ? t / step * step : -((-t + step - 1) / step) * step; }

bool energy_grid_init(energy_grid *g, int64_t from, int64_t to, int64_t step)
{
    memset(g, 0, sizeof *g);
    if (step <= 0 || from >= to)
        return false;
    g->step = step;
    g->start = eg_floor(from, step);
    int64_t rows = (to - g->start + step - 1) / step;
    if (rows <= 0 || rows > ENERGY_GRID_MAX_ROWS)
        return false;
    g->nrows = (size_t)rows;
    return true;
}

int64_t energy_grid_row(const energy_grid *g, int64_t t)
{
    /* t in (start + i * step, start + (i + 1) * step] */
    return eg_floor(t - g->start - 1, g->step) / g->step;
}

void energy_resample(const store_series *s, const energy_grid *g, double *out)
{
    double *known = calloc(g->nrows ? g->nrows : 1, sizeof *known);
    for (size_t i = 0; i < g->nrows; i++)
        out[i] = 0;
    for (size_t k = 0; known && s && k < s->npoints; k++) {
        double v = s->points[k].value;
        if (!isfinite(v) || s->step <= 0)
            continue;
        int64_t b = s->points[k].ts, a = b - s->step; /* the point covers (a, b] */
        int64_t r0 = energy_grid_row(g, a + 1), r1 = energy_grid_row(g, b);
        for (int64_t r = r0 < 0 ? 0 : r0; r <= r1 && r < (int64_t)g->nrows; r++) {
            int64_t ra = g->start + r * g->step, rb = ra + g->step;
            int64_t lo = a > ra ? a : ra, hi = b < rb ? b : rb;
            if (hi <= lo)
                continue;
            out[r] += v * (double)(hi - lo);
            known[r] += (double)(hi - lo);
        }
    }
    for (size_t i = 0; i < g->nrows; i++)
        out[i] = known && known[i] >= (double)g->step ? out[i] / known[i] : NAN;
    free(known);
}

/* A counter: the increase from the last known value, spread over the rows since. */
static void eg_counter_kwh(const double *vals, size_t n, double before, double *out)
{
    double last = before;
    size_t since = 0; /* the first row after the last known value */
    for (size_t i = 0; i < n; i++) {
        out[i] = NAN;
        if (!isfinite(vals[i]))
            continue;
        if (isfinite(last) && vals[i] >= last) {
            double each = (vals[i] - last) / (double)(i - since + 1);
            for (size_t j = since; j <= i; j++)
                out[j] = each;
        }
        last = vals[i];
        since = i + 1;
    }
}

void energy_rows_kwh(const double *vals, size_t n, int64_t step, bool counter, double before, double *out)
{
    if (counter) {
        eg_counter_kwh(vals, n, before, out);
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = isfinite(vals[i]) ? vals[i] * (double)step / 3.6e6 : NAN;
}

void energy_rows_add(double *acc, const double *add, size_t n)
{
    for (size_t i = 0; i < n; i++)
        acc[i] = isfinite(acc[i]) && isfinite(add[i]) ? acc[i] + add[i] : NAN;
}

void energy_rows_total(const double *kwh, size_t r0, size_t r1, size_t counted, energy_total *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = r0; i < r1 && i < counted; i++) {
        out->expected++;
        if (kwh && isfinite(kwh[i])) {
            out->kwh += kwh[i];
            out->known++;
        }
    }
    out->coverage = out->expected ? 100.0 * (double)out->known / (double)out->expected : NAN;
}

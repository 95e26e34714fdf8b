#include "config.h"
#include "alerting/drift.h"

#include <math.h>
#include <string.h>

/* Why a least-squares slope through day levels, rather than the change between the mean of the first
 * and of the last day:
 *   - the change between two days rests on those two alone: a first or last day with few samples (a
 *     slow sweep, an agent down for hours), or a missing one, moves the whole estimate, and it waits
 *     for a whole week to say anything. The slope uses every day held, each placed at the mean time
 *     of its own samples, so a missing day only drops a point and a partial day sits where its samples
 *     are; it answers as soon as the days span min_span.
 *   - the slope runs through day levels, not through every sample: a day of 288 samples weighs as
 *     much as a day of 8, so a dense stretch does not outvote a sparse one, and the state is bounded
 *     (8 buckets of running sums) whatever the sampling.
 *   - a day's level is its mean without its lowest and highest sample: one spike (a misread, a
 *     reconnection) is dropped from its day instead of moving it, which needs 3 samples, the least a
 *     day must have to be used. */

static int64_t dr_day_of(int64_t ts) { return ts >= 0 ? ts / AL_DRIFT_DAY : -((-ts + AL_DRIFT_DAY - 1) / AL_DRIFT_DAY); }

/* Drops the days more than 7 before `day`. */
static void dr_evict(al_drift *d, int64_t day)
{
    size_t k = 0;
    while (k < d->ndays && d->days[k].day < day - (AL_DRIFT_DAYS - 1))
        k++;
    if (k) {
        memmove(&d->days[0], &d->days[k], (d->ndays - k) * sizeof d->days[0]);
        d->ndays -= k;
    }
}

bool alert_drift_add(al_drift *d, int64_t ts, double value)
{
    if (!isfinite(value))
        return false;
    int64_t day = dr_day_of(ts);
    if (d->ndays > 0 && day < d->days[d->ndays - 1].day - (AL_DRIFT_DAYS - 1))
        return false; /* a late sample from before the window */
    dr_evict(d, day);
    size_t i = 0;
    while (i < d->ndays && d->days[i].day < day)
        i++;
    if (i == d->ndays || d->days[i].day != day) {
        if (d->ndays == AL_DRIFT_DAYS) { /* cannot happen after dr_evict: distinct days within 7 */
            memmove(&d->days[0], &d->days[1], (AL_DRIFT_DAYS - 1) * sizeof d->days[0]);
            d->ndays--;
            i = i ? i - 1 : 0;
        }
        memmove(&d->days[i + 1], &d->days[i], (d->ndays - i) * sizeof d->days[0]);
        d->days[i] = (al_drift_day){.day = day, .min = value, .max = value};
        d->ndays++;
    }
    al_drift_day *b = &d->days[i];
    b->n++;
    b->sum += value;
    b->tsum += (double)(ts - day * AL_DRIFT_DAY);
    if (value < b->min)
        b->min = value;
    if (value > b->max)
        b->max = value;
    return true;
}

/* A day's level: its mean without its extremes. */
static double dr_level(const al_drift_day *b) { return (b->sum - b->min - b->max) / (double)(b->n - 2); }

void alert_drift_estimate_of(const al_drift *d, int min_span, al_drift_estimate *out)
{
    memset(out, 0, sizeof *out);
    double x[AL_DRIFT_DAYS], y[AL_DRIFT_DAYS];
    int k = 0;
    int64_t first = 0;
    for (size_t i = 0; i < d->ndays; i++) {
        const al_drift_day *b = &d->days[i];
        if (b->n < AL_DRIFT_MIN_SAMPLES)
            continue;
        if (k == 0)
            first = b->day;
        /* seconds from the first day used: small numbers, no loss of precision */
        x[k] = (double)((b->day - first) * AL_DRIFT_DAY) + b->tsum / (double)b->n;
        y[k] = dr_level(b);
        k++;
    }
    if (k < 2 || x[k - 1] - x[0] < (double)min_span)
        return;
    double mx = 0, my = 0;
    for (int i = 0; i < k; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= k;
    my /= k;
    double sxy = 0, sxx = 0;
    for (int i = 0; i < k; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
    }
    if (sxx <= 0)
        return;
    out->known = true;
    out->per_week = sxy / sxx * AL_DRIFT_WEEK;
    out->span = x[k - 1] - x[0];
    out->days = k;
}

/* Reached on the way in; on the way out, left only once under th - hyst. */
static bool dr_reached(double v, double th, bool active, double hyst) { return active ? v >= th - hyst : v >= th; }

al_level alert_drift_judge(const alert_drift_rule *r, double per_week, al_level active)
{
    double v = r->direction == AL_DRIFT_DOWN ? -per_week : r->direction == AL_DRIFT_UP ? per_week : fabs(per_week);
    if (r->has_critical && dr_reached(v, r->critical, active == AL_CRITICAL, r->hysteresis))
        return AL_CRITICAL;
    if (r->has_warning && dr_reached(v, r->warning, active >= AL_WARNING, r->hysteresis))
        return AL_WARNING;
    return AL_OK;
}

al_event alert_drift_observe(al_drift *d, const alert_drift_rule *r, int64_t ts, double value)
{
    if (!alert_drift_add(d, ts, value))
        return AL_EV_NONE;
    alert_drift_estimate_of(d, r->min_span, &d->last);
    if (!d->last.known)
        return AL_EV_NONE;
    al_level l = alert_drift_judge(r, d->last.per_week, d->active);
    if (l == d->active)
        return AL_EV_NONE;
    d->active = l;
    return l == AL_OK ? AL_EV_RESOLVE : AL_EV_FIRE;
}

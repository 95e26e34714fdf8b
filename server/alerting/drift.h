/* alert_drift: the slow drift of a series (an ONT's optical level losing 0.5 dB a day as a
 * connector gets dirty), in the metric's unit per week, from bounded state: one bucket per UTC day,
 * the current day and the 7 before it (AL_DRIFT_DAYS), each with the count, sum, min, max and mean
 * time of its samples. Nothing else of the history is kept; alerts.c stores the state in SQLite
 * (store/alert_store.h, table alert_drift) and calls alert_drift_observe() for each sample of a
 * series whose rule has `drift:`. Pure, over the samples' own times, for the unit tests
 * (tests/unit/drift_test.c).
 *
 * The estimate is the least-squares slope through the days' levels, a level being the day's mean
 * with its lowest and highest sample left out (see drift.c for why). A day of fewer than
 * AL_DRIFT_MIN_SAMPLES samples is not used; there is no estimate until the days used span the rule's
 * min_span. */
#ifndef VIGIE_ALERT_DRIFT_H
#define VIGIE_ALERT_DRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerting/rules.h"

#define AL_DRIFT_DAY 86400
#define AL_DRIFT_WEEK (7 * AL_DRIFT_DAY)
#define AL_DRIFT_DAYS 8        /* today and the 7 days before */
#define AL_DRIFT_MIN_SAMPLES 3 /* the least for which a day's level can drop its extremes */

/* One UTC day of a series. */
typedef struct {
    int64_t day;      /* ts / 86400 */
    int64_t n;
    double sum, min, max;
    double tsum;      /* sum of the samples' seconds into the day: their mean time */
} al_drift_day;

/* What an estimate found. */
typedef struct {
    bool known;       /* false: too few days, or not spanning min_span */
    double per_week;  /* signed: negative is falling */
    double span;      /* seconds between the first and last day used (their mean sample times) */
    int days;         /* days used */
} al_drift_estimate;

/* A series' drift tracker. */
typedef struct {
    al_level active;  /* the level notified about */
    size_t ndays;
    al_drift_day days[AL_DRIFT_DAYS]; /* oldest first, distinct days within 7 of the newest */
    al_drift_estimate last;           /* the latest estimate, kept for the API and the tests */
} al_drift;

/* Adds a sample; false when it is ignored (not finite, or older than the window of the newest day).
 * A sample of a new day drops the days more than 7 before it. */
bool alert_drift_add(al_drift *d, int64_t ts, double value);
/* The drift of the days held; out->known false when there is none. */
void alert_drift_estimate_of(const al_drift *d, int min_span, al_drift_estimate *out);
/* The level of a drift under a rule, knowing the active one (hysteresis). */
al_level alert_drift_judge(const alert_drift_rule *r, double per_week, al_level active);
/* Adds the sample, estimates and judges: AL_EV_FIRE when the active level went up or changed between
 * warning and critical, AL_EV_RESOLVE when it went back to ok, else AL_EV_NONE. Without an estimate
 * (too few days after a gap) the active level stays: missing data is not a recovery. */
al_event alert_drift_observe(al_drift *d, const alert_drift_rule *r, int64_t ts, double value);

#endif

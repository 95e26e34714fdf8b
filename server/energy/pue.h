/* pue: Power Usage Effectiveness of a period, honest about what is missing.
 *
 *   PUE = facility kWh / IT kWh, both over the same rows: those where both sides are known.
 *
 * No PUE (status other than PUE_OK, value NAN) when a side has no series, when either side covers less
 * than min_coverage percent of the counted rows, when the rows they cover together do (PUE_NOT_SAME_TIME:
 * each side measured enough, not at the same time), when IT used no energy, or when the quotient is
 * below 1.0, which no real site can be (PUE_BELOW_ONE: the sides are wrong; the quotient is kept in
 * `ratio` for whoever investigates, never shown as a PUE). See doc/report.md, "Energy and PUE". */
#ifndef VIGIE_PUE_H
#define VIGIE_PUE_H

#include <stdbool.h>
#include <stddef.h>

#include "energy/energy_grid.h"

typedef enum {
    PUE_OK = 0,
    PUE_NO_FACILITY,   /* no series make the facility side */
    PUE_NO_IT,         /* no series make the IT side, or it used no energy */
    PUE_NO_TIME,       /* nothing of the period is counted yet */
    PUE_LOW_COVERAGE,  /* a side covers less than the minimum */
    PUE_NOT_SAME_TIME, /* each side does, not together */
    PUE_BELOW_ONE,     /* facility < IT: a wrong side, not a PUE */
} pue_status;

typedef struct {
    pue_status status;
    energy_total facility, it; /* each side over its own known rows */
    energy_total common;       /* rows known on both sides (kwh: unused) */
    double facility_kwh, it_kwh; /* over the common rows */
    double ratio;              /* facility_kwh / it_kwh, NAN when it cannot be computed */
    double value;              /* the PUE when status is PUE_OK, else NAN */
} pue_result;

/* The PUE of rows [r0, r1) of the two sides' per-row kWh (NULL: no such side), of which the first
 * `counted` rows are counted. */
void pue_compute(const double *facility, const double *it, size_t r0, size_t r1, size_t counted, double min_coverage,
                 pue_result *out);
/* "ok", "no_facility", "no_it", "no_time", "low_coverage", "not_same_time", "below_one" */
const char *pue_status_name(pue_status s);

#endif

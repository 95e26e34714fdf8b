#include "config.h"
#include "energy/pue.h"

#include <math.h>
#include <string.h>

const char *pue_status_name(pue_status s)
{
    static const char *const names[] = {"ok", "no_facility", "no_it", "no_time", "low_coverage", "not_same_time",
                                        "below_one"};
    return (size_t)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

void pue_compute(const double *facility, const double *it, size_t r0, size_t r1, size_t counted, double min_coverage,
                 pue_result *out)
{
    memset(out, 0, sizeof *out);
    out->ratio = out->value = NAN;
    energy_rows_total(facility, r0, r1, counted, &out->facility);
    energy_rows_total(it, r0, r1, counted, &out->it);
    for (size_t i = r0; i < r1 && i < counted; i++) {
        out->common.expected++;
        if (facility && it && isfinite(facility[i]) && isfinite(it[i])) {
            out->common.known++;
            out->facility_kwh += facility[i];
            out->it_kwh += it[i];
        }
    }
    out->common.coverage =
        out->common.expected ? 100.0 * (double)out->common.known / (double)out->common.expected : NAN;
    if (out->common.known && out->it_kwh > 0)
        out->ratio = out->facility_kwh / out->it_kwh;
    if (!facility)
        out->status = PUE_NO_FACILITY;
    else if (!it)
        out->status = PUE_NO_IT;
    else if (out->common.expected == 0)
        out->status = PUE_NO_TIME;
    else if (out->facility.coverage < min_coverage || out->it.coverage < min_coverage)
        out->status = PUE_LOW_COVERAGE;
    else if (out->common.coverage < min_coverage)
        out->status = PUE_NOT_SAME_TIME;
    else if (!(out->it_kwh > 0))
        out->status = PUE_NO_IT;
    else if (out->ratio < 1.0)
        out->status = PUE_BELOW_ONE;
    else {
        out->status = PUE_OK;
        out->value = out->ratio;
    }
}

/* energy: the kWh of a site's facility and of its IT over a period and day by day, with the share of
 * the period each side was measured, and the PUE — read back from the RRD files.
 *
 * Each side's series (energy_sides.h) are fetched at one hour (ENERGY_STEP, the RRD archive kept 400
 * days) and put on one grid (energy_grid.h): a power is integrated (W x 3600 s per known hour), a
 * counter differenced. A side's hour is known when all its series are; its kWh is the sum over its
 * known hours and its coverage the share of the counted hours (those ended by `until`, the present)
 * that are known: a gap is never filled in, the figure says how much it stands for. The PUE of the
 * period and of each day follows pue.h. RRD averages an hour that is at least half known (xff 0.5):
 * the hour stands for the missing minutes of such an hour; late samples (older than their file's
 * last update when they came) are not counted. See doc/report.md, "Energy and PUE". */
#ifndef VIGIE_ENERGY_H
#define VIGIE_ENERGY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "energy/energy_config.h"
#include "energy/energy_grid.h"
#include "energy/energy_sides.h"
#include "energy/inventory.h"
#include "energy/pue.h"
#include "store/rrd_store.h"

#define ENERGY_STEP 3600
#define ENERGY_MAX_DAYS 400

typedef struct {
    char date[16];       /* "2026-10-01", in the site's zone */
    int64_t from, to;
    pue_result pue;      /* the day's sides (facility, it) and PUE */
} energy_day;

typedef struct {
    int64_t from, to, until;
    double min_coverage;
    energy_grid grid;
    size_t counted;      /* rows of the grid that are counted (ended by until) */
    energy_side_def facility, it;
    double *facility_kwh, *it_kwh; /* per row, NULL when the side has no series */
    pue_result pue;      /* the whole period */
    energy_day *days;
    size_t ndays;
} energy_period;

/* The energy of [from, to) of a site in zone tz, counted until `until`. VG_E_INVALID for a period the
 * grid cannot hold (more than 5 years), VG_E_NOMEM. A series that cannot be read counts as unknown. */
vg_code energy_compute(rrd_store *rrd, const inventory *inv, const energy_site_config *c, const char *site,
                       const char *tz, int64_t from, int64_t to, int64_t until, energy_period **out, vg_err *err);
void energy_period_free(energy_period *p);

/* The period as the API and the report give it (doc/api.md, GET /api/v1/energy). */
json_t *energy_period_json(const energy_period *p);

#endif

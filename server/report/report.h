/* report: the figures of a period for one or all sites, as one JSON document — what
 * `vigie availability`, `vigie report`, the API and the dashboard show.
 *
 * Sites come worst first (lowest availability, then most downtime). Each site gives the figures of
 * avail_compute() for the period and for the year to date, per service figures, its incidents and
 * maintenance windows, and names what it was computed from (period, time zone, unknown policy,
 * software version). The same data gives the same document, apart from `generated_at`. */
#ifndef VIGIE_REPORT_H
#define VIGIE_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store/db.h"
#include "store/rrd_store.h"
#include "config/server_config.h"

typedef struct {
    const char *site;   /* NULL: every site */
    int year, month;    /* a calendar month in each site's time zone, or month 0 ... */
    int64_t from, to;   /* ... an explicit [from, to) */
    int64_t now;        /* the present: the part of the period after it is not counted */
    rrd_store *rrd;     /* the series, for each site's `energy` and `headroom` members; NULL: without them */
    /* NULL: every site; else the sites it admits only (a caller's scope, http/api_scope.c): another is
     * left out of every site, figure and total, and as q->site it is unknown (VG_E_NOT_FOUND) */
    bool (*admit)(const void *arg, const server_config *cfg, const char *site);
    const void *admit_arg;
} report_query;

/* Builds the document into *out. VG_E_NOT_FOUND for an unknown site (field "site"), VG_E_INVALID for
 * a month the site's zone cannot bound, VG_E_IO when the database cannot be read, VG_E_NOMEM. */
vg_code report_build(db *d, const server_config *cfg, const report_query *q, json_t **out, vg_err *err);

/* Parses "2026-10" into year and month; VG_E_INVALID when it is not one. */
vg_code report_parse_month(const char *s, int *year, int *month);
/* Parses Unix seconds, "2026-10-01", "2026-10-01T08:30" or "2026-10-01T08:30:15" in the zone tz, or
 * any of the last two with a UTC offset ("2026-10-25T02:30+01:00", "...Z"). A local time without an
 * offset that the zone skips (the clocks go forward) or repeats (they go back) is refused: which of
 * the two instants was meant cannot be guessed. VG_E_INVALID with a message saying why. */
vg_code report_parse_time(const char *s, const char *tz, int64_t *out, vg_err *err);

#endif

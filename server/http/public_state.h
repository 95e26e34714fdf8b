/* public_state: the live figures of many public sites at once, for GET /api/v1/public-sites and
 * /api/v1/public-sites/ID (routes_public.c): each site's current state (its last site event: state,
 * since, cause), whether its outage is held behind its NRO (attributed_to: the site is down and its
 * NRO is down now, as alerting/dependency.c holds its alerts), its availability this month so far
 * (avail_compute on the site's `link` service, as /api/v1/sites gives it) and its latest link RTT and
 * loss.
 *
 * 1,200 sites must answer in one request without 1,200 × k statements: pubstate_build reads each
 * table once for all the sites (store/db_public.h: events, latest values, devices with their health
 * runs; the maintenance windows in one listing) and computes in memory. A site whose services are not
 * the public kind's single `link` service (a configuration that overrides them) is computed the
 * usual way, alone. */
#ifndef VIGIE_PUBLIC_STATE_H
#define VIGIE_PUBLIC_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "config/server_config.h"
#include "error.h"
#include "sla/availability.h"
#include "store/db.h"

typedef struct {
    const server_site *site;   /* set by the caller: a site with pub set */
    char state[16];            /* up | down | unknown */
    int64_t since;             /* when the state began (its event), 0 when none is recorded */
    char cause[AVAIL_CAUSE_MAX * 2]; /* the event's cause, "" when none */
    const char *attributed_to; /* the NRO's id when the site is down behind its NRO down, else NULL */
    double availability;       /* percent, this month in the site's zone up to now; NAN when nothing is eligible */
    double rtt, loss;          /* ms and percent of the latest fresh values; NAN when none */
} pubstate_row;

/* Fills rows[0..n) (their `site` set) at instant now. VG_E_IO when the database cannot be read,
 * VG_E_NOMEM. */
vg_code pubstate_build(db *d, const server_config *cfg, pubstate_row *rows, size_t n, int64_t now, vg_err *err);

/* Worst first: down, unknown, up, then availability ascending (NAN last), then id (qsort). */
int pubstate_cmp(const void *a, const void *b);

#endif

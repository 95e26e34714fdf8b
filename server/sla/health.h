/* state: from what the agents push to the state of devices, services and sites.
 *
 * At ingest, each device of a batch gets a health (unknown when unreachable, else down / degraded /
 * ok from the worst severity its agent judged with the profile's rules), each metric condition of
 * the site's services is judged, both are recorded as health runs (db.h: a db_member names whose run
 * it is, a device or a condition of a service on one series), and the state change
 * events of the affected period are recomputed, so a late batch from a spool lands at its own time.
 * For reports and the API, state_site_build() turns a site's configuration and its runs into the
 * input of avail_compute(). */
#ifndef VIGIE_STATE_H
#define VIGIE_STATE_H

#include "sla/availability.h"
#include "store/db.h"
#include "config/server_config.h"

/* The site's model, target, time zone and unknown policy; defaults for a site that is not declared. */
typedef struct {
    char id[NAME_MAX_LEN + 1];
    char name[128];
    char kind[32];
    char timezone[64];
    double target;
    double min_coverage;
    const site_model *model;
    site_model fallback;
} state_site_info;

void state_site_info_get(const server_config *cfg, const char *site, state_site_info *out);

/* Records the health observations of a stored batch and recomputes the events it affects. */
vg_code state_ingest(db *d, const server_config *cfg, const char *site, const push_batch *b, int64_t now,
                     vg_err *err);

/* Input of avail_compute() for [from, to): owns the spans and windows it points to. */
typedef struct state_site state_site;
state_site *state_site_build(db *d, const server_config *cfg, const char *site, int64_t from, int64_t to);
const avail_site *state_site_avail(const state_site *s);
void state_site_free(state_site *s);

/* avail_compute() on a site's data. 0 or -1. */
int state_availability(db *d, const server_config *cfg, const char *site, int64_t from, int64_t to,
                       avail_result *out);

/* Recomputes the device, service and site events of [from, to). */
vg_code state_events_recompute(db *d, const server_config *cfg, const char *site, int64_t from, int64_t to,
                               int64_t now, vg_err *err);

#endif

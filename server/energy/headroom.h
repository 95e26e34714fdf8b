/* headroom: how much power and cooling a site has left, against the ratings and the redundancy rule.
 *
 * Power, per UPS: the load against its rating (ups.load %, or ups.realpower against
 * ups.realpower.nominal or the rating server.yaml gives). Per site, with n UPS of capacities C:
 *   2N      usable = sum(C) / 2            (the whole load fits in half the installation)
 *   N+1     usable = sum(C) - max(C)       (it fits when the largest unit fails)
 *   N       usable = sum(C)
 *   service usable = the k smallest C, k = the power service's min_up (0: n - 1), for a site that
 *           declares no rule: the service says how many units must stay up
 * and headroom = usable - total load, in W and in percent of usable (negative: "exceeded", the load no
 * longer fits if units fail). A unit whose rating or load is not reported makes the site's figure
 * "not_reported": it is named, never guessed.
 * Per PDU phase: its current against its rating: the device's input.load (percent of its rating) or
 * the phase_current of server.yaml; "not reported" otherwise.
 * Cooling: the heat load (about the IT power) against the units' rated capacity (cooling_kw of
 * server.yaml) with the cooling service's min_up, and each unit's cooling.capacity in use and
 * cooling.output where reported.
 *
 * headroom_read() takes its figures either now (the latest values, no older than max_age) or as the
 * peak hour of a period (the monthly report: each unit's highest hourly average; the site's load is the
 * sum of those, which can only overstate it). */
#ifndef VIGIE_HEADROOM_H
#define VIGIE_HEADROOM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "energy/energy_config.h"
#include "energy/energy_msg.h"
#include "energy/inventory.h"
#include "sla/site_model.h"
#include "store/rrd_store.h"

#define HEADROOM_MAX_UNITS 64
#define HEADROOM_MAX_PHASES 256

typedef struct {
    char device[NAME_MAX_LEN + 1];
    double capacity_w;       /* NAN: not reported */
    const char *capacity_from; /* "ups.realpower.nominal" | "config" | "" */
    double load_w, load_pct; /* NAN: not reported */
} headroom_ups;

typedef struct {
    energy_redundancy rule;
    size_t units, needed;    /* n, and the units that must carry the load */
    double capacity_w, usable_w, load_w, headroom_w, headroom_pct;
    const char *status;      /* "ok" | "exceeded" | "not_reported" */
    energy_msg missing;      /* what is not reported */
} headroom_power;

/* The site's figure from its units: rule (SERVICE: k = min_up, 0 meaning n - 1). */
void headroom_power_compute(const headroom_ups *u, size_t n, energy_redundancy rule, int min_up, headroom_power *out);

typedef struct {
    char device[NAME_MAX_LEN + 1];
    char phase[INSTANCE_MAX_LEN + 1];
    double current_a, rating_a, load_pct, headroom_pct; /* NAN: not reported */
    const char *rating_from; /* "input.load" | "config" | "" */
} headroom_phase;

/* load_pct and headroom_pct from a current and a rating, or from the device's own load. */
void headroom_phase_compute(headroom_phase *p, double device_load_pct);

typedef struct {
    char device[NAME_MAX_LEN + 1];
    double in_use_pct, output_kw, rated_kw; /* NAN: not reported */
} headroom_cooler;

typedef struct {
    size_t units, needed;
    double heat_load_kw, capacity_kw, usable_kw, headroom_kw, headroom_pct;
    const char *status;      /* "ok" | "exceeded" | "not_reported" */
    energy_msg missing;
} headroom_cooling;

/* The site's cooling figure: the k smallest rated capacities (k = min_up, 0: n - 1) against the heat
 * load. */
void headroom_cooling_compute(const headroom_cooler *u, size_t n, int min_up, double heat_load_kw,
                              headroom_cooling *out);

/* Where headroom_read takes its figures: now (rrd NULL: the latest values no older than max_age
 * seconds before now) or the peak hour of [from, to) read from rrd. */
typedef struct {
    rrd_store *rrd;
    int64_t from, to;
    int64_t now, max_age;
} headroom_when;

/* The site's headroom as the API and the report give it (doc/api.md, GET /api/v1/headroom). */
vg_code headroom_read(const inventory *inv, const energy_site_config *c, const site_model *m, const char *site,
                      const headroom_when *w, json_t **out, vg_err *err);

#endif

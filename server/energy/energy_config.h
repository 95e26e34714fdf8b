/* energy_config: what a site of server.yaml says about its energy, its power redundancy and its trends.
 *
 *   sites:
 *     - id: italie
 *       energy:
 *         facility: [{device: meter-1, metric: input.realpower}]   # W (integrated) or kWh (a counter)
 *         it: [{device: pdu-a, metric: input.realpower}, {device: pdu-b, metric: input.realpower}]
 *         pue_min_coverage: 90                                     # percent
 *         ratings: [{device: pdu-a, phase_current: 32}, {device: clim-1, cooling_kw: 25}]
 *       power_redundancy: 2N                                       # 2N | N+1 | N
 *       trends: {temperature_max: 27, temperature_window: 6, temperature_horizon: 24,
 *                runtime_window: 90, runtime_drop: 10}
 *
 * Everything is optional: without `energy`, the facility is the UPS inputs and IT the PDU inputs (or
 * the UPS outputs); without power_redundancy, the rule comes from the power service's min_up (see
 * doc/report.md, "Energy and PUE", and headroom.h). A site that says none of it has no
 * energy_site_config at all (server_site.energy is NULL): energy_config_get gives the defaults. */
#ifndef VIGIE_ENERGY_CONFIG_H
#define VIGIE_ENERGY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "names.h"
#include "vocab.h"

#define ENERGY_MAX_SOURCES 16   /* series on each side of a declared PUE */
#define ENERGY_MAX_RATINGS 64
#define ENERGY_PUE_MIN_COVERAGE 90.0

/* One series of a side: instance "" is every instance of the metric (their total when one is ""). */
typedef struct {
    char device[NAME_MAX_LEN + 1];
    char metric[NAME_MAX_LEN + 1];
    char instance[INSTANCE_MAX_LEN + 1];
    bool counter; /* the metric is an energy counter (unit kWh): its difference, not its integral */
} energy_source;

/* What a device does not report of its own rating; NAN where not given. */
typedef struct {
    char device[NAME_MAX_LEN + 1];
    double realpower_w;    /* a UPS's rated real power, when it gives no ups.realpower.nominal */
    double phase_current_a; /* a PDU's rated current per inlet phase */
    double cooling_kw;     /* a cooling unit's rated cooling capacity */
} energy_rating;

typedef enum {
    ENERGY_REDUNDANCY_SERVICE = 0, /* from the power service: min_up of its n devices */
    ENERGY_REDUNDANCY_N,
    ENERGY_REDUNDANCY_N1,          /* N+1: the load fits in n - 1 units */
    ENERGY_REDUNDANCY_2N,          /* the load fits in half the capacity */
} energy_redundancy;

typedef struct {
    energy_source facility[ENERGY_MAX_SOURCES];
    size_t nfacility;              /* 0: the UPS inputs */
    energy_source it[ENERGY_MAX_SOURCES];
    size_t nit;                    /* 0: the PDU inputs, or else the UPS outputs */
    double pue_min_coverage;       /* percent of the period both sides must cover together */
    energy_rating ratings[ENERGY_MAX_RATINGS];
    size_t nratings;
    energy_redundancy redundancy;
    double temperature_max;        /* NAN: the environment service's condition on env.temperature */
    int temperature_window;        /* hours of room temperature the trend is fitted on (6) */
    int temperature_horizon;       /* hours ahead a crossing is warned of (24) */
    int runtime_window;            /* days of battery runtime the trend is fitted on (90) */
    double runtime_drop;           /* percent of runtime lost over the window that is warned of (10) */
} energy_site_config;

/* Reads the site's keys `energy`, `power_redundancy` and `trends` (the site map n) into *out, which is
 * left NULL when the site gives none of them; metrics are checked against the vocabulary (a power in W
 * or an energy counter in kWh). Errors are "file:line:col: key 'k': ..." (VG_E_INVALID, VG_E_NOMEM).
 * Free *out with free(). */
vg_code energy_config_read(const conf_doc *d, const conf_node *site, const vocab *v, energy_site_config **out,
                           vg_err *err);
void energy_config_defaults(energy_site_config *c);
/* The site's configuration, or the defaults when c is NULL. */
const energy_site_config *energy_config_get(const energy_site_config *c);
/* The rating given for a device, or NULL. */
const energy_rating *energy_config_rating(const energy_site_config *c, const char *device);
/* "2N", "N+1", "N", or "service". */
const char *energy_redundancy_name(energy_redundancy r);

#endif

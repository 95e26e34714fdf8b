/* trend_watch: the warnings a site's trends give (trend.h's lines on its RRD series), with their
 * sentences in French and English.
 *
 *   room temperature  env.temperature of the devices the environment service judges on it (its
 *                     conditions' device or class), fitted on the last trends.temperature_window hours:
 *                     a significant rise that reaches the condition's max (or trends.temperature_max)
 *                     within trends.temperature_horizon hours warns "at this rate 27 °C in 3 h".
 *   battery runtime   battery.runtime of every UPS, fitted on the hourly averages of the last
 *                     trends.runtime_window days (at least half of them known): a significant fall of
 *                     trends.runtime_drop percent or more over the window warns "runtime down 20 % in
 *                     90 days".
 * Every series fitted is listed with its slope and state (rising, falling, steady, too_few_points). */
#ifndef VIGIE_TREND_WATCH_H
#define VIGIE_TREND_WATCH_H

#include <jansson.h>
#include <stdint.h>

#include "error.h"
#include "energy/energy_config.h"
#include "energy/inventory.h"
#include "energy/trend.h"
#include "sla/site_model.h"
#include "store/rrd_store.h"

#define TREND_WATCH_MAX_SERIES 256

/* The sentences of the warnings, both languages (what appears after "device: "). */
void trend_watch_temperature_text(bool fr, double level, double eta_s, double slope_per_hour, char *out, size_t size);
void trend_watch_runtime_text(bool fr, double drop_pct, int days, double from_s, double to_s, char *out, size_t size);

/* GET /api/v1/trends's document for the site at `now` (doc/api.md). */
vg_code trend_watch_site(rrd_store *rrd, const inventory *inv, const site_model *m, const energy_site_config *c,
                         const char *site, int64_t now, json_t **out, vg_err *err);

#endif

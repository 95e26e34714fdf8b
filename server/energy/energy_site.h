/* energy_site: a site's energy, PUE, headroom and trends as documents, for the API (http/routes_energy.c)
 * and the monthly report (report/report.c), from its configuration (server.yaml: energy_config.h,
 * its services), its inventory and its RRD files.
 *
 * This folder, server/energy/, may call store/, sla/, config/ and lib/; http/ and report/ call it. */
#ifndef VIGIE_ENERGY_SITE_H
#define VIGIE_ENERGY_SITE_H

#include <jansson.h>
#include <stdint.h>

#include "config/server_config.h"
#include "error.h"
#include "store/db.h"
#include "store/rrd_store.h"

/* GET /api/v1/energy: the energy of [from, to) counted until `until`, with the site's id and zone. */
vg_code energy_site_energy(db *d, rrd_store *rrd, const server_config *cfg, const char *site, int64_t from, int64_t to,
                           int64_t until, json_t **out, vg_err *err);
/* GET /api/v1/headroom: the headroom now (latest values no older than 3 steps). */
vg_code energy_site_headroom(db *d, const server_config *cfg, const char *site, int64_t now, json_t **out, vg_err *err);
/* GET /api/v1/trends: the trends and their warnings now. */
vg_code energy_site_trends(db *d, rrd_store *rrd, const server_config *cfg, const char *site, int64_t now, json_t **out,
                           vg_err *err);

/* The monthly report's members of a site (report_site): `energy` (the period's energy and PUE) and
 * `headroom` (at the period's peak hours), set on the site's object. */
vg_code energy_site_report(db *d, rrd_store *rrd, const server_config *cfg, const char *site, int64_t from, int64_t to,
                           int64_t until, json_t *site_obj, vg_err *err);

#endif

/* db_public: what the public sites' listing (GET /api/v1/public-sites, http/public_state.h) reads of
 * 1,200 sites at once. Each function is ONE statement for every site of the list, whatever its length
 * (the list is bound as a JSON array of ids and walked with SQLite's json_each), so that the listing's
 * cost in statements does not grow with the number of sites: the current state of each site (its last
 * site event), the latest link.rtt / link.loss values of each site's own device, and the health runs of
 * the devices of one class at each site (a public site's `link` service). */
#ifndef VIGIE_DB_PUBLIC_H
#define VIGIE_DB_PUBLIC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store/db.h"

/* A list of site ids as the functions below take it: a JSON array (jansson) of strings. NULL when out of
 * memory. Free with free(). */
char *db_public_site_list(const char *const *ids, size_t n);

/* For each site of `sites` that has one, its last site event strictly before `before`: its state, when
 * it began and its cause. Sites without an event are not called back. */
typedef void (*db_public_state_fn)(void *ctx, const char *site, const char *state, int64_t ts, const char *cause);
vg_code db_public_states(db *d, const char *sites, int64_t before, db_public_state_fn fn, void *ctx, vg_err *err);

/* Each latest value of metric m1 or m2 of the device named after its site (a checked public site's
 * device), for every site of `sites`. */
typedef void (*db_public_value_fn)(void *ctx, const char *site, const char *metric, const char *instance,
                                   double value, int64_t ts);
vg_code db_public_values(db *d, const char *sites, const char *m1, const char *m2, db_public_value_fn fn, void *ctx,
                         vg_err *err);

/* For every device of class cls at each site of `sites`, its health spans overlapping [from, to) as
 * db_health_spans gives them (a run [start, last] covers [start, min(last + step, next start))), in one
 * call per device, sites and devices in order; nspans 0 for a device without a run there. fn takes
 * the spans (it frees them). */
typedef void (*db_public_spans_fn)(void *ctx, const char *site, const char *device, avail_span *spans, size_t nspans);
vg_code db_public_spans(db *d, const char *sites, const char *cls, int64_t from, int64_t to, int64_t step,
                        db_public_spans_fn fn, void *ctx, vg_err *err);

#endif

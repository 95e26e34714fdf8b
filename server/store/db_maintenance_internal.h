/* db_maintenance_internal: what db_maintenance.c (windows, series, listings) and db_maintenance_occ.c
 * (one occurrence moved or cancelled) share. Not for other modules. */
#ifndef VIGIE_DB_MAINTENANCE_INTERNAL_H
#define VIGIE_DB_MAINTENANCE_INTERNAL_H

#include "store/db_internal.h"

typedef struct {
    db_maint_item *v;
    size_t n, cap;
} dm_list;

/* A new zeroed item at the end of l; NULL when out of memory. */
db_maint_item *dm_push(dm_list *l);
/* The occurrences of series s (an item of db_maintenance_get) meeting [from, to) as its rule gives
 * them, those moved or edited left out (dm_changed lists them), the cancelled ones too unless
 * with_cancelled; *truncated set past RECUR_QUERY_MAX. */
vg_code dm_series(db *d, const db_maint_item *s, int64_t from, int64_t to, bool with_cancelled, dm_list *l,
                  bool *truncated);
/* The moved or edited (not cancelled) occurrences meeting [from, to) of a site (NULL: all), or of one
 * series (series > 0). */
vg_code dm_changed(db *d, const char *site, int64_t series, int64_t from, int64_t to, dm_list *l);

#endif

/* listing: the series the store holds for one metric of one device, read from its folder (see
 * rrd_store.h for the layout): METRIC.rrd and METRIC@INSTANCE.rrd, the instance's %XX undone.
 * Files that librrd may not be handed (rrd_store_file_mappable: empty, not a regular file) are left
 * out: a damaged file costs its line of a graph, not the graph or the process. */
#ifndef VIGIE_STORE_LISTING_H
#define VIGIE_STORE_LISTING_H

#include <stddef.h>

#include "error.h"
#include "names.h"
#include "store/rrd_store.h"

typedef struct {
    char path[1200];
    char instance[INSTANCE_MAX_LEN + 1]; /* "" for a scalar metric, "0/1/2" for a table row */
} store_series;

typedef struct {
    store_series *series; /* sorted by instance (the directory's order is the file system's) */
    size_t n;
} store_listing;

/* The series of device's metric; none (VG_OK, n 0) when the device has no such folder or files.
 * VG_E_INVALID for a name the store refuses, VG_E_NOMEM. */
vg_code store_listing_get(const rrd_store *s, const char *site, const char *device, const char *metric,
                          store_listing *out, vg_err *err);
void store_listing_clear(store_listing *l);

#endif

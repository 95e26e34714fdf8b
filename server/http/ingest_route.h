/* ingest_route: which site each sample of a push belongs to.
 *
 * An agent pushes for its own site (server.yaml agents[].site), except the public sites it checks: a
 * public site P (kind public, config/public_sites.h) whose `agent` is this agent is checked as a device
 * named P, and that device's samples are P's, stored and judged as P's (its RRD folder, its latest
 * values, its health and alerts). A device name that is no such site stays in the agent's site. So one
 * checking agent serves 1,200 public sites without 1,200 agents, and each site is a site like any other.
 *
 * Lookups are by device: a batch holds a few thousand devices at most and the sites a few thousand,
 * so consecutive samples of one device are resolved once (ingest_router). */
#ifndef VIGIE_INGEST_ROUTE_H
#define VIGIE_INGEST_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/server_config.h"
#include "error.h"
#include "push.h"
#include "store/rrd_store.h"

typedef struct {
    const server_config *cfg;
    const server_agent *agent;
    bool checks_any;                    /* the agent checks at least one public site */
    char last_device[NAME_MAX_LEN + 1]; /* the memo of the last lookup */
    const char *last_site;
} ingest_router;

void ingest_router_init(ingest_router *r, const server_config *cfg, const server_agent *agent);
/* The site the samples of `device` belong to (a string that outlives the batch: cfg's). */
const char *ingest_router_site(ingest_router *r, const char *device);

/* The samples of one batch by site: group k is the samples idx[start[k]..start[k+1]) of sites[k], in
 * the batch's order; group 0 is the agent's own site (possibly empty). */
typedef struct {
    ingest_router *router;
    const char **sites;
    size_t nsites;
    size_t *start; /* nsites + 1 */
    size_t *idx;   /* one per sample */
    size_t *dev_group; /* the group of each device the batch describes (push_batch_device_at) */
} ingest_routes;

/* VG_E_NOMEM. Clear with ingest_routes_clear, even on failure. */
vg_code ingest_routes_build(ingest_router *r, const push_batch *b, ingest_routes *out);
void ingest_routes_clear(ingest_routes *rt);
/* The samples of group k and the devices they name, with b's agent and seq. NULL when out of memory. */
push_batch *ingest_routes_subset(const ingest_routes *rt, const push_batch *b, size_t k);

/* rrd_store_write of every sample of b into its own site's files; st (initialised here) is in b's
 * order, as rrd_store_write's. VG_E_IO as rrd_store_write's. */
vg_code ingest_route_rrd_write(ingest_router *r, rrd_store *rrd, const push_batch *b, rrd_store_stats *st,
                               vg_err *err);

#endif

/* ingest (internal to server/http): the samples of a push refused alone, shared by ingest.c (the
 * push) and ingest_filter.c (which samples, and why).
 *
 * A sample that can never be stored is refused alone and named in the reply, the rest of its batch
 * stored: before the RRD write (api_ingest_filter: not a metric of the vocabulary, a file name that
 * cannot be, a file that cannot be reached, a quota, the disk reserve, a duplicate in the batch), and
 * after it (api_rejects_add_failed: a series whose own file failed). Refusals are logged once an hour
 * a series (api_log_due). */
#ifndef VIGIE_INGEST_H
#define VIGIE_INGEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http/api.h"
#include "http/ingest_route.h"

typedef struct {
    size_t n;            /* samples refused */
    size_t series_failed; /* of which their file could not be reached */
    size_t logged, unlogged; /* series whose refusal this batch logged, or would have past API_LOG_BATCH */
    json_t *list;        /* the first API_REJECTS_LISTED: {"index", "field", "reason"} */
    bool *refused;       /* per sample of the batch */
} api_rejects;

/* The batch of the samples of b that can be stored, r saying which were refused and why (free r with
 * api_rejects_clear, even when this fails). NULL when out of memory. */

push_batch *api_ingest_filter(api_ctx *ctx, ingest_router *router, const push_batch *b, api_rejects *r);
/* The samples of b (the filtered batch of `all`) that rrd_store_write marked FAILED, refused with
 * their file's reason and logged; -1 when out of memory. */
int api_rejects_add_failed(api_rejects *r, const server_agent *agent, const push_batch *all, const push_batch *b,
                           const rrd_store_stats *st, time_t now);
void api_rejects_clear(api_rejects *r);

/* A log line's key, of a site (or an agent) and a series; whether a line of that key is due (none in
 * the last hour), marking it logged. */
uint32_t api_hash(const char *site, const push_sample *s);
bool api_log_due(uint32_t h, time_t now);

#endif

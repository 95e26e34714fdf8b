/* api: the server's request handlers, independent of the HTTP library so that they can be tested
 * with plain strings. http.c routes requests here; each handler returns a status and a JSON body.
 *
 *   POST /api/v1/ingest   agents push batches (Bearer token of the agent)
 *   GET  /api/v1/status   every device with its last values and their age (Bearer API token)
 *   GET  /api/v1/health   liveness, no credential
 */
#ifndef VIGIE_API_H
#define VIGIE_API_H

#include <stddef.h>
#include <time.h>

#include "db.h"
#include "rrd_store.h"
#include "server_config.h"

typedef struct {
    const server_config *cfg;
    db *db;
    rrd_store *rrd;
    unsigned long batches, samples, rejected;
} api_ctx;

typedef struct {
    int status;
    char *body; /* malloc'd JSON text */
} api_reply;

/* `authorization` is the raw Authorization header (may be NULL). */
api_reply api_ingest(api_ctx *ctx, const char *authorization, const char *body, size_t len, time_t now);
api_reply api_status(api_ctx *ctx, const char *authorization, time_t now);
api_reply api_health(api_ctx *ctx);
/* A JSON error reply: {"error": msg, "field": field} (field may be NULL). */
api_reply api_error(int status, const char *field, const char *msg);

#endif

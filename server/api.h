/* api: the server's request handlers, independent of the HTTP library so that they can be tested
 * with plain strings. http.c routes requests here; each handler returns a status and a JSON body.
 *
 *   POST /api/v1/ingest        agents push batches (Bearer token of the agent)
 *   GET  /api/v1/status        every device with its last values and their age
 *   GET  /api/v1/health        liveness, no credential
 *   GET  /api/v1/sites         sites with their current state and this month's availability
 *   GET  /api/v1/availability  ?site=S&month=YYYY-MM or &from=...&to=...: the report's figures
 *   GET  /api/v1/events        ?site=S&from=...&to=...: state changes with their cause
 *   GET  /api/v1/maintenance   ?site=S&from=...&to=...; POST to declare one; DELETE .../ID
 * Reads need an API token (server.yaml api_tokens), actions one of role admin. See doc/api.md. */
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
    char *body;               /* malloc'd; JSON unless content_type says otherwise */
    size_t len;               /* 0: strlen(body) */
    const char *content_type; /* NULL: application/json */
    char disposition[160];    /* Content-Disposition, "" for none */
} api_reply;

/* One request, as http.c hands it over: `arg` reads a query-string argument (NULL when absent). */
typedef struct {
    const char *method;
    const char *path;
    const char *authorization;
    const char *body;
    size_t len;
    time_t now;
    const char *(*arg)(void *arg_ctx, const char *name);
    void *arg_ctx;
} api_request;

/* Routes a request to its handler: 404 for an unknown path, 405 for a known path and another method. */
api_reply api_dispatch(api_ctx *ctx, const api_request *req);

/* Who presented the token: NULL when it is no API token; `admin` when it may act. */
const server_reader *api_reader(const api_ctx *ctx, const char *authorization);

/* `authorization` is the raw Authorization header (may be NULL). */
api_reply api_ingest(api_ctx *ctx, const char *authorization, const char *body, size_t len, time_t now);
api_reply api_status(api_ctx *ctx, const char *authorization, time_t now);
api_reply api_health(api_ctx *ctx);
/* A JSON error reply: {"error": msg, "field": field} (field may be NULL). */
api_reply api_error(int status, const char *field, const char *msg);

#endif

/* routes_data: what the data routes (routes_data.c) and /metrics (routes_metrics.c) both read. */
#ifndef VIGIE_ROUTES_DATA_H
#define VIGIE_ROUTES_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/api_routes.h"

/* The sites of the server that who sees (all for NULL), declared ones first, each once. Caller frees. */
const char **data_sites(const server_config *cfg, const auth_principal *who, size_t *n);
/* The time zone of site (the first site's for NULL or an unknown one). */
const char *data_tz(const api_ctx *ctx, const char *site);
/* Seconds after which a latest value is stale: 3 steps. */
int64_t data_stale_after(const api_ctx *ctx);
/* The agent's measured clock skew, 0 before a measure. */
double data_skew(const char *agent);
/* Whether a value may be served as a reading of its metric (inside the vocabulary's range, not NaN). */
bool data_plausible(const vocab *v, const char *metric, double value);

#endif

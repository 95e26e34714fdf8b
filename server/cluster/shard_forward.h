/* shard_forward: the reads of a sharded estate (shard.h) that only the owning shard's servers can
 * answer, forwarded there, and the federation of the shards' /metrics (doc/cluster.md, "Federated reads").
 *
 * Whatever is read from the shared database is estate-wide on every server. What is read from RRD
 * files is not: each shard keeps its own sites' files. So a GET of one of those routes naming, with
 * its `site` argument, a site held by another shard is sent on, with the same path and query string,
 * to that shard's servers in turn (the first that answers at all wins: its status, body and
 * Content-Type are the reply), carrying the caller's Authorization (and Cookie: sessions are in the
 * shared database) and `X-Vigie-Forwarded: NODE`. A request that carries X-Vigie-Forwarded is never
 * sent on again, whatever its site: two servers that disagree about a site answer it rather than
 * bounce it between them. The forwarding server has authenticated the caller and checked its scope
 * before (api.c); the remote one checks both again.
 *
 * The routes: /api/v1/series, /api/v1/energy, /api/v1/trends (RRD series) and /api/v1/report (its
 * energy figures and graphs). /api/v1/headroom reads the latest values from the database: answered
 * where asked. Each of them needs a site except the report, whose estate-wide form is a document, not
 * a list that could be merged: it is answered where asked, with this shard's files. */
#ifndef VIGIE_SHARD_FORWARD_H
#define VIGIE_SHARD_FORWARD_H

#include <stdbool.h>

#include "auth/auth.h"
#include "cluster/shard.h"
#include "http/api.h"

#define SHARD_FWD_HEADER "X-Vigie-Forwarded"
#define SHARD_FWD_CONNECT_MS 2000L
#define SHARD_FWD_TOTAL_MS 10000L
#define SHARD_FWD_BODY_MAX (32u * 1024 * 1024) /* an answer past it is a 502 */

/* Whether path is one of the routes above (RRD reads). */
bool shard_fwd_route(const char *path);

/* The shard to forward req to, or NULL to answer it here: not sharded, not a GET or HEAD of one of the
 * routes, already forwarded, no site or an unknown one (answered here: 400 or 404), a site who may not
 * see (answered here: 404), or a site of this server's own shard. */
const server_shard *shard_fwd_target(const server_config *cfg, const auth_principal *who, const api_request *req);

/* req sent to the servers of s in turn: the first answer, or a 502 {"error", "field": "site"} naming
 * the shard and the servers tried when none answers (logged, rate-limited per shard). */
api_reply shard_fwd_get(const server_config *cfg, const server_shard *s, const api_request *req);

/* Whether a GET /metrics is a federation: `federate=1`, a sharded estate, not itself forwarded. */
bool shard_fwd_federates(const server_config *cfg, const api_request *req);
/* This server's exposition local (len bytes) merged with one answering server's /metrics of each other
 * shard (shard_metrics.h): the reply of GET /metrics?federate=1. local stays the caller's. */
api_reply shard_fwd_federate(const server_config *cfg, const api_request *req, const char *local, size_t len);

#endif

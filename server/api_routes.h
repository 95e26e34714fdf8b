/* api_routes: the handlers behind api_dispatch(), one group per file (api.c: ingest, status, health;
 * api_sla.c: sites, availability, events, maintenance; ...). Each checks its own credential. */
#ifndef VIGIE_API_ROUTES_H
#define VIGIE_API_ROUTES_H

#include "api.h"

/* Helpers shared by the handlers. */
api_reply api_json_reply(int status, json_t *o);
/* 401 unless the request carries an API token (and, when admin, one of role admin; 403 then). */
bool api_check_reader(const api_ctx *ctx, const api_request *req, bool admin, api_reply *deny);

api_reply api_route_sites(api_ctx *ctx, const api_request *req);
api_reply api_route_availability(api_ctx *ctx, const api_request *req);
api_reply api_route_events(api_ctx *ctx, const api_request *req);
api_reply api_route_maintenance_list(api_ctx *ctx, const api_request *req);
api_reply api_route_maintenance_add(api_ctx *ctx, const api_request *req);
api_reply api_route_maintenance_delete(api_ctx *ctx, const api_request *req);

#endif

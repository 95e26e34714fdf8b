/* api_scope: the caller's scope (auth/auth.h) in the handlers. A site outside it does not exist for
 * the caller: a site= argument naming one answers the 404 of an unknown site, a listing leaves it
 * out, and the report's figures (report_query.admit, contract_report_build_scoped) are computed
 * without it, so that no count, sum or total tells of it. Nobody (a public route, /metrics with
 * metrics_public and no token) and an unlimited scope see every site, as before scopes. */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "alerting/skew.h"
#include "http/api_routes.h"

bool api_scope_limited(const auth_principal *who) { return who && !auth_scope_is_all(&who->scope); }

bool api_scope_sees(const auth_principal *who, const server_config *cfg, const char *site)
{
    return !api_scope_limited(who) || auth_may_see(who, cfg, site);
}

bool api_scope_admit(const void *who, const server_config *cfg, const char *site)
{
    return api_scope_sees(who, cfg, site);
}

api_reply api_no_such_site(void) { return api_error(404, "site", "no such site"); }

bool api_scope_site_arg(api_ctx *ctx, const api_request *req, const char *site, api_reply *deny)
{
    if (!site || api_scope_sees(api_who(ctx, req), ctx->cfg, site))
        return true;
    *deny = api_no_such_site();
    return false;
}

void api_scope_filter(const auth_principal *who, const server_config *cfg, json_t *arr, const char *key)
{
    if (!api_scope_limited(who) || !json_is_array(arr))
        return;
    for (size_t i = json_array_size(arr); i-- > 0;) {
        const char *site = json_string_value(json_object_get(json_array_get(arr, i), key));
        if (!site || !auth_may_see(who, cfg, site))
            json_array_remove(arr, i);
    }
}

void api_scope_report(api_ctx *ctx, const api_request *req, report_query *q)
{
    const auth_principal *who = api_who(ctx, req);
    q->admit = api_scope_limited(who) ? api_scope_admit : NULL;
    q->admit_arg = q->admit ? who : NULL;
}

json_t *api_scope_agents(const auth_principal *who, const server_config *cfg)
{
    json_t *arr = skew_agents_json();
    api_scope_filter(who, cfg, arr, "site");
    return arr;
}

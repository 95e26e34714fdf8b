#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "auth/auth_session.h"
#include "auth/ratelimit.h"
#include "http/api_routes.h"
#include "log.h"
#include "store/db_tokens.h"

/* Who is asking (auth/auth.h): a bootstrap token of server.yaml, a personal token of the api_tokens
 * table, or a dashboard session. */

static bool api_from_config(const api_ctx *ctx, const char *token, auth_principal *out)
{
    const server_reader *r = server_config_reader_by_token(ctx->cfg, token);
    if (!r)
        return false;
    vg_err err;
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", r->name);
    out->role = (auth_role)r->role;
    out->via = AUTH_VIA_CONFIG;
    if (auth_scope_parse(r->scope, &out->scope, &err) != VG_OK) { /* checked at load: cannot happen */
        out->role = AUTH_ROLE_NONE;
        return false;
    }
    return true;
}

/* A personal token: known by its hash, neither revoked nor expired. */
static bool api_from_db(api_ctx *ctx, const char *token, int64_t now, auth_principal *out)
{
    if (strncmp(token, "vgt_", 4) != 0 || strlen(token) != AUTH_SECRET_MAX)
        return false;
    db *d = api_db(ctx);
    if (!d)
        return false;
    char hash[AUTH_HASH_HEX + 1];
    auth_hash(token, hash);
    db_token t;
    bool found = false;
    vg_err err;
    if (db_token_by_hash(d, hash, &t, &found, &err) != VG_OK) {
        log_error("auth", "%s", err.msg);
        return false;
    }
    if (!found || t.revoked || (t.expires && t.expires <= now))
        return false;
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", t.name);
    out->role = auth_role_parse(t.role);
    out->via = AUTH_VIA_TOKEN;
    out->token_id = t.id;
    if (out->role == AUTH_ROLE_NONE || auth_scope_parse(t.scope, &out->scope, &err) != VG_OK) {
        log_error("auth", "token %s: its stored role or scope is unreadable; refused", t.name);
        return false;
    }
    if (t.last_used <= now - 60) { /* one write a minute per token, under the writers' lock */
        api_lock(ctx);
        if (db_token_touch(d, t.id, now, &err) != VG_OK)
            log_warn("auth", "token %s: its last use is not recorded: %s", t.name, err.msg);
        api_unlock(ctx);
    }
    return true;
}

bool api_principal(api_ctx *ctx, const api_request *req, auth_principal *out)
{
    memset(out, 0, sizeof *out);
    int64_t now = req->now ? req->now : time(NULL);
    const char *token = api_bearer(req->authorization);
    if (token)
        return api_from_config(ctx, token, out) || api_from_db(ctx, token, now, out);
    const char *cookie = req->header ? req->header(req->arg_ctx, "Cookie") : NULL;
    db *d = cookie ? api_db(ctx) : NULL;
    /* the session's writes (a dead one deleted, the use recorded once a minute) under the writers'
     * lock, as api_from_db's touch: no caller of api_principal holds it */
    return d && auth_session_resolve_locked(d, ctx->cfg, cookie, now, ctx->lock, out);
}

const auth_principal *api_who(api_ctx *ctx, const api_request *req)
{
    static _Thread_local auth_principal p;
    if (req->who)
        return req->who;
    return api_principal(ctx, req, &p) ? &p : NULL;
}

bool api_check_role(api_ctx *ctx, const api_request *req, auth_role need, api_reply *deny)
{
    const auth_principal *p = api_who(ctx, req);
    if (!p || p->role == AUTH_ROLE_NONE) {
        *deny = api_error(401, "Authorization", "an API token is required (Authorization: Bearer ...)");
        return false;
    }
    if (p->role < need) {
        char msg[96];
        snprintf(msg, sizeof msg, "this action needs a token of role %s", auth_role_name(need));
        *deny = api_error(403, "Authorization", msg);
        return false;
    }
    return true;
}

bool api_sees(api_ctx *ctx, const api_request *req, const char *site)
{
    return auth_may_see(api_who(ctx, req), ctx->cfg, site);
}

void api_audit(api_ctx *ctx, const api_request *req, const char *action, const char *object, const char *outcome,
               const char *detail)
{
    db *d = api_db(ctx);
    if (!d)
        return;
    const auth_principal *p = api_who(ctx, req);
    char d_text[1025];
    snprintf(d_text, sizeof d_text, "%s", detail ? detail : ""); /* a body is bounded, its record more */
    detail = d_text;
    vg_err err;
    api_lock(ctx);
    vg_code rc = audit_append(d, req->now ? req->now : time(NULL), p ? p->name : "", req->remote ? req->remote : "",
                              action, object ? object : "", outcome, detail ? detail : "", &err);
    api_unlock(ctx);
    if (rc != VG_OK)
        log_error("audit", "%s %s by %s not recorded: %s", action, object ? object : "", p ? p->name : "-", err.msg);
}

/* Bearer tokens that are no one's, counted per client address: guessing a server.yaml token (16
 * characters at least) costs a minute every API_BEARER_TRIES tries. More than the login's 5, as scripts
 * with a stale token retry. Requests without an address (the unit tests' api_dispatch) are not counted. */
#define API_BEARER_TRIES 60
static ratelimit *api_bearer_rl;
static pthread_once_t api_bearer_once = PTHREAD_ONCE_INIT;
static void api_bearer_make(void) { api_bearer_rl = ratelimit_new(4096, API_BEARER_TRIES, 60); }

bool api_bearer_throttled(const api_request *req, api_reply *deny)
{
    if (!req->remote || !req->remote[0] || !api_bearer(req->authorization))
        return false;
    pthread_once(&api_bearer_once, api_bearer_make);
    int64_t wait = api_bearer_rl ? ratelimit_wait(api_bearer_rl, req->remote, req->now ? req->now : time(NULL)) : 0;
    if (wait <= 0)
        return false;
    *deny = api_error(429, "Authorization", "too many unknown tokens from this address: try again later");
    snprintf(deny->headers, sizeof deny->headers, "Retry-After: %lld", (long long)wait);
    return true;
}

void api_bearer_failed(const api_request *req)
{
    if (!req->remote || !req->remote[0] || !api_bearer(req->authorization))
        return;
    pthread_once(&api_bearer_once, api_bearer_make);
    if (api_bearer_rl)
        ratelimit_fail(api_bearer_rl, req->remote, req->now ? req->now : time(NULL));
    log_info("auth", "unknown API token from %s", req->remote);
}

/* routes_tokens: personal API tokens (`vigie token`), for admins; and who the caller is.
 *
 *   GET    /api/v1/tokens        every token: name, role, scope, created (by), last use, expiry, revoked
 *   POST   /api/v1/tokens        {"name", "role": read|operator|admin, "scope"?: "kind:nro,...",
 *                                "expires"?: Unix seconds | "YYYY-MM-DD[ HH:MM]"}: 201 with the secret,
 *                                shown this once (the database keeps its SHA-256 only)
 *   DELETE /api/v1/tokens/NAME   revokes it, at once
 *   GET    /api/v1/whoami        the caller's name, role and scope
 * An admin limited to a scope gives only tokens within it: each term of the new scope is one of theirs. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "http/api_routes.h"
#include "log.h"
#include "names.h"
#include "store/db_tokens.h"

#define TOKENS_MAX 10000 /* personal tokens, revoked ones included */

static json_t *tk_json(const db_token *t, int64_t now)
{
    const char *state = t->revoked ? "revoked" : t->expires && t->expires <= now ? "expired" : "active";
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:o, s:o, s:o, s:s}", "name", t->name, "role", t->role, "scope",
                     t->scope, "created", (json_int_t)t->created, "created_by", t->created_by, "last_used",
                     t->last_used ? json_integer(t->last_used) : json_null(), "expires",
                     t->expires ? json_integer(t->expires) : json_null(), "revoked",
                     t->revoked ? json_integer(t->revoked) : json_null(), "state", state);
}

static bool tk_within(const auth_scope *want, const auth_scope *have);

/* Whether a token of scope text `scope` is one a caller of scope `have` may see in the list: within
 * theirs. Another's wider or other scope would tell of sites outside the caller's. */
static bool tk_listed(const char *scope, const auth_scope *have)
{
    auth_scope s;
    vg_err err;
    return auth_scope_parse(scope, &s, &err) == VG_OK && tk_within(&s, have);
}

typedef struct {
    json_t *arr;
    int64_t now;
    size_t n;
    const auth_scope *have;
} tk_walk;

static void tk_each(void *ctx, const db_token *t)
{
    tk_walk *w = ctx;
    w->n++;
    if (tk_listed(t->scope, w->have))
        json_array_append_new(w->arr, tk_json(t, w->now));
}

api_reply api_route_tokens_list(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_role(ctx, req, AUTH_ROLE_ADMIN, &deny))
        return deny;
    const auth_scope *have = &api_who(ctx, req)->scope;
    tk_walk w = {.arr = json_array(), .now = req->now, .have = have};
    vg_err err;
    if (db_token_each(api_db(ctx), tk_each, &w, &err) != VG_OK) {
        log_error("api", "/api/v1/tokens: %s", err.msg);
        json_decref(w.arr);
        return api_error(500, NULL, "database error");
    }
    json_t *boot = json_array();
    for (size_t i = 0; i < ctx->cfg->nreaders; i++) /* server.yaml's, named so that a list is whole */
        if (tk_listed(ctx->cfg->readers[i].scope, have))
            json_array_append_new(boot, json_pack("{s:s, s:s, s:s}", "name", ctx->cfg->readers[i].name, "role",
                                              auth_role_name((auth_role)ctx->cfg->readers[i].role), "scope",
                                              ctx->cfg->readers[i].scope));
    return api_json_reply(200, json_pack("{s:I, s:o, s:o}", "now", (json_int_t)req->now, "tokens", w.arr,
                                         "bootstrap", boot));
}

/* Whether every term of `want` is a term of `have` (a limited admin gives no wider view than theirs). */
static bool tk_within(const auth_scope *want, const auth_scope *have)
{
    if (have->n == 0)
        return true;
    if (want->n == 0)
        return false;
    for (size_t i = 0; i < want->n; i++) {
        bool found = false;
        for (size_t j = 0; j < have->n && !found; j++)
            found = want->terms[i].type == have->terms[j].type && strcmp(want->terms[i].value, have->terms[j].value) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* The body's fields into *t; false with the 400 naming the field. */
static bool tk_read(api_ctx *ctx, const api_request *req, json_t *o, db_token *t, api_reply *bad)
{
    const auth_principal *who = api_who(ctx, req);
    static const char *const keys[] = {"name", "role", "scope", "expires", NULL};
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        size_t i = 0;
        while (keys[i] && strcmp(keys[i], k) != 0)
            i++;
        if (!keys[i]) {
            *bad = api_error(400, k, "unknown field (name, role, scope, expires)");
            return false;
        }
    }
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *role = json_string_value(json_object_get(o, "role"));
    json_t *js = json_object_get(o, "scope"), *je = json_object_get(o, "expires");
    if (!name || !name_is_valid(name)) {
        *bad = api_error(400, "name", "required: letters, digits, '.', '_' or '-', at most 64");
        return false;
    }
    for (size_t i = 0; i < ctx->cfg->nreaders; i++)
        if (strcmp(ctx->cfg->readers[i].name, name) == 0) {
            *bad = api_error(409, "name", "server.yaml's api_tokens has a token of that name");
            return false;
        }
    if (!role || auth_role_parse(role) == AUTH_ROLE_NONE) {
        *bad = api_error(400, "role", "required: read, operator or admin");
        return false;
    }
    if (js && !json_is_string(js)) {
        *bad = api_error(400, "scope", "a text such as \"kind:nro\" or \"commune:Amiens, site:doullens\"");
        return false;
    }
    auth_scope scope;
    vg_err err;
    if (auth_scope_parse(js ? json_string_value(js) : "", &scope, &err) != VG_OK) {
        *bad = api_error(400, "scope", err.msg);
        return false;
    }
    if (!tk_within(&scope, &who->scope)) {
        *bad = api_error(403, "scope", "a token you give cannot see more than you: its scope must be within yours");
        return false;
    }
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->role, sizeof t->role, "%s", role);
    auth_scope_format(&scope, t->scope, sizeof t->scope);
    snprintf(t->created_by, sizeof t->created_by, "%s", who->name);
    t->created = req->now;
    if (je && !json_is_null(je)) {
        int64_t at = 0;
        if (json_is_integer(je))
            at = json_integer_value(je);
        else if (!json_is_string(je) || api_time_parse(json_string_value(je), api_site_tz(ctx, NULL), &at, &err) != VG_OK) {
            *bad = api_error(400, "expires", json_is_string(je) ? err.msg : "Unix seconds or a date");
            return false;
        }
        if (at <= req->now || at > API_TIME_MAX) {
            *bad = api_error(400, "expires", "must be in the future");
            return false;
        }
        t->expires = at;
    }
    return true;
}

api_reply api_route_tokens_add(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    if (!api_check_role(ctx, req, AUTH_ROLE_ADMIN, &r))
        return r;
    json_error_t jerr;
    json_t *o = json_loadb(req->body, req->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(o)) {
        json_decref(o);
        return api_error(400, "body", "a JSON object {\"name\", \"role\", \"scope\"?, \"expires\"?}");
    }
    db_token t;
    bool ok = tk_read(ctx, req, o, &t, &r);
    json_decref(o);
    if (!ok)
        return r;
    db *d = api_db(ctx);
    size_t n = 0;
    vg_err err;
    if (db_token_count(d, &n, &err) != VG_OK)
        return api_error(500, NULL, "database error");
    if (n >= TOKENS_MAX)
        return api_error(409, "name", "too many tokens (10000, revoked ones included)");
    char secret[AUTH_SECRET_MAX + 1], hash[AUTH_HASH_HEX + 1];
    if (auth_secret_new("vgt_", secret, &err) != VG_OK) {
        log_error("api", "token %s: %s", t.name, err.msg);
        return api_error(500, NULL, "no random bytes");
    }
    auth_hash(secret, hash);
    vg_code rc = db_token_add(d, &t, hash, &err);
    if (rc != VG_OK) {
        explicit_bzero(secret, sizeof secret);
        if (rc == VG_E_CONFLICT)
            return api_error(409, "name", err.msg);
        log_error("api", "token %s: %s", t.name, err.msg);
        return api_error(500, NULL, "database error");
    }
    log_info("api", "token %s (%s%s%s) added by %s", t.name, t.role, t.scope[0] ? ", scope " : "", t.scope,
             t.created_by);
    json_t *out = tk_json(&t, req->now);
    json_object_set_new(out, "token", json_string(secret));
    explicit_bzero(secret, sizeof secret);
    r = api_json_reply(201, out);
    return r;
}

api_reply api_route_tokens_revoke(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    if (!api_check_role(ctx, req, AUTH_ROLE_ADMIN, &r))
        return r;
    const char *name = req->path + strlen("/api/v1/tokens/");
    if (!name_is_valid(name))
        return api_error(404, NULL, "no such token");
    bool found = false, already = false;
    vg_err err;
    db_token t;
    /* a token outside the caller's scope is not theirs to see, nor to revoke: as if it did not exist */
    const auth_principal *who = api_who(ctx, req);
    if (!auth_scope_is_all(&who->scope)) {
        if (db_token_by_name(api_db(ctx), name, &t, &found, &err) != VG_OK)
            return api_error(500, NULL, "database error");
        if (!found || !tk_listed(t.scope, &who->scope))
            return api_error(404, NULL, "no such token (server.yaml's are revoked by editing it)");
    }
    if (db_token_revoke(api_db(ctx), name, req->now, api_who(ctx, req)->name, &found, &already, &err) != VG_OK) {
        log_error("api", "token %s: %s", name, err.msg);
        return api_error(500, NULL, "database error");
    }
    if (!found)
        return api_error(404, NULL, "no such token (server.yaml's are revoked by editing it)");
    if (!already)
        log_info("api", "token %s revoked by %s", name, api_who(ctx, req)->name);
    return api_json_reply(200, json_pack("{s:s, s:b}", "revoked", name, "already", already));
}

api_reply api_route_whoami(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &r))
        return r;
    const auth_principal *p = api_who(ctx, req);
    char scope[AUTH_SCOPE_TEXT_MAX + 1];
    auth_scope_format(&p->scope, scope, sizeof scope);
    static const char *const via[] = {"config", "token", "session"};
    return api_json_reply(200, json_pack("{s:s, s:s, s:s, s:s}", "name", p->name, "role", auth_role_name(p->role),
                                         "scope", scope, "via", via[p->via]));
}

/* routes_session: the dashboard's sessions (auth/auth_session.h) and one-time login links.
 *
 *   POST /api/v1/login        {"token": T} or {"link": L}: a session cookie (HttpOnly, SameSite=Strict,
 *                             Secure over HTTPS) and {"name", "role", "scope", "csrf", ...}; no CSRF
 *                             token, but a request from another site (Origin, Sec-Fetch-Site) is refused;
 *                             failures rate-limited per client address (429 + Retry-After)
 *   POST /api/v1/logout       ends the session of the cookie (X-CSRF-Token) and clears the cookie
 *   GET  /api/v1/session      {"session": the principal and CSRF token of the cookie's session, or null}
 *                             (a page reloaded finds them again)
 *   POST /api/v1/login-links  a one-time login link for the caller, 10 minutes: {"url", "link", "expires"}
 * Logins, failed ones and logouts are audit entries (never with the secret). These handlers take the
 * writers' lock themselves around their writes (api.c runs them outside any read transaction). */
#include "config.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/auth_link.h"
#include "auth/auth_session.h"
#include "auth/ratelimit.h"
#include "http/api_routes.h"
#include "log.h"

#define RS_FAIL_MAX 5       /* failed logins per client address ... */
#define RS_FAIL_WINDOW 60   /* ... in this many seconds */
#define RS_FAIL_SLOTS 1024  /* addresses remembered */
#define RS_SECRET_MAX 512   /* a longer token or link is not one */

#define RS_BODY_MAX 4096    /* a login's body */

static ratelimit *rs_limits;
static pthread_once_t rs_once = PTHREAD_ONCE_INIT;
static void rs_limits_make(void) { rs_limits = ratelimit_new(RS_FAIL_SLOTS, RS_FAIL_MAX, RS_FAIL_WINDOW); }

/* The failed logins per client address, made at the first call; NULL when out of memory. */
static ratelimit *rs_limits_get(void)
{
    pthread_once(&rs_once, rs_limits_make);
    return rs_limits;
}

static const char *rs_header(const api_request *req, const char *name)
{
    return req->header ? req->header(req->arg_ctx, name) : NULL;
}

static bool rs_secure(const api_ctx *ctx) { return ctx->cfg->tls_cert_pem != NULL; }

/* A login from a page of another site is refused (login CSRF: being logged in as someone else). The
 * browser says where a request comes from; a client that says nothing (curl, a script) is let through. */
static bool rs_same_origin(const api_ctx *ctx, const api_request *req, api_reply *deny)
{
    const char *site = rs_header(req, "Sec-Fetch-Site");
    const char *origin = rs_header(req, "Origin");
    const char *host = rs_header(req, "Host");
    const char *scheme = rs_secure(ctx) ? "https://" : "http://";
    bool ok = !site || strcmp(site, "same-origin") == 0 || strcmp(site, "none") == 0;
    if (ok && origin)
        ok = host && strncasecmp(origin, scheme, strlen(scheme)) == 0 && strcasecmp(origin + strlen(scheme), host) == 0;
    if (!ok)
        *deny = api_error(403, "Origin", "a login from a page of another site is refused");
    return ok;
}

static api_reply rs_refused(api_ctx *ctx, const api_request *req, const char *field, const char *why)
{
    ratelimit *rl = rs_limits_get();
    if (rl)
        ratelimit_fail(rl, req->remote ? req->remote : "", req->now);
    auth_principal nobody; /* not a cookie the browser still sends: who failed is not known */
    memset(&nobody, 0, sizeof nobody);
    api_request q = *req;
    q.who = &nobody;
    api_audit(ctx, &q, "login.failed", "/api/v1/login", "401", why);
    log_info("auth", "failed login from %s: %s", req->remote && req->remote[0] ? req->remote : "?", why);
    return api_error(401, field, strcmp(field, "link") == 0 ? "this login link is unknown, used or expired"
                                                  : "the server does not accept this token");
}

/* The body's one secret: {"token": T} or {"link": L}; false with the 400. */
static bool rs_body(const api_request *req, char *secret, size_t size, bool *is_link, api_reply *bad)
{
    if (req->len > RS_BODY_MAX) {
        *bad = api_error(413, "body", "a login's body is at most 4 KiB");
        return false;
    }
    json_error_t jerr;
    json_t *o = json_loadb(req->body ? req->body : "", req->len, JSON_REJECT_DUPLICATES, &jerr);
    const char *k;
    json_t *v;
    bool ok = json_is_object(o) && json_object_size(o) == 1;
    json_object_foreach(o, k, v) {
        if (strcmp(k, "token") != 0 && strcmp(k, "link") != 0) {
            *bad = api_error(400, k, "unknown field: the body is {\"token\": T} or {\"link\": L}");
            json_decref(o);
            return false;
        }
        *is_link = strcmp(k, "link") == 0;
        ok = ok && json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < size;
        if (ok)
            snprintf(secret, size, "%s", json_string_value(v));
    }
    json_decref(o);
    if (!ok)
        *bad = api_error(400, "body", "a JSON object {\"token\": T} or {\"link\": L}, one text of at most 512 bytes");
    return ok;
}

/* The principal of a token, as an Authorization: Bearer header would give it. */
static bool rs_token_principal(api_ctx *ctx, const api_request *req, const char *token, auth_principal *p)
{
    char authz[RS_SECRET_MAX + 16];
    snprintf(authz, sizeof authz, "Bearer %s", token);
    api_request q = {.method = "POST", .path = req->path, .authorization = authz, .now = req->now,
                     .remote = req->remote};
    bool ok = api_principal(ctx, &q, p);
    explicit_bzero(authz, sizeof authz);
    return ok;
}

static json_t *rs_principal_json(const auth_principal *p, int64_t now)
{
    char scope[AUTH_SCOPE_TEXT_MAX + 1];
    auth_scope_format(&p->scope, scope, sizeof scope);
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:I}", "name", p->name, "role", auth_role_name(p->role), "scope", scope,
                     "csrf", p->csrf, "idle", AUTH_SESSION_IDLE, "now", (json_int_t)now);
}

/* Who the body's secret stands for: a token's principal, or a login link's (used from now on); false
 * with the refusal (401, counted and recorded) or the error in *deny. The secret is wiped. */
static bool rs_authenticate(api_ctx *ctx, const api_request *req, db *d, char *secret, size_t size, bool is_link,
                            auth_principal *p, api_reply *deny)
{
    if (!is_link) {
        bool known = rs_token_principal(ctx, req, secret, p);
        explicit_bzero(secret, size);
        if (!known)
            *deny = rs_refused(ctx, req, "token", "token unknown, revoked or expired");
        return known;
    }
    auth_link_status st = AUTH_LINK_UNKNOWN;
    vg_err err;
    api_lock(ctx);
    vg_code rc = auth_link_take(d, ctx->cfg, secret, req->now, p, &st, &err);
    api_unlock(ctx);
    explicit_bzero(secret, size);
    if (rc != VG_OK) {
        log_error("auth", "login link: %s", err.msg);
        *deny = api_error(500, NULL, "database error");
        return false;
    }
    if (st != AUTH_LINK_OK) {
        char why[48];
        snprintf(why, sizeof why, "link %s", auth_link_status_name(st));
        *deny = rs_refused(ctx, req, "link", why);
        return false;
    }
    return true;
}

/* A new session for p, in place of the one the browser may have: its cookie's secret and p->csrf. */
static bool rs_open(api_ctx *ctx, const api_request *req, db *d, auth_principal *p, char cookie[AUTH_SECRET_MAX + 1])
{
    char old[AUTH_SECRET_MAX + 1];
    bool had = auth_session_cookie(rs_header(req, "Cookie"), old);
    vg_err err;
    api_lock(ctx);
    if (had && auth_session_close(d, old, &err) != VG_OK)
        log_warn("auth", "a replaced session stays until it is idle: %s", err.msg);
    vg_code rc = auth_session_open(d, p, req->remote, req->now, cookie, p->csrf, &err);
    api_unlock(ctx);
    explicit_bzero(old, sizeof old);
    if (rc != VG_OK)
        log_error("auth", "session of %s: %s", p->name, err.msg);
    p->via = AUTH_VIA_SESSION;
    return rc == VG_OK;
}

api_reply api_route_login(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    if (!rs_same_origin(ctx, req, &r))
        return r;
    ratelimit *rl = rs_limits_get();
    const char *addr = req->remote ? req->remote : "";
    int64_t wait = rl ? ratelimit_wait(rl, addr, req->now) : 0;
    if (wait > 0) {
        r = api_error(429, NULL, "too many failed logins from this address: try again later");
        snprintf(r.headers, sizeof r.headers, "Retry-After: %lld", (long long)wait);
        return r;
    }
    char secret[RS_SECRET_MAX + 1], cookie[AUTH_SECRET_MAX + 1];
    bool is_link = false;
    if (!rs_body(req, secret, sizeof secret, &is_link, &r))
        return r;
    db *d = api_db(ctx);
    auth_principal p;
    if (!d) {
        explicit_bzero(secret, sizeof secret);
        return api_error(503, NULL, "the database cannot be opened: see the server's log");
    }
    if (!rs_authenticate(ctx, req, d, secret, sizeof secret, is_link, &p, &r))
        return r;
    if (!rs_open(ctx, req, d, &p, cookie))
        return api_error(500, NULL, "the session cannot be opened: see the server's log");
    if (rl)
        ratelimit_clear(rl, addr);
    api_request q = *req;
    q.who = &p;
    api_audit(ctx, &q, "login", "/api/v1/login", "200", is_link ? "link" : "token");
    log_info("auth", "%s logged in to the dashboard from %s (%s)", p.name, addr[0] ? addr : "?",
             is_link ? "login link" : "token");
    r = api_json_reply(200, rs_principal_json(&p, req->now));
    auth_session_set_cookie(cookie, rs_secure(ctx), r.headers, sizeof r.headers);
    explicit_bzero(cookie, sizeof cookie);
    return r;
}

api_reply api_route_logout(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    const char *header = rs_header(req, "Cookie");
    char secret[AUTH_SECRET_MAX + 1];
    auth_principal p;
    db *d = api_db(ctx);
    if (!d || !auth_session_cookie(header, secret) ||
        !auth_session_resolve_locked(d, ctx->cfg, header, req->now, ctx->lock, &p)) {
        r = api_error(401, "Cookie", "no dashboard session");
        auth_session_set_cookie(NULL, rs_secure(ctx), r.headers, sizeof r.headers);
        return r;
    }
    const char *csrf = rs_header(req, "X-CSRF-Token");
    if (!csrf || !auth_equal(csrf, p.csrf)) {
        explicit_bzero(secret, sizeof secret);
        return api_error(403, "X-CSRF-Token", "an action from the dashboard needs its session's CSRF token");
    }
    vg_err err;
    api_lock(ctx);
    vg_code rc = auth_session_close(d, secret, &err);
    api_unlock(ctx);
    explicit_bzero(secret, sizeof secret);
    if (rc != VG_OK) {
        log_error("auth", "logout of %s: %s", p.name, err.msg);
        return api_error(500, NULL, "database error");
    }
    api_request q = *req;
    q.who = &p;
    api_audit(ctx, &q, "logout", "/api/v1/logout", "200", "");
    r = api_json_reply(200, json_pack("{s:b}", "logged_out", 1));
    auth_session_set_cookie(NULL, rs_secure(ctx), r.headers, sizeof r.headers);
    return r;
}

/* Never a 401: a page that has no session yet asks without an error in its console. */
api_reply api_route_session(api_ctx *ctx, const api_request *req)
{
    auth_principal p;
    bool live = api_principal(ctx, req, &p) && p.via == AUTH_VIA_SESSION; /* a Bearer token has none */
    return api_json_reply(200, json_pack("{s:o}", "session", live ? rs_principal_json(&p, req->now) : json_null()));
}

/* The dashboard's address as the caller reached it (its Host header, when it is a plain host[:port]),
 * else the address the server listens on. */
static void rs_base_url(const api_ctx *ctx, const api_request *req, char *out, size_t size)
{
    const char *host = rs_header(req, "Host");
    const char *scheme = rs_secure(ctx) ? "https" : "http";
    size_t n = host ? strlen(host) : 0;
    if (n && n <= 255 && strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == n)
        snprintf(out, size, "%s://%s", scheme, host);
    else
        snprintf(out, size, "%s://%s:%d", scheme, ctx->cfg->listen_addr[0] ? ctx->cfg->listen_addr : "127.0.0.1",
                 ctx->cfg->port);
}

api_reply api_route_login_link(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &r))
        return r;
    if (req->len) {
        json_error_t jerr;
        json_t *o = json_loadb(req->body, req->len, 0, &jerr);
        bool empty = json_is_object(o) && json_object_size(o) == 0;
        json_decref(o);
        if (!empty)
            return api_error(400, "body", "none, or {}: a link is for the caller itself");
    }
    const auth_principal *p = api_who(ctx, req);
    db *d = api_db(ctx);
    char secret[AUTH_SECRET_MAX + 1], url[512];
    int64_t expires = 0;
    vg_err err;
    if (!d)
        return api_error(503, NULL, "the database cannot be opened: see the server's log");
    api_lock(ctx);
    vg_code rc = auth_link_new(d, p, req->now, secret, &expires, &err);
    api_unlock(ctx);
    if (rc != VG_OK) {
        log_error("auth", "login link for %s: %s", p->name, err.msg);
        return api_error(500, NULL, "database error");
    }
    rs_base_url(ctx, req, url, sizeof url - AUTH_SECRET_MAX - 16);
    size_t n = strlen(url);
    snprintf(url + n, sizeof url - n, "/#login=%s", secret); /* after '#': never sent to a server */
    r = api_json_reply(201, json_pack("{s:s, s:s, s:I, s:i, s:s}", "url", url, "link", secret, "expires",
                                      (json_int_t)expires, "ttl", AUTH_LINK_TTL, "name", p->name));
    explicit_bzero(secret, sizeof secret);
    explicit_bzero(url, sizeof url);
    return r;
}

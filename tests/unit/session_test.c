/* Dashboard sessions (auth/auth_session.h), login links (auth/auth_link.h), the failed logins' limit
 * (auth/ratelimit.h) and their routes (routes_session.c) with a real SQLite database: the cookie read
 * among several and bounded, a tampered one refused, the idle and whole-life ends, a revoked or expired
 * token or a changed server.yaml ending its sessions at once, the use recorded once a minute, a link
 * that works once within 10 minutes, and through api_dispatch: the cookie's attributes, the CSRF token
 * required of actions, logout, cross-site logins refused, 429 after 5 failures. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/auth_link.h"
#include "auth/auth_session.h"
#include "auth/ratelimit.h"
#include "http/api.h"
#include "store/db.h"
#include "store/db_sessions.h"
#include "store/db_tokens.h"
#include "test_db.h"
#include "test_util.h"

#define NOW 1790000000

static char *dir;
static server_config *cfg;
static db *d;

static server_config *load(const char *readers)
{
    char path[600], yaml[1200];
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\nstep: 60\nsites: [{id: dc, kind: datacenter}, {id: nro-a, kind: nro}]\n"
             "agents: [{id: a1, token: agent-token-000001, site: dc}]\napi_tokens: %s\n",
             dir, readers);
    vg_err err;
    server_config *c = server_config_load(tu_write(dir, "server.yaml", yaml, path, sizeof path), &err);
    if (!c)
        fail_msg("%s", err.msg);
    return c;
}

#define READERS "[{name: ops, token: token-ops-0000000001, role: operator}, " \
                "{name: deleg, token: token-deleg-00000001, scope: 'kind:nro'}]"

static int setup(void **state)
{
    (void)state;
    dir = tu_tmpdir();
    cfg = load(READERS);
    char path[600];
    snprintf(path, sizeof path, "%s/vigie.db", dir);
    vg_err err;
    assert_int_equal(db_open(tu_db(path), &d, &err), VG_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(d);
    server_config_free(cfg);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

/* The principal of server.yaml's entry `name`, as a Bearer token gives it. */
static auth_principal config_principal(const char *name, auth_role role, const char *scope)
{
    auth_principal p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", name);
    p.role = role;
    p.via = AUTH_VIA_CONFIG;
    vg_err err;
    assert_int_equal(auth_scope_parse(scope, &p.scope, &err), VG_OK);
    return p;
}

/* Opens a session for p at t; its cookie header in cookie ("a=1; vigie_session=...; b=2"). */
static void open_session(const auth_principal *p, int64_t t, char *cookie, size_t size, char csrf[AUTH_CSRF_LEN + 1])
{
    char secret[AUTH_SECRET_MAX + 1];
    vg_err err;
    assert_int_equal(auth_session_open(d, p, "127.0.0.1", t, secret, csrf, &err), VG_OK);
    assert_int_equal(strlen(secret), 68);
    assert_memory_equal(secret, "vgs_", 4);
    assert_int_equal(strlen(csrf), 64);
    snprintf(cookie, size, "lang=fr; %s=%s; theme=dark", AUTH_SESSION_COOKIE, secret);
}

static void test_cookie_parse(void **state)
{
    (void)state;
    const char *s = "vgs_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char out[AUTH_SECRET_MAX + 1], hdr[AUTH_COOKIE_HEADER_MAX + 200];
    snprintf(hdr, sizeof hdr, "vigie_session=%s", s);
    assert_true(auth_session_cookie(hdr, out));
    assert_string_equal(out, s);
    /* among several, with spaces, quoted, after a cookie whose name merely starts the same */
    snprintf(hdr, sizeof hdr, "a=b;  vigie_sessionx=1; vigie_session=\"%s\" ;c=d", s);
    assert_true(auth_session_cookie(hdr, out));
    assert_string_equal(out, s);
    /* a stray one of another form first: the well-formed one is taken */
    snprintf(hdr, sizeof hdr, "vigie_session=garbage; vigie_session=%s", s);
    assert_true(auth_session_cookie(hdr, out));
    /* not a session secret: too short, upper case, another prefix, absent */
    assert_false(auth_session_cookie("vigie_session=vgs_0123", out));
    snprintf(hdr, sizeof hdr, "vigie_session=vgs_0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef");
    assert_false(auth_session_cookie(hdr, out));
    snprintf(hdr, sizeof hdr, "vigie_session=vgt_%s", s + 4);
    assert_false(auth_session_cookie(hdr, out));
    snprintf(hdr, sizeof hdr, "vigie_session=%sa", s);
    assert_false(auth_session_cookie(hdr, out));
    assert_false(auth_session_cookie("other=1", out));
    assert_false(auth_session_cookie("", out));
    assert_false(auth_session_cookie(NULL, out));
    /* a header over the bound is not read, even with the cookie in its first bytes */
    int n = snprintf(hdr, sizeof hdr, "vigie_session=%s; pad=", s);
    memset(hdr + n, 'x', AUTH_COOKIE_HEADER_MAX - (size_t)n + 1);
    hdr[AUTH_COOKIE_HEADER_MAX + 1] = '\0';
    assert_false(auth_session_cookie(hdr, out));
    hdr[AUTH_COOKIE_HEADER_MAX] = '\0'; /* at the bound: read */
    assert_true(auth_session_cookie(hdr, out));
}

static void test_resolve(void **state)
{
    (void)state;
    auth_principal p = config_principal("deleg", AUTH_ROLE_READ, "kind:nro"), got;
    char cookie[256], csrf[AUTH_CSRF_LEN + 1];
    open_session(&p, NOW, cookie, sizeof cookie, csrf);
    assert_true(auth_session_resolve(d, cfg, cookie, NOW + 10, &got));
    assert_string_equal(got.name, "deleg");
    assert_int_equal(got.role, AUTH_ROLE_READ);
    assert_int_equal(got.via, AUTH_VIA_SESSION);
    assert_int_equal(got.token_id, 0);
    assert_string_equal(got.csrf, csrf);
    assert_int_equal(got.scope.n, 1);
    assert_string_equal(got.scope.terms[0].value, "nro");
    assert_false(auth_may_see(&got, cfg, "dc"));
    assert_true(auth_may_see(&got, cfg, "nro-a"));

    /* the use is recorded once a minute: 59 s after, not; 60 s after, yes */
    char secret[AUTH_SECRET_MAX + 1], hash[AUTH_HASH_HEX + 1];
    assert_true(auth_session_cookie(cookie, secret));
    auth_hash(secret, hash);
    db_session s;
    bool found;
    vg_err err;
    assert_true(auth_session_resolve(d, cfg, cookie, NOW + 59, &got));
    assert_int_equal(db_session_by_hash(d, hash, &s, &found, &err), VG_OK);
    assert_true(found);
    assert_int_equal(s.last_seen, NOW);
    assert_string_equal(s.addr, "127.0.0.1");
    assert_true(auth_session_resolve(d, cfg, cookie, NOW + 60, &got));
    assert_int_equal(db_session_by_hash(d, hash, &s, &found, &err), VG_OK);
    assert_int_equal(s.last_seen, NOW + 60);
    /* with the writers' lock: taken for the write, and given back */
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    assert_true(auth_session_resolve_locked(d, cfg, cookie, NOW + 120, &lock, &got));
    assert_int_equal(db_session_by_hash(d, hash, &s, &found, &err), VG_OK);
    assert_int_equal(s.last_seen, NOW + 120);
    assert_int_equal(pthread_mutex_trylock(&lock), 0);
    pthread_mutex_unlock(&lock);

    /* tampered: one digit changed */
    char bad[256];
    snprintf(bad, sizeof bad, "%s", cookie);
    char *v = strstr(bad, "vgs_") + 10;
    *v = *v == '0' ? '1' : '0';
    assert_false(auth_session_resolve(d, cfg, bad, NOW + 121, &got));
    assert_int_equal(got.role, AUTH_ROLE_NONE);
    assert_false(auth_session_resolve(d, cfg, NULL, NOW + 121, &got));

    /* idle: still live AUTH_SESSION_IDLE after the last use, ended one second later, and deleted */
    assert_true(auth_session_resolve(d, cfg, cookie, NOW + 120 + AUTH_SESSION_IDLE, &got));
    int64_t last = NOW + 120 + AUTH_SESSION_IDLE; /* touched by that call */
    assert_false(auth_session_resolve(d, cfg, cookie, last + AUTH_SESSION_IDLE + 1, &got));
    assert_int_equal(db_session_by_hash(d, hash, &s, &found, &err), VG_OK);
    assert_false(found);
    assert_false(auth_session_resolve(d, cfg, cookie, last + 1, &got)); /* gone for good */
}

static void test_whole_life(void **state)
{
    (void)state;
    auth_principal p = config_principal("ops", AUTH_ROLE_OPERATOR, ""), got;
    char cookie[256], csrf[AUTH_CSRF_LEN + 1];
    open_session(&p, NOW, cookie, sizeof cookie, csrf);
    int64_t t = NOW;
    while (t + 1500 <= NOW + AUTH_SESSION_MAX) { /* used every 25 min: never idle */
        t += 1500;
        assert_true(auth_session_resolve(d, cfg, cookie, t, &got));
    }
    assert_false(auth_session_resolve(d, cfg, cookie, NOW + AUTH_SESSION_MAX + 1, &got));
}

/* A personal token revoked or expired ends its sessions at once; server.yaml's entry changed, too. */
static void test_token_gone(void **state)
{
    (void)state;
    vg_err err;
    db_token t = {.name = "alice", .role = "read", .scope = "site:dc", .created = NOW, .expires = NOW + 7200};
    assert_int_equal(db_token_add(d, &t, "hash-alice", &err), VG_OK);
    auth_principal p = config_principal("alice", AUTH_ROLE_READ, "site:dc"), got;
    p.via = AUTH_VIA_TOKEN;
    p.token_id = t.id;
    char c1[256], c2[256], csrf[AUTH_CSRF_LEN + 1];
    open_session(&p, NOW, c1, sizeof c1, csrf);
    assert_true(auth_session_resolve(d, cfg, c1, NOW + 1, &got));
    assert_int_equal(got.token_id, t.id);
    /* expired at NOW + 7200: the session with it, though not idle */
    for (int64_t at = NOW + 1500; at < NOW + 7200; at += 1500)
        assert_true(auth_session_resolve(d, cfg, c1, at, &got));
    assert_true(auth_session_resolve(d, cfg, c1, NOW + 7199, &got));
    assert_false(auth_session_resolve(d, cfg, c1, NOW + 7200, &got));

    db_token t2 = {.name = "bob", .role = "operator", .created = NOW};
    assert_int_equal(db_token_add(d, &t2, "hash-bob", &err), VG_OK);
    auth_principal pb = config_principal("bob", AUTH_ROLE_OPERATOR, "");
    pb.token_id = t2.id;
    open_session(&pb, NOW, c2, sizeof c2, csrf);
    assert_true(auth_session_resolve(d, cfg, c2, NOW + 1, &got));
    bool found, already;
    assert_int_equal(db_token_revoke(d, "bob", NOW + 2, "root", &found, &already, &err), VG_OK);
    assert_false(auth_session_resolve(d, cfg, c2, NOW + 3, &got));

    /* server.yaml: ops's role lowered, deleg's entry removed: their sessions end */
    auth_principal po = config_principal("ops", AUTH_ROLE_OPERATOR, "");
    auth_principal pd = config_principal("deleg", AUTH_ROLE_READ, "kind:nro");
    char c3[256], c4[256];
    open_session(&po, NOW, c3, sizeof c3, csrf);
    open_session(&pd, NOW, c4, sizeof c4, csrf);
    server_config *other = load("[{name: ops, token: token-ops-0000000001, role: read}]");
    assert_false(auth_session_resolve(d, other, c3, NOW + 1, &got));
    assert_false(auth_session_resolve(d, other, c4, NOW + 1, &got));
    server_config_free(other);
}

/* The table stays within its bound: the least recently used sessions go first. */
static void test_purge(void **state)
{
    (void)state;
    db_session s = {.name = "x", .role = "read", .csrf = "c"};
    vg_err err;
    char hash[16];
    for (int i = 0; i < 5; i++) {
        s.created = NOW;
        s.last_seen = NOW + i;
        snprintf(hash, sizeof hash, "h%d", i);
        assert_int_equal(db_session_add(d, hash, &s, &err), VG_OK);
    }
    size_t n, deleted;
    assert_int_equal(db_session_purge(d, NOW + 1, 0, 100, &deleted, &err), VG_OK); /* idle before NOW+1: h0 */
    assert_int_equal(deleted, 1);
    assert_int_equal(db_session_purge(d, 0, 0, 2, &deleted, &err), VG_OK); /* keep 2: h3, h4 */
    assert_int_equal(deleted, 2);
    assert_int_equal(db_session_count(d, &n, &err), VG_OK);
    assert_int_equal(n, 2);
    bool found;
    assert_int_equal(db_session_by_hash(d, "h3", &s, &found, &err), VG_OK);
    assert_true(found);
    assert_int_equal(db_session_by_hash(d, "h2", &s, &found, &err), VG_OK);
    assert_false(found);
}

static void test_login_link(void **state)
{
    (void)state;
    auth_principal p = config_principal("deleg", AUTH_ROLE_READ, "kind:nro"), got;
    char secret[AUTH_SECRET_MAX + 1];
    int64_t expires;
    vg_err err;
    auth_link_status st;
    assert_int_equal(auth_link_new(d, &p, NOW, secret, &expires, &err), VG_OK);
    assert_memory_equal(secret, "vgl_", 4);
    assert_int_equal(expires, NOW + 600);
    assert_int_equal(auth_link_take(d, cfg, secret, NOW + 599, &got, &st, &err), VG_OK);
    assert_int_equal(st, AUTH_LINK_OK);
    assert_string_equal(got.name, "deleg");
    assert_int_equal(got.role, AUTH_ROLE_READ);
    assert_string_equal(got.scope.terms[0].value, "nro");
    /* once */
    assert_int_equal(auth_link_take(d, cfg, secret, NOW + 1, &got, &st, &err), VG_OK);
    assert_int_equal(st, AUTH_LINK_USED);
    assert_int_equal(got.role, AUTH_ROLE_NONE);
    /* expired, and used by that very attempt */
    assert_int_equal(auth_link_new(d, &p, NOW, secret, &expires, &err), VG_OK);
    assert_int_equal(auth_link_take(d, cfg, secret, NOW + 600, &got, &st, &err), VG_OK);
    assert_int_equal(st, AUTH_LINK_EXPIRED);
    assert_int_equal(auth_link_take(d, cfg, secret, NOW + 1, &got, &st, &err), VG_OK);
    assert_int_equal(st, AUTH_LINK_USED);
    /* unknown, malformed */
    secret[10] = secret[10] == 'a' ? 'b' : 'a';
    assert_int_equal(auth_link_take(d, cfg, secret, NOW + 1, &got, &st, &err), VG_OK);
    assert_int_equal(st, AUTH_LINK_UNKNOWN);
    assert_int_equal(auth_link_take(d, cfg, "vgl_short", NOW + 1, &got, &st, &err), VG_OK);
    assert_int_equal(st, AUTH_LINK_UNKNOWN);
    /* the person's entry gone from server.yaml between the link and its use */
    assert_int_equal(auth_link_new(d, &p, NOW, secret, &expires, &err), VG_OK);
    server_config *other = load("[{name: ops, token: token-ops-0000000001}]");
    assert_int_equal(auth_link_take(d, other, secret, NOW + 1, &got, &st, &err), VG_OK);
    assert_int_equal(st, AUTH_LINK_REVOKED);
    server_config_free(other);
    assert_string_equal(auth_link_status_name(AUTH_LINK_USED), "used");
}

static void test_ratelimit(void **state)
{
    (void)state;
    ratelimit *rl = ratelimit_new(2, 5, 60);
    assert_non_null(rl);
    for (int i = 0; i < 4; i++)
        ratelimit_fail(rl, "198.18.0.1", NOW + i);
    assert_int_equal(ratelimit_wait(rl, "198.18.0.1", NOW + 4), 0);
    ratelimit_fail(rl, "198.18.0.1", NOW + 4);
    /* 5 in the window that began at NOW: wait until NOW + 60 */
    assert_int_equal(ratelimit_wait(rl, "198.18.0.1", NOW + 4), 56);
    assert_int_equal(ratelimit_wait(rl, "198.18.0.1", NOW + 59), 1);
    assert_int_equal(ratelimit_wait(rl, "198.18.0.2", NOW + 5), 0); /* another address */
    assert_int_equal(ratelimit_wait(rl, "198.18.0.1", NOW + 60), 0);
    ratelimit_fail(rl, "198.18.0.1", NOW + 60); /* a new window: 1 of 5 */
    assert_int_equal(ratelimit_wait(rl, "198.18.0.1", NOW + 61), 0);
    /* a success forgets */
    for (int i = 0; i < 5; i++)
        ratelimit_fail(rl, "198.18.0.3", NOW + 100);
    assert_int_equal(ratelimit_wait(rl, "198.18.0.3", NOW + 100), 60);
    ratelimit_clear(rl, "198.18.0.3");
    assert_int_equal(ratelimit_wait(rl, "198.18.0.3", NOW + 100), 0);
    /* two slots: a third address evicts the one that failed least recently */
    for (int i = 0; i < 5; i++)
        ratelimit_fail(rl, "198.18.0.4", NOW + 200);
    for (int i = 0; i < 5; i++)
        ratelimit_fail(rl, "198.18.0.5", NOW + 201);
    assert_int_equal(ratelimit_wait(rl, "198.18.0.4", NOW + 202), 58);
    ratelimit_fail(rl, "198.18.0.6", NOW + 202);
    assert_int_equal(ratelimit_wait(rl, "198.18.0.4", NOW + 202), 0); /* evicted */
    assert_int_equal(ratelimit_wait(rl, "198.18.0.5", NOW + 202), 59);
    ratelimit_free(rl);
    assert_null(ratelimit_new(0, 5, 60));
}

/* ---- the routes, through api_dispatch ----------------------------------------------------- */

typedef struct {
    const char *cookie, *csrf, *origin, *fetch_site, *host;
} hdrs;

static const char *hdr_get(void *ctx, const char *name)
{
    const hdrs *h = ctx;
    if (strcmp(name, "Cookie") == 0)
        return h->cookie;
    if (strcmp(name, "X-CSRF-Token") == 0)
        return h->csrf;
    if (strcmp(name, "Origin") == 0)
        return h->origin;
    if (strcmp(name, "Sec-Fetch-Site") == 0)
        return h->fetch_site;
    if (strcmp(name, "Host") == 0)
        return h->host;
    return NULL;
}

static const char *no_arg(void *ctx, const char *name)
{
    (void)ctx, (void)name;
    return NULL;
}

static api_ctx actx;

static api_reply call(const char *method, const char *path, const char *authz, const char *body, hdrs *h,
                      const char *remote, int64_t now)
{
    api_request req = {.method = method, .path = path, .authorization = authz, .body = body ? body : "",
                       .len = body ? strlen(body) : 0, .now = now, .arg = no_arg, .arg_ctx = h, .header = hdr_get,
                       .remote = remote};
    return api_dispatch(&actx, &req);
}

static void expect(api_reply r, int status, const char *part)
{
    if (r.status != status || (part && !strstr(r.body ? r.body : "", part)))
        fail_msg("got %d %s, wanted %d with '%s'", r.status, r.body ? r.body : "", status, part ? part : "");
    free(r.body);
}

/* The session cookie header of a login's reply ("vigie_session=..."), checking its attributes. */
static void take_cookie(const api_reply *r, char *cookie, size_t size)
{
    const char *sc = strstr(r->headers, "Set-Cookie: vigie_session=vgs_");
    assert_non_null(sc);
    assert_non_null(strstr(sc, "; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200"));
    assert_null(strstr(sc, "Secure")); /* plain HTTP here */
    snprintf(cookie, size, "%.*s", (int)strcspn(sc + 12, ";"), sc + 12);
}

static void test_routes(void **state)
{
    (void)state;
    memset(&actx, 0, sizeof actx);
    actx.cfg = cfg;
    actx.db = d;
    hdrs h = {.host = "127.0.0.1:8470", .origin = "http://127.0.0.1:8470", .fetch_site = "same-origin"};
    /* a token typed in the form */
    api_reply r = call("POST", "/api/v1/login", NULL, "{\"token\": \"token-deleg-00000001\"}", &h, "10.1.1.1", NOW);
    assert_int_equal(r.status, 200);
    char cookie[128];
    take_cookie(&r, cookie, sizeof cookie);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "deleg");
    assert_string_equal(json_string_value(json_object_get(j, "scope")), "kind:nro");
    assert_null(strstr(r.body, "token-deleg")); /* never the token */
    char csrf[AUTH_CSRF_LEN + 1];
    snprintf(csrf, sizeof csrf, "%s", json_string_value(json_object_get(j, "csrf")));
    json_decref(j);
    free(r.body);
    assert_int_equal(strlen(csrf), 64);

    /* the page reloaded: its session, its CSRF token */
    hdrs page = {.cookie = cookie, .host = h.host};
    r = call("GET", "/api/v1/session", NULL, NULL, &page, "10.1.1.1", NOW + 5);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, csrf));
    free(r.body);
    expect(call("GET", "/api/v1/whoami", NULL, NULL, &page, "10.1.1.1", NOW + 5), 200, "\"via\":\"session\"");
    /* a Bearer token has no session */
    expect(call("GET", "/api/v1/session", "Bearer token-ops-0000000001", NULL, &h, "10.1.1.1", NOW + 5), 200,
           "{\"session\":null}");
    /* an action without the CSRF token, or with another: 403 before its handler */
    expect(call("POST", "/api/v1/login-links", NULL, "{}", &page, "10.1.1.1", NOW + 6), 403, "X-CSRF-Token");
    page.csrf = "0000000000000000000000000000000000000000000000000000000000000000";
    expect(call("POST", "/api/v1/logout", NULL, NULL, &page, "10.1.1.1", NOW + 6), 403, "X-CSRF-Token");
    /* a login link, asked from the dashboard session (with its CSRF token) */
    page.csrf = csrf;
    r = call("POST", "/api/v1/login-links", NULL, "{}", &page, "10.1.1.1", NOW + 7);
    assert_int_equal(r.status, 201);
    j = json_loads(r.body, 0, NULL);
    const char *url = json_string_value(json_object_get(j, "url"));
    assert_non_null(url);
    assert_memory_equal(url, "http://127.0.0.1:8470/#login=vgl_", 33);
    assert_int_equal(json_integer_value(json_object_get(j, "expires")), NOW + 7 + 600);
    char body[160];
    snprintf(body, sizeof body, "{\"link\": \"%s\"}", json_string_value(json_object_get(j, "link")));
    json_decref(j);
    free(r.body);
    /* logout: the session ends, the cookie is cleared */
    r = call("POST", "/api/v1/logout", NULL, NULL, &page, "10.1.1.1", NOW + 8);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "Set-Cookie: vigie_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"));
    free(r.body);
    expect(call("GET", "/api/v1/sites", NULL, NULL, &page, "10.1.1.1", NOW + 9), 401, NULL);
    expect(call("GET", "/api/v1/session", NULL, NULL, &page, "10.1.1.1", NOW + 9), 200, "{\"session\":null}");

    /* the link, from another browser: once */
    hdrs other = {.host = h.host};
    r = call("POST", "/api/v1/login", NULL, body, &other, "10.1.1.2", NOW + 20);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"name\":\"deleg\""));
    free(r.body);
    expect(call("POST", "/api/v1/login", NULL, body, &other, "10.1.1.2", NOW + 21), 401, "link");

    /* from another site: refused, whatever the token */
    hdrs cross = {.host = h.host, .origin = "http://evil.example", .fetch_site = "cross-site"};
    expect(call("POST", "/api/v1/login", NULL, "{\"token\": \"token-ops-0000000001\"}", &cross, "10.1.1.3", NOW), 403,
           "Origin");
    cross.fetch_site = NULL;
    expect(call("POST", "/api/v1/login", NULL, "{\"token\": \"token-ops-0000000001\"}", &cross, "10.1.1.3", NOW), 403,
           "Origin");
    cross.origin = "https://127.0.0.1:8470"; /* another scheme is another origin */
    expect(call("POST", "/api/v1/login", NULL, "{\"token\": \"token-ops-0000000001\"}", &cross, "10.1.1.3", NOW), 403,
           "Origin");
    /* bad bodies */
    expect(call("POST", "/api/v1/login", NULL, "{\"token\": \"a\", \"link\": \"b\"}", &h, "10.1.1.4", NOW), 400, "body");
    expect(call("POST", "/api/v1/login", NULL, "{\"user\": \"a\"}", &h, "10.1.1.4", NOW), 400, "user");
    expect(call("POST", "/api/v1/login", NULL, "[]", &h, "10.1.1.4", NOW), 400, "body");
    /* an agent's token opens no session */
    expect(call("POST", "/api/v1/login", NULL, "{\"token\": \"agent-token-000001\"}", &h, "10.1.1.5", NOW), 401, "token");
    /* 5 failures a minute from one address, then 429 with Retry-After, even for a good token */
    for (int i = 1; i < 5; i++)
        expect(call("POST", "/api/v1/login", NULL, "{\"token\": \"nope-nope-nope\"}", &h, "10.1.1.5", NOW + i), 401, NULL);
    r = call("POST", "/api/v1/login", NULL, "{\"token\": \"token-ops-0000000001\"}", &h, "10.1.1.5", NOW + 10);
    assert_int_equal(r.status, 429);
    assert_string_equal(r.headers, "Retry-After: 50");
    free(r.body);
    expect(call("POST", "/api/v1/login", NULL, "{\"token\": \"token-ops-0000000001\"}", &h, "10.1.1.6", NOW + 10), 200,
           "\"role\":\"operator\"");
    expect(call("POST", "/api/v1/login", NULL, "{\"token\": \"token-ops-0000000001\"}", &h, "10.1.1.5", NOW + 60), 200,
           NULL);
    /* a login from a browser that has a session replaces it */
    r = call("POST", "/api/v1/login", NULL, "{\"token\": \"token-ops-0000000001\"}", &h, "10.1.1.9", NOW + 61);
    char first[128];
    take_cookie(&r, first, sizeof first);
    free(r.body);
    hdrs again = h;
    again.cookie = first;
    r = call("POST", "/api/v1/login", NULL, "{\"token\": \"token-ops-0000000001\"}", &again, "10.1.1.9", NOW + 62);
    assert_int_equal(r.status, 200);
    free(r.body);
    expect(call("GET", "/api/v1/session", NULL, NULL, &again, "10.1.1.9", NOW + 63), 200, "{\"session\":null}");
    /* over HTTPS: the cookie is Secure, and the origin is https:// */
    cfg->tls_cert_pem = (char *)"-----BEGIN CERTIFICATE-----";
    expect(call("POST", "/api/v1/login", NULL, "{\"token\": \"token-ops-0000000001\"}", &h, "10.1.1.8", NOW), 403,
           "Origin");
    h.origin = "https://127.0.0.1:8470";
    r = call("POST", "/api/v1/login", NULL, "{\"token\": \"token-ops-0000000001\"}", &h, "10.1.1.8", NOW);
    cfg->tls_cert_pem = NULL;
    h.origin = "http://127.0.0.1:8470";
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200; Secure"));
    free(r.body);
    /* a body over 4 KiB is not read */
    char big[5000];
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[0] = '{', big[sizeof big - 2] = '}';
    expect(call("POST", "/api/v1/login", NULL, big, &h, "10.1.1.8", NOW), 413, "body");
    /* login links need a person: none without a credential */
    expect(call("POST", "/api/v1/login-links", NULL, "{}", &other, "10.1.1.7", NOW), 401, NULL);
    expect(call("POST", "/api/v1/login-links", "Bearer token-ops-0000000001", "{\"name\": \"x\"}", &other, "10.1.1.7",
                NOW), 400, "body");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie_parse),
        cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole_life, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_link, setup, teardown),
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

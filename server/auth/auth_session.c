#include "config.h"
#include "auth/auth_session.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store/db_sessions.h"
#include "store/db_tokens.h"

/* Dashboard sessions (auth_session.h). The cookie holds the secret; the table its hash, so that a copy
 * of the database opens no session. Everything a session stands for is checked again at each request
 * against its token (revoked, expired) or server.yaml, so that taking a token away ends its sessions at
 * once. */

#define AS_PREFIX "vgs_"

static bool as_is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Whether [v, v+n) is a session secret: "vgs_" and AUTH_SECRET_LEN lowercase hex digits. */
static bool as_secret_form(const char *v, size_t n)
{
    return n == AUTH_SECRET_MAX && strncmp(v, AS_PREFIX, 4) == 0 && as_is_hex(v + 4, AUTH_SECRET_LEN);
}

bool auth_session_cookie(const char *header, char out[AUTH_SECRET_MAX + 1])
{
    out[0] = '\0';
    if (!header || strnlen(header, AUTH_COOKIE_HEADER_MAX + 1) > AUTH_COOKIE_HEADER_MAX)
        return false;
    const size_t nl = strlen(AUTH_SESSION_COOKIE);
    for (const char *p = header; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl && strncmp(p, AUTH_SESSION_COOKIE, nl) == 0 && p[nl] == '=') {
            const char *v = p + nl + 1;
            size_t vl = len - nl - 1;
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                vl--;
            if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') /* RFC 6265 allows a quoted value */
                v++, vl -= 2;
            if (as_secret_form(v, vl)) { /* the first of the right form: a stray one of another form is skipped */
                memcpy(out, v, vl);
                out[vl] = '\0';
                return true;
            }
        }
        p += len;
    }
    return false;
}

/* server.yaml's api_tokens entry of this name, role and scope (a changed entry ends its sessions). */
static bool as_config_has(const server_config *cfg, const char *name, auth_role role, const char *scope)
{
    for (size_t i = 0; i < cfg->nreaders; i++) {
        const server_reader *r = &cfg->readers[i];
        if (strcmp(r->name, name) != 0)
            continue;
        auth_scope s;
        vg_err err;
        char text[AUTH_SCOPE_TEXT_MAX + 1];
        if ((auth_role)r->role != role || auth_scope_parse(r->scope, &s, &err) != VG_OK)
            return false;
        auth_scope_format(&s, text, sizeof text);
        return strcmp(text, scope) == 0;
    }
    return false;
}

/* The api_tokens row token_id: there, neither revoked nor expired, with this role and scope. */
static bool as_token_live(db *d, int64_t token_id, auth_role role, const char *scope, int64_t now)
{
    db_token t;
    bool found = false;
    vg_err err;
    if (db_token_by_id(d, token_id, &t, &found, &err) != VG_OK) {
        log_error("auth", "%s", err.msg);
        return false;
    }
    if (!found || t.revoked || (t.expires && t.expires <= now) || auth_role_parse(t.role) != role)
        return false;
    auth_scope s;
    char text[AUTH_SCOPE_TEXT_MAX + 1];
    if (auth_scope_parse(t.scope, &s, &err) != VG_OK)
        return false;
    auth_scope_format(&s, text, sizeof text);
    return strcmp(text, scope) == 0;
}

bool auth_stored_principal(db *d, const server_config *cfg, const char *name, int64_t token_id, const char *role,
                           const char *scope, int64_t now, auth_principal *out)
{
    memset(out, 0, sizeof *out);
    auth_role r = auth_role_parse(role);
    vg_err err;
    if (r == AUTH_ROLE_NONE || auth_scope_parse(scope, &out->scope, &err) != VG_OK)
        return false;
    char canon[AUTH_SCOPE_TEXT_MAX + 1];
    auth_scope_format(&out->scope, canon, sizeof canon);
    if (token_id ? !as_token_live(d, token_id, r, canon, now) : !as_config_has(cfg, name, r, canon))
        return false;
    snprintf(out->name, sizeof out->name, "%s", name);
    out->role = r;
    out->via = AUTH_VIA_SESSION;
    out->token_id = token_id;
    return true;
}

static void as_lock(pthread_mutex_t *lock)
{
    if (lock)
        pthread_mutex_lock(lock);
}

static void as_unlock(pthread_mutex_t *lock)
{
    if (lock)
        pthread_mutex_unlock(lock);
}

bool auth_session_resolve_locked(db *d, const server_config *cfg, const char *cookie, int64_t now,
                                 pthread_mutex_t *lock, auth_principal *out)
{
    memset(out, 0, sizeof *out);
    char secret[AUTH_SECRET_MAX + 1], hash[AUTH_HASH_HEX + 1];
    if (!d || !auth_session_cookie(cookie, secret))
        return false;
    auth_hash(secret, hash);
    explicit_bzero(secret, sizeof secret);
    db_session s;
    bool found = false;
    vg_err err;
    if (db_session_by_hash(d, hash, &s, &found, &err) != VG_OK) {
        log_error("auth", "%s", err.msg);
        return false;
    }
    if (!found)
        return false;
    bool live = now - s.last_seen <= AUTH_SESSION_IDLE && now - s.created <= AUTH_SESSION_MAX &&
                auth_stored_principal(d, cfg, s.name, s.token_id, s.role, s.scope, now, out);
    if (!live) {
        memset(out, 0, sizeof *out);
        as_lock(lock);
        if (db_session_delete(d, hash, &err) != VG_OK)
            log_warn("auth", "the ended session of %s stays in the table: %s", s.name, err.msg);
        as_unlock(lock);
        log_debug("auth", "a session of %s ended (idle, too old, or its token is no longer valid)", s.name);
        return false;
    }
    snprintf(out->csrf, sizeof out->csrf, "%s", s.csrf);
    if (s.last_seen <= now - 60) { /* one write a minute per session */
        as_lock(lock);
        if (db_session_touch(d, hash, now, &err) != VG_OK)
            log_warn("auth", "the session of %s: its last use is not recorded: %s", s.name, err.msg);
        as_unlock(lock);
    }
    return true;
}

bool auth_session_resolve(db *d, const server_config *cfg, const char *cookie, int64_t now, auth_principal *out)
{
    return auth_session_resolve_locked(d, cfg, cookie, now, NULL, out);
}

vg_code auth_session_open(db *d, const auth_principal *p, const char *addr, int64_t now,
                          char secret[AUTH_SECRET_MAX + 1], char csrf[AUTH_CSRF_LEN + 1], vg_err *err)
{
    size_t purged = 0;
    vg_code rc = db_session_purge(d, now - AUTH_SESSION_IDLE, now - AUTH_SESSION_MAX, AUTH_SESSION_KEEP - 1, &purged,
                                  err);
    if (rc != VG_OK)
        return rc;
    char c[AUTH_SECRET_MAX + 1];
    if ((rc = auth_secret_new(AS_PREFIX, secret, err)) != VG_OK || (rc = auth_secret_new("", c, err)) != VG_OK)
        return rc;
    db_session s = {.token_id = p->token_id, .created = now, .last_seen = now};
    snprintf(s.name, sizeof s.name, "%s", p->name);
    snprintf(s.role, sizeof s.role, "%s", auth_role_name(p->role));
    auth_scope_format(&p->scope, s.scope, sizeof s.scope);
    snprintf(s.csrf, sizeof s.csrf, "%s", c);
    snprintf(s.addr, sizeof s.addr, "%s", addr ? addr : "");
    char hash[AUTH_HASH_HEX + 1];
    auth_hash(secret, hash);
    if ((rc = db_session_add(d, hash, &s, err)) != VG_OK) {
        explicit_bzero(secret, AUTH_SECRET_MAX + 1);
        return rc;
    }
    snprintf(csrf, AUTH_CSRF_LEN + 1, "%s", c);
    return VG_OK;
}

vg_code auth_session_close(db *d, const char *secret, vg_err *err)
{
    char hash[AUTH_HASH_HEX + 1];
    auth_hash(secret, hash);
    return db_session_delete(d, hash, err);
}

void auth_session_set_cookie(const char *secret, bool secure, char *buf, size_t size)
{
    snprintf(buf, size, "Set-Cookie: %s=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d%s", AUTH_SESSION_COOKIE,
             secret ? secret : "", secret ? AUTH_SESSION_MAX : 0, secure ? "; Secure" : "");
}

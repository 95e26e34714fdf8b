#include "config.h"
#include "auth/auth_link.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth_session.h"
#include "store/db_sessions.h"

/* One-time login links (auth_link.h): the principal of the person who asked, under the hash of a
 * secret that lives 10 minutes and works once. */

const char *auth_link_status_name(auth_link_status s)
{
    static const char *const names[] = {"ok", "unknown", "used", "expired", "revoked"};
    return s <= AUTH_LINK_REVOKED ? names[s] : "unknown";
}

vg_code auth_link_new(db *d, const auth_principal *p, int64_t now, char secret[AUTH_SECRET_MAX + 1], int64_t *expires,
                      vg_err *err)
{
    vg_code rc = db_login_link_purge(d, now, AUTH_LINK_KEEP - 1, err);
    if (rc != VG_OK || (rc = auth_secret_new("vgl_", secret, err)) != VG_OK)
        return rc;
    db_login_link l = {.token_id = p->token_id, .created = now, .expires = now + AUTH_LINK_TTL};
    snprintf(l.name, sizeof l.name, "%s", p->name);
    snprintf(l.role, sizeof l.role, "%s", auth_role_name(p->role));
    auth_scope_format(&p->scope, l.scope, sizeof l.scope);
    char hash[AUTH_HASH_HEX + 1];
    auth_hash(secret, hash);
    if ((rc = db_login_link_add(d, hash, &l, err)) != VG_OK) {
        explicit_bzero(secret, AUTH_SECRET_MAX + 1);
        return rc;
    }
    *expires = l.expires;
    return VG_OK;
}

vg_code auth_link_take(db *d, const server_config *cfg, const char *secret, int64_t now, auth_principal *out,
                       auth_link_status *status, vg_err *err)
{
    memset(out, 0, sizeof *out);
    *status = AUTH_LINK_UNKNOWN;
    if (!secret || strlen(secret) != AUTH_SECRET_MAX || strncmp(secret, "vgl_", 4) != 0)
        return VG_OK;
    char hash[AUTH_HASH_HEX + 1];
    auth_hash(secret, hash);
    db_login_link l;
    bool found = false;
    vg_code rc = db_login_link_take(d, hash, &l, &found, err);
    if (rc != VG_OK || !found)
        return rc;
    if (l.used)
        *status = AUTH_LINK_USED;
    else if (l.expires <= now)
        *status = AUTH_LINK_EXPIRED;
    else if (!auth_stored_principal(d, cfg, l.name, l.token_id, l.role, l.scope, now, out))
        *status = AUTH_LINK_REVOKED;
    else
        *status = AUTH_LINK_OK;
    if (*status != AUTH_LINK_OK)
        memset(out, 0, sizeof *out);
    return VG_OK;
}

/* auth_link: one-time login links (`vigie login-link`). A person already known by a token asks for a
 * link for themselves; its secret ("vgl_" and 64 hex digits) goes after '#' in the address, so that
 * it never reaches the server's access log nor a Referer; the dashboard reads it, trades it for a
 * session (POST /api/v1/login {"link"}) and takes it out of the address. The `login_links` table
 * keeps its hash and the principal; a link works once, within AUTH_LINK_TTL seconds. */
#ifndef VIGIE_AUTH_LINK_H
#define VIGIE_AUTH_LINK_H

#include <stdint.h>

#include "auth/auth.h"
#include "store/db.h"

#define AUTH_LINK_TTL (10 * 60)
#define AUTH_LINK_KEEP 10000 /* links kept at most, used or not; the oldest go first */

/* A new link for p at now: its secret and when it expires. The caller holds the writers' lock. */
vg_code auth_link_new(db *d, const auth_principal *p, int64_t now, char secret[AUTH_SECRET_MAX + 1], int64_t *expires,
                      vg_err *err);

typedef enum {
    AUTH_LINK_OK,      /* *out is the link's principal */
    AUTH_LINK_UNKNOWN, /* no such link (or not the form of one) */
    AUTH_LINK_USED,    /* used before */
    AUTH_LINK_EXPIRED,
    AUTH_LINK_REVOKED, /* its token was revoked or expired since, or server.yaml changed */
} auth_link_status;
/* "ok", "unknown", "used", "expired", "revoked": for the audit trail */
const char *auth_link_status_name(auth_link_status s);

/* Takes the link of this secret: used from now on, whatever the outcome. The caller holds the writers'
 * lock. */
vg_code auth_link_take(db *d, const server_config *cfg, const char *secret, int64_t now, auth_principal *out,
                       auth_link_status *status, vg_err *err);

#endif

/* auth_session: the dashboard's sessions. A person types their token once (POST /api/v1/login) or
 * follows a one-time login link; the server answers with an HttpOnly, SameSite=Strict cookie (Secure
 * over HTTPS) holding a session secret, kept in the `sessions` table as its hash with the principal it
 * stands for, and a CSRF token that every action must carry in X-CSRF-Token. A session ends after
 * AUTH_SESSION_IDLE seconds without a request, AUTH_SESSION_MAX seconds after it began, at logout, or
 * when the token it was opened with is revoked or expires (for a token of server.yaml: when no
 * api_tokens entry of that name, role and scope is left). */
#ifndef VIGIE_AUTH_SESSION_H
#define VIGIE_AUTH_SESSION_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "store/db.h"

#define AUTH_SESSION_COOKIE "vigie_session"
#define AUTH_SESSION_IDLE (30 * 60)
#define AUTH_SESSION_MAX (12 * 3600) /* a working day, however busy: the cookie's Max-Age too */
#define AUTH_SESSION_KEEP 10000      /* sessions kept at most; beyond, the least recently used end */
#define AUTH_COOKIE_HEADER_MAX 8192  /* a longer Cookie header is not read */

/* The principal of the session named by the Cookie header `cookie` (may be NULL), at now; false when the
 * header holds no live session. Records the use (last_seen) at most once a minute. */
bool auth_session_resolve(db *d, const server_config *cfg, const char *cookie, int64_t now, auth_principal *out);
/* The same, holding `lock` (the writers' lock, api.h; may be NULL) around its writes: the deletion of a
 * session found dead and the record of a use. The caller does not hold it. */
bool auth_session_resolve_locked(db *d, const server_config *cfg, const char *cookie, int64_t now,
                                 pthread_mutex_t *lock, auth_principal *out);

/* The session secret in a Cookie header: the value of its AUTH_SESSION_COOKIE cookie when it has the form
 * of one ("vgs_" and 64 hex digits); false for no header, a header over AUTH_COOKIE_HEADER_MAX, no such
 * cookie, or another form. */
bool auth_session_cookie(const char *header, char out[AUTH_SECRET_MAX + 1]);

/* Opens a session for p from addr at now (the sessions idle or too old are purged first, and the table
 * kept within AUTH_SESSION_KEEP): its secret (for the cookie only) and its CSRF token. The caller holds
 * the writers' lock. */
vg_code auth_session_open(db *d, const auth_principal *p, const char *addr, int64_t now,
                          char secret[AUTH_SECRET_MAX + 1], char csrf[AUTH_CSRF_LEN + 1], vg_err *err);
/* Ends the session of this secret (none: VG_OK). The caller holds the writers' lock. */
vg_code auth_session_close(db *d, const char *secret, vg_err *err);

/* The Set-Cookie header line ("Set-Cookie: vigie_session=...; HttpOnly; ...") that gives the browser
 * this secret, or with a NULL secret the one that makes it forget it. secure: the server speaks HTTPS. */
void auth_session_set_cookie(const char *secret, bool secure, char *buf, size_t size);

/* What a stored session or login link stands for, checked again now: for token_id != 0, that api_tokens
 * row not revoked nor expired and with this role and scope; for 0, server.yaml's api_tokens entry of
 * this name with this role and scope. *out filled (via: AUTH_VIA_SESSION) when true. */
bool auth_stored_principal(db *d, const server_config *cfg, const char *name, int64_t token_id, const char *role,
                           const char *scope, int64_t now, auth_principal *out);

#endif

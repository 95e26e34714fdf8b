/* db_sessions: the dashboard's sessions and one-time login links (auth/auth_session.h). A row is known by
 * the SHA-256 of its secret, never the secret, and carries the principal it stands for: the token's
 * name, its api_tokens row (0 for a token of server.yaml), its role and scope as text. A session has its
 * CSRF token, its creation, its last use and the address that opened it; a link its expiry and whether it
 * was used (a used link stays until it expires, so that a second use is told apart from a bad link). */
#ifndef VIGIE_DB_SESSIONS_H
#define VIGIE_DB_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "names.h"
#include "store/db.h"

#define DB_SESSION_SCOPE_MAX 2048
#define DB_SESSION_HASH_LEN 64 /* hex SHA-256 */

typedef struct {
    char name[NAME_MAX_LEN + 1];
    int64_t token_id; /* 0: a token of server.yaml */
    char role[16];
    char scope[DB_SESSION_SCOPE_MAX + 1];
    char csrf[DB_SESSION_HASH_LEN + 1];
    int64_t created, last_seen;
    char addr[64];
} db_session;

vg_code db_session_add(db *d, const char *hash, const db_session *s, vg_err *err);
/* *found false when no session has this hash. */
vg_code db_session_by_hash(db *d, const char *hash, db_session *out, bool *found, vg_err *err);
vg_code db_session_delete(db *d, const char *hash, vg_err *err);
/* Records a use at now, when the last one is older than a minute (one write a minute per session). */
vg_code db_session_touch(db *d, const char *hash, int64_t now, vg_err *err);
/* Deletes the sessions last seen before idle_before or created before created_before, then the oldest
 * ones beyond keep (a bound on the table whatever the logins); *deleted counts them (may be NULL). */
vg_code db_session_purge(db *d, int64_t idle_before, int64_t created_before, size_t keep, size_t *deleted,
                         vg_err *err);
/* Sessions in the table. */
vg_code db_session_count(db *d, size_t *n, vg_err *err);

typedef struct {
    char name[NAME_MAX_LEN + 1];
    int64_t token_id;
    char role[16];
    char scope[DB_SESSION_SCOPE_MAX + 1];
    int64_t created, expires;
    bool used;
} db_login_link;

vg_code db_login_link_add(db *d, const char *hash, const db_login_link *l, vg_err *err);
/* Takes the link of this hash: *found false when there is none; otherwise *out is the row as it was and
 * the link is marked used by this call (out->used true: it had been used before, and stays so). */
vg_code db_login_link_take(db *d, const char *hash, db_login_link *out, bool *found, vg_err *err);
/* Deletes the links expired before `before`, and the oldest beyond keep. */
vg_code db_login_link_purge(db *d, int64_t before, size_t keep, vg_err *err);

#endif

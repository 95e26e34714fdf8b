/* db_tokens: the personal API tokens (`vigie token add/list/revoke`, auth/auth.h). A row keeps the
 * token's name, role, scope (as text), dates and the SHA-256 of its secret, never the secret. A revoked
 * row stays, so that the audit trail and `vigie token list` still name it, and its name is never given
 * to another token. */
#ifndef VIGIE_DB_TOKENS_H
#define VIGIE_DB_TOKENS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "names.h"
#include "store/db.h"

#define DB_TOKEN_SCOPE_MAX 2048
typedef struct {
    int64_t id;
    char name[NAME_MAX_LEN + 1];
    char role[16];
    char scope[DB_TOKEN_SCOPE_MAX + 1];
    int64_t created;
    char created_by[NAME_MAX_LEN + 1];
    int64_t expires;   /* 0: never */
    int64_t last_used; /* 0: never used */
    int64_t revoked;   /* 0: not revoked */
    char revoked_by[NAME_MAX_LEN + 1];
} db_token;

/* Adds t (its id is set) with the hash of its secret; VG_E_CONFLICT when the name is taken, even by a
 * revoked token. */
vg_code db_token_add(db *d, db_token *t, const char *hash, vg_err *err);
/* The token whose secret has this hash (revoked or expired ones too: the caller judges); *found false
 * when none. */
vg_code db_token_by_hash(db *d, const char *hash, db_token *out, bool *found, vg_err *err);
vg_code db_token_by_id(db *d, int64_t id, db_token *out, bool *found, vg_err *err);
vg_code db_token_by_name(db *d, const char *name, db_token *out, bool *found, vg_err *err);
/* How many tokens there are, revoked ones included. */
vg_code db_token_count(db *d, size_t *n, vg_err *err);
/* Every token, by name. */
typedef void (*db_token_fn)(void *ctx, const db_token *t);
vg_code db_token_each(db *d, db_token_fn fn, void *ctx, vg_err *err);
/* Revokes the token `name` at `now`; *found false when no such token, *already when it was revoked. */
vg_code db_token_revoke(db *d, const char *name, int64_t now, const char *by, bool *found, bool *already,
                        vg_err *err);
/* Records a use at now, when the last one is older than a minute (one write a minute per token). */
vg_code db_token_touch(db *d, int64_t id, int64_t now, vg_err *err);

#endif

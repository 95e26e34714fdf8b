#include "config.h"
#include "store/db_tokens.h"

#include <stdio.h>
#include <string.h>

#include "store/db_internal.h"

/* The personal tokens (db_tokens.h). They are read once per request that carries one and written by
 * people, so statements are prepared on each call rather than kept on the connection. */

#define DBT_COLS "id, name, role, scope, created, created_by, expires, last_used, revoked, revoked_by"

static void dbt_row(sq_stmt *st, db_token *t)
{
    t->id = sq_column_int64(st, 0);
    snprintf(t->name, sizeof t->name, "%s", db_col_text(st, 1));
    snprintf(t->role, sizeof t->role, "%s", db_col_text(st, 2));
    snprintf(t->scope, sizeof t->scope, "%s", db_col_text(st, 3));
    t->created = sq_column_int64(st, 4);
    snprintf(t->created_by, sizeof t->created_by, "%s", db_col_text(st, 5));
    t->expires = sq_column_int64(st, 6);
    t->last_used = sq_column_int64(st, 7);
    t->revoked = sq_column_int64(st, 8);
    snprintf(t->revoked_by, sizeof t->revoked_by, "%s", db_col_text(st, 9));
}

static sq_stmt *dbt_prep(db *d, const char *sql)
{
    sq_stmt *st = NULL;
    return sq_prepare(d->sql, sql, &st) == SQ_OK ? st : NULL;
}

vg_code db_token_add(db *d, db_token *t, const char *hash, vg_err *err)
{
    sq_stmt *st = dbt_prep(d, "SELECT 1 FROM api_tokens WHERE name=?1");
    if (!st)
        return db_io(d, err, "api tokens");
    sq_bind_text(st, 1, t->name, -1, SQ_TRANSIENT);
    int rc = sq_step(st);
    sq_finalize(st);
    if (rc == SQ_ROW)
        return vg_fail(err, VG_E_CONFLICT, "a token named '%s' exists (or existed: a revoked name is not reused)",
                       t->name);
    if (rc != SQ_DONE)
        return db_io(d, err, "api tokens");
    st = dbt_prep(d, "INSERT INTO api_tokens(name, hash, role, scope, created, created_by, expires)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st)
        return db_io(d, err, "api tokens");
    sq_bind_text(st, 1, t->name, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, hash, -1, SQ_TRANSIENT);
    sq_bind_text(st, 3, t->role, -1, SQ_TRANSIENT);
    sq_bind_text(st, 4, t->scope, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 5, t->created);
    sq_bind_text(st, 6, t->created_by, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 7, t->expires);
    rc = sq_step(st);
    sq_finalize(st);
    if (rc != SQ_DONE)
        return db_io(d, err, "api tokens");
    t->id = sq_last_insert_rowid(d->sql);
    return VG_OK;
}

static vg_code dbt_one(db *d, const char *sql, const char *text, int64_t id, db_token *out, bool *found, vg_err *err)
{
    sq_stmt *st = dbt_prep(d, sql);
    if (!st)
        return db_io(d, err, "api tokens");
    if (text)
        sq_bind_text(st, 1, text, -1, SQ_TRANSIENT);
    else
        sq_bind_int64(st, 1, id);
    int rc = sq_step(st);
    *found = rc == SQ_ROW;
    if (*found)
        dbt_row(st, out);
    sq_finalize(st);
    return rc == SQ_ROW || rc == SQ_DONE ? VG_OK : db_io(d, err, "api tokens");
}

vg_code db_token_by_hash(db *d, const char *hash, db_token *out, bool *found, vg_err *err)
{
    return dbt_one(d, "SELECT " DBT_COLS " FROM api_tokens WHERE hash=?1", hash, 0, out, found, err);
}

vg_code db_token_by_id(db *d, int64_t id, db_token *out, bool *found, vg_err *err)
{
    return dbt_one(d, "SELECT " DBT_COLS " FROM api_tokens WHERE id=?1", NULL, id, out, found, err);
}

vg_code db_token_by_name(db *d, const char *name, db_token *out, bool *found, vg_err *err)
{
    return dbt_one(d, "SELECT " DBT_COLS " FROM api_tokens WHERE name=?1", name, 0, out, found, err);
}

vg_code db_token_count(db *d, size_t *n, vg_err *err)
{
    sq_stmt *st = dbt_prep(d, "SELECT count(*) FROM api_tokens");
    if (!st)
        return db_io(d, err, "api tokens");
    int rc = sq_step(st);
    *n = rc == SQ_ROW ? (size_t)sq_column_int64(st, 0) : 0;
    sq_finalize(st);
    return rc == SQ_ROW ? VG_OK : db_io(d, err, "api tokens");
}

vg_code db_token_each(db *d, db_token_fn fn, void *ctx, vg_err *err)
{
    sq_stmt *st = dbt_prep(d, "SELECT " DBT_COLS " FROM api_tokens ORDER BY name");
    if (!st)
        return db_io(d, err, "api tokens");
    int rc;
    db_token t;
    while ((rc = sq_step(st)) == SQ_ROW) {
        dbt_row(st, &t);
        fn(ctx, &t);
    }
    sq_finalize(st);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "api tokens");
}

vg_code db_token_revoke(db *d, const char *name, int64_t now, const char *by, bool *found, bool *already,
                        vg_err *err)
{
    db_token t;
    vg_code rc = db_token_by_name(d, name, &t, found, err);
    *already = *found && t.revoked != 0;
    if (rc != VG_OK || !*found || *already)
        return rc;
    sq_stmt *st = dbt_prep(d, "UPDATE api_tokens SET revoked=?2, revoked_by=?3 WHERE id=?1");
    if (!st)
        return db_io(d, err, "api tokens");
    sq_bind_int64(st, 1, t.id);
    sq_bind_int64(st, 2, now > 0 ? now : 1);
    sq_bind_text(st, 3, by ? by : "", -1, SQ_TRANSIENT);
    int s = sq_step(st);
    sq_finalize(st);
    return s == SQ_DONE ? VG_OK : db_io(d, err, "api tokens");
}

vg_code db_token_touch(db *d, int64_t id, int64_t now, vg_err *err)
{
    sq_stmt *st = dbt_prep(d, "UPDATE api_tokens SET last_used=?2 WHERE id=?1 AND last_used<=?2-60");
    if (!st)
        return db_io(d, err, "api tokens");
    sq_bind_int64(st, 1, id);
    sq_bind_int64(st, 2, now);
    int s = sq_step(st);
    sq_finalize(st);
    return s == SQ_DONE ? VG_OK : db_io(d, err, "api tokens");
}

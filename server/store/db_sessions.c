#include "config.h"
#include "store/db_sessions.h"

#include <stdio.h>
#include <string.h>

#include "store/db_internal.h"

/* Sessions and login links (db_sessions.h). A session is read at each of its requests and written once
 * a minute at most; statements are prepared on each call, as for the tokens, since a dashboard makes a
 * few requests every 15 s, not thousands. */

#define DBS_COLS "name, token_id, role, scope, csrf, created, last_seen, addr"
#define DBL_COLS "name, token_id, role, scope, created, expires, used"

static sq_stmt *dbs_prep(db *d, const char *sql)
{
    sq_stmt *st = NULL;
    return sq_prepare(d->sql, sql, &st) == SQ_OK ? st : NULL;
}

/* Steps st once to its end and finalizes it: VG_OK or VG_E_IO naming what. */
static vg_code dbs_done(db *d, sq_stmt *st, const char *what, vg_err *err)
{
    int rc = sq_step(st);
    vg_code out = rc == SQ_DONE ? VG_OK : db_io(d, err, what);
    sq_finalize(st);
    return out;
}

vg_code db_session_add(db *d, const char *hash, const db_session *s, vg_err *err)
{
    sq_stmt *st =
        dbs_prep(d, "INSERT INTO sessions(hash, " DBS_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!st)
        return db_io(d, err, "sessions");
    sq_bind_text(st, 1, hash, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, s->name, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 3, s->token_id);
    sq_bind_text(st, 4, s->role, -1, SQ_TRANSIENT);
    sq_bind_text(st, 5, s->scope, -1, SQ_TRANSIENT);
    sq_bind_text(st, 6, s->csrf, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 7, s->created);
    sq_bind_int64(st, 8, s->last_seen);
    sq_bind_text(st, 9, s->addr, -1, SQ_TRANSIENT);
    return dbs_done(d, st, "sessions", err);
}

vg_code db_session_by_hash(db *d, const char *hash, db_session *out, bool *found, vg_err *err)
{
    *found = false;
    sq_stmt *st = dbs_prep(d, "SELECT " DBS_COLS " FROM sessions WHERE hash=?1");
    if (!st)
        return db_io(d, err, "sessions");
    sq_bind_text(st, 1, hash, -1, SQ_TRANSIENT);
    int rc = sq_step(st);
    if (rc == SQ_ROW) {
        *found = true;
        snprintf(out->name, sizeof out->name, "%s", db_col_text(st, 0));
        out->token_id = sq_column_int64(st, 1);
        snprintf(out->role, sizeof out->role, "%s", db_col_text(st, 2));
        snprintf(out->scope, sizeof out->scope, "%s", db_col_text(st, 3));
        snprintf(out->csrf, sizeof out->csrf, "%s", db_col_text(st, 4));
        out->created = sq_column_int64(st, 5);
        out->last_seen = sq_column_int64(st, 6);
        snprintf(out->addr, sizeof out->addr, "%s", db_col_text(st, 7));
    }
    sq_finalize(st);
    return rc == SQ_ROW || rc == SQ_DONE ? VG_OK : db_io(d, err, "sessions");
}

vg_code db_session_delete(db *d, const char *hash, vg_err *err)
{
    sq_stmt *st = dbs_prep(d, "DELETE FROM sessions WHERE hash=?1");
    if (!st)
        return db_io(d, err, "sessions");
    sq_bind_text(st, 1, hash, -1, SQ_TRANSIENT);
    return dbs_done(d, st, "sessions", err);
}

vg_code db_session_touch(db *d, const char *hash, int64_t now, vg_err *err)
{
    sq_stmt *st = dbs_prep(d, "UPDATE sessions SET last_seen=?2 WHERE hash=?1 AND last_seen<=?2-60");
    if (!st)
        return db_io(d, err, "sessions");
    sq_bind_text(st, 1, hash, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 2, now);
    return dbs_done(d, st, "sessions", err);
}

/* Runs sql with its one or two integer parameters (?1, ?2), adding the rows it deleted to *deleted (may be NULL). */
static vg_code dbs_delete2(db *d, const char *sql, int64_t a, int64_t b, size_t *deleted, const char *what, vg_err *err)
{
    sq_stmt *st = dbs_prep(d, sql);
    if (!st)
        return db_io(d, err, what);
    sq_bind_int64(st, 1, a);
    if (sq_bind_parameter_count(st) > 1)
        sq_bind_int64(st, 2, b);
    vg_code rc = dbs_done(d, st, what, err);
    if (rc == VG_OK && deleted)
        *deleted += (size_t)sq_changes(d->sql);
    return rc;
}

vg_code db_session_purge(db *d, int64_t idle_before, int64_t created_before, size_t keep, size_t *deleted,
                         vg_err *err)
{
    if (deleted)
        *deleted = 0;
    vg_code rc = dbs_delete2(d, "DELETE FROM sessions WHERE last_seen<?1 OR created<?2", idle_before, created_before,
                             deleted, "sessions", err);
    if (rc != VG_OK)
        return rc;
    /* the most recently used `keep` stay: a flood of logins pushes out the oldest sessions, not the table's bound */
    return dbs_delete2(d, "DELETE FROM sessions WHERE hash NOT IN (SELECT hash FROM sessions ORDER BY last_seen DESC"
                          " LIMIT ?1)",
                       (int64_t)keep, 0, deleted, "sessions", err);
}

vg_code db_session_count(db *d, size_t *n, vg_err *err)
{
    *n = 0;
    sq_stmt *st = dbs_prep(d, "SELECT count(*) FROM sessions");
    if (!st)
        return db_io(d, err, "sessions");
    int rc = sq_step(st);
    if (rc == SQ_ROW)
        *n = (size_t)sq_column_int64(st, 0);
    sq_finalize(st);
    return rc == SQ_ROW ? VG_OK : db_io(d, err, "sessions");
}

vg_code db_login_link_add(db *d, const char *hash, const db_login_link *l, vg_err *err)
{
    sq_stmt *st = dbs_prep(d, "INSERT INTO login_links(hash, " DBL_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)");
    if (!st)
        return db_io(d, err, "login links");
    sq_bind_text(st, 1, hash, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, l->name, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 3, l->token_id);
    sq_bind_text(st, 4, l->role, -1, SQ_TRANSIENT);
    sq_bind_text(st, 5, l->scope, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 6, l->created);
    sq_bind_int64(st, 7, l->expires);
    return dbs_done(d, st, "login links", err);
}

vg_code db_login_link_take(db *d, const char *hash, db_login_link *out, bool *found, vg_err *err)
{
    *found = false;
    sq_stmt *st = dbs_prep(d, "SELECT " DBL_COLS " FROM login_links WHERE hash=?1");
    if (!st)
        return db_io(d, err, "login links");
    sq_bind_text(st, 1, hash, -1, SQ_TRANSIENT);
    int rc = sq_step(st);
    if (rc == SQ_ROW) {
        *found = true;
        snprintf(out->name, sizeof out->name, "%s", db_col_text(st, 0));
        out->token_id = sq_column_int64(st, 1);
        snprintf(out->role, sizeof out->role, "%s", db_col_text(st, 2));
        snprintf(out->scope, sizeof out->scope, "%s", db_col_text(st, 3));
        out->created = sq_column_int64(st, 4);
        out->expires = sq_column_int64(st, 5);
        out->used = sq_column_int64(st, 6) != 0;
    }
    sq_finalize(st);
    if (rc != SQ_ROW)
        return rc == SQ_DONE ? VG_OK : db_io(d, err, "login links");
    /* used at once, whatever follows; the condition makes the use this call's alone, even between two
     * connections that read the row at the same instant */
    st = dbs_prep(d, "UPDATE login_links SET used=1 WHERE hash=?1 AND used=0");
    if (!st)
        return db_io(d, err, "login links");
    sq_bind_text(st, 1, hash, -1, SQ_TRANSIENT);
    vg_code vc = dbs_done(d, st, "login links", err);
    if (vc == VG_OK && sq_changes(d->sql) == 0)
        out->used = true;
    return vc;
}

vg_code db_login_link_purge(db *d, int64_t before, size_t keep, vg_err *err)
{
    vg_code rc = dbs_delete2(d, "DELETE FROM login_links WHERE expires<?1", before, 0, NULL, "login links", err);
    if (rc != VG_OK)
        return rc;
    return dbs_delete2(d, "DELETE FROM login_links WHERE hash NOT IN (SELECT hash FROM login_links"
                          " ORDER BY created DESC"
                          " LIMIT ?1)",
                       (int64_t)keep, 0, NULL, "login links", err);
}

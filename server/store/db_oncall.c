#include "config.h"
#include "store/db_oncall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_internal.h"

/* Overrides are read at each notification of a rotation's level and each on-call page, a few a
 * minute: statements are prepared on each call, as db_sessions.c does. */

#define DBO_COLS "id, rotation, who, start, end, reason, created, created_by"

static void dbo_row(sq_stmt *st, db_oncall_override *o)
{
    o->id = sq_column_int64(st, 0);
    snprintf(o->rotation, sizeof o->rotation, "%s", db_col_text(st, 1));
    snprintf(o->who, sizeof o->who, "%s", db_col_text(st, 2));
    o->start = sq_column_int64(st, 3);
    o->end = sq_column_int64(st, 4);
    snprintf(o->reason, sizeof o->reason, "%s", db_col_text(st, 5));
    o->created = sq_column_int64(st, 6);
    snprintf(o->created_by, sizeof o->created_by, "%s", db_col_text(st, 7));
}

vg_code db_oncall_override_add(db *d, const db_oncall_override *o, int64_t *id, vg_err *err)
{
    sq_stmt *st = NULL;
    if (sq_prepare(d->sql,
                           "INSERT INTO oncall_overrides(rotation, who, start, end, reason, created, created_by)"
                           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st) != SQ_OK)
        return db_io(d, err, "oncall_overrides");
    sq_bind_text(st, 1, o->rotation, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, o->who, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 3, o->start);
    sq_bind_int64(st, 4, o->end);
    sq_bind_text(st, 5, o->reason, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 6, o->created);
    sq_bind_text(st, 7, o->created_by, -1, SQ_TRANSIENT);
    int rc = sq_step(st);
    sq_finalize(st);
    if (rc != SQ_DONE)
        return db_io(d, err, "oncall_overrides");
    if (id)
        *id = sq_last_insert_rowid(d->sql);
    return VG_OK;
}

vg_code db_oncall_override_delete(db *d, int64_t id, db_oncall_override *out, vg_err *err)
{
    sq_stmt *st = NULL;
    if (sq_prepare(d->sql, "DELETE FROM oncall_overrides WHERE id=?1 RETURNING " DBO_COLS, &st) !=
        SQ_OK)
        return db_io(d, err, "oncall_overrides");
    sq_bind_int64(st, 1, id);
    int rc = sq_step(st);
    if (rc == SQ_ROW && out)
        dbo_row(st, out);
    bool found = rc == SQ_ROW;
    while (rc == SQ_ROW)
        rc = sq_step(st);
    sq_finalize(st);
    if (rc != SQ_DONE)
        return db_io(d, err, "oncall_overrides");
    return found ? VG_OK : vg_fail(err, VG_E_NOT_FOUND, "no such override");
}

vg_code db_oncall_overrides(db *d, const char *rotation, int64_t from, int64_t to, db_oncall_override **out,
                            size_t *n, vg_err *err)
{
    *out = NULL;
    *n = 0;
    sq_stmt *st = NULL;
    if (sq_prepare(d->sql,
                           "SELECT " DBO_COLS " FROM oncall_overrides WHERE (?1 IS NULL OR rotation=?1)"
                           " AND start < ?3 AND end > ?2 ORDER BY created, id LIMIT ?4", &st) != SQ_OK)
        return db_io(d, err, "oncall_overrides");
    if (rotation)
        sq_bind_text(st, 1, rotation, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 2, from);
    sq_bind_int64(st, 3, to);
    sq_bind_int(st, 4, DB_ONCALL_LIST_MAX);
    db_oncall_override *v = NULL;
    size_t cap = 0;
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            db_oncall_override *p = realloc(v, ncap * sizeof *v);
            if (!p) {
                sq_finalize(st);
                free(v);
                return vg_fail(err, VG_E_NOMEM, "out of memory");
            }
            v = p;
            cap = ncap;
        }
        dbo_row(st, &v[(*n)++]);
    }
    sq_finalize(st);
    if (rc != SQ_DONE) {
        free(v);
        *n = 0;
        return db_io(d, err, "oncall_overrides");
    }
    *out = v;
    return VG_OK;
}

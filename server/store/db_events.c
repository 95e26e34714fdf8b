#include "config.h"
#include "store/db_internal.h"

#include <stdio.h>

/* State change events of devices, services and sites (health.c recomputes them at ingest). */

vg_code db_event_replace(db *d, const char *site, const char *scope, const char *name, int64_t from, int64_t to,
                         vg_err *err)
{
    sq_stmt *st = db_stmt(d, &d->ev_replace, "DELETE FROM events WHERE site=? AND scope=? AND name=? AND ts>=? AND ts<?");
    if (!st)
        return db_io(d, err, "events");
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, scope, -1, SQ_TRANSIENT);
    sq_bind_text(st, 3, name, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 4, from);
    sq_bind_int64(st, 5, to);
    int rc = sq_step(st);
    sq_reset(st);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "events");
}

vg_code db_event_add(db *d, const char *site, const char *scope, const char *name, int64_t ts, const char *state,
                     const char *cause, int64_t recorded, vg_err *err)
{
    sq_stmt *st = db_stmt(d, &d->ev_add,
                               "INSERT INTO events(site, scope, name, ts, state, cause, recorded) VALUES(?,?,?,?,?,?,?)");
    if (!st)
        return db_io(d, err, "events");
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, scope, -1, SQ_TRANSIENT);
    sq_bind_text(st, 3, name, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 4, ts);
    sq_bind_text(st, 5, state, -1, SQ_TRANSIENT);
    sq_bind_text(st, 6, cause, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 7, recorded);
    int rc = sq_step(st);
    sq_reset(st);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "events");
}

vg_code db_event_last_before(db *d, const char *site, const char *scope, const char *name, int64_t ts, char *state,
                             size_t size, vg_err *err)
{
    state[0] = '\0';
    sq_stmt *st = db_stmt(d, &d->ev_last,
                               "SELECT state FROM events WHERE site=? AND scope=? AND name=? AND ts<? ORDER BY ts DESC,"
                               " id DESC LIMIT 1");
    if (!st)
        return db_io(d, err, "events");
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, scope, -1, SQ_TRANSIENT);
    sq_bind_text(st, 3, name, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 4, ts);
    int rc = sq_step(st);
    if (rc == SQ_ROW)
        snprintf(state, size, "%s", db_col_text(st, 0));
    sq_reset(st);
    return rc == SQ_ROW || rc == SQ_DONE ? VG_OK : db_io(d, err, "events");
}

vg_code db_events_each(db *d, const char *site, int64_t from, int64_t to, db_event_fn fn, void *ctx, vg_err *err)
{
    sq_stmt *st;
    if (sq_prepare(d->sql,
                           "SELECT site, scope, name, ts, state, cause FROM events WHERE (?1 IS NULL OR site=?1)"
                           " AND ts>=?2 AND ts<?3 ORDER BY ts, id", &st) != SQ_OK)
        return db_io(d, err, "events");
    if (site)
        sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 2, from);
    sq_bind_int64(st, 3, to);
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW)
        fn(ctx, db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2), sq_column_int64(st, 3),
           db_col_text(st, 4), db_col_text(st, 5));
    vg_code out = rc == SQ_DONE ? VG_OK : db_io(d, err, "events");
    sq_finalize(st);
    return out;
}

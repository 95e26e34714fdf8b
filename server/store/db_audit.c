#include "config.h"
#include "store/db_audit.h"

#include <stdio.h>
#include <string.h>

#include "store/db_internal.h"

/* The audit trail's rows (db_audit.h). Appends are people's actions and the server's start and stop:
 * a few a minute at most, so statements are prepared on each call rather than kept on the connection. */

#define DBA_COLS "id, ts, who, addr, action, object, outcome, detail, prev, hash"
/* A listing's selection: ?1 since, ?2 until, ?3 who, ?4 action (a prefix when it ends with '.') */
#define DBA_WHERE                                                                                               \
    " WHERE (?1 = 0 OR ts >= ?1) AND (?2 = 0 OR ts < ?2) AND (?3 IS NULL OR who = ?3) AND (?4 IS NULL OR"   \
    " action = ?4 OR (substr(?4, length(?4), 1) = '.' AND substr(action, 1, length(?4)) = ?4))"

static sq_stmt *dba_prep(db *d, const char *sql)
{
    sq_stmt *st = NULL;
    return sq_prepare(d->sql, sql, &st) == SQ_OK ? st : NULL;
}

/* Column i into buf (size bytes with the NUL); false when it is not text or does not fit. */
static bool dba_text(sq_stmt *st, int i, char *buf, size_t size)
{
    bool text = sq_column_type(st, i) == SQ_TEXT; /* before any conversion */
    const char *s = db_col_text(st, i);
    size_t n = (size_t)sq_column_bytes(st, i);
    snprintf(buf, size, "%s", s);
    return text && n < size && strlen(s) == n;
}

static void dba_row(sq_stmt *st, db_audit_row *r)
{
    bool ok = sq_column_type(st, 0) == SQ_INTEGER && sq_column_type(st, 1) == SQ_INTEGER;
    r->id = sq_column_int64(st, 0);
    r->ts = sq_column_int64(st, 1);
    ok &= dba_text(st, 2, r->who, sizeof r->who);
    ok &= dba_text(st, 3, r->addr, sizeof r->addr);
    ok &= dba_text(st, 4, r->action, sizeof r->action);
    ok &= dba_text(st, 5, r->object, sizeof r->object);
    ok &= dba_text(st, 6, r->outcome, sizeof r->outcome);
    ok &= dba_text(st, 7, r->detail, sizeof r->detail);
    ok &= dba_text(st, 8, r->prev, sizeof r->prev);
    ok &= dba_text(st, 9, r->hash, sizeof r->hash);
    r->malformed = !ok;
}

vg_code db_audit_serialize(db *d, vg_err *err)
{
    /* SQLite: a write that changes nothing takes the write lock first (waiting for it), where a read
     * first would find, at its write, that another connection wrote since: "database is locked" */
    const char *sql = db_is_postgres(d) ? "SELECT pg_advisory_xact_lock(4242002)"
                                        : "UPDATE audit SET id = id WHERE id < 0";
    return sq_exec(d->sql, sql) == SQ_OK ? VG_OK : db_io(d, err, "audit lock");
}

vg_code db_audit_last(db *d, db_audit_row *out, bool *found, vg_err *err)
{
    sq_stmt *st = dba_prep(d, "SELECT " DBA_COLS " FROM audit ORDER BY id DESC LIMIT 1");
    if (!st)
        return db_io(d, err, "audit");
    int rc = sq_step(st);
    *found = rc == SQ_ROW;
    if (*found)
        dba_row(st, out);
    sq_finalize(st);
    return rc == SQ_ROW || rc == SQ_DONE ? VG_OK : db_io(d, err, "audit");
}

vg_code db_audit_insert(db *d, const db_audit_row *r, vg_err *err)
{
    sq_stmt *st = dba_prep(d, "INSERT INTO audit(" DBA_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!st)
        return db_io(d, err, "audit");
    sq_bind_int64(st, 1, r->id);
    sq_bind_int64(st, 2, r->ts);
    const char *text[] = {r->who, r->addr, r->action, r->object, r->outcome, r->detail, r->prev, r->hash};
    for (int i = 0; i < 8; i++)
        sq_bind_text(st, 3 + i, text[i], -1, SQ_TRANSIENT);
    int rc = sq_step(st);
    sq_finalize(st);
    if (rc == SQ_CONSTRAINT)
        return vg_fail(err, VG_E_CONFLICT, "audit: entry %lld exists", (long long)r->id);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "audit");
}

static void dba_bind_filter(sq_stmt *st, const db_audit_filter *f)
{
    sq_bind_int64(st, 1, f->since);
    sq_bind_int64(st, 2, f->until);
    if (f->who)
        sq_bind_text(st, 3, f->who, -1, SQ_TRANSIENT);
    if (f->action)
        sq_bind_text(st, 4, f->action, -1, SQ_TRANSIENT);
}

/* The id past which a limited listing starts: that of the (limit+1)-th newest match, 0 when there are
 * no more matches than the limit. */
static vg_code dba_boundary(db *d, const db_audit_filter *f, int64_t *after, bool *more, vg_err *err)
{
    *after = 0;
    *more = false;
    if (f->limit <= 0)
        return VG_OK;
    sq_stmt *st = dba_prep(d, "SELECT id FROM audit" DBA_WHERE " ORDER BY id DESC LIMIT 1 OFFSET ?5");
    if (!st)
        return db_io(d, err, "audit");
    dba_bind_filter(st, f);
    sq_bind_int(st, 5, f->limit);
    int rc = sq_step(st);
    if (rc == SQ_ROW) {
        *after = sq_column_int64(st, 0);
        *more = true;
    }
    sq_finalize(st);
    return rc == SQ_ROW || rc == SQ_DONE ? VG_OK : db_io(d, err, "audit");
}

vg_code db_audit_each(db *d, const db_audit_filter *f, db_audit_fn fn, void *ctx, bool *more, vg_err *err)
{
    static const db_audit_filter all = {0};
    if (!f)
        f = &all;
    int64_t after;
    bool m;
    vg_code vc = dba_boundary(d, f, &after, &m, err);
    if (more)
        *more = m;
    if (vc != VG_OK)
        return vc;
    sq_stmt *st = dba_prep(d, "SELECT " DBA_COLS " FROM audit" DBA_WHERE " AND (?5 = 0 OR id > ?5) ORDER BY id");
    if (!st)
        return db_io(d, err, "audit");
    dba_bind_filter(st, f);
    sq_bind_int64(st, 5, after);
    int rc;
    db_audit_row r;
    while ((rc = sq_step(st)) == SQ_ROW) {
        dba_row(st, &r);
        if (!fn(ctx, &r)) {
            rc = SQ_DONE;
            break;
        }
    }
    sq_finalize(st);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "audit");
}

vg_code db_audit_purgeable(db *d, int64_t cutoff, int limit, long *count, int64_t *through,
                           char hash[DB_AUDIT_HASH_HEX + 1], vg_err *err)
{
    *count = 0;
    *through = 0;
    hash[0] = '\0';
    sq_stmt *st = dba_prep(d, "SELECT COUNT(*), MAX(id) FROM (SELECT id FROM audit WHERE id < COALESCE("
                                   "(SELECT MIN(id) FROM audit WHERE ts >= ?1), 9223372036854775807) ORDER BY id"
                                   " LIMIT ?2) a");
    if (!st)
        return db_io(d, err, "audit");
    sq_bind_int64(st, 1, cutoff);
    sq_bind_int(st, 2, limit > 0 ? limit : 1);
    int rc = sq_step(st);
    if (rc == SQ_ROW) {
        *count = (long)sq_column_int64(st, 0);
        *through = sq_column_int64(st, 1);
    }
    sq_finalize(st);
    if (rc != SQ_ROW)
        return db_io(d, err, "audit");
    if (*count == 0)
        return VG_OK;
    st = dba_prep(d, "SELECT hash FROM audit WHERE id = ?1");
    if (!st)
        return db_io(d, err, "audit");
    sq_bind_int64(st, 1, *through);
    rc = sq_step(st);
    if (rc == SQ_ROW)
        snprintf(hash, DB_AUDIT_HASH_HEX + 1, "%s", db_col_text(st, 0));
    sq_finalize(st);
    return rc == SQ_ROW ? VG_OK : db_io(d, err, "audit");
}

vg_code db_audit_delete_through(db *d, int64_t through, long *deleted, vg_err *err)
{
    *deleted = 0;
    sq_stmt *st = dba_prep(d, "DELETE FROM audit WHERE id <= ?1");
    if (!st)
        return db_io(d, err, "audit");
    sq_bind_int64(st, 1, through);
    int rc = sq_step(st);
    if (rc == SQ_DONE)
        *deleted = sq_changes(d->sql);
    sq_finalize(st);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "audit");
}

#include "config.h"
#include "store/db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Late samples: older than their RRD file's last update, kept for the series API (db.h). The path is
 * rare (a replay after newer batches), so its statements are prepared per call, not kept. */

static int db_late_cmp(const void *a, const void *b)
{
    const push_sample *x = *(const push_sample *const *)a, *y = *(const push_sample *const *)b;
    return push_sample_cmp(x, y);
}

static bool db_late_same_series(const push_sample *x, const push_sample *y)
{
    return push_sample_same_series(x, y);
}

static void db_late_bind_series(sq_stmt *st, const char *site, const push_sample *s)
{
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, s->device, -1, SQ_TRANSIENT);
    sq_bind_text(st, 3, s->metric, -1, SQ_TRANSIENT);
    sq_bind_text(st, 4, s->instance, -1, SQ_TRANSIENT);
}

/* Steps st once: *v its first column (0 without a row); -1 on an error. */
static int db_late_step_int(sq_stmt *st, int64_t *v)
{
    int rc = sq_step(st);
    *v = rc == SQ_ROW ? sq_column_int64(st, 0) : 0;
    sq_reset(st);
    return rc == SQ_ROW || rc == SQ_DONE ? 0 : -1;
}

typedef struct {
    sq_stmt *count, *exists, *insert;
} db_late_stmts;

/* Adds one sample of a series that holds *have rows: *kept or *over_cap grows, or neither (already
 * kept). -1 on an error. */
static int db_late_put(db *d, const db_late_stmts *q, const char *site, const push_sample *s, int64_t received,
                       int64_t *have, size_t *kept, size_t *over_cap)
{
    if (*have >= DB_LATE_PER_SERIES) {
        int64_t there;
        db_late_bind_series(q->exists, site, s);
        sq_bind_int64(q->exists, 5, s->ts);
        if (db_late_step_int(q->exists, &there) != 0)
            return -1;
        *over_cap += there == 0;
        return 0;
    }
    db_late_bind_series(q->insert, site, s);
    sq_bind_int64(q->insert, 5, s->ts);
    sq_bind_double(q->insert, 6, s->value);
    sq_bind_int64(q->insert, 7, received);
    int rc = sq_step(q->insert);
    sq_reset(q->insert);
    if (rc != SQ_DONE)
        return -1;
    if (sq_changes(d->sql) > 0) { /* 0: this series and time were kept already */
        (*kept)++;
        (*have)++;
    }
    return 0;
}

static int db_late_put_all(db *d, const db_late_stmts *q, const char *site, const push_sample **v, size_t n,
                           int64_t received, size_t *kept, size_t *over_cap)
{
    int64_t have = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || !db_late_same_series(v[i - 1], v[i])) { /* counted once a series */
            db_late_bind_series(q->count, site, v[i]);
            if (db_late_step_int(q->count, &have) != 0)
                return -1;
        }
        if (db_late_put(d, q, site, v[i], received, &have, kept, over_cap) != 0)
            return -1;
    }
    return 0;
}

vg_code db_late_add(db *d, const char *site, const push_batch *b, int64_t received, size_t *kept, size_t *over_cap,
                    vg_err *err)
{
    size_t n = push_batch_count(b), dropped = 0;
    *kept = 0;
    if (over_cap)
        *over_cap = 0;
    if (n == 0)
        return VG_OK;
    const push_sample **v = malloc(n * sizeof *v);
    if (!v)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        v[i] = push_batch_at(b, i);
    qsort(v, n, sizeof *v, db_late_cmp);
    db_late_stmts q = {NULL, NULL, NULL};
    const char *key = "site=?1 AND device=?2 AND metric=?3 AND instance=?4";
    char sql[3][256];
    snprintf(sql[0], sizeof sql[0], "SELECT COUNT(*) FROM late_samples WHERE %s", key);
    snprintf(sql[1], sizeof sql[1], "SELECT COUNT(*) FROM late_samples WHERE %s AND ts=?5", key);
    snprintf(sql[2], sizeof sql[2], "INSERT INTO late_samples(site, device, metric, instance, ts, value,"
             " received) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING");
    vg_code rc = db_begin(d, err);
    if (rc == VG_OK) {
        bool ok = sq_prepare(d->sql, sql[0], &q.count) == SQ_OK &&
                  sq_prepare(d->sql, sql[1], &q.exists) == SQ_OK &&
                  sq_prepare(d->sql, sql[2], &q.insert) == SQ_OK &&
                  db_late_put_all(d, &q, site, v, n, received, kept, &dropped) == 0;
        if (!ok) {
            rc = db_io(d, err, "late samples");
            db_rollback(d);
            db_storage_note(DB_PART_DB, false, err ? err->msg : "late samples");
        }
    }
    sq_finalize(q.count);
    sq_finalize(q.exists);
    sq_finalize(q.insert);
    if (rc == VG_OK)
        rc = db_commit(d, err);
    if (rc != VG_OK)
        *kept = 0;
    if (over_cap)
        *over_cap = rc == VG_OK ? dropped : 0;
    free(v);
    return rc;
}

vg_code db_late_each(db *d, const char *site, const char *device, const char *metric, const char *instance,
                     int64_t from, int64_t to, db_late_fn fn, void *ctx, vg_err *err)
{
    sq_stmt *st;
    if (sq_prepare(d->sql,
                           "SELECT ts, value FROM late_samples WHERE site=?1 AND device=?2 AND metric=?3"
                           " AND instance=?4 AND ts > ?5 AND ts <= ?6 ORDER BY ts", &st) != SQ_OK)
        return db_io(d, err, "late samples");
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, device, -1, SQ_TRANSIENT);
    sq_bind_text(st, 3, metric, -1, SQ_TRANSIENT);
    sq_bind_text(st, 4, instance ? instance : "", -1, SQ_TRANSIENT);
    sq_bind_int64(st, 5, from);
    sq_bind_int64(st, 6, to);
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW)
        fn(ctx, sq_column_int64(st, 0), sq_column_double(st, 1));
    vg_code out = rc == SQ_DONE ? VG_OK : db_io(d, err, "late samples");
    sq_finalize(st);
    return out;
}

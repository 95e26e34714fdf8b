#include "config.h"
#include "store/db_selftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_internal.h"

/* The self-test tables (db_selftest.h). They are written once per UPS and batch, not per sample, so
 * their statements are prepared on each call rather than kept on the connection. */

static sq_stmt *dbs_prep(db *d, const char *sql)
{
    sq_stmt *st = NULL;
    return sq_prepare(d->sql, sql, &st) == SQ_OK ? st : NULL;
}

/* Binds (site, device, kind) as ?1 ?2 ?3. */
static void dbs_key(sq_stmt *st, const char *site, const char *device, const char *kind)
{
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, device, -1, SQ_TRANSIENT);
    sq_bind_text(st, 3, kind, -1, SQ_TRANSIENT);
}

/* Steps a write to its end and finalizes it. */
static vg_code dbs_write(db *d, sq_stmt *st, vg_err *err)
{
    if (!st)
        return db_io(d, err, "self-tests");
    int rc = sq_step(st);
    vg_code out = rc == SQ_DONE ? VG_OK : db_io(d, err, "self-tests");
    sq_finalize(st);
    return out;
}

static void dbs_copy(char *out, size_t size, const char *s) { snprintf(out, size, "%s", s ? s : ""); }

static void dbs_run_row(sq_stmt *st, db_selftest_run *r)
{
    dbs_copy(r->word, sizeof r->word, db_col_text(st, 0));
    dbs_copy(r->date, sizeof r->date, db_col_text(st, 1));
    r->start = sq_column_int64(st, 2);
    r->last = sq_column_int64(st, 3);
}

/* The run before ts (start <= ts) or after it (start > ts); *found false when none. */
static vg_code dbs_neighbour(db *d, const char *site, const char *device, const char *kind, int64_t ts, bool after,
                             db_selftest_run *r, bool *found, vg_err *err)
{
    sq_stmt *st = dbs_prep(d, after ? "SELECT word, date, start, last FROM selftest_runs WHERE site=?1 AND"
                                           " device=?2 AND kind=?3 AND start>?4 ORDER BY start ASC LIMIT 1"
                                         : "SELECT word, date, start, last FROM selftest_runs WHERE site=?1 AND"
                                           " device=?2 AND kind=?3 AND start<=?4 ORDER BY start DESC LIMIT 1");
    if (!st)
        return db_io(d, err, "self-test runs");
    dbs_key(st, site, device, kind);
    sq_bind_int64(st, 4, ts);
    int rc = sq_step(st);
    *found = rc == SQ_ROW;
    if (*found)
        dbs_run_row(st, r);
    sq_finalize(st);
    return rc == SQ_ROW || rc == SQ_DONE ? VG_OK : db_io(d, err, "self-test runs");
}

/* Sets the start and last of the run that starts at `start`. */
static vg_code dbs_run_set(db *d, const char *site, const char *device, const char *kind, int64_t start,
                           int64_t new_start, int64_t new_last, vg_err *err)
{
    sq_stmt *st = dbs_prep(d, "UPDATE selftest_runs SET start=?5, last=?6 WHERE site=?1 AND device=?2 AND"
                                   " kind=?3 AND start=?4");
    if (st) {
        dbs_key(st, site, device, kind);
        sq_bind_int64(st, 4, start);
        sq_bind_int64(st, 5, new_start);
        sq_bind_int64(st, 6, new_last);
    }
    return dbs_write(d, st, err);
}

static vg_code dbs_run_delete(db *d, const char *site, const char *device, const char *kind, int64_t start,
                              vg_err *err)
{
    sq_stmt *st = dbs_prep(d, "DELETE FROM selftest_runs WHERE site=?1 AND device=?2 AND kind=?3 AND start=?4");
    if (st) {
        dbs_key(st, site, device, kind);
        sq_bind_int64(st, 4, start);
    }
    return dbs_write(d, st, err);
}

static bool dbs_joins(const db_selftest_run *r, const char *word, const char *date, int64_t gap, int64_t max_gap)
{
    return strcmp(r->word, word) == 0 && strcmp(r->date, date) == 0 &&
           (strcmp(word, "in_progress") != 0 || gap <= max_gap);
}

vg_code db_selftest_observe(db *d, const char *site, const char *device, const char *kind, int64_t ts,
                            const char *word, const char *date, int64_t max_gap, bool *changed, vg_err *err)
{
    bool dummy, has_prev, has_next;
    db_selftest_run prev, next;
    if (!changed)
        changed = &dummy;
    *changed = false;
    vg_code rc = dbs_neighbour(d, site, device, kind, ts, false, &prev, &has_prev, err);
    if (rc != VG_OK || (has_prev && ts <= prev.last))
        return rc; /* seen already (a replay), or inside a run: the first word stands */
    if ((rc = dbs_neighbour(d, site, device, kind, ts, true, &next, &has_next, err)) != VG_OK)
        return rc;
    bool with_prev = has_prev && dbs_joins(&prev, word, date, ts - prev.last, max_gap);
    bool with_next = has_next && dbs_joins(&next, word, date, next.start - ts, max_gap);
    if (with_prev && with_next) {
        *changed = true;
        if ((rc = dbs_run_delete(d, site, device, kind, next.start, err)) != VG_OK)
            return rc;
        return dbs_run_set(d, site, device, kind, prev.start, prev.start, next.last, err);
    }
    if (with_prev)
        return dbs_run_set(d, site, device, kind, prev.start, prev.start, ts, err);
    *changed = true;
    if (with_next)
        return dbs_run_set(d, site, device, kind, next.start, ts, next.last, err);
    sq_stmt *st = dbs_prep(d, "INSERT INTO selftest_runs(site, device, kind, word, date, start, last)"
                                   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6)");
    if (st) {
        dbs_key(st, site, device, kind);
        sq_bind_text(st, 4, word, -1, SQ_TRANSIENT);
        sq_bind_text(st, 5, date, -1, SQ_TRANSIENT);
        sq_bind_int64(st, 6, ts);
    }
    return dbs_write(d, st, err);
}

vg_code db_selftest_runs(db *d, const char *site, const char *device, const char *kind, size_t max,
                         db_selftest_run **out, size_t *n, vg_err *err)
{
    *out = NULL;
    *n = 0;
    sq_stmt *st = dbs_prep(d, "SELECT word, date, start, last FROM (SELECT * FROM selftest_runs WHERE site=?1"
                                   " AND device=?2 AND kind=?3 ORDER BY start DESC LIMIT ?4) r ORDER BY start ASC");
    if (!st)
        return db_io(d, err, "self-test runs");
    dbs_key(st, site, device, kind);
    sq_bind_int64(st, 4, (int64_t)max);
    db_selftest_run *v = calloc(max ? max : 1, sizeof *v);
    int rc = SQ_NOMEM;
    while (v && *n < max && (rc = sq_step(st)) == SQ_ROW)
        dbs_run_row(st, &v[(*n)++]);
    sq_finalize(st);
    if (!v)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    if (rc != SQ_DONE && rc != SQ_ROW) {
        free(v);
        *n = 0;
        return db_io(d, err, "self-test runs");
    }
    *out = v;
    return VG_OK;
}

vg_code db_selftest_trim(db *d, const char *site, const char *device, const char *kind, size_t keep, vg_err *err)
{
    sq_stmt *st = dbs_prep(d, "DELETE FROM selftest_runs WHERE site=?1 AND device=?2 AND kind=?3 AND start <"
                                   " (SELECT MIN(start) FROM (SELECT start FROM selftest_runs WHERE site=?1 AND"
                                   " device=?2 AND kind=?3 ORDER BY start DESC LIMIT ?4) r)");
    if (st) {
        dbs_key(st, site, device, kind);
        sq_bind_int64(st, 4, (int64_t)keep);
    }
    return dbs_write(d, st, err);
}

vg_code db_selftest_in_test(db *d, const char *site, const char *device, int64_t ts, int64_t cover, bool *in,
                            vg_err *err)
{
    *in = false;
    sq_stmt *st = dbs_prep(d, "SELECT 1 FROM selftest_runs WHERE site=?1 AND device=?2 AND word='in_progress'"
                                   " AND start<=?3 AND last>=?4 LIMIT 1");
    if (!st)
        return db_io(d, err, "self-test runs");
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, device, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 3, ts);
    sq_bind_int64(st, 4, ts - cover);
    int rc = sq_step(st);
    *in = rc == SQ_ROW;
    sq_finalize(st);
    return rc == SQ_ROW || rc == SQ_DONE ? VG_OK : db_io(d, err, "self-test runs");
}

vg_code db_selftest_replace(db *d, const char *site, const char *device, const char *kind, const db_selftest *tests,
                            size_t n, vg_err *err)
{
    sq_stmt *st = dbs_prep(d, "DELETE FROM selftests WHERE site=?1 AND device=?2 AND kind=?3");
    if (st)
        dbs_key(st, site, device, kind);
    vg_code rc = dbs_write(d, st, err);
    for (size_t i = 0; i < n && rc == VG_OK; i++) {
        const db_selftest *t = &tests[i];
        /* DO NOTHING: the key is the run; a second test from one run would be a bug, never a double row */
        st = dbs_prep(d, "INSERT INTO selftests(site, device, kind, result, date, start, last, end, at, run)"
                         " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING");
        if (st) {
            dbs_key(st, site, device, kind);
            sq_bind_text(st, 4, t->result, -1, SQ_TRANSIENT);
            sq_bind_text(st, 5, t->date, -1, SQ_TRANSIENT);
            sq_bind_int64(st, 6, t->start);
            sq_bind_int64(st, 7, t->last);
            sq_bind_int64(st, 8, t->end);
            sq_bind_int64(st, 9, t->at);
            sq_bind_int64(st, 10, t->run);
        }
        rc = dbs_write(d, st, err);
    }
    return rc;
}

#define DBS_TEST_COLS "device, kind, result, date, start, last, end, at, run"

static void dbs_test_row(sq_stmt *st, db_selftest *t)
{
    memset(t, 0, sizeof *t);
    dbs_copy(t->device, sizeof t->device, db_col_text(st, 0));
    dbs_copy(t->kind, sizeof t->kind, db_col_text(st, 1));
    dbs_copy(t->result, sizeof t->result, db_col_text(st, 2));
    dbs_copy(t->date, sizeof t->date, db_col_text(st, 3));
    t->start = sq_column_int64(st, 4);
    t->last = sq_column_int64(st, 5);
    t->end = sq_column_int64(st, 6);
    t->at = sq_column_int64(st, 7);
    t->run = sq_column_int64(st, 8);
}

vg_code db_selftest_list(db *d, const char *site, const char *device, int64_t from, int64_t to, size_t max,
                         db_selftest **out, size_t *n, vg_err *err)
{
    *out = NULL;
    *n = 0;
    sq_stmt *st = dbs_prep(d, "SELECT " DBS_TEST_COLS " FROM (SELECT * FROM selftests WHERE site=?1 AND"
                                   " (?2 IS NULL OR device=?2) AND at>=?3 AND at<?4 ORDER BY at DESC, device, kind"
                                   " LIMIT ?5) t ORDER BY at ASC, device, kind");
    if (!st)
        return db_io(d, err, "self-tests");
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    if (device)
        sq_bind_text(st, 2, device, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 3, from);
    sq_bind_int64(st, 4, to);
    sq_bind_int64(st, 5, (int64_t)max);
    db_selftest *v = calloc(max ? max : 1, sizeof *v);
    int rc = SQ_NOMEM;
    while (v && *n < max && (rc = sq_step(st)) == SQ_ROW)
        dbs_test_row(st, &v[(*n)++]);
    sq_finalize(st);
    if (!v)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    if (rc != SQ_DONE && rc != SQ_ROW) {
        free(v);
        *n = 0;
        return db_io(d, err, "self-tests");
    }
    *out = v;
    return VG_OK;
}

vg_code db_selftest_last(db *d, const char *site, const char *device, const char *kind, const char *result,
                         int64_t before, db_selftest *out, bool *found, vg_err *err)
{
    *found = false;
    /* at 0 (a result reported without a date) sorts first: any dated test is newer */
    sq_stmt *st = dbs_prep(d, "SELECT " DBS_TEST_COLS " FROM selftests WHERE site=?1 AND device=?2 AND kind=?3"
                                   " AND (?4 IS NULL OR result=?4) AND at<?5 ORDER BY at DESC, run DESC LIMIT 1");
    if (!st)
        return db_io(d, err, "self-tests");
    dbs_key(st, site, device, kind);
    if (result)
        sq_bind_text(st, 4, result, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 5, before);
    int rc = sq_step(st);
    if ((*found = rc == SQ_ROW))
        dbs_test_row(st, out);
    sq_finalize(st);
    return rc == SQ_ROW || rc == SQ_DONE ? VG_OK : db_io(d, err, "self-tests");
}

vg_code db_selftest_first_seen(db *d, const char *site, const char *device, const char *kind, int64_t *first,
                               vg_err *err)
{
    *first = 0;
    sq_stmt *st = dbs_prep(d, "SELECT MIN(start) FROM selftest_runs WHERE site=?1 AND device=?2 AND kind=?3");
    if (!st)
        return db_io(d, err, "self-test runs");
    dbs_key(st, site, device, kind);
    int rc = sq_step(st);
    if (rc == SQ_ROW)
        *first = sq_column_int64(st, 0);
    sq_finalize(st);
    return rc == SQ_ROW || rc == SQ_DONE ? VG_OK : db_io(d, err, "self-test runs");
}

vg_code db_selftest_devices(db *d, const char *site, db_selftest_device_fn fn, void *ctx, vg_err *err)
{
    sq_stmt *st = dbs_prep(d, "SELECT DISTINCT device FROM selftest_runs WHERE site=?1 ORDER BY device");
    if (!st)
        return db_io(d, err, "self-test runs");
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW)
        fn(ctx, db_col_text(st, 0));
    sq_finalize(st);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "self-test runs");
}

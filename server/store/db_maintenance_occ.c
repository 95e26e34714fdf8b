#include "config.h"
#include "store/db_maintenance_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

/* One occurrence of a series moved, edited or cancelled without touching the series: a row of
 * maintenance_occurrences keyed by (series, the occurrence's start as the rule gives it). */

vg_code db_maintenance_occurrence_get(db *d, int64_t series, int64_t occ, db_maint_item *out, vg_err *err)
{
    vg_code rc = db_maintenance_get(d, series, out, err);
    if (rc != VG_OK)
        return rc;
    if (!out->rrule[0])
        return vg_fail_field(err, VG_E_INVALID, "id", "maintenance window %lld does not repeat: it has no occurrences",
                             (long long)series);
    if (!recur_is_occurrence(out->rrule, out->tz, out->w.start, out->w.end, occ))
        return vg_fail_field(err, VG_E_NOT_FOUND, "occurrence", "%lld is not the start of an occurrence of series %lld",
                             (long long)occ, (long long)series);
    out->w.end = occ + (out->w.end - out->w.start);
    out->w.start = out->w.occurrence = occ;
    sq_stmt *st;
    if (sq_prepare(d->sql,
                           "SELECT cancelled, start, end, reason, who, changed FROM maintenance_occurrences"
                           " WHERE series=? AND occurrence=?", &st) != SQ_OK)
        return db_io(d, err, "maintenance_occurrences");
    sq_bind_int64(st, 1, series);
    sq_bind_int64(st, 2, occ);
    int step = sq_step(st);
    if (step == SQ_ROW) {
        out->cancelled = sq_column_int(st, 0) != 0;
        out->changed = sq_column_int64(st, 5);
        snprintf(out->w.who, sizeof out->w.who, "%s", db_col_text(st, 4));
        if (!out->cancelled) {
            int64_t dur = out->w.end - out->w.start;
            out->w.start = sq_column_int64(st, 1);
            out->w.end = sq_column_int64(st, 2);
            snprintf(out->w.reason, sizeof out->w.reason, "%s", db_col_text(st, 3));
            out->moved = out->w.start != occ || out->w.end - out->w.start != dur;
        }
    }
    sq_finalize(st);
    return step == SQ_ROW || step == SQ_DONE ? VG_OK : db_io(d, err, "maintenance_occurrences");
}

/* "2026-02-03T09:00" in the series' zone, for a message. */
static void dm_local(const char *tz, int64_t t, char *out, size_t size)
{
    struct tm tm;
    time_zone_localtime(tz, t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M", &tm);
}

/* The other occurrence of series s (as declared) that [start, end) would overlap, in *hit. */
static vg_code dm_overlap(db *d, const db_maint_item *s, int64_t occ, int64_t start, int64_t end, db_maint_item *hit,
                          bool *found)
{
    dm_list l = {0};
    *found = false;
    vg_code rc = dm_series(d, s, start, end, false, &l, NULL);
    if (rc == VG_OK)
        rc = dm_changed(d, NULL, s->id, start, end, &l);
    for (size_t i = 0; rc == VG_OK && i < l.n && !*found; i++)
        if (l.v[i].w.occurrence != occ) {
            *hit = l.v[i];
            *found = true;
        }
    free(l.v);
    return rc;
}

typedef struct {
    db *d;
    int64_t series, occ, start, end, now;
    const char *reason, *who;
    bool cancel;
} dm_change;

static vg_code dm_write(void *ctx, vg_err *err)
{
    dm_change *c = ctx;
    db_maint_item s, base, hit;
    bool found;
    vg_code rc = db_maintenance_occurrence_get(c->d, c->series, c->occ, &s, err);
    if (rc == VG_OK)
        rc = db_maintenance_get(c->d, c->series, &base, err);
    if (rc != VG_OK)
        return rc;
    if (c->cancel) {
        c->start = c->occ;
        c->end = c->occ + (base.w.end - base.w.start);
    } else {
        if ((rc = dm_overlap(c->d, &base, c->occ, c->start, c->end, &hit, &found)) != VG_OK)
            return db_io(c->d, err, "maintenance_occurrences");
        if (found) {
            char a[32], b[32];
            dm_local(base.tz, hit.w.start, a, sizeof a);
            dm_local(base.tz, hit.w.end, b, sizeof b);
            return vg_fail_field(err, VG_E_CONFLICT, "start",
                                 "the window would overlap occurrence %lld of the series (%s to %s, %s): the windows"
                                 " of one series must not overlap", (long long)hit.w.occurrence, a, b, base.tz);
        }
    }
    sq_stmt *st;
    if (sq_prepare(c->d->sql,
                           "INSERT INTO maintenance_occurrences(series, occurrence, cancelled, start, end,"
                           " reason, who, changed) VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(series, occurrence)"
                           " DO UPDATE SET cancelled = excluded.cancelled, start = excluded.start,"
                           " end = excluded.end, reason = excluded.reason, who = excluded.who,"
                           " changed = excluded.changed", &st) != SQ_OK)
        return db_io(c->d, err, "maintenance_occurrences");
    sq_bind_int64(st, 1, c->series);
    sq_bind_int64(st, 2, c->occ);
    sq_bind_int(st, 3, c->cancel);
    sq_bind_int64(st, 4, c->start);
    sq_bind_int64(st, 5, c->end);
    sq_bind_text(st, 6, c->reason ? c->reason : s.w.reason, -1, SQ_TRANSIENT);
    sq_bind_text(st, 7, c->who, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 8, c->now);
    rc = sq_step(st) == SQ_DONE ? VG_OK : db_io(c->d, err, "maintenance_occurrences");
    sq_finalize(st);
    if (rc != VG_OK || c->cancel)
        return rc;
    /* a series' last_end covers its moved occurrences too (listings and retention select by it) */
    if (sq_prepare(c->d->sql, "UPDATE maintenance SET last_end = CASE WHEN last_end > ?1 THEN last_end ELSE ?1 END WHERE id=?2", &st) !=
        SQ_OK)
        return db_io(c->d, err, "maintenance");
    sq_bind_int64(st, 1, c->end);
    sq_bind_int64(st, 2, c->series);
    rc = sq_step(st) == SQ_DONE ? VG_OK : db_io(c->d, err, "maintenance");
    sq_finalize(st);
    return rc;
}

vg_code db_maintenance_occurrence_set(db *d, int64_t series, int64_t occ, int64_t start, int64_t end,
                                      const char *reason, const char *who, int64_t now, vg_err *err)
{
    if (end <= start)
        return vg_fail_field(err, VG_E_INVALID, "end", "must be after start");
    dm_change c = {d, series, occ, start, end, now, reason, who, false};
    return db_savepoint(d, "maintenance_occurrence", dm_write, &c, err);
}

vg_code db_maintenance_occurrence_cancel(db *d, int64_t series, int64_t occ, const char *who, int64_t now,
                                         vg_err *err)
{
    dm_change c = {d, series, occ, 0, 0, now, NULL, who, true};
    return db_savepoint(d, "maintenance_occurrence", dm_write, &c, err);
}

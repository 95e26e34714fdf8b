#include "config.h"
#include "store/db_maintenance_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Maintenance windows: declared through the API, taken out of the SLA and muting alerts. A one-off
 * is a row of `maintenance` (rrule ''); a series is a row with its rule, its zone and its first
 * occurrence, expanded here at each listing (sla/recurrence.h: pure arithmetic, no storage), with
 * its moved and cancelled occurrences in maintenance_occurrences (db_maintenance_occ.c). */

#define DM_COLS "id, site, service, start, end, reason, who, rrule, tz, created"

static vg_code dm_insert(db *d, const char *site, const char *service, int64_t start, int64_t end, const char *rrule,
                         const char *tz, int64_t last_end, const char *reason, const char *who, int64_t now,
                         int64_t *id, vg_err *err)
{
    sq_stmt *st;
    if (sq_prepare(d->sql,
                           "INSERT INTO maintenance(site, service, start, end, reason, who, created, rrule, tz, last_end)"
                           " VALUES(?,?,?,?,?,?,?,?,?,?)", &st) != SQ_OK)
        return db_io(d, err, "maintenance");
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, service, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 3, start);
    sq_bind_int64(st, 4, end);
    sq_bind_text(st, 5, reason, -1, SQ_TRANSIENT);
    sq_bind_text(st, 6, who, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 7, now);
    sq_bind_text(st, 8, rrule, -1, SQ_TRANSIENT);
    sq_bind_text(st, 9, tz, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 10, last_end);
    vg_code rc = sq_step(st) == SQ_DONE ? VG_OK : db_io(d, err, "maintenance");
    if (rc == VG_OK && id)
        *id = sq_last_insert_rowid(d->sql);
    sq_finalize(st);
    return rc;
}

vg_code db_maintenance_add(db *d, const char *site, const char *service, int64_t start, int64_t end,
                           const char *reason, const char *who, int64_t now, int64_t *id, vg_err *err)
{
    return dm_insert(d, site, service, start, end, "", "", end, reason, who, now, id, err);
}

vg_code db_maintenance_add_series(db *d, const char *site, const char *service, int64_t start, int64_t end,
                                  const char *rrule, const char *tz, const char *reason, const char *who, int64_t now,
                                  int64_t *id, vg_err *err)
{
    recur_info info;
    vg_code rc = recur_check(rrule, tz, start, end, &info, err);
    if (rc != VG_OK)
        return rc;
    return dm_insert(d, site, service, start, end, info.rule, tz, info.last_end, reason, who, now, id, err);
}

typedef struct {
    db *d;
    int64_t id;
} dm_delete_ctx;

static vg_code dm_delete(void *ctx, vg_err *err)
{
    dm_delete_ctx *c = ctx;
    static const char *const sql[] = {"DELETE FROM maintenance WHERE id=?", "DELETE FROM maintenance_occurrences WHERE series=?"};
    vg_code rc = VG_OK;
    for (int i = 0; i < 2 && rc == VG_OK; i++) {
        sq_stmt *st;
        if (sq_prepare(c->d->sql, sql[i], &st) != SQ_OK)
            return db_io(c->d, err, "maintenance");
        sq_bind_int64(st, 1, c->id);
        rc = sq_step(st) != SQ_DONE ? db_io(c->d, err, "maintenance")
             : i == 0 && sq_changes(c->d->sql) == 0
                 ? vg_fail_field(err, VG_E_NOT_FOUND, "id", "no maintenance window %lld", (long long)c->id)
                 : VG_OK;
        sq_finalize(st);
    }
    return rc;
}

vg_code db_maintenance_delete(db *d, int64_t id, vg_err *err)
{
    dm_delete_ctx c = {d, id};
    return db_savepoint(d, "maintenance_delete", dm_delete, &c, err);
}

/* ---- listing ------------------------------------------------------------------------------- */

db_maint_item *dm_push(dm_list *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        db_maint_item *p = realloc(l->v, cap * sizeof *p);
        if (!p)
            return NULL;
        l->v = p;
        l->cap = cap;
    }
    db_maint_item *it = &l->v[l->n++];
    memset(it, 0, sizeof *it);
    return it;
}

/* A row of DM_COLS. */
static void dm_read(sq_stmt *st, db_maint_item *it)
{
    it->id = sq_column_int64(st, 0);
    snprintf(it->site, sizeof it->site, "%s", db_col_text(st, 1));
    snprintf(it->w.service, sizeof it->w.service, "%s", db_col_text(st, 2));
    it->w.start = sq_column_int64(st, 3);
    it->w.end = sq_column_int64(st, 4);
    snprintf(it->w.reason, sizeof it->w.reason, "%s", db_col_text(st, 5));
    snprintf(it->w.who, sizeof it->w.who, "%s", db_col_text(st, 6));
    snprintf(it->rrule, sizeof it->rrule, "%s", db_col_text(st, 7));
    snprintf(it->tz, sizeof it->tz, "%s", db_col_text(st, 8));
    it->created = sq_column_int64(st, 9);
}

vg_code db_maintenance_get(db *d, int64_t id, db_maint_item *out, vg_err *err)
{
    sq_stmt *st;
    memset(out, 0, sizeof *out);
    if (sq_prepare(d->sql, "SELECT " DM_COLS " FROM maintenance WHERE id=?", &st) != SQ_OK)
        return db_io(d, err, "maintenance");
    sq_bind_int64(st, 1, id);
    int rc = sq_step(st);
    if (rc == SQ_ROW)
        dm_read(st, out);
    sq_finalize(st);
    if (rc == SQ_ROW)
        return VG_OK;
    return rc == SQ_DONE ? vg_fail_field(err, VG_E_NOT_FOUND, "id", "no maintenance window %lld", (long long)id)
                             : db_io(d, err, "maintenance");
}

/* An occurrence of s at start (the rule's times). */
static db_maint_item *dm_occurrence(dm_list *l, const db_maint_item *s, int64_t start)
{
    db_maint_item *it = dm_push(l);
    if (it) {
        *it = *s;
        it->w.start = it->w.occurrence = start;
        it->w.end = start + (s->w.end - s->w.start);
    }
    return it;
}

vg_code dm_series(db *d, const db_maint_item *s, int64_t from, int64_t to, bool with_cancelled, dm_list *l,
                  bool *truncated)
{
    int64_t *starts;
    size_t n;
    bool more;
    /* a stored rule was checked when it was declared: one that no longer reads lists nothing */
    if (recur_expand(s->rrule, s->tz, s->w.start, s->w.end, from, to, &starts, &n, &more, NULL) != VG_OK)
        return VG_OK;
    if (more && truncated)
        *truncated = true;
    if (n == 0)
        return VG_OK;
    sq_stmt *st;
    if (sq_prepare(d->sql,
                           "SELECT occurrence, cancelled, who, changed FROM maintenance_occurrences"
                           " WHERE series=? AND occurrence BETWEEN ? AND ? ORDER BY occurrence", &st) != SQ_OK) {
        free(starts);
        return VG_E_IO;
    }
    sq_bind_int64(st, 1, s->id);
    sq_bind_int64(st, 2, starts[0]);
    sq_bind_int64(st, 3, starts[n - 1]);
    vg_code rc = VG_OK;
    int step = sq_step(st);
    for (size_t i = 0; i < n && rc == VG_OK; i++) {
        while (step == SQ_ROW && sq_column_int64(st, 0) < starts[i])
            step = sq_step(st);
        bool changed = step == SQ_ROW && sq_column_int64(st, 0) == starts[i];
        bool cancelled = changed && sq_column_int(st, 1) != 0;
        if (changed && !(cancelled && with_cancelled))
            continue; /* moved or edited: dm_changed lists it where it is now */
        db_maint_item *it = dm_occurrence(l, s, starts[i]);
        if (!it)
            rc = VG_E_NOMEM;
        else if (cancelled) {
            it->cancelled = true;
            snprintf(it->w.who, sizeof it->w.who, "%s", db_col_text(st, 2));
            it->changed = sq_column_int64(st, 3);
        }
    }
    if (rc == VG_OK && step != SQ_ROW && step != SQ_DONE)
        rc = VG_E_IO;
    sq_finalize(st);
    free(starts);
    return rc;
}

vg_code dm_changed(db *d, const char *site, int64_t series, int64_t from, int64_t to, dm_list *l)
{
    sq_stmt *st;
    if (sq_prepare(d->sql,
                           "SELECT m.id, m.site, m.service, o.start, o.end, o.reason, o.who, m.rrule, m.tz,"
                           " m.created, o.occurrence, m.end - m.start, o.changed FROM maintenance_occurrences o"
                           " JOIN maintenance m ON m.id = o.series WHERE (?1 IS NULL OR m.site = ?1)"
                           " AND (?4 = 0 OR o.series = ?4) AND o.cancelled = 0 AND o.end > ?2 AND o.start < ?3", &st) != SQ_OK)
        return VG_E_IO;
    if (site)
        sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 2, from);
    sq_bind_int64(st, 3, to);
    sq_bind_int64(st, 4, series);
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW) {
        db_maint_item *it = dm_push(l);
        if (!it)
            break;
        dm_read(st, it);
        it->w.occurrence = sq_column_int64(st, 10);
        it->moved = it->w.start != it->w.occurrence || it->w.end - it->w.start != sq_column_int64(st, 11);
        it->changed = sq_column_int64(st, 12);
    }
    sq_finalize(st);
    return rc == SQ_DONE ? VG_OK : rc == SQ_ROW ? VG_E_NOMEM : VG_E_IO;
}

static int dm_cmp(const void *a, const void *b)
{
    const db_maint_item *x = a, *y = b;
    if (x->w.start != y->w.start)
        return x->w.start < y->w.start ? -1 : 1;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->w.occurrence > y->w.occurrence) - (x->w.occurrence < y->w.occurrence);
}

vg_code db_maintenance_items(db *d, const char *site, int64_t from, int64_t to, bool with_cancelled,
                             db_maint_item **out, size_t *count, bool *truncated, vg_err *err)
{
    *out = NULL;
    *count = 0;
    if (truncated)
        *truncated = false;
    /* one-offs and series by their first start and their last end (a one-off's last_end is its end) */
    sq_stmt *st = db_stmt_take(d, &d->maint_list,
                                    "SELECT " DM_COLS " FROM maintenance WHERE (?1 IS NULL OR site=?1)"
                                    " AND last_end>?2 AND start<?3 ORDER BY start, id");
    if (!st)
        return db_io(d, err, "maintenance");
    if (site)
        sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 2, from);
    sq_bind_int64(st, 3, to);
    dm_list l = {0};
    vg_code rc = VG_OK;
    int step = SQ_DONE;
    while (rc == VG_OK && (step = sq_step(st)) == SQ_ROW) {
        db_maint_item row;
        memset(&row, 0, sizeof row);
        dm_read(st, &row);
        if (row.rrule[0])
            rc = dm_series(d, &row, from, to, with_cancelled, &l, truncated);
        else if (row.w.end > from) {
            db_maint_item *it = dm_push(&l);
            if (!it)
                rc = VG_E_NOMEM;
            else
                *it = row;
        }
    }
    if (rc == VG_OK && step != SQ_DONE)
        rc = VG_E_IO;
    db_stmt_give(st, d->maint_list);
    if (rc == VG_OK)
        rc = dm_changed(d, site, 0, from, to, &l);
    if (rc != VG_OK) {
        free(l.v);
        return rc == VG_E_NOMEM ? vg_fail(err, rc, "out of memory") : db_io(d, err, "maintenance");
    }
    if (l.n > 1)
        qsort(l.v, l.n, sizeof *l.v, dm_cmp);
    *out = l.v;
    *count = l.n;
    return VG_OK;
}

vg_code db_maintenance_list(db *d, const char *site, int64_t from, int64_t to, avail_window **out, size_t *count,
                            int64_t **ids)
{
    *out = NULL;
    *count = 0;
    if (ids)
        *ids = NULL;
    db_maint_item *items;
    size_t n;
    vg_code rc = db_maintenance_items(d, site, from, to, false, &items, &n, NULL, NULL);
    if (rc != VG_OK || n == 0) {
        free(items);
        return rc;
    }
    avail_window *w = malloc(n * sizeof *w);
    int64_t *id = ids ? malloc(n * sizeof *id) : NULL;
    if (!w || (ids && !id)) {
        free(w);
        free(id);
        free(items);
        return VG_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        w[i] = items[i].w;
        if (id)
            id[i] = items[i].id;
    }
    free(items);
    *out = w;
    *count = n;
    if (ids)
        *ids = id;
    return VG_OK;
}

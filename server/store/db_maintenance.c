#include "config.h"
#include "store/db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Maintenance windows: declared through the API, taken out of the SLA and muting alerts. */

vg_code db_maintenance_add(db *d, const char *site, const char *service, int64_t start, int64_t end,
                           const char *reason, const char *who, int64_t now, int64_t *id, vg_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->sql,
                           "INSERT INTO maintenance(site, service, start, end, reason, who, created, last_end)"
                           " VALUES(?,?,?,?,?,?,?,?4)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_io(d, err, "maintenance");
    sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, service, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, start);
    sqlite3_bind_int64(st, 4, end);
    sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, who, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, now);
    vg_code rc = sqlite3_step(st) == SQLITE_DONE ? VG_OK : db_io(d, err, "maintenance");
    if (rc == VG_OK && id)
        *id = sqlite3_last_insert_rowid(d->sql);
    sqlite3_finalize(st);
    return rc;
}

vg_code db_maintenance_delete(db *d, int64_t id, vg_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->sql, "DELETE FROM maintenance WHERE id=?", -1, &st, NULL) != SQLITE_OK)
        return db_io(d, err, "maintenance");
    sqlite3_bind_int64(st, 1, id);
    vg_code rc = sqlite3_step(st) != SQLITE_DONE   ? db_io(d, err, "maintenance")
                 : sqlite3_changes(d->sql) == 0 ? vg_fail(err, VG_E_NOT_FOUND, "no maintenance window %lld", (long long)id)
                                                : VG_OK;
    sqlite3_finalize(st);
    return rc;
}

vg_code db_maintenance_list(db *d, const char *site, int64_t from, int64_t to, avail_window **out, size_t *count,
                            int64_t **ids)
{
    *out = NULL;
    *count = 0;
    if (ids)
        *ids = NULL;
    sqlite3_stmt *st = db_stmt_take(d, &d->maint_list,
                                    "SELECT id, service, start, end, reason, who FROM maintenance WHERE (?1 IS NULL OR site=?1)"
                                    " AND end>?2 AND start<?3 ORDER BY start, id");
    if (!st)
        return VG_E_IO;
    if (site)
        sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*count == cap) {
            cap = cap ? cap * 2 : 8;
            avail_window *p = realloc(*out, cap * sizeof *p);
            int64_t *q = ids ? realloc(*ids, cap * sizeof *q) : NULL;
            if (!p || (ids && !q)) {
                free(p ? p : *out);
                if (ids) {
                    free(q ? q : *ids);
                    *ids = NULL;
                }
                *out = NULL;
                *count = 0;
                db_stmt_give(st, d->maint_list);
                return VG_E_NOMEM;
            }
            *out = p;
            if (ids)
                *ids = q;
        }
        avail_window *w = &(*out)[*count];
        memset(w, 0, sizeof *w);
        if (ids)
            (*ids)[*count] = sqlite3_column_int64(st, 0);
        snprintf(w->service, sizeof w->service, "%s", db_col_text(st, 1));
        w->start = sqlite3_column_int64(st, 2);
        w->end = sqlite3_column_int64(st, 3);
        snprintf(w->reason, sizeof w->reason, "%s", db_col_text(st, 4));
        snprintf(w->who, sizeof w->who, "%s", db_col_text(st, 5));
        (*count)++;
    }
    db_stmt_give(st, d->maint_list);
    return rc == SQLITE_DONE ? VG_OK : VG_E_IO;
}

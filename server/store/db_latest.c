#include "config.h"
#include "store/db_internal.h"

#include <stdio.h>
#include <string.h>

/* The batches already accepted, the latest value of every series, the devices as agents describe them. */

vg_code db_batch_seen(db *d, const char *agent, uint64_t seq, bool *seen, vg_err *err)
{
    *seen = false;
    sqlite3_stmt *st = db_stmt(d, &d->seen, "SELECT 1 FROM batches WHERE agent=? AND seq=?");
    if (!st)
        return db_io(d, err, "batches");
    sqlite3_bind_text(st, 1, agent, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_io(d, err, "batches");
    *seen = rc == SQLITE_ROW;
    return VG_OK;
}

static bool db_latest_put(db *d, const char *site, const char *agent, const push_sample *s, int64_t received)
{
    sqlite3_stmt *u = db_stmt(d, &d->upsert,
                              "INSERT INTO latest(site, agent, device, metric, instance, label, value, unit, text,"
                              " severity, ts, received) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"
                              " ON CONFLICT(site, device, metric, instance) DO UPDATE SET agent=excluded.agent,"
                              " label=excluded.label, value=excluded.value, unit=excluded.unit, text=excluded.text,"
                              " severity=excluded.severity, ts=excluded.ts, received=excluded.received"
                              " WHERE excluded.ts >= latest.ts");
    if (!u)
        return false;
    sqlite3_bind_text(u, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_text(u, 2, agent, -1, SQLITE_STATIC);
    sqlite3_bind_text(u, 3, s->device, -1, SQLITE_STATIC);
    sqlite3_bind_text(u, 4, s->metric, -1, SQLITE_STATIC);
    sqlite3_bind_text(u, 5, s->instance, -1, SQLITE_STATIC);
    sqlite3_bind_text(u, 6, s->label, -1, SQLITE_STATIC);
    sqlite3_bind_double(u, 7, s->value);
    sqlite3_bind_text(u, 8, s->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(u, 9, s->text, -1, SQLITE_STATIC);
    sqlite3_bind_int(u, 10, (int)s->sev);
    sqlite3_bind_int64(u, 11, s->ts);
    sqlite3_bind_int64(u, 12, received);
    bool ok = sqlite3_step(u) == SQLITE_DONE;
    sqlite3_reset(u);
    return ok;
}

static const char *db_one_site(void *site, size_t i)
{
    (void)i;
    return site;
}

vg_code db_batch_store(db *d, const char *site, const push_batch *b, int64_t received, vg_err *err)
{
    return db_batch_store_sites(d, b, db_one_site, (void *)site, received, err);
}

vg_code db_batch_store_sites(db *d, const push_batch *b, const char *(*site_of)(void *ctx, size_t i), void *ctx,
                             int64_t received, vg_err *err)
{
    vg_code rc = db_begin(d, err);
    if (rc != VG_OK)
        return rc;
    sqlite3_stmt *st = db_stmt(d, &d->add_batch, "INSERT INTO batches(agent, seq, received, samples) VALUES(?,?,?,?)");
    bool ok = st != NULL;
    if (ok) {
        sqlite3_bind_text(st, 1, push_batch_agent(b), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)push_batch_seq(b));
        sqlite3_bind_int64(st, 3, received);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)push_batch_count(b));
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_reset(st);
    }
    for (size_t i = 0; ok && i < push_batch_count(b); i++)
        ok = db_latest_put(d, site_of(ctx, i), push_batch_agent(b), push_batch_at(b, i), received);
    if (!ok) {
        db_io(d, err, "store batch");
        db_rollback(d);
        db_storage_note(DB_PART_DB, false, err ? err->msg : "store batch failed");
        return VG_E_IO;
    }
    return db_commit(d, err);
}

static void db_copy_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    snprintf(dst, size, "%s", db_col_text(st, col));
}

vg_code db_latest_query(db *d, const char *site, const char *device, db_latest_fn fn, void *ctx, vg_err *err)
{
    sqlite3_stmt *st = db_stmt_take(d, &d->latest,
                                    "SELECT site, agent, device, metric, instance, label, value, unit, text, severity,"
                                    " ts, received FROM latest WHERE (?1 IS NULL OR site=?1) AND (?2 IS NULL OR device=?2)"
                                    " ORDER BY site, device, metric, instance");
    if (!st)
        return db_io(d, err, "latest");
    if (site)
        sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    if (device)
        sqlite3_bind_text(st, 2, device, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        push_sample s;
        char row_site[NAME_MAX_LEN + 1], agent[NAME_MAX_LEN + 1];
        memset(&s, 0, sizeof s);
        db_copy_col(st, 0, row_site, sizeof row_site);
        db_copy_col(st, 1, agent, sizeof agent);
        db_copy_col(st, 2, s.device, sizeof s.device);
        db_copy_col(st, 3, s.metric, sizeof s.metric);
        db_copy_col(st, 4, s.instance, sizeof s.instance);
        db_copy_col(st, 5, s.label, sizeof s.label);
        s.value = sqlite3_column_double(st, 6);
        db_copy_col(st, 7, s.unit, sizeof s.unit);
        db_copy_col(st, 8, s.text, sizeof s.text);
        s.sev = (severity)sqlite3_column_int(st, 9);
        s.ts = sqlite3_column_int64(st, 10);
        fn(ctx, row_site, agent, &s, sqlite3_column_int64(st, 11));
    }
    db_stmt_give(st, d->latest);
    return rc == SQLITE_DONE ? VG_OK : db_io(d, err, "latest");
}

vg_code db_latest_each(db *d, db_latest_fn fn, void *ctx, vg_err *err)
{
    return db_latest_query(d, NULL, NULL, fn, ctx, err);
}

vg_code db_device_upsert(db *d, const char *site, const char *agent, const push_device *dev, int64_t now,
                         vg_err *err)
{
    sqlite3_stmt *st = db_stmt(d, &d->dev_upsert,
                               "INSERT INTO devices(site, device, agent, class, profile, first_seen, last_seen)"
                               " VALUES(?,?,?,?,?,?,?) ON CONFLICT(site, device) DO UPDATE SET agent=excluded.agent,"
                               " class=excluded.class, profile=excluded.profile, last_seen=excluded.last_seen");
    if (!st)
        return db_io(d, err, "devices");
    sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, dev->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, agent, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, dev->cls, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, dev->profile, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now);
    sqlite3_bind_int64(st, 7, now);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? VG_OK : db_io(d, err, "devices");
}

vg_code db_devices_each(db *d, const char *site, db_device_fn fn, void *ctx)
{
    sqlite3_stmt *st =
        db_stmt_take(d, &d->dev_each, "SELECT device, class, profile, last_seen FROM devices WHERE site=? ORDER BY device");
    if (!st)
        return VG_E_IO;
    sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2), sqlite3_column_int64(st, 3));
    db_stmt_give(st, d->dev_each);
    return rc == SQLITE_DONE ? VG_OK : VG_E_IO;
}

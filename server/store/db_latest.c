#include "config.h"
#include "store/db_internal.h"
#include "store/db_cluster.h"

#include <stdio.h>
#include <string.h>

/* The batches already accepted, the latest value of every series, the devices as agents describe them. */

vg_code db_batch_seen(db *d, const char *agent, uint64_t seq, bool *seen, vg_err *err)
{
    *seen = false;
    /* per node: the other server of a pair stores the same batches (db_cluster.h) */
    sq_stmt *st = db_stmt(d, &d->seen, "SELECT 1 FROM batches WHERE agent=? AND seq=? AND node=?");
    if (!st)
        return db_io(d, err, "batches");
    sq_bind_text(st, 1, agent, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 2, (int64_t)seq);
    sq_bind_text(st, 3, db_batch_node(), -1, SQ_TRANSIENT);
    int rc = sq_step(st);
    sq_reset(st);
    if (rc != SQ_ROW && rc != SQ_DONE)
        return db_io(d, err, "batches");
    *seen = rc == SQ_ROW;
    return VG_OK;
}

static bool db_latest_put(db *d, const char *site, const char *agent, const push_sample *s, int64_t received)
{
    sq_stmt *u = db_stmt(d, &d->upsert,
                              "INSERT INTO latest(site, agent, device, metric, instance, label, value, unit, text,"
                              " severity, ts, received) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"
                              " ON CONFLICT(site, device, metric, instance) DO UPDATE SET agent=excluded.agent,"
                              " label=excluded.label, value=excluded.value, unit=excluded.unit, text=excluded.text,"
                              " severity=excluded.severity, ts=excluded.ts, received=excluded.received"
                              " WHERE excluded.ts >= latest.ts");
    if (!u)
        return false;
    sq_bind_text(u, 1, site, -1, SQ_TRANSIENT);
    sq_bind_text(u, 2, agent, -1, SQ_TRANSIENT);
    sq_bind_text(u, 3, s->device, -1, SQ_TRANSIENT);
    sq_bind_text(u, 4, s->metric, -1, SQ_TRANSIENT);
    sq_bind_text(u, 5, s->instance, -1, SQ_TRANSIENT);
    sq_bind_text(u, 6, s->label, -1, SQ_TRANSIENT);
    sq_bind_double(u, 7, s->value);
    sq_bind_text(u, 8, s->unit, -1, SQ_TRANSIENT);
    sq_bind_text(u, 9, s->text, -1, SQ_TRANSIENT);
    sq_bind_int(u, 10, (int)s->sev);
    sq_bind_int64(u, 11, s->ts);
    sq_bind_int64(u, 12, received);
    bool ok = sq_step(u) == SQ_DONE;
    sq_reset(u);
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
    sq_stmt *st =
        db_stmt(d, &d->add_batch, "INSERT INTO batches(agent, seq, received, samples, node) VALUES(?,?,?,?,?)");
    bool ok = st != NULL;
    if (ok) {
        sq_bind_text(st, 1, push_batch_agent(b), -1, SQ_TRANSIENT);
        sq_bind_int64(st, 2, (int64_t)push_batch_seq(b));
        sq_bind_int64(st, 3, received);
        sq_bind_int64(st, 4, (int64_t)push_batch_count(b));
        sq_bind_text(st, 5, db_batch_node(), -1, SQ_TRANSIENT);
        ok = sq_step(st) == SQ_DONE;
        sq_reset(st);
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

static void db_copy_col(sq_stmt *st, int col, char *dst, size_t size)
{
    snprintf(dst, size, "%s", db_col_text(st, col));
}

vg_code db_latest_query(db *d, const char *site, const char *device, db_latest_fn fn, void *ctx, vg_err *err)
{
    sq_stmt *st = db_stmt_take(d, &d->latest,
                                    "SELECT site, agent, device, metric, instance, label, value, unit, text, severity,"
                                    " ts, received FROM latest WHERE (?1 IS NULL OR site=?1) AND (?2 IS NULL OR device=?2)"
                                    " ORDER BY site, device, metric, instance");
    if (!st)
        return db_io(d, err, "latest");
    if (site)
        sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    if (device)
        sq_bind_text(st, 2, device, -1, SQ_TRANSIENT);
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW) {
        push_sample s;
        char row_site[NAME_MAX_LEN + 1], agent[NAME_MAX_LEN + 1];
        memset(&s, 0, sizeof s);
        db_copy_col(st, 0, row_site, sizeof row_site);
        db_copy_col(st, 1, agent, sizeof agent);
        db_copy_col(st, 2, s.device, sizeof s.device);
        db_copy_col(st, 3, s.metric, sizeof s.metric);
        db_copy_col(st, 4, s.instance, sizeof s.instance);
        db_copy_col(st, 5, s.label, sizeof s.label);
        s.value = sq_column_double(st, 6);
        db_copy_col(st, 7, s.unit, sizeof s.unit);
        db_copy_col(st, 8, s.text, sizeof s.text);
        s.sev = (severity)sq_column_int(st, 9);
        s.ts = sq_column_int64(st, 10);
        fn(ctx, row_site, agent, &s, sq_column_int64(st, 11));
    }
    db_stmt_give(st, d->latest);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "latest");
}

vg_code db_latest_each(db *d, db_latest_fn fn, void *ctx, vg_err *err)
{
    return db_latest_query(d, NULL, NULL, fn, ctx, err);
}

vg_code db_device_upsert(db *d, const char *site, const char *agent, const push_device *dev, int64_t now,
                         vg_err *err)
{
    sq_stmt *st = db_stmt(d, &d->dev_upsert,
                               "INSERT INTO devices(site, device, agent, class, profile, first_seen, last_seen)"
                               " VALUES(?,?,?,?,?,?,?) ON CONFLICT(site, device) DO UPDATE SET agent=excluded.agent,"
                               " class=excluded.class, profile=excluded.profile, last_seen=excluded.last_seen");
    if (!st)
        return db_io(d, err, "devices");
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, dev->name, -1, SQ_TRANSIENT);
    sq_bind_text(st, 3, agent, -1, SQ_TRANSIENT);
    sq_bind_text(st, 4, dev->cls, -1, SQ_TRANSIENT);
    sq_bind_text(st, 5, dev->profile, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 6, now);
    sq_bind_int64(st, 7, now);
    int rc = sq_step(st);
    sq_reset(st);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "devices");
}

vg_code db_devices_each(db *d, const char *site, db_device_fn fn, void *ctx)
{
    sq_stmt *st =
        db_stmt_take(d, &d->dev_each, "SELECT device, class, profile, last_seen FROM devices WHERE site=? ORDER BY device");
    if (!st)
        return VG_E_IO;
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW)
        fn(ctx, db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2), sq_column_int64(st, 3));
    db_stmt_give(st, d->dev_each);
    return rc == SQ_DONE ? VG_OK : VG_E_IO;
}

#include "config.h"
#include "db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct db {
    sqlite3 *sql;
    sqlite3_stmt *seen, *add_batch, *upsert, *latest;
};

static const char *const db_schema[] = {
    /* version 1 */
    "CREATE TABLE batches(agent TEXT NOT NULL, seq INTEGER NOT NULL, received INTEGER NOT NULL,"
    " samples INTEGER NOT NULL, PRIMARY KEY(agent, seq));"
    "CREATE TABLE latest(site TEXT NOT NULL, agent TEXT NOT NULL, device TEXT NOT NULL, metric TEXT NOT NULL,"
    " instance TEXT NOT NULL, label TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, text TEXT NOT NULL,"
    " severity INTEGER NOT NULL, ts INTEGER NOT NULL, received INTEGER NOT NULL,"
    " PRIMARY KEY(site, device, metric, instance));",
};

static int db_fail(db *d, char *err, size_t err_size, const char *what)
{
    snprintf(err, err_size, "%s: %s", what, d->sql ? sqlite3_errmsg(d->sql) : "no database");
    return -1;
}

static int db_migrate(db *d, char *err, size_t err_size)
{
    sqlite3_stmt *st;
    int version = 0;
    if (sqlite3_prepare_v2(d->sql, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return db_fail(d, err, err_size, "user_version");
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    int target = (int)(sizeof db_schema / sizeof db_schema[0]);
    if (version > target) {
        snprintf(err, err_size, "the database is of schema %d, newer than this server (%d)", version, target);
        return -1;
    }
    for (int v = version; v < target; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d;", v + 1);
        if (sqlite3_exec(d->sql, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(d->sql, db_schema[v], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(d->sql, pragma, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(d->sql, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            db_fail(d, err, err_size, "schema migration");
            sqlite3_exec(d->sql, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}

db *db_open(const char *path, char *err, size_t err_size)
{
    db *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &d->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        db_fail(d, err, err_size, path);
        db_close(d);
        return NULL;
    }
    sqlite3_busy_timeout(d->sql, 5000);
    if (sqlite3_exec(d->sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                     NULL, NULL, NULL) != SQLITE_OK ||
        db_migrate(d, err, err_size) != 0) {
        if (!*err)
            db_fail(d, err, err_size, path);
        db_close(d);
        return NULL;
    }
    if (sqlite3_prepare_v2(d->sql, "SELECT 1 FROM batches WHERE agent=? AND seq=?", -1, &d->seen, NULL) ||
        sqlite3_prepare_v2(d->sql, "INSERT INTO batches(agent, seq, received, samples) VALUES(?,?,?,?)", -1,
                           &d->add_batch, NULL) ||
        sqlite3_prepare_v2(d->sql,
                           "INSERT INTO latest(site, agent, device, metric, instance, label, value, unit, text,"
                           " severity, ts, received) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"
                           " ON CONFLICT(site, device, metric, instance) DO UPDATE SET agent=excluded.agent,"
                           " label=excluded.label, value=excluded.value, unit=excluded.unit, text=excluded.text,"
                           " severity=excluded.severity, ts=excluded.ts, received=excluded.received"
                           " WHERE excluded.ts >= latest.ts",
                           -1, &d->upsert, NULL) ||
        sqlite3_prepare_v2(d->sql,
                           "SELECT site, agent, device, metric, instance, label, value, unit, text, severity, ts,"
                           " received FROM latest ORDER BY site, device, metric, instance",
                           -1, &d->latest, NULL)) {
        db_fail(d, err, err_size, "prepare");
        db_close(d);
        return NULL;
    }
    return d;
}

void db_close(db *d)
{
    if (!d)
        return;
    sqlite3_finalize(d->seen);
    sqlite3_finalize(d->add_batch);
    sqlite3_finalize(d->upsert);
    sqlite3_finalize(d->latest);
    sqlite3_close(d->sql);
    free(d);
}

int db_batch_seen(db *d, const char *agent, uint64_t seq)
{
    sqlite3_reset(d->seen);
    sqlite3_bind_text(d->seen, 1, agent, -1, SQLITE_STATIC);
    sqlite3_bind_int64(d->seen, 2, (sqlite3_int64)seq);
    int rc = sqlite3_step(d->seen);
    sqlite3_reset(d->seen);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int db_batch_store(db *d, const char *site, const push_batch *b, int64_t received, char *err, size_t err_size)
{
    if (sqlite3_exec(d->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(d, err, err_size, "begin");
    sqlite3_reset(d->add_batch);
    sqlite3_bind_text(d->add_batch, 1, push_batch_agent(b), -1, SQLITE_STATIC);
    sqlite3_bind_int64(d->add_batch, 2, (sqlite3_int64)push_batch_seq(b));
    sqlite3_bind_int64(d->add_batch, 3, received);
    sqlite3_bind_int64(d->add_batch, 4, (sqlite3_int64)push_batch_count(b));
    int ok = sqlite3_step(d->add_batch) == SQLITE_DONE;
    for (size_t i = 0; ok && i < push_batch_count(b); i++) {
        const push_sample *s = push_batch_at(b, i);
        sqlite3_stmt *u = d->upsert;
        sqlite3_reset(u);
        sqlite3_bind_text(u, 1, site, -1, SQLITE_STATIC);
        sqlite3_bind_text(u, 2, push_batch_agent(b), -1, SQLITE_STATIC);
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
        ok = sqlite3_step(u) == SQLITE_DONE;
    }
    if (!ok) {
        db_fail(d, err, err_size, "store batch");
        sqlite3_exec(d->sql, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (sqlite3_exec(d->sql, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        db_fail(d, err, err_size, "commit");
        sqlite3_exec(d->sql, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

static void db_copy_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

int db_latest_each(db *d, db_latest_fn fn, void *ctx)
{
    sqlite3_stmt *st = d->latest;
    sqlite3_reset(st);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        push_sample s;
        char site[NAME_MAX_LEN + 1], agent[NAME_MAX_LEN + 1];
        memset(&s, 0, sizeof s);
        db_copy_col(st, 0, site, sizeof site);
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
        fn(ctx, site, agent, &s, sqlite3_column_int64(st, 11));
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

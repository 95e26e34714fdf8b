#include "config.h"
#include "store/db_internal.h"

#include <sqlite3.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The connection, its schema and its transactions; the tables' statements are in db_latest.c,
 * db_health.c, db_events.c, db_maintenance.c, db_late.c and alert_store.c. */

sq_stmt *db_stmt(db *d, sq_stmt **slot, const char *sql)
{
    if (!*slot && sq_prepare(d->sql, sql, slot) != SQ_OK)
        return NULL;
    sq_reset(*slot);
    sq_clear_bindings(*slot);
    return *slot;
}

sq_stmt *db_stmt_take(db *d, sq_stmt **slot, const char *sql)
{
    sq_stmt *st = NULL;
    if (*slot && sq_stmt_busy(*slot))
        return sq_prepare(d->sql, sql, &st) == SQ_OK ? st : NULL;
    return db_stmt(d, slot, sql);
}

void db_stmt_give(sq_stmt *st, sq_stmt *kept)
{
    if (st == kept) {
        sq_reset(st);
        sq_clear_bindings(st);
    } else {
        sq_finalize(st);
    }
}

vg_code db_io(db *d, vg_err *err, const char *what)
{
    return vg_fail(err, VG_E_IO, "%s: %s", what, d && d->sql ? sq_errmsg(d->sql) : "no database");
}

const char *db_col_text(sq_stmt *st, int i)
{
    const unsigned char *t = sq_column_text(st, i);
    return t ? (const char *)t : "";
}

/* The outcome of the last writes, for /api/v1/health: process-wide (every connection and the RRD
 * writes report here), behind a mutex of its own since the HTTP threads and the timer write. */
static pthread_mutex_t db_status_lock = PTHREAD_MUTEX_INITIALIZER;
static db_storage db_status[2]; /* DB_PART_DB, DB_PART_RRD */

void db_storage_note(db_part part, bool ok, const char *what)
{
    if (part != DB_PART_DB && part != DB_PART_RRD)
        return;
    int64_t now = (int64_t)time(NULL);
    pthread_mutex_lock(&db_status_lock);
    db_storage *st = &db_status[part];
    if (!ok) {
        if (!st->failing)
            st->since = now;
        st->failing = true;
        st->error_at = now;
        snprintf(st->last_error, sizeof st->last_error, "%s", what ? what : "write failed");
    } else if (st->failing) {
        st->failing = false;
        st->since = now; /* ok since */
    }
    pthread_mutex_unlock(&db_status_lock);
}

void db_storage_get(db_part part, db_storage *out)
{
    memset(out, 0, sizeof *out);
    if (part != DB_PART_DB && part != DB_PART_RRD)
        return;
    pthread_mutex_lock(&db_status_lock);
    *out = db_status[part];
    pthread_mutex_unlock(&db_status_lock);
}

/* A failed write of the database: noted for /api/v1/health (VG_E_IO only: a conflict or a bad input
 * is not the storage failing). */
static vg_code db_noted(vg_code rc, const vg_err *err)
{
    if (rc == VG_E_IO || rc == VG_E_NOMEM)
        db_storage_note(DB_PART_DB, false, err && err->msg[0] ? err->msg : "database write failed");
    return rc;
}

/* BEGIN IMMEDIATE, COMMIT or ROLLBACK from statements kept prepared: they run three times per push. */
static int db_exec_kept(db *d, sq_stmt **slot, const char *sql)
{
    sq_stmt *st = db_stmt(d, slot, sql);
    if (!st)
        return SQ_ERROR;
    int rc = sq_step(st);
    sq_reset(st);
    return rc == SQ_DONE ? SQ_OK : rc;
}

static const char *const db_schema[] = {
    /* version 1 */
    "CREATE TABLE batches(agent TEXT NOT NULL, seq INTEGER NOT NULL, received INTEGER NOT NULL,"
    " samples INTEGER NOT NULL, PRIMARY KEY(agent, seq));"
    "CREATE TABLE latest(site TEXT NOT NULL, agent TEXT NOT NULL, device TEXT NOT NULL, metric TEXT NOT NULL,"
    " instance TEXT NOT NULL, label TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, text TEXT NOT NULL,"
    " severity INTEGER NOT NULL, ts INTEGER NOT NULL, received INTEGER NOT NULL,"
    " PRIMARY KEY(site, device, metric, instance));",
    /* version 2: devices, health runs, state events, maintenance windows */
    "CREATE TABLE devices(site TEXT NOT NULL, device TEXT NOT NULL, agent TEXT NOT NULL, class TEXT NOT NULL,"
    " profile TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, PRIMARY KEY(site, device));"
    "CREATE TABLE health_runs(site TEXT NOT NULL, member TEXT NOT NULL, health INTEGER NOT NULL,"
    " cause TEXT NOT NULL, start INTEGER NOT NULL, last INTEGER NOT NULL, PRIMARY KEY(site, member, start));"
    "CREATE TABLE events(id INTEGER PRIMARY KEY, site TEXT NOT NULL, scope TEXT NOT NULL, name TEXT NOT NULL,"
    " ts INTEGER NOT NULL, state TEXT NOT NULL, cause TEXT NOT NULL, recorded INTEGER NOT NULL);"
    "CREATE INDEX events_by_time ON events(site, ts);"
    "CREATE INDEX events_by_name ON events(site, scope, name, ts);"
    "CREATE TABLE maintenance(id INTEGER PRIMARY KEY, site TEXT NOT NULL, service TEXT NOT NULL,"
    " start INTEGER NOT NULL, end INTEGER NOT NULL, reason TEXT NOT NULL, who TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX maintenance_by_site ON maintenance(site, start);",
    /* version 3: on-call alerting (alerts.c) */
    "CREATE TABLE alert_tracks(site TEXT NOT NULL, device TEXT NOT NULL, metric TEXT NOT NULL, instance TEXT NOT NULL,"
    " active INTEGER NOT NULL, pending INTEGER NOT NULL, pending_since INTEGER NOT NULL, changes TEXT NOT NULL,"
    " flapping INTEGER NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, PRIMARY KEY(site, device, metric, instance));"
    "CREATE TABLE alerts(id INTEGER PRIMARY KEY, site TEXT NOT NULL, device TEXT NOT NULL, metric TEXT NOT NULL,"
    " instance TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL, summary TEXT NOT NULL,"
    " value REAL NOT NULL, fired INTEGER NOT NULL, resolved INTEGER NOT NULL DEFAULT 0, ack_by TEXT NOT NULL DEFAULT '',"
    " ack_comment TEXT NOT NULL DEFAULT '', ack_at INTEGER NOT NULL DEFAULT 0, notified INTEGER NOT NULL DEFAULT 0,"
    " last_notified INTEGER NOT NULL DEFAULT 0, first_notified INTEGER NOT NULL DEFAULT 0,"
    " level INTEGER NOT NULL DEFAULT 0, held TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX alerts_open ON alerts(state, site);"
    "CREATE TABLE alert_sites(site TEXT PRIMARY KEY, last_push INTEGER NOT NULL);"
    "CREATE TABLE silences(id INTEGER PRIMARY KEY, site TEXT NOT NULL, device TEXT NOT NULL, start INTEGER NOT NULL,"
    " end INTEGER NOT NULL, reason TEXT NOT NULL, who TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE notifications(id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL, contact TEXT NOT NULL,"
    " channel TEXT NOT NULL, target TEXT NOT NULL, event TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,"
    " payload TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL,"
    " last_error TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, sent INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX notifications_due ON notifications(status, next_attempt);",
    /* version 4: what the retention purge (db_retention.c) selects by, so that it never scans a table */
    "CREATE INDEX batches_by_received ON batches(received);"
    "CREATE INDEX events_by_ts ON events(ts);"
    "CREATE INDEX health_runs_by_last ON health_runs(last);"
    "CREATE INDEX alerts_by_resolved ON alerts(resolved) WHERE state = 'resolved';"
    "CREATE INDEX notifications_by_created ON notifications(created);"
    "CREATE INDEX notifications_by_alert ON notifications(alert_id);",
    /* version 5: samples older than their RRD file's last update, kept for the series API (db_late.c);
     * the key makes a sample sent again one row */
    "CREATE TABLE late_samples(site TEXT NOT NULL, device TEXT NOT NULL, metric TEXT NOT NULL,"
    " instance TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, received INTEGER NOT NULL,"
    " PRIMARY KEY(site, device, metric, instance, ts));"
    "CREATE INDEX late_samples_by_ts ON late_samples(ts);",
    /* version 6: drift trackers (alerting/drift.h), one row per series a drift rule judges: its day
     * buckets as text (alert_store_drift.c), its active level and latest estimate */
    "CREATE TABLE alert_drift(site TEXT NOT NULL, device TEXT NOT NULL, metric TEXT NOT NULL,"
    " instance TEXT NOT NULL, active INTEGER NOT NULL, days TEXT NOT NULL, known INTEGER NOT NULL,"
    " per_week REAL NOT NULL, span REAL NOT NULL, PRIMARY KEY(site, device, metric, instance));",
    /* version 7: maintenance ids are never reused (AUTOINCREMENT: a deleted window's id stays its own
     * in the audit and in every report that named it); a window may repeat (rrule, RFC 5545, expanded
     * in the zone tz; last_end is the end of its last occurrence, so that a listing selects series by
     * an index; INT64 max for a series without an end), and one occurrence of a series may be moved or
     * cancelled (maintenance_occurrences, keyed by the occurrence's original start) */
    "CREATE TABLE maintenance_v7(id INTEGER PRIMARY KEY AUTOINCREMENT, site TEXT NOT NULL, service TEXT NOT NULL,"
    " start INTEGER NOT NULL, end INTEGER NOT NULL, reason TEXT NOT NULL, who TEXT NOT NULL,"
    " created INTEGER NOT NULL, rrule TEXT NOT NULL DEFAULT '', tz TEXT NOT NULL DEFAULT '',"
    " last_end INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO maintenance_v7(id, site, service, start, end, reason, who, created, last_end)"
    " SELECT id, site, service, start, end, reason, who, created, end FROM maintenance;"
    "DROP TABLE maintenance;"
    "ALTER TABLE maintenance_v7 RENAME TO maintenance;"
    "CREATE INDEX maintenance_by_site ON maintenance(site, start);"
    "CREATE INDEX maintenance_by_last_end ON maintenance(last_end);"
    "CREATE TABLE maintenance_occurrences(series INTEGER NOT NULL, occurrence INTEGER NOT NULL,"
    " cancelled INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, reason TEXT NOT NULL,"
    " who TEXT NOT NULL, changed INTEGER NOT NULL, PRIMARY KEY(series, occurrence));",
    /* version 8: UPS self-tests (sla/selftest.h, db_selftest.c): what each UPS said of its tests, in runs
     * of one word and date, and the tests derived from those runs (a run is its test's key, so that a
     * batch replayed or late gives one row) */
    "CREATE TABLE selftest_runs(site TEXT NOT NULL, device TEXT NOT NULL, kind TEXT NOT NULL, word TEXT NOT NULL,"
    " date TEXT NOT NULL, start INTEGER NOT NULL, last INTEGER NOT NULL, PRIMARY KEY(site, device, kind, start));"
    "CREATE TABLE selftests(site TEXT NOT NULL, device TEXT NOT NULL, kind TEXT NOT NULL, result TEXT NOT NULL,"
    " date TEXT NOT NULL, start INTEGER NOT NULL, last INTEGER NOT NULL, end INTEGER NOT NULL, at INTEGER NOT NULL,"
    " run INTEGER NOT NULL, PRIMARY KEY(site, device, kind, run));"
    "CREATE INDEX selftests_by_time ON selftests(site, at);",
    /* version 9: who may read and act (auth/): personal API tokens, kept as the SHA-256 of their secret
     * only (the secret is shown once); dashboard sessions and one-time login links, kept as hashes too;
     * the audit trail, each entry carrying the hash of the one before it (audit/audit.h) */
    "CREATE TABLE api_tokens(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    " hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL,"
    " created_by TEXT NOT NULL DEFAULT '', expires INTEGER NOT NULL DEFAULT 0, last_used INTEGER NOT NULL DEFAULT 0,"
    " revoked INTEGER NOT NULL DEFAULT 0, revoked_by TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE sessions(hash TEXT PRIMARY KEY, name TEXT NOT NULL, token_id INTEGER NOT NULL DEFAULT 0,"
    " role TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '', csrf TEXT NOT NULL, created INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL, addr TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX sessions_by_last_seen ON sessions(last_seen);"
    "CREATE TABLE login_links(hash TEXT PRIMARY KEY, name TEXT NOT NULL, token_id INTEGER NOT NULL DEFAULT 0,"
    " role TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, expires INTEGER NOT NULL,"
    " used INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE audit(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, who TEXT NOT NULL, addr TEXT NOT NULL,"
    " action TEXT NOT NULL, object TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL,"
    " prev TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE INDEX audit_by_ts ON audit(ts);",
    /* version 10: on-call overrides (alerting/oncall.h, db_oncall.c): who stands in for a rotation's
     * person over [start, end); ids never reused, so that the audit's "oncall.override.delete 7" stays
     * that one */
    "CREATE TABLE oncall_overrides(id INTEGER PRIMARY KEY AUTOINCREMENT, rotation TEXT NOT NULL, who TEXT NOT NULL,"
    " start INTEGER NOT NULL, end INTEGER NOT NULL, reason TEXT NOT NULL, created INTEGER NOT NULL,"
    " created_by TEXT NOT NULL);"
    "CREATE INDEX oncall_overrides_by_end ON oncall_overrides(rotation, end);",
    /* version 11: a pair of servers on one database (cluster/cluster.h, db_cluster.c): the leader's
     * lease (term: the fencing token, beat: its heartbeat); the accepted batches per node (each server
     * stores every push in its own RRD files); each notification's unique key (two leaders queue it
     * once) and the term that claimed its attempt */
    "CREATE TABLE cluster_lease(name TEXT PRIMARY KEY, holder TEXT NOT NULL, term INTEGER NOT NULL,"
    " beat INTEGER NOT NULL, renewed INTEGER NOT NULL);"
    "CREATE TABLE batches_v11(node TEXT NOT NULL DEFAULT '', agent TEXT NOT NULL, seq INTEGER NOT NULL,"
    " received INTEGER NOT NULL, samples INTEGER NOT NULL, PRIMARY KEY(node, agent, seq));"
    "INSERT INTO batches_v11(node, agent, seq, received, samples) SELECT '', agent, seq, received, samples FROM batches;"
    "DROP TABLE batches;"
    "ALTER TABLE batches_v11 RENAME TO batches;"
    "CREATE INDEX batches_by_received ON batches(received);"
    "ALTER TABLE notifications ADD COLUMN nkey TEXT;"
    "ALTER TABLE notifications ADD COLUMN claim_term INTEGER NOT NULL DEFAULT 0;"
    "CREATE UNIQUE INDEX notifications_by_key ON notifications(nkey);",
    /* version 12: shards (cluster/shard.h), each with its own lease and terms: the lease of the shard
     * whose leader queued a notification, the one that sends it (and requeues it after a takeover) */
    "ALTER TABLE notifications ADD COLUMN lease TEXT NOT NULL DEFAULT 'leader';",
};

/* The same migrations on PostgreSQL: SQLite's column types become PostgreSQL's (every integer 64-bit,
 * an INTEGER PRIMARY KEY a BIGSERIAL, as SQLite gives it the next rowid). malloc'd. */
static char *db_schema_pg(const char *ddl)
{
    static const char *const from[] = {"INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER PRIMARY KEY", "INTEGER", "REAL"};
    static const char *const to[] = {"BIGSERIAL PRIMARY KEY", "BIGSERIAL PRIMARY KEY", "BIGINT", "DOUBLE PRECISION"};
    size_t len = strlen(ddl);
    char *out = malloc(len * 2 + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = ddl; *p;) {
        size_t i = 0;
        for (; i < sizeof from / sizeof from[0]; i++) {
            size_t n = strlen(from[i]);
            if (!strncmp(p, from[i], n) && (p == ddl || p[-1] == ' ' || p[-1] == '(') &&
                (p[n] == ' ' || p[n] == ',' || p[n] == ')'))
                break;
        }
        if (i == sizeof from / sizeof from[0]) {
            *o++ = *p++;
            continue;
        }
        o += sprintf(o, "%s", to[i]);
        p += strlen(from[i]);
    }
    *o = '\0';
    return out;
}

#define DB_SCHEMA_VERSIONS ((int)(sizeof db_schema / sizeof db_schema[0]))

/* The schema version: SQLite keeps it in PRAGMA user_version; PostgreSQL in vigie_schema, read under
 * an advisory lock held until the migration commits, so that two servers starting together migrate
 * once. -1 on an error. Runs inside the migration's transaction. */
static int db_version(db *d)
{
    bool pg = sq_conn_kind(d->sql) == SQ_POSTGRES;
    if (pg && (sq_exec(d->sql, "SELECT pg_advisory_xact_lock(4242001)") != SQ_OK ||
               sq_exec(d->sql, "CREATE TABLE IF NOT EXISTS vigie_schema(version BIGINT NOT NULL)") != SQ_OK))
        return -1;
    sq_stmt *st;
    if (sq_prepare(d->sql, pg ? "SELECT max(version) FROM vigie_schema" : "PRAGMA user_version", &st) != SQ_OK)
        return -1;
    int version = sq_step(st) == SQ_ROW ? sq_column_int(st, 0) : -1;
    sq_finalize(st);
    return version;
}

static int db_version_set(db *d, int v)
{
    char sql[96];
    if (sq_conn_kind(d->sql) == SQ_POSTGRES)
        snprintf(sql, sizeof sql, "DELETE FROM vigie_schema; INSERT INTO vigie_schema VALUES(%d)", v);
    else
        snprintf(sql, sizeof sql, "PRAGMA user_version=%d;", v);
    return sq_exec(d->sql, sql);
}

static int db_apply(db *d, int v)
{
    if (sq_conn_kind(d->sql) != SQ_POSTGRES)
        return sq_exec(d->sql, db_schema[v]);
    char *ddl = db_schema_pg(db_schema[v]);
    int rc = ddl ? sq_exec(d->sql, ddl) : SQ_NOMEM;
    free(ddl);
    return rc;
}

/* One transaction for the whole climb: a failure leaves the schema as it was. */
static vg_code db_migrate(db *d, vg_err *err)
{
    if (sq_exec(d->sql, "BEGIN") != SQ_OK)
        return db_io(d, err, "schema migration");
    int version = db_version(d);
    vg_code rc = VG_OK;
    if (version < 0)
        rc = db_io(d, err, "schema version");
    else if (version > DB_SCHEMA_VERSIONS)
        rc = vg_fail(err, VG_E_CONFLICT, "the database is of schema %d, newer than this server (%d)", version,
                     DB_SCHEMA_VERSIONS);
    for (int v = version; rc == VG_OK && v < DB_SCHEMA_VERSIONS; v++)
        if (db_apply(d, v) != SQ_OK || db_version_set(d, v + 1) != SQ_OK)
            rc = db_io(d, err, "schema migration");
    if (rc == VG_OK && sq_exec(d->sql, "COMMIT") != SQ_OK)
        rc = db_io(d, err, "schema migration");
    if (rc != VG_OK)
        sq_exec(d->sql, "ROLLBACK");
    return rc;
}

int db_schema_version(void)
{
    return DB_SCHEMA_VERSIONS;
}

vg_code db_open(const char *target, db **out, vg_err *err)
{
    *out = NULL;
    db *d = calloc(1, sizeof *d);
    if (!d)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    char shown[512];
    sq_target_redact(target, shown, sizeof shown);
    if (sq_open(target, &d->sql) != SQ_OK) {
        db_io(d, err, shown);
        db_close(d);
        return VG_E_IO;
    }
    vg_code rc = VG_OK;
    if (sq_conn_kind(d->sql) == SQ_SQLITE) {
        sqlite3_busy_timeout(sq_sqlite_handle(d->sql), 5000);
        if (sq_exec(d->sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;") != SQ_OK)
            rc = db_io(d, err, shown);
    }
    if (rc == VG_OK)
        rc = db_migrate(d, err);
    if (rc != VG_OK) {
        db_close(d);
        return rc;
    }
    *out = d;
    return VG_OK;
}

bool db_is_postgres(const db *d)
{
    return sq_conn_kind(d->sql) == SQ_POSTGRES;
}

/* PostgreSQL checks its own pages (and is not a file of ours): answering is what is asked of it. */
vg_code db_quick_check(db *d, vg_err *err)
{
    sq_stmt *st;
    bool pg = sq_conn_kind(d->sql) == SQ_POSTGRES;
    if (sq_prepare(d->sql, pg ? "SELECT 'ok'" : "PRAGMA quick_check(1)", &st) != SQ_OK)
        return db_io(d, err, "quick_check");
    int rc = sq_step(st);
    char first[300] = "";
    if (rc == SQ_ROW)
        snprintf(first, sizeof first, "%s", db_col_text(st, 0));
    sq_finalize(st);
    if (rc != SQ_ROW)
        return db_io(d, err, "quick_check");
    if (strcmp(first, "ok") != 0)
        return vg_fail(err, VG_E_IO, "quick_check: %s", first);
    return VG_OK;
}

void db_close(db *d)
{
    if (!d)
        return;
    sq_stmt *kept[] = {d->seen,       d->add_batch,  d->upsert,     d->latest,   d->run_prev,
                            d->run_next,   d->run_extend, d->run_restart, d->run_delete, d->run_insert,
                            d->run_spans,  d->dev_upsert, d->ev_replace, d->ev_add,   d->ev_last,
                            d->begin,      d->commit,     d->rollback,   d->dev_each, d->members,
                            d->maint_list, d->track_load, d->drift_load, d->drift_save};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        sq_finalize(kept[i]);
    sq_close(d->sql);
    free(d);
}

vg_code db_begin(db *d, vg_err *err)
{
    /* A transaction still open here was left by a failure no path rolled back (nothing nests
     * db_begin): end it, or every later write fails with "cannot start a transaction within a
     * transaction" until a restart. */
    if (!(!sq_in_transaction(d->sql)))
        db_rollback(d);
    d->tx_changes = sq_total_changes(d->sql);
    if (db_exec_kept(d, &d->begin, "BEGIN IMMEDIATE") == SQ_OK)
        return VG_OK;
    return db_noted(db_io(d, err, "begin"), err);
}

vg_code db_commit(db *d, vg_err *err)
{
    if (db_exec_kept(d, &d->commit, "COMMIT") == SQ_OK) {
        if (sq_total_changes(d->sql) != d->tx_changes)
            db_storage_note(DB_PART_DB, true, NULL);
        return VG_OK;
    }
    db_io(d, err, "commit");
    db_rollback(d);
    return db_noted(VG_E_IO, err);
}

/* After SQLITE_FULL or SQLITE_IOERR, SQLite may already have rolled the transaction back itself
 * (then ROLLBACK would only fail); the kept ROLLBACK can fail when its statement cannot be prepared
 * (no memory), so the plain one is tried then. */
void db_rollback(db *d)
{
    if ((!sq_in_transaction(d->sql)))
        return;
    if (db_exec_kept(d, &d->rollback, "ROLLBACK") != SQ_OK && !(!sq_in_transaction(d->sql)))
        sq_exec(d->sql, "ROLLBACK");
}

vg_code db_transaction(db *d, db_tx_fn fn, void *ctx, vg_err *err)
{
    vg_code rc = db_begin(d, err);
    if (rc != VG_OK)
        return rc;
    if ((rc = fn(ctx, err)) != VG_OK) {
        db_rollback(d);
        return db_noted(rc, err);
    }
    return db_commit(d, err);
}

vg_code db_savepoint(db *d, const char *name, db_tx_fn fn, void *ctx, vg_err *err)
{
    char sql[3][96];
    snprintf(sql[0], sizeof sql[0], "SAVEPOINT %s", name);
    snprintf(sql[1], sizeof sql[1], "RELEASE %s", name);
    snprintf(sql[2], sizeof sql[2], "ROLLBACK TO %s", name);
    /* outside a transaction, SAVEPOINT starts one on SQLite and its RELEASE commits it; PostgreSQL
     * wants a BEGIN and a COMMIT around it. A RELEASE or COMMIT that fails (disk full) leaves it open,
     * so it is then rolled back whole */
    bool outer = !sq_in_transaction(d->sql), pg = sq_conn_kind(d->sql) == SQ_POSTGRES;
    int64_t changes = sq_total_changes(d->sql);
    if ((outer && pg && sq_exec(d->sql, "BEGIN") != SQ_OK) || sq_exec(d->sql, sql[0]) != SQ_OK) {
        db_io(d, err, name);
        if (outer)
            db_rollback(d);
        return db_noted(VG_E_IO, err);
    }
    vg_code rc = fn(ctx, err);
    if (rc == VG_OK && sq_exec(d->sql, sql[1]) == SQ_OK && (!outer || !pg || sq_exec(d->sql, "COMMIT") == SQ_OK)) {
        if (outer && sq_total_changes(d->sql) != changes)
            db_storage_note(DB_PART_DB, true, NULL);
        return VG_OK;
    }
    if (rc == VG_OK)
        rc = db_io(d, err, name);
    if (sq_in_transaction(d->sql)) {
        sq_exec(d->sql, sql[2]);
        sq_exec(d->sql, sql[1]);
    }
    if (outer)
        db_rollback(d);
    return db_noted(rc, err);
}

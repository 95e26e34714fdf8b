#include "config.h"
#include "store/db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct db {
    sqlite3 *sql;
    sqlite3_stmt *seen, *add_batch, *upsert, *latest;
    sqlite3_stmt *run_prev, *run_next, *run_extend, *run_restart, *run_delete, *run_insert, *run_spans;
    sqlite3_stmt *dev_upsert, *ev_replace, *ev_add, *ev_last; /* on every ingest: prepared once */
    sqlite3_stmt *begin, *commit, *rollback, *dev_each, *members, *maint_list; /* the same */
};

/* A statement prepared once per connection and kept. */
static sqlite3_stmt *db_stmt(db *d, sqlite3_stmt **slot, const char *sql)
{
    if (!*slot && sqlite3_prepare_v2(d->sql, sql, -1, slot, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_reset(*slot);
    sqlite3_clear_bindings(*slot);
    return *slot;
}

/* For the statements that call back while they step: the kept one, or a new one when a callback is
 * already stepping the kept one (it reads again). Give it back with db_stmt_give. */
static sqlite3_stmt *db_stmt_take(db *d, sqlite3_stmt **slot, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (*slot && sqlite3_stmt_busy(*slot))
        return sqlite3_prepare_v2(d->sql, sql, -1, &st, NULL) == SQLITE_OK ? st : NULL;
    return db_stmt(d, slot, sql);
}

static void db_stmt_give(sqlite3_stmt *st, sqlite3_stmt *kept)
{
    if (st == kept) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else {
        sqlite3_finalize(st);
    }
}

/* BEGIN IMMEDIATE, COMMIT or ROLLBACK from statements kept prepared: they run three times per push. */
static int db_exec_kept(db *d, sqlite3_stmt **slot, const char *sql)
{
    sqlite3_stmt *st = db_stmt(d, slot, sql);
    if (!st)
        return SQLITE_ERROR;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int db_begin(db *d) { return db_exec_kept(d, &d->begin, "BEGIN IMMEDIATE"); }
static int db_commit(db *d) { return db_exec_kept(d, &d->commit, "COMMIT"); }
static void db_rollback(db *d) { db_exec_kept(d, &d->rollback, "ROLLBACK"); }

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
};

struct sqlite3 *db_sqlite(db *d) { return d->sql; }

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
    sqlite3_stmt *more[] = {d->run_prev,   d->run_next, d->run_extend, d->run_restart, d->run_delete,
                            d->run_insert, d->run_spans, d->dev_upsert, d->ev_replace, d->ev_add,
                            d->ev_last,    d->begin,    d->commit,     d->rollback,    d->dev_each,
                            d->members,    d->maint_list};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        sqlite3_finalize(more[i]);
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
    if (db_begin(d) != SQLITE_OK)
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
        db_rollback(d);
        return -1;
    }
    if (db_commit(d) != SQLITE_OK) {
        db_fail(d, err, err_size, "commit");
        db_rollback(d);
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

/* ---- devices ------------------------------------------------------------------------------- */

int db_device_upsert(db *d, const char *site, const char *agent, const push_device *dev, int64_t now)
{
    sqlite3_stmt *st;
    if (!(st = db_stmt(d, &d->dev_upsert, "INSERT INTO devices(site, device, agent, class, profile, first_seen, last_seen)"
                           " VALUES(?,?,?,?,?,?,?) ON CONFLICT(site, device) DO UPDATE SET agent=excluded.agent,"
                           " class=excluded.class, profile=excluded.profile, last_seen=excluded.last_seen")))
        return -1;
    sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, dev->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, agent, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, dev->cls, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, dev->profile, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now);
    sqlite3_bind_int64(st, 7, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    return rc;
}

int db_devices_each(db *d, const char *site, db_device_fn fn, void *ctx)
{
    sqlite3_stmt *st =
        db_stmt_take(d, &d->dev_each, "SELECT device, class, profile, last_seen FROM devices WHERE site=? ORDER BY device");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3));
    db_stmt_give(st, d->dev_each);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- health runs --------------------------------------------------------------------------- */

typedef struct {
    bool found;
    int64_t start, last;
    health h;
} db_run;

static int db_run_read(sqlite3_stmt *st, db_run *r)
{
    int rc = sqlite3_step(st);
    r->found = rc == SQLITE_ROW;
    if (r->found) {
        r->h = (health)sqlite3_column_int(st, 0);
        r->start = sqlite3_column_int64(st, 1);
        r->last = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static void db_bind_key(sqlite3_stmt *st, const char *site, const char *member)
{
    sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, member, -1, SQLITE_STATIC);
}

int db_health_observe(db *d, const char *site, const char *member, int64_t ts, health h, const char *cause,
                      int64_t tol)
{
    db_run prev, next;
    sqlite3_stmt *st = db_stmt(d, &d->run_prev,
                               "SELECT health, start, last FROM health_runs WHERE site=? AND member=? AND start<=?"
                               " ORDER BY start DESC LIMIT 1");
    if (!st)
        return -1;
    db_bind_key(st, site, member);
    sqlite3_bind_int64(st, 3, ts);
    if (db_run_read(st, &prev) != 0)
        return -1;
    if (prev.found && ts <= prev.last)
        return 0; /* already observed (a replay), or contradicting a run: the first word stands */
    if (!(st = db_stmt(d, &d->run_next,
                       "SELECT health, start, last FROM health_runs WHERE site=? AND member=? AND start>?"
                       " ORDER BY start ASC LIMIT 1")))
        return -1;
    db_bind_key(st, site, member);
    sqlite3_bind_int64(st, 3, ts);
    if (db_run_read(st, &next) != 0)
        return -1;
    bool with_prev = prev.found && prev.h == h && ts - prev.last <= tol;
    bool with_next = next.found && next.h == h && next.start - ts <= tol;
    int rc = SQLITE_DONE;
    if (with_prev) {
        st = db_stmt(d, &d->run_extend, "UPDATE health_runs SET last=? WHERE site=? AND member=? AND start=?");
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, with_next ? next.last : ts);
        sqlite3_bind_text(st, 2, site, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, member, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, prev.start);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE && with_next) {
            if (!(st = db_stmt(d, &d->run_delete, "DELETE FROM health_runs WHERE site=? AND member=? AND start=?")))
                return -1;
            db_bind_key(st, site, member);
            sqlite3_bind_int64(st, 3, next.start);
            rc = sqlite3_step(st);
        }
        return rc == SQLITE_DONE ? 0 : -1;
    }
    if (with_next) {
        st = db_stmt(d, &d->run_restart, "UPDATE health_runs SET start=?, cause=? WHERE site=? AND member=? AND start=?");
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, ts);
        sqlite3_bind_text(st, 2, cause, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, site, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, member, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, next.start);
        return sqlite3_step(st) == SQLITE_DONE ? 1 : -1;
    }
    st = db_stmt(d, &d->run_insert,
                 "INSERT INTO health_runs(site, member, health, cause, start, last) VALUES(?,?,?,?,?,?)");
    if (!st)
        return -1;
    db_bind_key(st, site, member);
    sqlite3_bind_int(st, 3, (int)h);
    sqlite3_bind_text(st, 4, cause, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, ts);
    sqlite3_bind_int64(st, 6, ts);
    return sqlite3_step(st) == SQLITE_DONE ? 1 : -1;
}

int db_health_spans(db *d, const char *site, const char *member, int64_t from, int64_t to, int64_t step,
                    avail_span **spans, size_t *count)
{
    *spans = NULL;
    *count = 0;
    sqlite3_stmt *st = db_stmt(d, &d->run_spans,
                               "SELECT health, start, last, cause FROM health_runs WHERE site=? AND member=?"
                               " AND last>=? AND start<? ORDER BY start");
    if (!st)
        return -1;
    db_bind_key(st, site, member);
    sqlite3_bind_int64(st, 3, from - step);
    sqlite3_bind_int64(st, 4, to);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*count == cap) {
            cap = cap ? cap * 2 : 16;
            avail_span *p = realloc(*spans, cap * sizeof *p);
            if (!p) {
                sqlite3_reset(st);
                return -1;
            }
            *spans = p;
        }
        avail_span *sp = &(*spans)[(*count)++];
        sp->h = (health)sqlite3_column_int(st, 0);
        sp->start = sqlite3_column_int64(st, 1);
        sp->end = sqlite3_column_int64(st, 2) + step;
        const unsigned char *c = sqlite3_column_text(st, 3);
        snprintf(sp->cause, sizeof sp->cause, "%s", c ? (const char *)c : "");
        if (*count > 1 && (*spans)[*count - 2].end > sp->start)
            (*spans)[*count - 2].end = sp->start; /* the next run starts the next state */
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int db_health_members(db *d, const char *site, const char *prefix, char (*names)[AVAIL_NAME_MAX], size_t max,
                      size_t *count)
{
    *count = 0;
    sqlite3_stmt *st = db_stmt_take(d, &d->members,
                                    "SELECT DISTINCT member FROM health_runs WHERE site=? AND substr(member, 1, ?)=?"
                                    " ORDER BY member");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)strlen(prefix));
    sqlite3_bind_text(st, 3, prefix, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *count < max)
        snprintf(names[(*count)++], AVAIL_NAME_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
    db_stmt_give(st, d->members);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* ---- events -------------------------------------------------------------------------------- */

int db_event_replace(db *d, const char *site, const char *scope, const char *name, int64_t from, int64_t to)
{
    sqlite3_stmt *st;
    if (!(st = db_stmt(d, &d->ev_replace, "DELETE FROM events WHERE site=? AND scope=? AND name=? AND ts>=? AND ts<?")))
        return -1;
    sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, from);
    sqlite3_bind_int64(st, 5, to);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    return rc;
}

int db_event_add(db *d, const char *site, const char *scope, const char *name, int64_t ts, const char *state,
                 const char *cause, int64_t recorded)
{
    sqlite3_stmt *st;
    if (!(st = db_stmt(d, &d->ev_add, "INSERT INTO events(site, scope, name, ts, state, cause, recorded) VALUES(?,?,?,?,?,?,?)")))
        return -1;
    sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, ts);
    sqlite3_bind_text(st, 5, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, cause, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, recorded);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    return rc;
}

int db_event_last_before(db *d, const char *site, const char *scope, const char *name, int64_t ts, char *state,
                         size_t size)
{
    sqlite3_stmt *st;
    state[0] = '\0';
    if (!(st = db_stmt(d, &d->ev_last, "SELECT state FROM events WHERE site=? AND scope=? AND name=? AND ts<? ORDER BY ts DESC,"
                           " id DESC LIMIT 1")))
        return -1;
    sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, ts);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(state, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int db_events_each(db *d, const char *site, int64_t from, int64_t to, db_event_fn fn, void *ctx)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->sql,
                           "SELECT site, scope, name, ts, state, cause FROM events WHERE (?1 IS NULL OR site=?1)"
                           " AND ts>=?2 AND ts<?3 ORDER BY ts, id",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (site)
        sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3),
           (const char *)sqlite3_column_text(st, 4), (const char *)sqlite3_column_text(st, 5));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- maintenance --------------------------------------------------------------------------- */

int64_t db_maintenance_add(db *d, const char *site, const char *service, int64_t start, int64_t end,
                           const char *reason, const char *who, int64_t now)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->sql,
                           "INSERT INTO maintenance(site, service, start, end, reason, who, created)"
                           " VALUES(?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, service, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, start);
    sqlite3_bind_int64(st, 4, end);
    sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, who, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, now);
    int64_t id = sqlite3_step(st) == SQLITE_DONE ? sqlite3_last_insert_rowid(d->sql) : -1;
    sqlite3_finalize(st);
    return id;
}

int db_maintenance_delete(db *d, int64_t id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->sql, "DELETE FROM maintenance WHERE id=?", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? (sqlite3_changes(d->sql) ? 0 : 1) : -1;
    sqlite3_finalize(st);
    return rc;
}

int db_maintenance_list(db *d, const char *site, int64_t from, int64_t to, avail_window **out, size_t *count,
                        int64_t **ids)
{
    sqlite3_stmt *st;
    *out = NULL;
    *count = 0;
    if (ids)
        *ids = NULL;
    if (!(st = db_stmt_take(d, &d->maint_list,
                            "SELECT id, service, start, end, reason, who FROM maintenance WHERE (?1 IS NULL OR site=?1)"
                            " AND end>?2 AND start<?3 ORDER BY start, id")))
        return -1;
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
                if (ids)
                    free(q ? q : *ids);
                *out = NULL;
                db_stmt_give(st, d->maint_list);
                return -1;
            }
            *out = p;
            if (ids)
                *ids = q;
        }
        avail_window *w = &(*out)[*count];
        memset(w, 0, sizeof *w);
        if (ids)
            (*ids)[*count] = sqlite3_column_int64(st, 0);
        snprintf(w->service, sizeof w->service, "%s", (const char *)sqlite3_column_text(st, 1));
        w->start = sqlite3_column_int64(st, 2);
        w->end = sqlite3_column_int64(st, 3);
        snprintf(w->reason, sizeof w->reason, "%s", (const char *)sqlite3_column_text(st, 4));
        snprintf(w->who, sizeof w->who, "%s", (const char *)sqlite3_column_text(st, 5));
        (*count)++;
    }
    db_stmt_give(st, d->maint_list);
    return rc == SQLITE_DONE ? 0 : -1;
}

int db_transaction(db *d, int (*fn)(void *ctx), void *ctx)
{
    if (db_begin(d) != SQLITE_OK)
        return -1;
    if (fn(ctx) != 0) {
        db_rollback(d);
        return -1;
    }
    if (db_commit(d) != SQLITE_OK) {
        db_rollback(d);
        return -1;
    }
    return 0;
}

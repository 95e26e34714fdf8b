/* db: the server's SQLite database (DATA_DIR/vigie.db, WAL mode).
 *
 * Holds what is not a time series: the latest value of every series (for /api/v1/status and the
 * dashboard), the batches already accepted (agent, seq) so that a replayed batch is stored once, the
 * devices as their agents describe them, the health runs of devices and metric conditions, the state
 * change events, the maintenance windows, and the alerting tables (alert_store.h). Schema changes go
 * through db_migrate() (db.c), versioned by PRAGMA user_version. Only server/store/ sees SQL: other
 * modules call these functions (see server/store/README.md).
 *
 * Every function that can fail returns a vg_code (lib/error.h): VG_OK, VG_E_NOT_FOUND for what is
 * not there, VG_E_IO when the database failed, and fills err when it is not NULL. */
#ifndef VIGIE_DB_H
#define VIGIE_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "names.h"
#include "push.h"
#include "sla/availability.h"
#include "sla/recurrence.h"

typedef struct db db;

/* ---- connection (db.c) ---------------------------------------------------------------------- */

/* Opens (creates) the database and brings its schema up to date. target: a SQLite file's path (or
 * "sqlite:PATH"), or PostgreSQL's "postgresql://..." URI or conninfo (server.yaml `database:`, see
 * doc/postgresql.md). Errors never show the target's password. */
vg_code db_open(const char *target, db **out, vg_err *err);
/* Whether the connection is PostgreSQL's (a database shared by a pair of servers). */
bool db_is_postgres(const db *d);
/* The schema version this server brings a database to. */
int db_schema_version(void);
void db_close(db *d);

/* Runs fn inside one transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK when fn or COMMIT fails):
 * what fn returned, or VG_E_IO. */
typedef vg_code (*db_tx_fn)(void *ctx, vg_err *err);
vg_code db_transaction(db *d, db_tx_fn fn, void *ctx, vg_err *err);
/* Runs fn inside SAVEPOINT name ... RELEASE, nested in a transaction or not (ROLLBACK TO when fn or
 * the release fails): what fn returned, or VG_E_IO. name is an SQL identifier of the caller's. */
vg_code db_savepoint(db *d, const char *name, db_tx_fn fn, void *ctx, vg_err *err);

/* ---- storage status (db.c), for /api/v1/health -------------------------------------------- */

/* What is written: the database, or the RRD files (noted by their writer's caller). */
typedef enum { DB_PART_DB = 0, DB_PART_RRD = 1 } db_part;
typedef struct {
    bool failing;         /* the last write of this part failed */
    int64_t since;        /* when it started failing, or when it last recovered (0: never failed) */
    int64_t error_at;     /* time of the last error, 0 when none */
    char last_error[256]; /* its message (never a secret), kept after recovery */
} db_storage;
/* Notes the outcome of a write (process-wide, thread-safe): the db functions note their own
 * transactions; callers of rrd_store_write note theirs with DB_PART_RRD. */
void db_storage_note(db_part part, bool ok, const char *what);
void db_storage_get(db_part part, db_storage *out);

/* Runs PRAGMA quick_check: VG_E_IO naming the first problem when the database is damaged. */
vg_code db_quick_check(db *d, vg_err *err);

/* Retention (db_retention.c): deletes what is older than its cutoff (Unix time; 0: keep all), at most
 * `limit` rows per table and per call, each table in a short transaction of its own: accepted
 * batches (received), sent or failed notifications (created), resolved alerts (resolved) and their
 * notifications, state change events (ts), health runs ended before the cutoff (last), late
 * samples (ts, db_late.c). *deleted (may be NULL): the rows deleted. */
typedef struct {
    int64_t batches, notifications, alerts, events, health_runs, late_samples;
} db_retention;
vg_code db_retention_purge(db *d, const db_retention *cutoff, int limit, long *deleted, vg_err *err);

/* ---- accepted batches, latest values, devices (db_latest.c) --------------------------------- */

/* *seen: whether the agent's batch `seq` was already stored. */
vg_code db_batch_seen(db *d, const char *agent, uint64_t seq, bool *seen, vg_err *err);
/* Records the batch and its samples' latest values in one transaction. */
vg_code db_batch_store(db *d, const char *site, const push_batch *b, int64_t received, vg_err *err);
/* The same for a batch whose samples belong to several sites (a checking agent's public sites,
 * http/ingest_route.h): sample i's latest value is site_of(ctx, i)'s. One transaction. */
vg_code db_batch_store_sites(db *d, const push_batch *b, const char *(*site_of)(void *ctx, size_t i), void *ctx,
                             int64_t received, vg_err *err);

/* Calls fn once per latest value, ordered by site, device, metric, instance. */
typedef void (*db_latest_fn)(void *ctx, const char *site, const char *agent, const push_sample *s,
                             int64_t received);
vg_code db_latest_each(db *d, db_latest_fn fn, void *ctx, vg_err *err);
/* The same for one site and one device (NULL: any): a device's series with their latest value. */
vg_code db_latest_query(db *d, const char *site, const char *device, db_latest_fn fn, void *ctx, vg_err *err);

/* Devices as their agents describe them (class, profile), for building site services. */
vg_code db_device_upsert(db *d, const char *site, const char *agent, const push_device *dev, int64_t now,
                         vg_err *err);
/* Calls fn for each device of a site; class may be "" when never described. No vg_err: VG_E_IO. */
typedef void (*db_device_fn)(void *ctx, const char *device, const char *cls, const char *profile, int64_t last_seen);
vg_code db_devices_each(db *d, const char *site, db_device_fn fn, void *ctx);

/* ---- late samples (db_late.c) ------------------------------------------------------------------
 *
 * RRD takes no sample older than its file's last update. Such samples (a batch replayed after newer
 * ones were stored) are kept here, so that the series API serves them (store_series_add_late): at
 * most DB_LATE_PER_SERIES a series, each (series, ts) once, purged by the retention. */

#define DB_LATE_PER_SERIES 10000 /* 7 days at a step of 60 s */

/* Keeps the samples of b (late ones: the caller selects them) of `site`: a sample whose series and
 * time are already kept is not kept again, nor one past DB_LATE_PER_SERIES of its series. *kept: the
 * new rows; *over_cap (may be NULL): those refused for the cap. One transaction. */
vg_code db_late_add(db *d, const char *site, const push_batch *b, int64_t received, size_t *kept, size_t *over_cap,
                    vg_err *err);
/* Calls fn for each kept sample of one series with from < ts <= to, in time order. */
typedef void (*db_late_fn)(void *ctx, int64_t ts, double value);
vg_code db_late_each(db *d, const char *site, const char *device, const char *metric, const char *instance,
                     int64_t from, int64_t to, db_late_fn fn, void *ctx, vg_err *err);

/* ---- health runs (db_health.c) -------------------------------------------------------------- */

/* Whose health a run is: a device, or one condition of a service judged on one series. */
typedef enum { DB_MEMBER_DEVICE, DB_MEMBER_CONDITION } db_member_kind;
typedef struct {
    db_member_kind kind;
    char service[NAME_MAX_LEN + 1]; /* conditions only */
    char device[NAME_MAX_LEN + 1];
    char metric[NAME_MAX_LEN + 1];     /* conditions only */
    char instance[INSTANCE_MAX_LEN + 1]; /* conditions only; "" for a scalar metric */
} db_member;

void db_member_device(db_member *m, const char *device);
void db_member_condition(db_member *m, const char *service, const char *device, const char *metric,
                         const char *instance);
/* How reports and causes name a member: "ups1", or "env env.temperature@1" for a condition. */
void db_member_display(const db_member *m, char *out, size_t size);

/* Consecutive observations of one member with the same health are one run [start, last]. An
 * observation `tol` seconds or less after a run (or before the next one) with the same health extends
 * it; observations may arrive out of order (replayed spools) and fill gaps. *changed (may be NULL):
 * whether the observation started a new run (a change). */
vg_code db_health_observe(db *d, const char *site, const db_member *m, int64_t ts, health h, const char *cause,
                          int64_t tol, bool *changed, vg_err *err);
/* The member's spans overlapping [from, to): run [start, last] covers [start, min(last + step,
 * next start)). Caller frees *spans. */
vg_code db_health_spans(db *d, const char *site, const db_member *m, int64_t from, int64_t to, int64_t step,
                        avail_span **spans, size_t *count, vg_err *err);
/* The condition members of a service of a site that have runs (at most max), ordered. */
vg_code db_health_conditions(db *d, const char *site, const char *service, db_member *out, size_t max,
                             size_t *count, vg_err *err);

/* ---- state change events (db_events.c) ------------------------------------------------------ */

/* Events of (site, scope device | service | site, name) with their cause. */
vg_code db_event_replace(db *d, const char *site, const char *scope, const char *name, int64_t from, int64_t to,
                         vg_err *err);
vg_code db_event_add(db *d, const char *site, const char *scope, const char *name, int64_t ts, const char *state,
                     const char *cause, int64_t recorded, vg_err *err);
/* The last state of (site, scope, name) strictly before ts, "" if none. */
vg_code db_event_last_before(db *d, const char *site, const char *scope, const char *name, int64_t ts, char *state,
                             size_t size, vg_err *err);
typedef void (*db_event_fn)(void *ctx, const char *site, const char *scope, const char *name, int64_t ts,
                            const char *state, const char *cause);
/* Events of [from, to) of a site (NULL: every site), in time order. */
vg_code db_events_each(db *d, const char *site, int64_t from, int64_t to, db_event_fn fn, void *ctx, vg_err *err);

/* ---- maintenance windows (db_maintenance.c, db_maintenance_occ.c) -------------------------- */

/* A window is a one-off, or a series: a rule (sla/recurrence.h) expanded in the site's zone from its
 * first occurrence [start, end), each occurrence of which may be moved or cancelled alone (the row of
 * maintenance_occurrences keyed by the occurrence's start as the rule gives it). Ids are never
 * reused (schema version 7). */

/* A one-off window: service "" is the whole site; *id (may be NULL) is the new window's. */
vg_code db_maintenance_add(db *d, const char *site, const char *service, int64_t start, int64_t end,
                           const char *reason, const char *who, int64_t now, int64_t *id, vg_err *err);
/* A series of rule rrule in zone tz whose first occurrence is [start, end): VG_E_INVALID (field rrule,
 * start or end) for what recur_check refuses; its last_end is that of its last occurrence. */
vg_code db_maintenance_add_series(db *d, const char *site, const char *service, int64_t start, int64_t end,
                                  const char *rrule, const char *tz, const char *reason, const char *who, int64_t now,
                                  int64_t *id, vg_err *err);
/* A window, or a whole series with its moved and cancelled occurrences. VG_E_NOT_FOUND when there is
 * no such window. */
vg_code db_maintenance_delete(db *d, int64_t id, vg_err *err);
/* Windows of a site (NULL: every site) overlapping [from, to), sorted by start: the one-off windows
 * and the occurrences of series, moved ones at their new times, cancelled ones left out; (*ids)[i] is
 * the window's or its series' id, out[i].occurrence the occurrence (0 for a one-off). Caller frees *out
 * and *ids (ids may be NULL). No vg_err: VG_E_IO or VG_E_NOMEM. */
vg_code db_maintenance_list(db *d, const char *site, int64_t from, int64_t to, avail_window **out, size_t *count,
                            int64_t **ids);

/* One window as the listings give it. */
typedef struct {
    int64_t id;                  /* the window's, or its series' */
    char site[NAME_MAX_LEN + 1];
    avail_window w;              /* w.occurrence: the occurrence's start as the rule gives it, 0 for a one-off */
    char rrule[RECUR_RULE_MAX];  /* "" for a one-off */
    char tz[64];                 /* the zone a series is expanded in */
    bool moved;                  /* an occurrence at other times than the rule's */
    bool cancelled;              /* an occurrence cancelled (listed when asked for, at the rule's times) */
    int64_t changed;             /* when a moved or cancelled occurrence was changed, else 0 */
    int64_t created;             /* when the window or its series was declared (by w.who, unless changed) */
} db_maint_item;

/* db_maintenance_list with the rule and the flags; with_cancelled lists cancelled occurrences too.
 * *truncated (may be NULL) is set when a series had more than RECUR_QUERY_MAX occurrences in [from,
 * to) (the first ones are listed). Caller frees *out. */
vg_code db_maintenance_items(db *d, const char *site, int64_t from, int64_t to, bool with_cancelled,
                             db_maint_item **out, size_t *count, bool *truncated, vg_err *err);
/* A window or a series as declared (w its first occurrence, w.occurrence 0). VG_E_NOT_FOUND. */
vg_code db_maintenance_get(db *d, int64_t id, db_maint_item *out, vg_err *err);
/* One occurrence of a series as it is now (moved, cancelled or as the rule gives it): VG_E_NOT_FOUND
 * (field "id" or "occurrence") when there is no such series or occ is not one of its occurrences,
 * VG_E_INVALID (field "id") for a one-off window. */
vg_code db_maintenance_occurrence_get(db *d, int64_t series, int64_t occ, db_maint_item *out, vg_err *err);
/* Moves or edits one occurrence of a series to [start, end) with reason (a cancelled one comes back),
 * leaving the series and its other occurrences alone: VG_E_CONFLICT (field "start") when it would
 * overlap another occurrence of the series. who made the change at now. */
vg_code db_maintenance_occurrence_set(db *d, int64_t series, int64_t occ, int64_t start, int64_t end,
                                      const char *reason, const char *who, int64_t now, vg_err *err);
/* Cancels one occurrence of a series (again: no change). */
vg_code db_maintenance_occurrence_cancel(db *d, int64_t series, int64_t occ, const char *who, int64_t now,
                                         vg_err *err);

#endif

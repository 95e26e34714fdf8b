/* db: the server's SQLite database (DATA_DIR/vigie.db, WAL mode).
 *
 * Holds what is not a time series: the latest value of every series (for /api/v1/status and the
 * dashboard), the batches already accepted (agent, seq) so that a replayed batch is stored once,
 * and, as the other modules land, events, alerts and maintenance windows. Schema changes go
 * through db_migrate(), versioned by PRAGMA user_version. */
#ifndef VIGIE_DB_H
#define VIGIE_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "sla/availability.h"
#include "push.h"

typedef struct db db;

db *db_open(const char *path, char *err, size_t err_size);
void db_close(db *d);

/* True when the agent's batch `seq` was already stored. -1 on error. */
int db_batch_seen(db *d, const char *agent, uint64_t seq);
/* Records the batch and its samples' latest values in one transaction. */
int db_batch_store(db *d, const char *site, const push_batch *b, int64_t received, char *err, size_t err_size);

/* Calls fn once per latest value, ordered by site, device, metric, instance. */
typedef void (*db_latest_fn)(void *ctx, const char *site, const char *agent, const push_sample *s,
                             int64_t received);
int db_latest_each(db *d, db_latest_fn fn, void *ctx);

/* Devices as their agents describe them (class, profile), for building site services. */
int db_device_upsert(db *d, const char *site, const char *agent, const push_device *dev, int64_t now);
/* Calls fn for each device of a site; class may be "" when never described. */
typedef void (*db_device_fn)(void *ctx, const char *device, const char *cls, const char *profile, int64_t last_seen);
int db_devices_each(db *d, const char *site, db_device_fn fn, void *ctx);

/* Health runs: consecutive observations of one member (a device, or a metric condition) with the
 * same health are one run [start, last]. An observation `tol` seconds or less after a run (or
 * before the next one) with the same health extends it; observations may arrive out of order
 * (replayed spools) and fill gaps. Returns 1 when the observation started a new run (a change). */
int db_health_observe(db *d, const char *site, const char *member, int64_t ts, health h, const char *cause,
                      int64_t tol);
/* The member's spans overlapping [from, to): run [start, last] covers [start, min(last + step,
 * next start)). Caller frees *spans. */
int db_health_spans(db *d, const char *site, const char *member, int64_t from, int64_t to, int64_t step,
                    avail_span **spans, size_t *count);

/* Names of the members of a site whose name starts with prefix (at most max). */
int db_health_members(db *d, const char *site, const char *prefix, char (*names)[AVAIL_NAME_MAX], size_t max,
                      size_t *count);

/* State change events (scope device | service | site) with their cause. */
int db_event_replace(db *d, const char *site, const char *scope, const char *name, int64_t from, int64_t to);
int db_event_add(db *d, const char *site, const char *scope, const char *name, int64_t ts, const char *state,
                 const char *cause, int64_t recorded);
/* The last state of (site, scope, name) strictly before ts, "" if none. */
int db_event_last_before(db *d, const char *site, const char *scope, const char *name, int64_t ts, char *state,
                         size_t size);
typedef void (*db_event_fn)(void *ctx, const char *site, const char *scope, const char *name, int64_t ts,
                            const char *state, const char *cause);
int db_events_each(db *d, const char *site, int64_t from, int64_t to, db_event_fn fn, void *ctx);

/* Maintenance windows. service "" is the whole site. Returns the new id, or -1. */
int64_t db_maintenance_add(db *d, const char *site, const char *service, int64_t start, int64_t end,
                           const char *reason, const char *who, int64_t now);
int db_maintenance_delete(db *d, int64_t id);
/* Windows of a site overlapping [from, to); caller frees *out. */
int db_maintenance_list(db *d, const char *site, int64_t from, int64_t to, avail_window **out, size_t *count,
                        int64_t **ids);

/* The connection itself, for modules that own their tables (alerts.c). */
struct sqlite3;
struct sqlite3 *db_sqlite(db *d);

/* Runs fn inside one transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on failure). */
int db_transaction(db *d, int (*fn)(void *ctx), void *ctx);

#endif

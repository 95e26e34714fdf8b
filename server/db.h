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

#endif

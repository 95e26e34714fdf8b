/* db_pool: a connection to vigie.db for each thread that asks, so that readers never queue behind a
 * writer nor behind each other (WAL: each connection reads its own snapshot while one writes).
 *
 * A thread's first db_pool_get() opens its connection (db_open: WAL, schema already up to date); the
 * next ones return it. It is closed when the thread ends, or by db_pool_free() for the threads still
 * running. SQLite serialises writers by itself; the server still keeps one writers' lock of its own
 * (api_ctx.lock) because an ingest reads then writes across transactions.
 *
 * db_read_begin()/db_read_end() wrap one request's reads in one read transaction, so that a report
 * built by many queries sees the database as it was at one instant, not half of a push. */
#ifndef VIGIE_DB_POOL_H
#define VIGIE_DB_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "store/db.h"

typedef struct db_pool db_pool;

/* path: vigie.db, opened (and migrated) once already by the caller. */
vg_code db_pool_new(const char *path, db_pool **out, vg_err *err);
/* The calling thread's connection; NULL (err filled) when it cannot be opened. */
db *db_pool_get(db_pool *p, vg_err *err);
/* Connections open now (for /metrics and tests). */
size_t db_pool_size(db_pool *p);
/* Closes every connection: call it once no thread uses the pool any more. */
void db_pool_free(db_pool *p);

/* A read transaction on d (BEGIN DEFERRED) when none is open, *began saying whether this call opened
 * it; db_read_end ends what it opened. VG_E_IO when BEGIN fails: the caller may still read, statement
 * by statement. */
vg_code db_read_begin(db *d, bool *began, vg_err *err);
void db_read_end(db *d, bool began);

#endif

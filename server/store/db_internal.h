/* db_internal: what the files of the store share about the SQLite connection; not for other modules.
 *
 * The connection and the statements kept prepared on it (one slot per statement that runs at every
 * push), with the helpers that take, reset and give them back, and the one way a failed statement
 * becomes a vg_err (VG_E_IO with SQLite's message). */
#ifndef VIGIE_DB_INTERNAL_H
#define VIGIE_DB_INTERNAL_H

#include <sqlite3.h>

#include "error.h"
#include "store/db.h"

struct db {
    sqlite3 *sql;
    sqlite3_stmt *seen, *add_batch, *upsert, *latest;
    sqlite3_stmt *run_prev, *run_next, *run_extend, *run_restart, *run_delete, *run_insert, *run_spans;
    sqlite3_stmt *dev_upsert, *ev_replace, *ev_add, *ev_last; /* on every ingest: prepared once */
    sqlite3_stmt *begin, *commit, *rollback, *dev_each, *members, *maint_list; /* the same */
    sqlite3_stmt *track_load; /* alert_store: once per judged sample */
    sqlite3_stmt *drift_load, *drift_save; /* alert_store_drift: once per sample a drift rule judges */
    int tx_changes; /* sqlite3_total_changes() at BEGIN: a commit that wrote nothing proves no write works */
};

/* A statement prepared once per connection and kept, reset and unbound; NULL when it cannot be. */
sqlite3_stmt *db_stmt(db *d, sqlite3_stmt **slot, const char *sql);
/* For the statements that call back while they step: the kept one, or a new one when a callback is
 * already stepping the kept one (it reads again). Give it back with db_stmt_give. */
sqlite3_stmt *db_stmt_take(db *d, sqlite3_stmt **slot, const char *sql);
void db_stmt_give(sqlite3_stmt *st, sqlite3_stmt *kept);

/* The connection's own transaction (db_transaction is the public one); db_commit rolls back when it
 * fails. */
vg_code db_begin(db *d, vg_err *err);
vg_code db_commit(db *d, vg_err *err);
void db_rollback(db *d);

/* VG_E_IO with "what: SQLite's last message". */
vg_code db_io(db *d, vg_err *err, const char *what);

/* A text column, "" for NULL. */
const char *db_col_text(sqlite3_stmt *st, int i);

#endif

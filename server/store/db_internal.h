/* db_internal: what the files of the store share about the connection; not for other modules.
 *
 * The connection (sq.h: SQLite or PostgreSQL) and the statements kept prepared on it (one slot per
 * statement that runs at every
 * push), with the helpers that take, reset and give them back, and the one way a failed statement
 * becomes a vg_err (VG_E_IO with the database's message). */
#ifndef VIGIE_DB_INTERNAL_H
#define VIGIE_DB_INTERNAL_H


#include "error.h"
#include "store/db.h"
#include "store/sq.h"

struct db {
    sq_conn *sql;
    sq_stmt *seen, *add_batch, *upsert, *latest;
    sq_stmt *run_prev, *run_next, *run_extend, *run_restart, *run_delete, *run_insert, *run_spans;
    sq_stmt *dev_upsert, *ev_replace, *ev_add, *ev_last; /* on every ingest: prepared once */
    sq_stmt *begin, *commit, *rollback, *dev_each, *members, *maint_list; /* the same */
    sq_stmt *track_load; /* alert_store: once per judged sample */
    sq_stmt *drift_load, *drift_save; /* alert_store_drift: once per sample a drift rule judges */
    int64_t tx_changes; /* sq_total_changes() at BEGIN: a commit that wrote nothing proves no write works */
};

/* A statement prepared once per connection and kept, reset and unbound; NULL when it cannot be. */
sq_stmt *db_stmt(db *d, sq_stmt **slot, const char *sql);
/* For the statements that call back while they step: the kept one, or a new one when a callback is
 * already stepping the kept one (it reads again). Give it back with db_stmt_give. */
sq_stmt *db_stmt_take(db *d, sq_stmt **slot, const char *sql);
void db_stmt_give(sq_stmt *st, sq_stmt *kept);

/* The connection's own transaction (db_transaction is the public one); db_commit rolls back when it
 * fails. */
vg_code db_begin(db *d, vg_err *err);
vg_code db_commit(db *d, vg_err *err);
void db_rollback(db *d);

/* VG_E_IO with "what: the database's last message". */
vg_code db_io(db *d, vg_err *err, const char *what);

/* A text column, "" for NULL. */
const char *db_col_text(sq_stmt *st, int i);

#endif

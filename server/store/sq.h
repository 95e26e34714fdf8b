/* sq: the one SQL interface of the store, over SQLite or PostgreSQL (libpq); not for other modules.
 *
 * It keeps SQLite's shape (prepare, bind, step, column, reset, finalize), so that the store's files
 * read as they did, and adds a second backend: a statement on PostgreSQL is sent with its parameters
 * as text (the server infers their types from the SQL, as SQLite's affinity does), its whole result is
 * kept and stepped row by row. The SQL itself is written once for both (server/store/README.md says
 * which subset); on PostgreSQL `?N` and `?` become `$N`, and BEGIN IMMEDIATE / DEFERRED become BEGIN.
 * A connection to PostgreSQL that broke is opened again at the next statement outside a transaction,
 * so that a restarted database costs one failed write, not a restart of the server.
 *
 * Targets: "postgresql://..." / "postgres://..." or a libpq conninfo ("host=... dbname=...") is
 * PostgreSQL; "sqlite:PATH" or any other string is the path of a SQLite file. */
#ifndef VIGIE_SQ_H
#define VIGIE_SQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sq_conn sq_conn;
typedef struct sq_stmt sq_stmt;

/* Result codes, SQLite's own numbers (the SQLite backend passes them through). */
enum { SQ_OK = 0, SQ_ERROR = 1, SQ_BUSY = 5, SQ_NOMEM = 7, SQ_CONSTRAINT = 19, SQ_ROW = 100, SQ_DONE = 101 };
/* Column types. */
enum { SQ_INTEGER = 1, SQ_FLOAT = 2, SQ_TEXT = 3, SQ_NULL = 5 };
/* Bound text is always copied; the argument is kept so that calls read like SQLite's. */
#define SQ_TRANSIENT 0

typedef enum { SQ_SQLITE = 0, SQ_POSTGRES = 1 } sq_kind;

/* Which backend a target names, and the SQLite path it names (target itself, or after "sqlite:"). */
sq_kind sq_target_kind(const char *target);
const char *sq_target_path(const char *target);
/* The target with any password replaced by "***", for logs and errors. */
void sq_target_redact(const char *target, char *out, size_t size);

/* Opens the target (creates a SQLite file). On failure *out may still be set, to give the message
 * through sq_errmsg; close it with sq_close. */
int sq_open(const char *target, sq_conn **out);
void sq_close(sq_conn *c);
sq_kind sq_conn_kind(const sq_conn *c);
const char *sq_errmsg(sq_conn *c);

/* Runs statements without parameters, several separated by ';'. */
int sq_exec(sq_conn *c, const char *sql);
/* false while a transaction is open (SQLite's autocommit is off). */
bool sq_in_transaction(sq_conn *c);
/* Rows changed by the last statement, and by every statement of the connection. */
int64_t sq_changes(sq_conn *c);
int64_t sq_total_changes(sq_conn *c);
/* The id the last INSERT gave a row (PostgreSQL: lastval() of the session). */
int64_t sq_last_insert_rowid(sq_conn *c);

int sq_prepare(sq_conn *c, const char *sql, sq_stmt **out);
int sq_finalize(sq_stmt *st);
int sq_reset(sq_stmt *st);
int sq_clear_bindings(sq_stmt *st);
/* Whether the statement has been stepped and not reset yet. */
bool sq_stmt_busy(sq_stmt *st);
int sq_bind_parameter_count(sq_stmt *st);

/* Parameters are 1-based, as in SQLite; n < 0: up to the NUL. */
int sq_bind_text(sq_stmt *st, int i, const char *s, int n, int copy);
int sq_bind_int64(sq_stmt *st, int i, int64_t v);
int sq_bind_int(sq_stmt *st, int i, int v);
int sq_bind_double(sq_stmt *st, int i, double v);
int sq_bind_null(sq_stmt *st, int i);

int sq_step(sq_stmt *st);

int sq_column_type(sq_stmt *st, int i);
int64_t sq_column_int64(sq_stmt *st, int i);
int sq_column_int(sq_stmt *st, int i);
double sq_column_double(sq_stmt *st, int i);
/* NULL for a NULL value; valid until the next step, reset or finalize. */
const unsigned char *sq_column_text(sq_stmt *st, int i);
int sq_column_bytes(sq_stmt *st, int i);

/* Statements the connection has started (each sq_exec counts one): what a listing costs, for the tests. */
int64_t sq_statements(const sq_conn *c);

/* The SQLite handle, for the tests that trace statements (NULL on PostgreSQL). */
void *sq_sqlite_handle(sq_conn *c);

/* The statement in PostgreSQL's dialect (exposed for its unit test): malloc'd, NULL when out of memory.
 * *nparams: the highest parameter number. */
char *sq_pg_translate(const char *sql, int *nparams);

#endif

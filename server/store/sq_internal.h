/* sq_internal: the shim's two backends share these structs (sq.c is SQLite and the dispatch,
 * sq_pg.c is PostgreSQL); nothing outside those two files includes it. */
#ifndef VIGIE_SQ_INTERNAL_H
#define VIGIE_SQ_INTERNAL_H

#include <libpq-fe.h>
#include <stdint.h>
#include <sqlite3.h>

#include "store/sq.h"

struct sq_conn {
    sq_kind kind;
    sqlite3 *lite;
    PGconn *pg;
    char *conninfo;        /* PostgreSQL: kept to open the connection again when it broke */
    char err[512];         /* PostgreSQL: the last error's message */
    int64_t changes, total; /* PostgreSQL: rows changed by the last statement, and by all */
    int64_t started;        /* statements started (sq_statements) */
    uint64_t gen;           /* PostgreSQL: +1 at each connection made, whose prepared statements die with it */
    uint64_t names;         /* PostgreSQL: the server-side prepared statements named so far */
};

struct sq_stmt {
    sq_conn *c;
    sqlite3_stmt *lite;
    /* PostgreSQL */
    char *sql;       /* translated */
    int nparams;
    char **vals;     /* nparams values, NULL for SQL NULL; owned */
    Oid *types;      /* 0 (inferred) for the parameters the text uses, text for those it skips */
    PGresult *res;
    int row, nrows;  /* the row the columns read; row == -1 before the first step */
    bool done;       /* stepped to its end */
    int runs;        /* times executed: from the second, a server-side prepared statement (sq_pg.c) */
    char pname[24];  /* its name on the server, "" for none */
    uint64_t pgen;   /* the connection's gen it was prepared on */
};

int sqpg_open(sq_conn *c, const char *conninfo);
void sqpg_close(sq_conn *c);
int sqpg_exec(sq_conn *c, const char *sql);
bool sqpg_in_transaction(sq_conn *c);
int64_t sqpg_last_insert_rowid(sq_conn *c);
int sqpg_prepare(sq_stmt *st, const char *sql);
void sqpg_reset(sq_stmt *st);
int sqpg_bind(sq_stmt *st, int i, const char *text);
int sqpg_step(sq_stmt *st);
/* Before a statement is freed: its server-side copy, if any, deallocated. */
void sqpg_unprepare(sq_stmt *st);
int sqpg_column_type(sq_stmt *st, int i);
const char *sqpg_value(sq_stmt *st, int i);

#endif

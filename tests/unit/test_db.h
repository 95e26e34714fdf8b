/* The database a unit test opens: the SQLite file it names, or, when VIGIE_TEST_PG holds a
 * PostgreSQL URI (tests/unit/pg_units.sh starts one), a schema of its own in that database, created
 * empty at its first use, so that every test starts from nothing as it does with a new file.
 * tu_db(path) gives the same target for the same path within a process (a test that reopens its
 * database finds its rows). tu_db_pg() says which one runs, for the few tests that act on the SQLite
 * file itself (a schema taken back, a page damaged): they say so and skip on PostgreSQL. */
#ifndef VIGIE_TEST_DB_H
#define VIGIE_TEST_DB_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/sq.h"

#define TU_DB_MAX 64

static inline bool tu_db_pg(void)
{
    const char *pg = getenv("VIGIE_TEST_PG");
    return pg && *pg;
}

static inline const char *tu_db(const char *path)
{
    static char paths[TU_DB_MAX][600], targets[TU_DB_MAX][1024];
    static int n;
    if (!tu_db_pg())
        return path;
    for (int i = 0; i < n; i++)
        if (!strcmp(paths[i], path))
            return targets[i];
    if (n == TU_DB_MAX)
        abort();
    const char *uri = getenv("VIGIE_TEST_PG");
    char schema[64], sql[160];
    snprintf(schema, sizeof schema, "t_%ld_%d", (long)getpid(), n);
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema, schema);
    sq_conn *c;
    if (sq_open(uri, &c) != SQ_OK || sq_exec(c, sql) != SQ_OK) {
        fprintf(stderr, "test database: %s\n", sq_errmsg(c));
        abort();
    }
    sq_close(c);
    snprintf(paths[n], sizeof paths[n], "%s", path);
    snprintf(targets[n], sizeof targets[n], "%s%soptions=-csearch_path%%3D%s", uri, strchr(uri, '?') ? "&" : "?",
             schema);
    return targets[n++];
}

/* A statement's first column as a number, on the test's database (SQLite file or PostgreSQL). */
static inline long long tu_db_count(const char *path, const char *sql)
{
    sq_conn *c;
    sq_stmt *st;
    int rc = sq_open(tu_db(path), &c);
    if (rc == SQ_OK && sq_sqlite_handle(c))
        sqlite3_busy_timeout(sq_sqlite_handle(c), 5000);
    if (rc != SQ_OK || sq_prepare(c, sql, &st) != SQ_OK) {
        fprintf(stderr, "%s: %s\n", sql, sq_errmsg(c));
        abort();
    }
    long long v = sq_step(st) == SQ_ROW ? (long long)sq_column_int64(st, 0) : -1;
    sq_finalize(st);
    sq_close(c);
    return v;
}

/* Runs statements on the test's database; 0 when done, else prints why. */
static inline int tu_db_exec(const char *path, const char *sql)
{
    sq_conn *c;
    int rc = sq_open(tu_db(path), &c);
    if (rc == SQ_OK && sq_sqlite_handle(c))
        sqlite3_busy_timeout(sq_sqlite_handle(c), 5000);
    if (rc == SQ_OK)
        rc = sq_exec(c, sql);
    if (rc != SQ_OK)
        fprintf(stderr, "%s: %s\n", sql, sq_errmsg(c));
    sq_close(c);
    return rc == SQ_OK ? 0 : -1;
}

#endif

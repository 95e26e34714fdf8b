#include "config.h"
#include "store/sq_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The dispatch between the two backends, and the SQLite one (a pass-through). */

int sq_open(const char *target, sq_conn **out)
{
    sq_conn *c = calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return SQ_NOMEM;
    c->kind = sq_target_kind(target);
    if (c->kind == SQ_POSTGRES)
        return sqpg_open(c, target);
    return sqlite3_open_v2(sq_target_path(target), &c->lite, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
}

void sq_close(sq_conn *c)
{
    if (!c)
        return;
    if (c->kind == SQ_POSTGRES)
        sqpg_close(c);
    else
        sqlite3_close(c->lite);
    free(c);
}

sq_kind sq_conn_kind(const sq_conn *c)
{
    return c->kind;
}

const char *sq_errmsg(sq_conn *c)
{
    if (!c)
        return "out of memory";
    if (c->kind == SQ_POSTGRES)
        return c->err[0] ? c->err : "no error";
    return sqlite3_errmsg(c->lite);
}

int64_t sq_statements(const sq_conn *c)
{
    return c->started;
}

int sq_exec(sq_conn *c, const char *sql)
{
    c->started++;
    if (c->kind == SQ_POSTGRES)
        return sqpg_exec(c, sql);
    return sqlite3_exec(c->lite, sql, NULL, NULL, NULL);
}

bool sq_in_transaction(sq_conn *c)
{
    if (c->kind == SQ_POSTGRES)
        return sqpg_in_transaction(c);
    return !sqlite3_get_autocommit(c->lite);
}

int64_t sq_changes(sq_conn *c)
{
    return c->kind == SQ_POSTGRES ? c->changes : sqlite3_changes(c->lite);
}

int64_t sq_total_changes(sq_conn *c)
{
    return c->kind == SQ_POSTGRES ? c->total : sqlite3_total_changes(c->lite);
}

int64_t sq_last_insert_rowid(sq_conn *c)
{
    return c->kind == SQ_POSTGRES ? sqpg_last_insert_rowid(c) : sqlite3_last_insert_rowid(c->lite);
}

void *sq_sqlite_handle(sq_conn *c)
{
    return c->kind == SQ_SQLITE ? c->lite : NULL;
}

int sq_prepare(sq_conn *c, const char *sql, sq_stmt **out)
{
    *out = NULL;
    sq_stmt *st = calloc(1, sizeof *st);
    if (!st)
        return SQ_NOMEM;
    st->c = c;
    int rc = c->kind == SQ_POSTGRES ? sqpg_prepare(st, sql) : sqlite3_prepare_v2(c->lite, sql, -1, &st->lite, NULL);
    if (rc != SQ_OK) {
        sq_finalize(st);
        return rc;
    }
    *out = st;
    return SQ_OK;
}

int sq_finalize(sq_stmt *st)
{
    if (!st)
        return SQ_OK;
    if (st->c->kind == SQ_POSTGRES) {
        sqpg_reset(st);
        sqpg_unprepare(st);
        for (int i = 0; i < st->nparams; i++)
            free(st->vals[i]);
        free(st->vals);
        free(st->types);
        free(st->sql);
    } else {
        sqlite3_finalize(st->lite);
    }
    free(st);
    return SQ_OK;
}

int sq_reset(sq_stmt *st)
{
    if (st->c->kind == SQ_POSTGRES) {
        sqpg_reset(st);
        return SQ_OK;
    }
    return sqlite3_reset(st->lite);
}

int sq_clear_bindings(sq_stmt *st)
{
    if (st->c->kind != SQ_POSTGRES)
        return sqlite3_clear_bindings(st->lite);
    for (int i = 0; i < st->nparams; i++) {
        free(st->vals[i]);
        st->vals[i] = NULL;
    }
    return SQ_OK;
}

bool sq_stmt_busy(sq_stmt *st)
{
    if (st->c->kind == SQ_POSTGRES)
        return st->res != NULL && !st->done;
    return sqlite3_stmt_busy(st->lite) != 0;
}

int sq_bind_parameter_count(sq_stmt *st)
{
    return st->c->kind == SQ_POSTGRES ? st->nparams : sqlite3_bind_parameter_count(st->lite);
}

int sq_bind_text(sq_stmt *st, int i, const char *s, int n, int copy)
{
    (void)copy;
    if (st->c->kind != SQ_POSTGRES)
        return sqlite3_bind_text(st->lite, i, s, n, SQLITE_TRANSIENT);
    if (!s)
        return sqpg_bind(st, i, NULL);
    if (n < 0)
        return sqpg_bind(st, i, s);
    char *t = strndup(s, (size_t)n);
    if (!t)
        return SQ_NOMEM;
    int rc = sqpg_bind(st, i, t);
    free(t);
    return rc;
}

int sq_bind_int64(sq_stmt *st, int i, int64_t v)
{
    if (st->c->kind != SQ_POSTGRES)
        return sqlite3_bind_int64(st->lite, i, v);
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return sqpg_bind(st, i, buf);
}

int sq_bind_int(sq_stmt *st, int i, int v)
{
    return sq_bind_int64(st, i, v);
}

int sq_bind_double(sq_stmt *st, int i, double v)
{
    if (st->c->kind != SQ_POSTGRES)
        return sqlite3_bind_double(st->lite, i, v);
    char buf[40];
    if (isnan(v))
        snprintf(buf, sizeof buf, "NaN");
    else if (isinf(v))
        snprintf(buf, sizeof buf, "%sInfinity", v < 0 ? "-" : "");
    else
        snprintf(buf, sizeof buf, "%.17g", v);
    return sqpg_bind(st, i, buf);
}

int sq_bind_null(sq_stmt *st, int i)
{
    if (st->c->kind != SQ_POSTGRES)
        return sqlite3_bind_null(st->lite, i);
    return sqpg_bind(st, i, NULL);
}

int sq_step(sq_stmt *st)
{
    if (st->c->kind == SQ_POSTGRES ? st->res == NULL : !sqlite3_stmt_busy(st->lite))
        st->c->started++; /* a statement starting; PostgreSQL's stepped past its end runs nothing */
    return st->c->kind == SQ_POSTGRES ? sqpg_step(st) : sqlite3_step(st->lite);
}

int sq_column_type(sq_stmt *st, int i)
{
    return st->c->kind == SQ_POSTGRES ? sqpg_column_type(st, i) : sqlite3_column_type(st->lite, i);
}

int64_t sq_column_int64(sq_stmt *st, int i)
{
    if (st->c->kind != SQ_POSTGRES)
        return sqlite3_column_int64(st->lite, i);
    const char *v = sqpg_value(st, i);
    if (!v)
        return 0;
    if (v[0] == 't' && !v[1]) /* a boolean */
        return 1;
    if (strchr(v, '.') || strchr(v, 'e')) /* numeric or float: SQLite truncates as well */
        return (int64_t)strtod(v, NULL);
    return strtoll(v, NULL, 10);
}

int sq_column_int(sq_stmt *st, int i)
{
    return (int)sq_column_int64(st, i);
}

double sq_column_double(sq_stmt *st, int i)
{
    if (st->c->kind != SQ_POSTGRES)
        return sqlite3_column_double(st->lite, i);
    const char *v = sqpg_value(st, i);
    if (!v)
        return 0;
    if (v[0] == 't' && !v[1])
        return 1;
    return strtod(v, NULL);
}

const unsigned char *sq_column_text(sq_stmt *st, int i)
{
    if (st->c->kind != SQ_POSTGRES)
        return sqlite3_column_text(st->lite, i);
    return (const unsigned char *)sqpg_value(st, i);
}

int sq_column_bytes(sq_stmt *st, int i)
{
    if (st->c->kind != SQ_POSTGRES)
        return sqlite3_column_bytes(st->lite, i);
    const char *v = sqpg_value(st, i);
    return v ? (int)strlen(v) : 0;
}

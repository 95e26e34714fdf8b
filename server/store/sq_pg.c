#include "config.h"
#include "store/sq_internal.h"

#include <ctype.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The PostgreSQL backend of sq.h. Parameters travel as text with no declared type, so that the server
 * infers each from where it stands (a column, a comparison, a function argument), as SQLite's
 * affinity does; results come back as text and the column functions convert them. */

#define SQPG_PARAMS_MAX 999 /* SQLite's own bound on a parameter's number */

static void sqpg_quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* NOTICEs ("already exists, skipping") are not the server's log */
}

static void sqpg_error(sq_conn *c, const char *msg)
{
    snprintf(c->err, sizeof c->err, "%s", msg && *msg ? msg : "PostgreSQL failed");
    size_t n = strlen(c->err);
    while (n > 0 && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
        c->err[--n] = '\0';
}

static int sqpg_connect(sq_conn *c)
{
    /* the target's own values come last, so that they win over these defaults */
    const char *keys[] = {"application_name", "connect_timeout", "dbname", NULL};
    const char *vals[] = {"vigie-server", "10", c->conninfo, NULL};
    if (c->pg)
        PQfinish(c->pg);
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (!c->pg) {
        sqpg_error(c, "out of memory");
        return SQ_NOMEM;
    }
    if (PQstatus(c->pg) != CONNECTION_OK) {
        sqpg_error(c, PQerrorMessage(c->pg));
        return SQ_ERROR;
    }
    PQsetNoticeProcessor(c->pg, sqpg_quiet, NULL);
    PGresult *r = PQexec(c->pg, "SET client_min_messages = warning");
    PQclear(r);
    c->gen++; /* the statements prepared on the connection before are gone with it */
    return SQ_OK;
}

int sqpg_open(sq_conn *c, const char *conninfo)
{
    if (!(c->conninfo = strdup(conninfo))) {
        sqpg_error(c, "out of memory");
        return SQ_NOMEM;
    }
    return sqpg_connect(c);
}

void sqpg_close(sq_conn *c)
{
    if (c->pg)
        PQfinish(c->pg);
    free(c->conninfo);
}

/* A connection that broke (the database restarted) is opened again, but never inside a transaction:
 * the statements before the break would be lost without the caller knowing. */
static bool sqpg_usable(sq_conn *c)
{
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
        return true;
    return sqpg_connect(c) == SQ_OK;
}

/* SQLSTATE classes the store acts on: 23 (a constraint), 40 (serialization, deadlock: try again). */
static int sqpg_code(sq_conn *c, PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    sqpg_error(c, r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
    if (state && !strncmp(state, "23", 2))
        return SQ_CONSTRAINT;
    if (state && !strncmp(state, "40", 2))
        return SQ_BUSY;
    return r ? SQ_ERROR : SQ_NOMEM;
}

/* Rows an INSERT, UPDATE or DELETE changed (with or without RETURNING); a SELECT changes none. */
static void sqpg_count(sq_conn *c, PGresult *r)
{
    const char *status = PQcmdStatus(r);
    c->changes = 0;
    if (!strncmp(status, "INSERT", 6) || !strncmp(status, "UPDATE", 6) || !strncmp(status, "DELETE", 6)) {
        c->changes = strtoll(PQcmdTuples(r), NULL, 10);
        c->total += c->changes;
    }
}

/* Runs the translated text. A connection found broken before it is opened again (sqpg_usable); one
 * that breaks under it, outside a transaction, is opened again and the statement sent once more
 * only when sending it twice changes nothing (BEGIN, SELECT): a write may have been done before the
 * break, so it fails once and its caller says so (an agent's batch is sent again by its spool). */
static bool sqpg_resendable(const char *sql)
{
    return !strncasecmp(sql, "BEGIN", 5) || !strncasecmp(sql, "SELECT", 6);
}

static PGresult *sqpg_run(sq_conn *c, const char *sql, int n, const Oid *types, const char *const *vals)
{
    if (!sqpg_usable(c))
        return NULL;
    bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    PGresult *r = n ? PQexecParams(c->pg, sql, n, types, vals, NULL, NULL, 0) : PQexec(c->pg, sql);
    if (PQstatus(c->pg) != CONNECTION_OK && idle && sqpg_resendable(sql)) {
        PQclear(r);
        if (sqpg_connect(c) != SQ_OK)
            return NULL;
        r = n ? PQexecParams(c->pg, sql, n, types, vals, NULL, NULL, 0) : PQexec(c->pg, sql);
    }
    return r;
}

int sqpg_exec(sq_conn *c, const char *sql)
{
    int n = 0;
    char *t = sq_pg_translate(sql, &n);
    if (!t) {
        sqpg_error(c, "out of memory");
        return SQ_NOMEM;
    }
    PGresult *r = sqpg_run(c, t, 0, NULL, NULL);
    free(t);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = SQ_OK;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
        sqpg_count(c, r);
    else
        rc = r ? sqpg_code(c, r) : SQ_ERROR;
    PQclear(r);
    return rc;
}

bool sqpg_in_transaction(sq_conn *c)
{
    if (!c->pg)
        return false;
    PGTransactionStatusType s = PQtransactionStatus(c->pg);
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

int64_t sqpg_last_insert_rowid(sq_conn *c)
{
    PGresult *r = PQexec(c->pg, "SELECT lastval()");
    int64_t id = 0;
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return id;
}

int sqpg_prepare(sq_stmt *st, const char *sql)
{
    if (!(st->sql = sq_pg_translate(sql, &st->nparams))) {
        sqpg_error(st->c, "out of memory");
        return SQ_NOMEM;
    }
    if (st->nparams > SQPG_PARAMS_MAX) {
        sqpg_error(st->c, "too many parameters");
        return SQ_ERROR;
    }
    if (st->nparams && (!(st->vals = calloc((size_t)st->nparams, sizeof *st->vals)) ||
                        !(st->types = calloc((size_t)st->nparams, sizeof *st->types)))) {
        sqpg_error(st->c, "out of memory");
        return SQ_NOMEM;
    }
    /* a parameter the statement never names (SQLite numbers ?2 without ?1) cannot be inferred */
    for (int i = 0; i < st->nparams; i++)
        st->types[i] = 25; /* text */
    for (const char *p = strchr(st->sql, '$'); p; p = strchr(p + 1, '$')) {
        int n = atoi(p + 1);
        if (n >= 1 && n <= st->nparams)
            st->types[n - 1] = 0;
    }
    st->row = -1;
    return SQ_OK;
}

void sqpg_reset(sq_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    st->nrows = 0;
    st->done = false;
}

int sqpg_bind(sq_stmt *st, int i, const char *text)
{
    if (i < 1 || i > st->nparams)
        return SQ_ERROR; /* SQLITE_RANGE in SQLite: the caller's mistake */
    char *v = NULL;
    if (text && !(v = strdup(text)))
        return SQ_NOMEM;
    free(st->vals[i - 1]);
    st->vals[i - 1] = v;
    return SQ_OK;
}

/* A statement run again (one the store keeps, reset between runs) is prepared on the server once, so
 * that PostgreSQL parses and plans it once per connection instead of at every run; one run once is
 * sent with its text (no server-side object to free). Whether preparing works or not, the run goes
 * on: on the prepared statement, or with its text. */
static bool sqpg_prepared(sq_stmt *st)
{
    sq_conn *c = st->c;
    if (st->runs < 1 || !st->nparams || !sqpg_usable(c) || PQtransactionStatus(c->pg) == PQTRANS_INERROR)
        return false;
    if (st->pname[0] && st->pgen == c->gen)
        return true;
    char name[sizeof st->pname];
    snprintf(name, sizeof name, "vigie_%llu", (unsigned long long)++c->names);
    PGresult *r = PQprepare(c->pg, name, st->sql, st->nparams, st->types);
    bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok)
        return false;
    snprintf(st->pname, sizeof st->pname, "%s", name);
    st->pgen = c->gen;
    return true;
}

void sqpg_unprepare(sq_stmt *st)
{
    sq_conn *c = st->c;
    if (!st->pname[0] || st->pgen != c->gen || !c->pg || PQstatus(c->pg) != CONNECTION_OK ||
        PQtransactionStatus(c->pg) == PQTRANS_INERROR)
        return; /* gone with its connection, or with the session's end */
    char sql[sizeof st->pname + 16];
    snprintf(sql, sizeof sql, "DEALLOCATE %s", st->pname);
    PQclear(PQexec(c->pg, sql));
    st->pname[0] = '\0';
}

/* The run: on the prepared statement when there is one (sqpg_prepared), else as sqpg_run sends text. */
static PGresult *sqpg_run_stmt(sq_stmt *st)
{
    const char *const *vals = (const char *const *)st->vals;
    bool prepared = sqpg_prepared(st);
    st->runs++;
    if (!prepared)
        return sqpg_run(st->c, st->sql, st->nparams, st->types, vals);
    sq_conn *c = st->c;
    bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    PGresult *r = PQexecPrepared(c->pg, st->pname, st->nparams, vals, NULL, NULL, 0);
    if (PQstatus(c->pg) != CONNECTION_OK && idle && sqpg_resendable(st->sql)) {
        PQclear(r); /* sent again with its text on a new connection (sqpg_run makes it) */
        r = sqpg_run(c, st->sql, st->nparams, st->types, vals);
    }
    return r;
}

int sqpg_step(sq_stmt *st)
{
    if (st->done)
        return SQ_DONE;
    if (!st->res) {
        PGresult *r = sqpg_run_stmt(st);
        ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
            int rc = r ? sqpg_code(st->c, r) : SQ_ERROR;
            if (!r)
                sqpg_error(st->c, st->c->pg ? PQerrorMessage(st->c->pg) : "no connection");
            PQclear(r);
            return rc;
        }
        sqpg_count(st->c, r);
        st->res = r;
        st->nrows = s == PGRES_TUPLES_OK ? PQntuples(r) : 0;
        st->row = -1;
    }
    if (++st->row < st->nrows)
        return SQ_ROW;
    st->done = true;
    return SQ_DONE;
}

int sqpg_column_type(sq_stmt *st, int i)
{
    if (!st->res || st->row < 0 || st->row >= st->nrows || i < 0 || i >= PQnfields(st->res) ||
        PQgetisnull(st->res, st->row, i))
        return SQ_NULL;
    switch (PQftype(st->res, i)) {
    case 16: /* bool */
    case 20: /* int8 */
    case 21: /* int2 */
    case 23: /* int4 */
        return SQ_INTEGER;
    case 700:  /* float4 */
    case 701:  /* float8 */
    case 1700: /* numeric */
        return SQ_FLOAT;
    default:
        return SQ_TEXT;
    }
}

const char *sqpg_value(sq_stmt *st, int i)
{
    if (sqpg_column_type(st, i) == SQ_NULL)
        return NULL;
    return PQgetvalue(st->res, st->row, i);
}

/* ---- the dialect ----------------------------------------------------------------------------- */

static bool sqpg_word(const char *p, const char *w, const char *start)
{
    size_t n = strlen(w);
    if (strncasecmp(p, w, n) != 0)
        return false;
    if (p > start && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '"'))
        return false;
    return !isalnum((unsigned char)p[n]) && p[n] != '_' && p[n] != '"';
}

/* `?N` -> `$N`, `?` -> `$(highest so far + 1)` as SQLite numbers them; BEGIN IMMEDIATE/DEFERRED ->
 * BEGIN; `?N IS NULL` -> `CAST($N AS TEXT) IS NULL`; `rowid` -> `ctid`; the column name `end` (lower
 * case: the keyword is written END) quoted, PostgreSQL reserving it. Quoted strings and identifiers
 * are copied as they are. */
char *sq_pg_translate(const char *sql, int *nparams)
{
    size_t len = strlen(sql);
    char *out = malloc(len * 20 + 16), *o = out;
    if (!out)
        return NULL;
    int high = 0;
    for (const char *p = sql; *p;) {
        if (*p == '\'' || *p == '"') {
            char q = *p;
            *o++ = *p++;
            while (*p) {
                if (*p == q && p[1] == q) {
                    *o++ = *p++;
                    *o++ = *p++;
                } else if (*p == q) {
                    *o++ = *p++;
                    break;
                } else {
                    *o++ = *p++;
                }
            }
        } else if (*p == '?') {
            p++;
            int n = 0;
            if (isdigit((unsigned char)*p)) {
                while (isdigit((unsigned char)*p) && n < 100000)
                    n = n * 10 + (*p++ - '0');
            } else {
                n = high + 1;
            }
            if (n > high)
                high = n;
            /* a parameter only tested for NULL has no type PostgreSQL can infer: the store's are text */
            const char *q = p;
            while (*q == ' ')
                q++;
            if (sqpg_word(q, "IS", sql) && !strncasecmp(q + 2, " NULL", 5) && !isalnum((unsigned char)q[7]))
                o += sprintf(o, "CAST($%d AS TEXT)", n);
            else
                o += sprintf(o, "$%d", n);
        } else if (sqpg_word(p, "BEGIN", sql) && p[5] == ' ' &&
                   (sqpg_word(p + 6, "IMMEDIATE", sql) || sqpg_word(p + 6, "DEFERRED", sql))) {
            o += sprintf(o, "BEGIN");
            p += 6;
            while (isalpha((unsigned char)*p))
                p++;
        } else if (!strncmp(p, "rowid", 5) && sqpg_word(p, "rowid", sql)) {
            o += sprintf(o, "ctid"); /* a row's address within the statement, all the store asks of rowid */
            p += 5;
        } else if (!strncmp(p, "end", 3) && sqpg_word(p, "end", sql)) {
            o += sprintf(o, "\"end\"");
            p += 3;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    *nparams = high;
    return out;
}

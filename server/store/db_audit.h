/* db_audit: the rows of the audit trail (table `audit`, schema version 9), for audit/audit.c, which
 * computes their hashes and judges the chain: this file only stores, lists and deletes rows. Ids are
 * given by the caller (the last id + 1), never by SQLite, so that a row deleted leaves a gap. A row is
 * read into fixed buffers; one whose columns do not fit them or are not of their type (a row no append
 * can have written) is read with `malformed` set rather than cut silently. */
#ifndef VIGIE_DB_AUDIT_H
#define VIGIE_DB_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store/db.h"

/* The bounds of the fields, in bytes (audit.c truncates to them). */
#define DB_AUDIT_WHO_MAX 64
#define DB_AUDIT_ADDR_MAX 64
#define DB_AUDIT_ACTION_MAX 64
#define DB_AUDIT_OBJECT_MAX 512
#define DB_AUDIT_OUTCOME_MAX 32
#define DB_AUDIT_DETAIL_MAX 1024
#define DB_AUDIT_HASH_HEX 64

typedef struct {
    int64_t id, ts;
    char who[DB_AUDIT_WHO_MAX + 1];
    char addr[DB_AUDIT_ADDR_MAX + 1];
    char action[DB_AUDIT_ACTION_MAX + 1];
    char object[DB_AUDIT_OBJECT_MAX + 1];
    char outcome[DB_AUDIT_OUTCOME_MAX + 1];
    char detail[DB_AUDIT_DETAIL_MAX + 1];
    char prev[DB_AUDIT_HASH_HEX + 1]; /* the hash of the entry before, "" for the first ever */
    char hash[DB_AUDIT_HASH_HEX + 1];
    bool malformed; /* read only: a column too long for its buffer, or not of its type */
} db_audit_row;

/* What a listing selects; zeroes and NULLs select everything. */
typedef struct {
    int64_t since, until; /* since <= ts < until; 0: unbounded */
    const char *who;      /* exact name, or NULL */
    const char *action;   /* exact action, or a prefix when it ends with '.', or NULL */
    int limit;            /* at most this many, the newest (0: all) */
} db_audit_filter;

/* Inside a transaction, before db_audit_last: holds the trail's end until the transaction ends, so
 * that two connections appending at once (request threads, or the two servers of a pair) never both
 * take the id after the last: PostgreSQL's advisory lock, SQLite's write lock taken first. */
vg_code db_audit_serialize(db *d, vg_err *err);
/* The row of the highest id; *found false when the table is empty. */
vg_code db_audit_last(db *d, db_audit_row *out, bool *found, vg_err *err);
/* Inserts r as it is (id included); VG_E_CONFLICT when its id exists. */
vg_code db_audit_insert(db *d, const db_audit_row *r, vg_err *err);
/* Calls fn for each row that f selects (f NULL: every row), in id order; fn returning false stops. With
 * a limit, *more (may be NULL) tells whether older rows matched too. */
typedef bool (*db_audit_fn)(void *ctx, const db_audit_row *r);
vg_code db_audit_each(db *d, const db_audit_filter *f, db_audit_fn fn, void *ctx, bool *more, vg_err *err);

/* The retention's bound: the oldest rows all older than cutoff, at most limit of them (a row at or after
 * the cutoff ends the run: rows are deleted from the start of the trail only). *count: how many (0:
 * none), *through: the id of the last of them, *hash: its hash. */
vg_code db_audit_purgeable(db *d, int64_t cutoff, int limit, long *count, int64_t *through,
                           char hash[DB_AUDIT_HASH_HEX + 1], vg_err *err);
/* Deletes the rows of id <= through; *deleted: how many. */
vg_code db_audit_delete_through(db *d, int64_t through, long *deleted, vg_err *err);

#endif

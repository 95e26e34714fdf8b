#include "config.h"
#include "store/db_cluster.h"

#include <stdio.h>
#include <string.h>

#include "store/db_internal.h"

/* The lease row and the claims of notifications (db_cluster.h). A few statements a second at most:
 * prepared at each call, not kept. */

#define DBC_LEASE dbc_lease

static char dbc_node[NAME_MAX_LEN + 1];
static char dbc_lease[NAME_MAX_LEN + 1] = "leader";

void db_lease_name_set(const char *name) { snprintf(dbc_lease, sizeof dbc_lease, "%s", name && *name ? name : "leader"); }

const char *db_lease_name(void) { return dbc_lease; }

void db_batch_node_set(const char *node) { snprintf(dbc_node, sizeof dbc_node, "%s", node ? node : ""); }

const char *db_batch_node(void) { return dbc_node; }

/* Runs a prepared write to its end: *changes the rows it changed. */
static vg_code dbc_write(db *d, sq_stmt *st, const char *what, int *changes, vg_err *err)
{
    if (!st)
        return db_io(d, err, what);
    int rc = sq_step(st);
    sq_finalize(st);
    if (rc != SQ_DONE)
        return db_io(d, err, what);
    *changes = (int)sq_changes(d->sql);
    return VG_OK;
}

static sq_stmt *dbc_prepare(db *d, const char *sql)
{
    sq_stmt *st = NULL;
    return sq_prepare(d->sql, sql, &st) == SQ_OK ? st : NULL;
}

vg_code db_lease_read(db *d, db_lease *out, vg_err *err)
{
    memset(out, 0, sizeof *out);
    sq_stmt *st = dbc_prepare(d, "SELECT holder, term, beat, renewed FROM cluster_lease WHERE name = ?");
    if (!st)
        return db_io(d, err, "lease");
    sq_bind_text(st, 1, DBC_LEASE, -1, SQ_TRANSIENT);
    int rc = sq_step(st);
    if (rc == SQ_ROW) {
        out->found = true;
        snprintf(out->holder, sizeof out->holder, "%s", db_col_text(st, 0));
        out->term = sq_column_int64(st, 1);
        out->beat = sq_column_int64(st, 2);
        out->renewed = sq_column_int64(st, 3);
    }
    sq_finalize(st);
    return rc == SQ_ROW || rc == SQ_DONE ? VG_OK : db_io(d, err, "lease");
}

vg_code db_lease_create(db *d, const char *node, int64_t now, bool *won, vg_err *err)
{
    *won = false;
    sq_stmt *st = dbc_prepare(d, "INSERT INTO cluster_lease(name, holder, term, beat, renewed)"
                                      " VALUES(?, ?, 1, 1, ?) ON CONFLICT(name) DO NOTHING");
    if (st) {
        sq_bind_text(st, 1, DBC_LEASE, -1, SQ_TRANSIENT);
        sq_bind_text(st, 2, node, -1, SQ_TRANSIENT);
        sq_bind_int64(st, 3, now);
    }
    int n = 0;
    vg_code rc = dbc_write(d, st, "lease", &n, err);
    *won = rc == VG_OK && n == 1;
    return rc;
}

vg_code db_lease_take(db *d, const char *node, int64_t term, int64_t beat, int64_t now, bool *won, vg_err *err)
{
    *won = false;
    sq_stmt *st = dbc_prepare(d, "UPDATE cluster_lease SET holder = ?, term = term + 1, beat = beat + 1,"
                                      " renewed = ? WHERE name = ? AND term = ? AND beat = ?");
    if (st) {
        sq_bind_text(st, 1, node, -1, SQ_TRANSIENT);
        sq_bind_int64(st, 2, now);
        sq_bind_text(st, 3, DBC_LEASE, -1, SQ_TRANSIENT);
        sq_bind_int64(st, 4, term);
        sq_bind_int64(st, 5, beat);
    }
    int n = 0;
    vg_code rc = dbc_write(d, st, "lease", &n, err);
    *won = rc == VG_OK && n == 1;
    return rc;
}

vg_code db_lease_force(db *d, const char *node, int64_t now, int64_t *term, vg_err *err)
{
    *term = 0;
    sq_stmt *st = dbc_prepare(d, "INSERT INTO cluster_lease(name, holder, term, beat, renewed) VALUES(?, ?, 1, 1, ?)"
                                      " ON CONFLICT(name) DO UPDATE SET holder = excluded.holder,"
                                      " term = cluster_lease.term + 1, beat = cluster_lease.beat + 1,"
                                      " renewed = excluded.renewed");
    if (st) {
        sq_bind_text(st, 1, DBC_LEASE, -1, SQ_TRANSIENT);
        sq_bind_text(st, 2, node, -1, SQ_TRANSIENT);
        sq_bind_int64(st, 3, now);
    }
    int n = 0;
    vg_code rc = dbc_write(d, st, "lease", &n, err);
    db_lease l;
    if (rc == VG_OK && (rc = db_lease_read(d, &l, err)) == VG_OK)
        *term = l.term;
    return rc;
}

vg_code db_lease_renew(db *d, const char *node, int64_t term, int64_t now, bool *kept, vg_err *err)
{
    *kept = false;
    sq_stmt *st = dbc_prepare(d, "UPDATE cluster_lease SET beat = beat + 1, renewed = ?"
                                      " WHERE name = ? AND holder = ? AND term = ?");
    if (st) {
        sq_bind_int64(st, 1, now);
        sq_bind_text(st, 2, DBC_LEASE, -1, SQ_TRANSIENT);
        sq_bind_text(st, 3, node, -1, SQ_TRANSIENT);
        sq_bind_int64(st, 4, term);
    }
    int n = 0;
    vg_code rc = dbc_write(d, st, "lease", &n, err);
    *kept = rc == VG_OK && n == 1;
    return rc;
}

vg_code db_lease_release(db *d, const char *node, int64_t term, vg_err *err)
{
    /* the term changes too: a claim of the old term made after this point fails */
    sq_stmt *st = dbc_prepare(d, "UPDATE cluster_lease SET holder = '', term = term + 1, beat = beat + 1"
                                      " WHERE name = ? AND holder = ? AND term = ?");
    if (st) {
        sq_bind_text(st, 1, DBC_LEASE, -1, SQ_TRANSIENT);
        sq_bind_text(st, 2, node, -1, SQ_TRANSIENT);
        sq_bind_int64(st, 3, term);
    }
    int n = 0;
    return dbc_write(d, st, "lease", &n, err);
}

vg_code db_notification_claim(db *d, int64_t id, int64_t term, bool *claimed, vg_err *err)
{
    *claimed = false;
    sq_stmt *st = dbc_prepare(d, "UPDATE notifications SET status = 'sending', claim_term = ?1"
                                      " WHERE id = ?2 AND status IN ('pending', 'retrying')"
                                      " AND EXISTS (SELECT 1 FROM cluster_lease WHERE name = ?3 AND term = ?1)");
    if (st) {
        sq_bind_int64(st, 1, term);
        sq_bind_int64(st, 2, id);
        sq_bind_text(st, 3, DBC_LEASE, -1, SQ_TRANSIENT);
    }
    int n = 0;
    vg_code rc = dbc_write(d, st, "notifications", &n, err);
    *claimed = rc == VG_OK && n == 1;
    return rc;
}

vg_code db_notification_requeue(db *d, int64_t term, int64_t now, int *n, vg_err *err)
{
    *n = 0;
    /* only the rows of this lease's shard: another shard's terms are its own (cluster/shard.h) */
    sq_stmt *st = dbc_prepare(d, "UPDATE notifications SET status = 'retrying', next_attempt = ?"
                                      " WHERE status = 'sending' AND claim_term < ? AND lease = ?");
    if (st) {
        sq_bind_int64(st, 1, now);
        sq_bind_int64(st, 2, term);
        sq_bind_text(st, 3, DBC_LEASE, -1, SQ_TRANSIENT);
    }
    return dbc_write(d, st, "notifications", n, err);
}

#include "config.h"
#include "store/db_internal.h"

#include <stdio.h>

/* Retention: what grows with time is deleted once older than its cutoff, by chunks of `limit` rows,
 * each one DELETE (a transaction of its own) so that the pushes waiting for the connection wait
 * for one chunk only. Each selects by an index of schema version 4 (late_samples: 5). */

typedef struct {
    const char *what;
    const char *sql; /* ?1 the cutoff, ?2 the limit */
} db_purge;

static const db_purge db_purges[] = {
    {"batches", "DELETE FROM batches WHERE rowid IN (SELECT rowid FROM batches WHERE received < ?1 LIMIT ?2)"},
    /* pending and retrying notifications are never purged: they are still to be delivered */
    {"notifications", "DELETE FROM notifications WHERE id IN (SELECT id FROM notifications WHERE created < ?1"
                      " AND status IN ('sent', 'failed') LIMIT ?2)"},
    /* a resolved alert takes its notifications with it; open alerts are never purged */
    {"alerts", "DELETE FROM notifications WHERE alert_id IN (SELECT id FROM alerts WHERE state = 'resolved'"
               " AND resolved > 0 AND resolved < ?1 LIMIT ?2)"},
    {"alerts", "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE state = 'resolved' AND resolved > 0"
               " AND resolved < ?1 LIMIT ?2)"},
    {"alerts", "DELETE FROM silences WHERE id IN (SELECT id FROM silences WHERE end < ?1 LIMIT ?2)"},
    {"events", "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < ?1 LIMIT ?2)"},
    /* maintenance windows explain the availability of the months whose events are kept */
    {"events", "DELETE FROM maintenance WHERE id IN (SELECT id FROM maintenance WHERE last_end < ?1 LIMIT ?2)"},
    /* a series' moved or cancelled occurrences go with it (schema version 7) */
    {"events", "DELETE FROM maintenance_occurrences WHERE rowid IN (SELECT rowid FROM maintenance_occurrences"
               " WHERE series NOT IN (SELECT id FROM maintenance) LIMIT ?2)"},
    /* a run that ended before the cutoff; one that goes on past it is kept whole */
    {"health_runs", "DELETE FROM health_runs WHERE rowid IN (SELECT rowid FROM health_runs WHERE last < ?1"
                    " LIMIT ?2)"},
    /* late samples by their own time (schema version 5): what the series API no longer reads */
    {"late_samples", "DELETE FROM late_samples WHERE rowid IN (SELECT rowid FROM late_samples WHERE ts < ?1"
                     " LIMIT ?2)"},
};

static int64_t db_purge_cutoff(const db_retention *c, const char *what)
{
    switch (what[0]) {
    case 'b': return c->batches;
    case 'n': return c->notifications;
    case 'a': return c->alerts;
    case 'e': return c->events;
    case 'l': return c->late_samples;
    default: return c->health_runs;
    }
}

vg_code db_retention_purge(db *d, const db_retention *cutoff, int limit, long *deleted, vg_err *err)
{
    long n = 0;
    vg_code rc = VG_OK;
    if (limit < 1)
        limit = 1;
    for (size_t i = 0; i < sizeof db_purges / sizeof db_purges[0] && rc == VG_OK; i++) {
        int64_t before = db_purge_cutoff(cutoff, db_purges[i].what);
        if (before <= 0)
            continue; /* kept for ever */
        sq_stmt *st;
        if (sq_prepare(d->sql, db_purges[i].sql, &st) != SQ_OK) {
            rc = db_io(d, err, db_purges[i].what);
            break;
        }
        sq_bind_int64(st, 1, before);
        sq_bind_int(st, 2, limit);
        if (sq_step(st) == SQ_DONE) {
            n += sq_changes(d->sql);
        } else {
            rc = db_io(d, err, db_purges[i].what);
            db_storage_note(DB_PART_DB, false, err ? err->msg : "retention purge failed");
        }
        sq_finalize(st);
    }
    if (deleted)
        *deleted = n;
    return rc;
}

#include "config.h"
#include "store/alert_store.h"
#include "store/db_cluster.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_internal.h"

/* ---- helpers ---------------------------------------------------------------------------------- */

/* Prepares sql and binds the arguments described by fmt: s text (NULL binds NULL), i int64, d double. */
static sq_stmt *as_prep(db *d, const char *sql, const char *fmt, ...)
{
    sq_stmt *st;
    if (sq_prepare(d->sql, sql, &st) != SQ_OK)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt && fmt[i]; i++) {
        switch (fmt[i]) {
        case 's': {
            const char *v = va_arg(ap, const char *);
            if (v)
                sq_bind_text(st, i + 1, v, -1, SQ_TRANSIENT);
            break;
        }
        case 'i': sq_bind_int64(st, i + 1, va_arg(ap, int64_t)); break;
        case 'd': sq_bind_double(st, i + 1, va_arg(ap, double)); break;
        }
    }
    va_end(ap);
    return st;
}

/* Runs a write to its end and finalizes it; *changes (may be NULL): the rows it changed. */
static vg_code as_run(db *d, sq_stmt *st, int *changes, vg_err *err)
{
    if (!st)
        return db_io(d, err, "alerts");
    int rc = sq_step(st);
    vg_code out = rc == SQ_DONE || rc == SQ_ROW ? VG_OK : db_io(d, err, "alerts");
    sq_finalize(st);
    if (out == VG_OK && changes)
        *changes = sq_changes(d->sql);
    return out;
}

/* The end of a reading loop: VG_OK when it stepped to the end. */
static vg_code as_end(db *d, sq_stmt *st, int rc, vg_err *err)
{
    vg_code out = rc == SQ_DONE ? VG_OK : db_io(d, err, "alerts");
    sq_finalize(st);
    return out;
}

/* Grows *v (of *cap elements of size each) to hold n + 1. */
static bool as_grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*v, c * size);
    if (!p)
        return false;
    *v = p;
    *cap = c;
    return true;
}

static void as_copy(sq_stmt *st, int col, char *dst, size_t size)
{
    snprintf(dst, size, "%s", db_col_text(st, col));
}

/* ---- alerts ----------------------------------------------------------------------------------- */

#define AS_ALERT_COLS "id, site, device, metric, instance, kind, severity, state, summary, value, fired, level," \
                      " last_notified, first_notified, resolved, ack_by, ack_comment, ack_at, notified, held"

static void as_alert_read(sq_stmt *st, alert_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sq_column_int64(st, 0);
    as_copy(st, 1, r->site, sizeof r->site);
    as_copy(st, 2, r->device, sizeof r->device);
    as_copy(st, 3, r->metric, sizeof r->metric);
    as_copy(st, 4, r->instance, sizeof r->instance);
    as_copy(st, 5, r->kind, sizeof r->kind);
    as_copy(st, 6, r->severity, sizeof r->severity);
    as_copy(st, 7, r->state, sizeof r->state);
    as_copy(st, 8, r->summary, sizeof r->summary);
    r->value = sq_column_double(st, 9);
    r->fired = sq_column_int64(st, 10);
    r->level = sq_column_int(st, 11);
    r->last_notified = sq_column_int64(st, 12);
    r->first_notified = sq_column_int64(st, 13);
    r->resolved = sq_column_int64(st, 14);
    as_copy(st, 15, r->ack_by, sizeof r->ack_by);
    as_copy(st, 16, r->ack_comment, sizeof r->ack_comment);
    r->ack_at = sq_column_int64(st, 17);
    r->notified = sq_column_int(st, 18);
    as_copy(st, 19, r->held, sizeof r->held);
}

/* Reads every row of st into *out. */
static vg_code as_alert_rows(db *d, sq_stmt *st, alert_row **out, size_t *n, vg_err *err)
{
    *out = NULL;
    *n = 0;
    if (!st)
        return db_io(d, err, "alerts");
    size_t cap = 0;
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW) {
        if (!as_grow((void **)out, &cap, *n, sizeof **out)) {
            sq_finalize(st);
            return vg_fail(err, VG_E_NOMEM, "out of memory reading alerts");
        }
        as_alert_read(st, &(*out)[(*n)++]);
    }
    return as_end(d, st, rc, err);
}

vg_code alert_store_find_open(db *d, const alert_key *key, alert_row *out, bool *found, vg_err *err)
{
    *found = false;
    sq_stmt *st = as_prep(d,
                               "SELECT " AS_ALERT_COLS " FROM alerts WHERE site = ? AND device = ? AND metric = ?"
                               " AND instance = ? AND kind = ? AND state != 'resolved' ORDER BY id DESC LIMIT 1",
                               "sssss", key->site, key->device, key->metric, key->instance, key->kind);
    if (!st)
        return db_io(d, err, "alerts");
    int rc = sq_step(st);
    if (rc == SQ_ROW) {
        as_alert_read(st, out);
        *found = true;
        rc = SQ_DONE;
    }
    return as_end(d, st, rc, err);
}

vg_code alert_store_open(db *d, const alert_key *key, const char *sev, const char *summary, double value,
                         const char *held, int64_t now, int64_t *id, vg_err *err)
{
    vg_code rc = as_run(d,
                        as_prep(d,
                                "INSERT INTO alerts(site, device, metric, instance, kind, severity, state, summary, value,"
                                " fired, held) VALUES(?,?,?,?,?,?,'firing',?,?,?,?)",
                                "sssssssdis", key->site, key->device, key->metric, key->instance, key->kind, sev,
                                summary, value, now, held),
                        NULL, err);
    if (rc == VG_OK && id)
        *id = sq_last_insert_rowid(d->sql);
    return rc;
}

vg_code alert_store_set_severity(db *d, int64_t id, const char *sev, const char *summary, double value,
                                 bool refire, vg_err *err)
{
    return as_run(d,
                  as_prep(d,
                          refire ? "UPDATE alerts SET severity = ?, summary = ?, value = ?, state = 'firing',"
                                   " notified = 0 WHERE id = ?"
                                 : "UPDATE alerts SET severity = ?, summary = ?, value = ? WHERE id = ?",
                          "ssdi", sev, summary, value, id),
                  NULL, err);
}

vg_code alert_store_resolve(db *d, int64_t id, int64_t now, vg_err *err)
{
    return as_run(d, as_prep(d, "UPDATE alerts SET state = 'resolved', resolved = ? WHERE id = ?", "ii", now, id),
                  NULL, err);
}

vg_code alert_store_ack(db *d, int64_t id, const char *who, const char *comment, int64_t now, vg_err *err)
{
    int n = 0;
    vg_code rc = as_run(d,
                        as_prep(d,
                                "UPDATE alerts SET state = 'acknowledged', ack_by = ?, ack_comment = ?, ack_at = ?"
                                " WHERE id = ? AND state = 'firing'",
                                "ssii", who, comment ? comment : "", now, id),
                        &n, err);
    if (rc == VG_OK && n == 0)
        return vg_fail(err, VG_E_NOT_FOUND, "no firing alert #%lld", (long long)id);
    return rc;
}

vg_code alert_store_update_holds(db *d, vg_err *err)
{
    return as_run(d,
                  as_prep(d,
                          "UPDATE alerts SET held = CASE"
                          " WHEN kind IN ('metric', 'drift', 'device', 'flapping') AND EXISTS(SELECT 1 FROM alerts h"
                          "  WHERE h.site = alerts.site AND h.kind = 'heartbeat' AND h.state != 'resolved')"
                          "  THEN 'site unreachable'"
                          " WHEN kind IN ('metric', 'drift', 'flapping') AND EXISTS(SELECT 1 FROM alerts h"
                          "  WHERE h.site = alerts.site"
                          "  AND h.device = alerts.device AND h.kind = 'device' AND h.state != 'resolved')"
                          "  THEN 'device unreachable'"
                          " WHEN held = 'flapping' THEN 'flapping' ELSE '' END"
                          " WHERE state = 'firing' AND notified = 0",
                          NULL),
                  NULL, err);
}

vg_code alert_store_hold(db *d, int64_t id, const char *held, vg_err *err)
{
    return as_run(d,
                  as_prep(d, "UPDATE alerts SET held = ? WHERE id = ? AND state = 'firing' AND notified = 0", "si",
                          held, id),
                  NULL, err);
}

vg_code alert_store_select(db *d, alert_select which, alert_row **out, size_t *n, vg_err *err)
{
    const char *sql = which == ALERT_SELECT_TO_NOTIFY
                          ? "SELECT " AS_ALERT_COLS " FROM alerts WHERE state = 'firing' AND notified = 0 AND held = ''"
                            " ORDER BY site, id"
                          : "SELECT " AS_ALERT_COLS " FROM alerts WHERE state = 'firing' AND notified = 1";
    return as_alert_rows(d, as_prep(d, sql, NULL), out, n, err);
}

vg_code alert_store_list(db *d, const char *site, const char *state, const char *sev, alert_row **out,
                         size_t *n, vg_err *err)
{
    return as_alert_rows(d,
                         as_prep(d,
                                 "SELECT " AS_ALERT_COLS " FROM alerts WHERE (?1 IS NULL OR site = ?1)"
                                 " AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR severity = ?3)"
                                 " ORDER BY id DESC LIMIT 1000",
                                 "sss", site, state, sev),
                         out, n, err);
}

vg_code alert_store_open_of_kind(db *d, const char *kind, alert_row **out, size_t *n, vg_err *err)
{
    return as_alert_rows(d,
                         as_prep(d,
                                 "SELECT " AS_ALERT_COLS " FROM alerts WHERE state != 'resolved' AND kind = ?"
                                 " ORDER BY id LIMIT 1000",
                                 "s", kind),
                         out, n, err);
}

vg_code alert_store_open_count(db *d, const char *site, size_t *n, vg_err *err)
{
    *n = 0;
    sq_stmt *st = as_prep(d, "SELECT COUNT(*) FROM alerts WHERE state != 'resolved' AND (?1 IS NULL OR site = ?1)",
                               "s", site);
    if (!st)
        return db_io(d, err, "alerts");
    int rc = sq_step(st);
    if (rc == SQ_ROW) {
        *n = (size_t)sq_column_int64(st, 0);
        rc = SQ_DONE;
    }
    return as_end(d, st, rc, err);
}

vg_code alert_store_mark_notified(db *d, int64_t id, int64_t now, vg_err *err)
{
    return as_run(d,
                  as_prep(d,
                          "UPDATE alerts SET notified = 1, last_notified = ?1, first_notified = ?1, level = 0"
                          " WHERE id = ?2",
                          "ii", now, id),
                  NULL, err);
}

vg_code alert_store_mark_renotified(db *d, int64_t id, int level, int64_t now, vg_err *err)
{
    if (level < 0)
        return as_run(d, as_prep(d, "UPDATE alerts SET last_notified = ? WHERE id = ?", "ii", now, id), NULL, err);
    return as_run(d, as_prep(d, "UPDATE alerts SET level = ?, last_notified = ? WHERE id = ?", "iii", (int64_t)level,
                             now, id),
                  NULL, err);
}

/* ---- trackers --------------------------------------------------------------------------------- */

vg_code alert_store_track_load(db *d, const char *site, const char *device, const char *metric, const char *instance,
                               alert_track *t, bool *found, vg_err *err)
{
    memset(t, 0, sizeof *t);
    *found = false;
    /* once per judged sample of every push: kept prepared */
    sq_stmt *st = db_stmt(d, &d->track_load,
                               "SELECT active, pending, pending_since, changes, flapping FROM alert_tracks"
                               " WHERE site = ? AND device = ? AND metric = ? AND instance = ?");
    if (!st)
        return db_io(d, err, "alert_tracks");
    const char *v[] = {site, device, metric, instance};
    for (int i = 0; i < 4; i++)
        sq_bind_text(st, i + 1, v[i], -1, SQ_TRANSIENT);
    int rc = sq_step(st);
    if (rc == SQ_ROW) {
        *found = true;
        t->active = (al_level)sq_column_int(st, 0);
        t->pending = (al_level)sq_column_int(st, 1);
        t->pending_since = sq_column_int64(st, 2);
        /* the change times, newest first, as decimal numbers separated by spaces */
        const char *p = db_col_text(st, 3);
        for (int i = 0; i < AL_FLAP_MAX && *p; i++) {
            char *end;
            t->changes[i] = strtoll(p, &end, 10);
            if (end == p)
                break;
            p = end;
        }
        t->flapping = sq_column_int(st, 4) != 0;
        rc = SQ_DONE;
    }
    sq_reset(st);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "alert_tracks");
}

vg_code alert_store_track_save(db *d, const char *site, const char *device, const char *metric, const char *instance,
                               const alert_track *t, double value, const char *unit, vg_err *err)
{
    char changes[AL_FLAP_MAX * 21 + 1] = "";
    size_t len = 0;
    for (int i = 0; i < AL_FLAP_MAX && t->changes[i]; i++)
        len += (size_t)snprintf(changes + len, sizeof changes - len, "%s%lld", i ? " " : "", (long long)t->changes[i]);
    return as_run(d,
                  as_prep(d,
                          "INSERT INTO alert_tracks(site, device, metric, instance, active, pending, pending_since,"
                          " changes, flapping, value, unit) VALUES(?,?,?,?,?,?,?,?,?,?,?)"
                          " ON CONFLICT(site, device, metric, instance) DO UPDATE SET active = excluded.active,"
                          " pending = excluded.pending, pending_since = excluded.pending_since,"
                          " changes = excluded.changes, flapping = excluded.flapping, value = excluded.value,"
                          " unit = excluded.unit",
                          "ssssiiisids", site, device, metric, instance, (int64_t)t->active, (int64_t)t->pending,
                          t->pending_since, changes, (int64_t)t->flapping, value, unit),
                  NULL, err);
}

vg_code alert_store_tracks_due(db *d, alert_track_ref **out, size_t *n, vg_err *err)
{
    *out = NULL;
    *n = 0;
    sq_stmt *st = as_prep(d, "SELECT site, device, metric, instance, value, unit FROM alert_tracks"
                                  " WHERE pending > active OR flapping = 1", NULL);
    if (!st)
        return db_io(d, err, "alert_tracks");
    size_t cap = 0;
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW) {
        if (!as_grow((void **)out, &cap, *n, sizeof **out)) {
            sq_finalize(st);
            return vg_fail(err, VG_E_NOMEM, "out of memory reading alert_tracks");
        }
        alert_track_ref *r = &(*out)[(*n)++];
        memset(r, 0, sizeof *r);
        as_copy(st, 0, r->site, sizeof r->site);
        as_copy(st, 1, r->device, sizeof r->device);
        as_copy(st, 2, r->metric, sizeof r->metric);
        as_copy(st, 3, r->instance, sizeof r->instance);
        r->value = sq_column_double(st, 4);
        as_copy(st, 5, r->unit, sizeof r->unit);
    }
    return as_end(d, st, rc, err);
}

/* ---- sites ------------------------------------------------------------------------------------ */

vg_code alert_store_site_pushed(db *d, const char *site, int64_t now, vg_err *err)
{
    return as_run(d, as_prep(d, "INSERT INTO alert_sites(site, last_push) VALUES(?, ?)"
                                " ON CONFLICT(site) DO UPDATE SET last_push = excluded.last_push", "si", site, now),
                  NULL, err);
}

vg_code alert_store_sites(db *d, alert_site **out, size_t *n, vg_err *err)
{
    *out = NULL;
    *n = 0;
    sq_stmt *st = as_prep(d, "SELECT site, last_push FROM alert_sites", NULL);
    if (!st)
        return db_io(d, err, "alert_sites");
    size_t cap = 0;
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW) {
        if (!as_grow((void **)out, &cap, *n, sizeof **out)) {
            sq_finalize(st);
            return vg_fail(err, VG_E_NOMEM, "out of memory reading alert_sites");
        }
        as_copy(st, 0, (*out)[*n].site, sizeof (*out)[*n].site);
        (*out)[(*n)++].last_push = sq_column_int64(st, 1);
    }
    return as_end(d, st, rc, err);
}

/* ---- silences --------------------------------------------------------------------------------- */

vg_code alert_store_silence_add(db *d, const char *site, const char *device, int64_t start, int64_t end,
                                const char *reason, const char *who, int64_t now, int64_t *id, vg_err *err)
{
    vg_code rc = as_run(d,
                        as_prep(d,
                                "INSERT INTO silences(site, device, start, end, reason, who, created)"
                                " VALUES(?,?,?,?,?,?,?)",
                                "ssiissi", site, device ? device : "", start, end, reason ? reason : "", who, now),
                        NULL, err);
    if (rc == VG_OK && id)
        *id = sq_last_insert_rowid(d->sql);
    return rc;
}

vg_code alert_store_silence_delete(db *d, int64_t id, vg_err *err)
{
    int n = 0;
    vg_code rc = as_run(d, as_prep(d, "DELETE FROM silences WHERE id = ?", "i", id), &n, err);
    if (rc == VG_OK && n == 0)
        return vg_fail(err, VG_E_NOT_FOUND, "no silence %lld", (long long)id);
    return rc;
}

vg_code alert_store_silenced(db *d, const char *site, const char *device, int64_t now, bool *silenced, vg_err *err)
{
    *silenced = false;
    sq_stmt *st = as_prep(d,
                               "SELECT COUNT(*) FROM silences WHERE site = ? AND (device = '' OR device = ?)"
                               " AND start <= ? AND end > ?",
                               "ssii", site, device, now, now);
    if (!st)
        return db_io(d, err, "silences");
    int rc = sq_step(st);
    if (rc == SQ_ROW) {
        *silenced = sq_column_int(st, 0) > 0;
        rc = SQ_DONE;
    }
    return as_end(d, st, rc, err);
}

vg_code alert_store_silences(db *d, int64_t now, alert_silence **out, size_t *n, vg_err *err)
{
    *out = NULL;
    *n = 0;
    sq_stmt *st = as_prep(d, "SELECT id, site, device, start, end, reason, who, created FROM silences"
                                  " WHERE end > ? ORDER BY start",
                               "i", now);
    if (!st)
        return db_io(d, err, "silences");
    size_t cap = 0;
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW) {
        if (!as_grow((void **)out, &cap, *n, sizeof **out)) {
            sq_finalize(st);
            return vg_fail(err, VG_E_NOMEM, "out of memory reading silences");
        }
        alert_silence *s = &(*out)[(*n)++];
        memset(s, 0, sizeof *s);
        s->id = sq_column_int64(st, 0);
        as_copy(st, 1, s->site, sizeof s->site);
        as_copy(st, 2, s->device, sizeof s->device);
        s->start = sq_column_int64(st, 3);
        s->end = sq_column_int64(st, 4);
        as_copy(st, 5, s->reason, sizeof s->reason);
        as_copy(st, 6, s->who, sizeof s->who);
        s->created = sq_column_int64(st, 7);
    }
    return as_end(d, st, rc, err);
}

vg_code alert_store_site_of(db *d, bool silence, int64_t id, char site[NAME_MAX_LEN + 1], bool *found, vg_err *err)
{
    *found = false;
    site[0] = '\0';
    sq_stmt *st = as_prep(d, silence ? "SELECT site FROM silences WHERE id = ?" : "SELECT site FROM alerts WHERE id = ?",
                               "i", id);
    if (!st)
        return db_io(d, err, silence ? "silences" : "alerts");
    int rc = sq_step(st);
    if (rc == SQ_ROW) {
        as_copy(st, 0, site, NAME_MAX_LEN + 1);
        *found = true;
        rc = SQ_DONE;
    }
    return as_end(d, st, rc, err);
}

/* ---- notifications ---------------------------------------------------------------------------- */

vg_code alert_store_notification_add(db *d, const alert_notification *n, int64_t now, vg_err *err)
{
    return as_run(d,
                  as_prep(d,
                          "INSERT INTO notifications(alert_id, contact, channel, target, event, subject, body, payload,"
                          " status, next_attempt, created, nkey, lease) VALUES(?,?,?,?,?,?,?,?,'pending',?,?,?,?)"
                          " ON CONFLICT(nkey) DO NOTHING",
                          "isssssssiiss", n->alert_id, n->contact, n->channel, n->target, n->event, n->subject, n->body,
                          n->payload, now, now, n->key, db_lease_name()),
                  NULL, err);
}

vg_code alert_store_due(db *d, int64_t now, size_t max, alert_delivery **out, size_t *n, vg_err *err)
{
    *out = NULL;
    *n = 0;
    sq_stmt *st = as_prep(d,
                               "SELECT id, channel, target, contact, subject, body, payload, attempts FROM notifications"
                               " WHERE status IN ('pending', 'retrying') AND next_attempt <= ? AND lease = ?"
                               " ORDER BY id LIMIT ?", /* a shard's leader sends its own shard's (db_cluster.h) */
                               "isi", now, db_lease_name(), (int64_t)max);
    if (!st)
        return db_io(d, err, "notifications");
    size_t cap = 0;
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW) {
        if (!as_grow((void **)out, &cap, *n, sizeof **out)) {
            sq_finalize(st);
            return vg_fail(err, VG_E_NOMEM, "out of memory reading notifications");
        }
        alert_delivery *x = &(*out)[(*n)++];
        memset(x, 0, sizeof *x);
        x->id = sq_column_int64(st, 0);
        as_copy(st, 1, x->channel, sizeof x->channel);
        as_copy(st, 2, x->target, sizeof x->target);
        as_copy(st, 3, x->contact, sizeof x->contact);
        as_copy(st, 4, x->subject, sizeof x->subject);
        x->body = strdup(db_col_text(st, 5));
        x->payload = strdup(db_col_text(st, 6));
        x->attempts = sq_column_int(st, 7);
    }
    return as_end(d, st, rc, err);
}

void alert_store_deliveries_free(alert_delivery *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].body);
        free(v[i].payload);
    }
    free(v);
}

vg_code alert_store_delivery_sent(db *d, int64_t id, int attempts, int64_t now, vg_err *err)
{
    return as_run(d,
                  as_prep(d, "UPDATE notifications SET status = 'sent', attempts = ?, sent = ?, last_error = ''"
                             " WHERE id = ?", "iii", (int64_t)attempts, now, id),
                  NULL, err);
}

vg_code alert_store_delivery_failed(db *d, int64_t id, int attempts, const char *why, vg_err *err)
{
    return as_run(d,
                  as_prep(d, "UPDATE notifications SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?",
                          "isi", (int64_t)attempts, why, id),
                  NULL, err);
}

vg_code alert_store_delivery_retry(db *d, int64_t id, int attempts, const char *why, int64_t next, vg_err *err)
{
    return as_run(d,
                  as_prep(d, "UPDATE notifications SET status = 'retrying', attempts = ?, last_error = ?,"
                             " next_attempt = ? WHERE id = ?",
                          "isii", (int64_t)attempts, why, next, id),
                  NULL, err);
}

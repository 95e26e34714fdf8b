#include "config.h"
#include "store/db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Health runs. The table keeps one text column `member` (schema version 2): a device's name, or
 * "cond:SERVICE:DEVICE:METRIC[@INSTANCE]" for a condition, cut at AVAIL_NAME_MAX - 1 characters as it
 * always was (so that the runs already stored keep matching). Names cannot hold ':' (name_is_valid),
 * so the text reads back into its parts; only this file builds or reads it. */

#define DB_COND_PREFIX "cond:"

void db_member_device(db_member *m, const char *device)
{
    memset(m, 0, sizeof *m);
    m->kind = DB_MEMBER_DEVICE;
    snprintf(m->device, sizeof m->device, "%s", device);
}

void db_member_condition(db_member *m, const char *service, const char *device, const char *metric,
                         const char *instance)
{
    memset(m, 0, sizeof *m);
    m->kind = DB_MEMBER_CONDITION;
    snprintf(m->service, sizeof m->service, "%s", service);
    snprintf(m->device, sizeof m->device, "%s", device);
    snprintf(m->metric, sizeof m->metric, "%s", metric);
    snprintf(m->instance, sizeof m->instance, "%s", instance ? instance : "");
}

void db_member_display(const db_member *m, char *out, size_t size)
{
    if (m->kind == DB_MEMBER_DEVICE)
        snprintf(out, size, "%s", m->device);
    else
        snprintf(out, size, "%s %s%s%s", m->device, m->metric, m->instance[0] ? "@" : "", m->instance);
}

static void db_member_key(const db_member *m, char out[AVAIL_NAME_MAX])
{
    if (m->kind == DB_MEMBER_DEVICE)
        snprintf(out, AVAIL_NAME_MAX, "%s", m->device);
    else
        snprintf(out, AVAIL_NAME_MAX, DB_COND_PREFIX "%s:%s:%s%s%s", m->service, m->device, m->metric,
                 m->instance[0] ? "@" : "", m->instance);
}

/* Copies up to the first `stop` (or the end) and returns what follows it, or NULL at the end. */
static const char *db_member_part(const char *p, char stop, char *out, size_t size)
{
    const char *e = strchr(p, stop);
    size_t n = e ? (size_t)(e - p) : strlen(p);
    snprintf(out, size, "%.*s", (int)n, p);
    return e ? e + 1 : NULL;
}

static void db_member_parse(const char *key, db_member *m)
{
    memset(m, 0, sizeof *m);
    if (strncmp(key, DB_COND_PREFIX, strlen(DB_COND_PREFIX)) != 0) {
        db_member_device(m, key);
        return;
    }
    m->kind = DB_MEMBER_CONDITION;
    const char *p = key + strlen(DB_COND_PREFIX);
    if ((p = db_member_part(p, ':', m->service, sizeof m->service)) &&
        (p = db_member_part(p, ':', m->device, sizeof m->device)) &&
        (p = db_member_part(p, '@', m->metric, sizeof m->metric)))
        snprintf(m->instance, sizeof m->instance, "%s", p);
}

typedef struct {
    bool found;
    int64_t start, last;
    health h;
} db_run;

static bool db_run_read(sq_stmt *st, db_run *r)
{
    int rc = sq_step(st);
    r->found = rc == SQ_ROW;
    if (r->found) {
        r->h = (health)sq_column_int(st, 0);
        r->start = sq_column_int64(st, 1);
        r->last = sq_column_int64(st, 2);
    }
    sq_reset(st);
    return rc == SQ_ROW || rc == SQ_DONE;
}

static void db_bind_key(sq_stmt *st, const char *site, const char *member)
{
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_text(st, 2, member, -1, SQ_TRANSIENT);
}

/* Steps a write; VG_OK when it is done. */
static vg_code db_run_write(db *d, sq_stmt *st, vg_err *err)
{
    if (!st)
        return db_io(d, err, "health runs");
    int rc = sq_step(st);
    sq_reset(st);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "health runs");
}

vg_code db_health_observe(db *d, const char *site, const db_member *m, int64_t ts, health h, const char *cause,
                          int64_t tol, bool *changed, vg_err *err)
{
    bool dummy;
    if (!changed)
        changed = &dummy;
    *changed = false;
    char member[AVAIL_NAME_MAX];
    db_member_key(m, member);
    db_run prev, next;
    sq_stmt *st = db_stmt(d, &d->run_prev,
                               "SELECT health, start, last FROM health_runs WHERE site=? AND member=? AND start<=?"
                               " ORDER BY start DESC LIMIT 1");
    if (!st)
        return db_io(d, err, "health runs");
    db_bind_key(st, site, member);
    sq_bind_int64(st, 3, ts);
    if (!db_run_read(st, &prev))
        return db_io(d, err, "health runs");
    if (prev.found && ts <= prev.last)
        return VG_OK; /* already observed (a replay), or contradicting a run: the first word stands */
    if (!(st = db_stmt(d, &d->run_next,
                       "SELECT health, start, last FROM health_runs WHERE site=? AND member=? AND start>?"
                       " ORDER BY start ASC LIMIT 1")))
        return db_io(d, err, "health runs");
    db_bind_key(st, site, member);
    sq_bind_int64(st, 3, ts);
    if (!db_run_read(st, &next))
        return db_io(d, err, "health runs");
    bool with_prev = prev.found && prev.h == h && ts - prev.last <= tol;
    bool with_next = next.found && next.h == h && next.start - ts <= tol;
    if (with_prev) {
        st = db_stmt(d, &d->run_extend, "UPDATE health_runs SET last=? WHERE site=? AND member=? AND start=?");
        if (st) {
            sq_bind_int64(st, 1, with_next ? next.last : ts);
            sq_bind_text(st, 2, site, -1, SQ_TRANSIENT);
            sq_bind_text(st, 3, member, -1, SQ_TRANSIENT);
            sq_bind_int64(st, 4, prev.start);
        }
        vg_code rc = db_run_write(d, st, err);
        if (rc == VG_OK && with_next) { /* the observation joins two runs */
            if ((st = db_stmt(d, &d->run_delete, "DELETE FROM health_runs WHERE site=? AND member=? AND start=?"))) {
                db_bind_key(st, site, member);
                sq_bind_int64(st, 3, next.start);
            }
            rc = db_run_write(d, st, err);
        }
        return rc;
    }
    if (with_next) {
        st = db_stmt(d, &d->run_restart, "UPDATE health_runs SET start=?, cause=? WHERE site=? AND member=? AND start=?");
        if (st) {
            sq_bind_int64(st, 1, ts);
            sq_bind_text(st, 2, cause, -1, SQ_TRANSIENT);
            sq_bind_text(st, 3, site, -1, SQ_TRANSIENT);
            sq_bind_text(st, 4, member, -1, SQ_TRANSIENT);
            sq_bind_int64(st, 5, next.start);
        }
    } else if ((st = db_stmt(d, &d->run_insert,
                             "INSERT INTO health_runs(site, member, health, cause, start, last) VALUES(?,?,?,?,?,?)"))) {
        db_bind_key(st, site, member);
        sq_bind_int(st, 3, (int)h);
        sq_bind_text(st, 4, cause, -1, SQ_TRANSIENT);
        sq_bind_int64(st, 5, ts);
        sq_bind_int64(st, 6, ts);
    }
    vg_code rc = db_run_write(d, st, err);
    *changed = rc == VG_OK;
    return rc;
}

vg_code db_health_spans(db *d, const char *site, const db_member *m, int64_t from, int64_t to, int64_t step,
                        avail_span **spans, size_t *count, vg_err *err)
{
    *spans = NULL;
    *count = 0;
    char member[AVAIL_NAME_MAX];
    db_member_key(m, member);
    sq_stmt *st = db_stmt(d, &d->run_spans,
                               "SELECT health, start, last, cause FROM health_runs WHERE site=? AND member=?"
                               " AND last>=? AND start<? ORDER BY start");
    if (!st)
        return db_io(d, err, "health runs");
    db_bind_key(st, site, member);
    sq_bind_int64(st, 3, from - step);
    sq_bind_int64(st, 4, to);
    size_t cap = 0;
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW) {
        if (*count == cap) {
            cap = cap ? cap * 2 : 16;
            avail_span *p = realloc(*spans, cap * sizeof *p);
            if (!p) {
                sq_reset(st);
                return vg_fail(err, VG_E_NOMEM, "out of memory reading health runs");
            }
            *spans = p;
        }
        avail_span *sp = &(*spans)[(*count)++];
        sp->h = (health)sq_column_int(st, 0);
        sp->start = sq_column_int64(st, 1);
        sp->end = sq_column_int64(st, 2) + step;
        snprintf(sp->cause, sizeof sp->cause, "%s", db_col_text(st, 3));
        if (*count > 1 && (*spans)[*count - 2].end > sp->start)
            (*spans)[*count - 2].end = sp->start; /* the next run starts the next state */
    }
    sq_reset(st);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "health runs");
}

vg_code db_health_conditions(db *d, const char *site, const char *service, db_member *out, size_t max,
                             size_t *count, vg_err *err)
{
    *count = 0;
    char prefix[64];
    snprintf(prefix, sizeof prefix, DB_COND_PREFIX "%s:", service);
    sq_stmt *st = db_stmt_take(d, &d->members,
                                    "SELECT DISTINCT member FROM health_runs WHERE site=? AND substr(member, 1, ?)=?"
                                    " ORDER BY member");
    if (!st)
        return db_io(d, err, "health runs");
    sq_bind_text(st, 1, site, -1, SQ_TRANSIENT);
    sq_bind_int(st, 2, (int)strlen(prefix));
    sq_bind_text(st, 3, prefix, -1, SQ_TRANSIENT);
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW && *count < max)
        db_member_parse(db_col_text(st, 0), &out[(*count)++]);
    db_stmt_give(st, d->members);
    return rc == SQ_DONE || rc == SQ_ROW ? VG_OK : db_io(d, err, "health runs");
}

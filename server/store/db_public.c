#include "config.h"
#include "store/db_public.h"
#include "store/db_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The statements are prepared for each call (the listing runs them once per request, not per push). */

char *db_public_site_list(const char *const *ids, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(ids[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return s;
}

static sqlite3_stmt *dp_prepare(db *d, const char *sql, const char *sites)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->sql, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, sites, -1, SQLITE_STATIC);
    return st;
}

static vg_code dp_done(db *d, sqlite3_stmt *st, int rc, const char *what, vg_err *err)
{
    vg_code out = rc == SQLITE_DONE ? VG_OK : db_io(d, err, what);
    sqlite3_finalize(st);
    return out;
}

vg_code db_public_states(db *d, const char *sites, int64_t before, db_public_state_fn fn, void *ctx, vg_err *err)
{
    /* per site, its newest site event by the index events_by_name (as db_event_last_before) */
    sqlite3_stmt *st = dp_prepare(d,
                                  "SELECT e.site, e.state, e.ts, e.cause FROM json_each(?1) j JOIN events e ON e.id ="
                                  " (SELECT id FROM events WHERE site=j.value AND scope='site' AND name=j.value AND ts<?2"
                                  " ORDER BY ts DESC, id DESC LIMIT 1)",
                                  sites);
    if (!st)
        return db_io(d, err, "events");
    sqlite3_bind_int64(st, 2, before);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, db_col_text(st, 0), db_col_text(st, 1), sqlite3_column_int64(st, 2), db_col_text(st, 3));
    return dp_done(d, st, rc, "events", err);
}

vg_code db_public_values(db *d, const char *sites, const char *m1, const char *m2, db_public_value_fn fn, void *ctx,
                         vg_err *err)
{
    sqlite3_stmt *st = dp_prepare(d,
                                  "SELECT l.site, l.metric, l.instance, l.value, l.ts FROM json_each(?1) j JOIN latest l"
                                  " ON l.site=j.value AND l.device=j.value AND l.metric IN (?2, ?3)",
                                  sites);
    if (!st)
        return db_io(d, err, "latest values");
    sqlite3_bind_text(st, 2, m1, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m2, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2), sqlite3_column_double(st, 3),
           sqlite3_column_int64(st, 4));
    return dp_done(d, st, rc, "latest values", err);
}

/* The spans of the device being read. */
typedef struct {
    char site[NAME_MAX_LEN + 1], device[NAME_MAX_LEN + 1];
    avail_span *spans;
    size_t n, cap;
    bool open;
} dp_member;

static void dp_flush(dp_member *m, db_public_spans_fn fn, void *ctx)
{
    if (m->open)
        fn(ctx, m->site, m->device, m->spans, m->n);
    else
        free(m->spans);
    memset(m, 0, sizeof *m);
}

static int dp_span_add(dp_member *m, sqlite3_stmt *st, int64_t step)
{
    if (m->n == m->cap) {
        size_t c = m->cap ? m->cap * 2 : 16;
        avail_span *p = realloc(m->spans, c * sizeof *p);
        if (!p)
            return -1;
        m->spans = p;
        m->cap = c;
    }
    avail_span *sp = &m->spans[m->n++];
    sp->h = (health)sqlite3_column_int(st, 2);
    sp->start = sqlite3_column_int64(st, 3);
    sp->end = sqlite3_column_int64(st, 4) + step;
    snprintf(sp->cause, sizeof sp->cause, "%s", db_col_text(st, 5));
    if (m->n > 1 && m->spans[m->n - 2].end > sp->start)
        m->spans[m->n - 2].end = sp->start; /* the next run starts the next state */
    return 0;
}

vg_code db_public_spans(db *d, const char *sites, const char *cls, int64_t from, int64_t to, int64_t step,
                        db_public_spans_fn fn, void *ctx, vg_err *err)
{
    /* a device's runs are keyed by its name (db_health.c's member text of a device) */
    sqlite3_stmt *st = dp_prepare(d,
                                  "SELECT v.site, v.device, h.health, h.start, h.last, h.cause FROM json_each(?1) j"
                                  " JOIN devices v ON v.site=j.value AND v.class=?2 LEFT JOIN health_runs h"
                                  " ON h.site=v.site AND h.member=v.device AND h.last>=?3 AND h.start<?4"
                                  " ORDER BY v.site, v.device, h.start",
                                  sites);
    if (!st)
        return db_io(d, err, "health runs");
    sqlite3_bind_text(st, 2, cls, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, from - step);
    sqlite3_bind_int64(st, 4, to);
    dp_member m = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *site = db_col_text(st, 0), *device = db_col_text(st, 1);
        if (!m.open || strcmp(m.site, site) != 0 || strcmp(m.device, device) != 0) {
            dp_flush(&m, fn, ctx);
            snprintf(m.site, sizeof m.site, "%s", site);
            snprintf(m.device, sizeof m.device, "%s", device);
            m.open = true;
        }
        if (sqlite3_column_type(st, 2) != SQLITE_NULL && dp_span_add(&m, st, step) != 0) {
            m.open = false;
            dp_flush(&m, fn, ctx);
            sqlite3_finalize(st);
            return vg_fail(err, VG_E_NOMEM, "out of memory reading health runs");
        }
    }
    if (rc == SQLITE_DONE)
        dp_flush(&m, fn, ctx);
    else {
        m.open = false;
        dp_flush(&m, fn, ctx);
    }
    return dp_done(d, st, rc, "health runs", err);
}

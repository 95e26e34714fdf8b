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

/* The list of sites, a JSON array in ?1, as a table j(value): SQLite's json_each, PostgreSQL's
 * json_array_elements_text. sql names it JSON_EACH, which is put in its place. */
#define DP_EACH "JSON_EACH"
static sq_stmt *dp_prepare(db *d, const char *sql, const char *sites)
{
    const char *each = db_is_postgres(d) ? "json_array_elements_text(CAST(?1 AS json)) AS j(value)" : "json_each(?1) j";
    const char *at = strstr(sql, DP_EACH);
    char text[1024];
    if (!at || (size_t)snprintf(text, sizeof text, "%.*s%s%s", (int)(at - sql), sql, each, at + strlen(DP_EACH)) >=
                   sizeof text)
        return NULL;
    sq_stmt *st;
    if (sq_prepare(d->sql, text, &st) != SQ_OK)
        return NULL;
    sq_bind_text(st, 1, sites, -1, SQ_TRANSIENT);
    return st;
}

static vg_code dp_done(db *d, sq_stmt *st, int rc, const char *what, vg_err *err)
{
    vg_code out = rc == SQ_DONE ? VG_OK : db_io(d, err, what);
    sq_finalize(st);
    return out;
}

vg_code db_public_states(db *d, const char *sites, int64_t before, db_public_state_fn fn, void *ctx, vg_err *err)
{
    /* per site, its newest site event by the index events_by_name (as db_event_last_before) */
    sq_stmt *st = dp_prepare(d,
                                  "SELECT e.site, e.state, e.ts, e.cause FROM " DP_EACH " JOIN events e ON e.id ="
                                  " (SELECT id FROM events WHERE site=j.value AND scope='site' AND name=j.value AND ts<?2"
                                  " ORDER BY ts DESC, id DESC LIMIT 1)",
                                  sites);
    if (!st)
        return db_io(d, err, "events");
    sq_bind_int64(st, 2, before);
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW)
        fn(ctx, db_col_text(st, 0), db_col_text(st, 1), sq_column_int64(st, 2), db_col_text(st, 3));
    return dp_done(d, st, rc, "events", err);
}

vg_code db_public_values(db *d, const char *sites, const char *m1, const char *m2, db_public_value_fn fn, void *ctx,
                         vg_err *err)
{
    sq_stmt *st = dp_prepare(d,
                                  "SELECT l.site, l.metric, l.instance, l.value, l.ts FROM " DP_EACH " JOIN latest l"
                                  " ON l.site=j.value AND l.device=j.value AND l.metric IN (?2, ?3)",
                                  sites);
    if (!st)
        return db_io(d, err, "latest values");
    sq_bind_text(st, 2, m1, -1, SQ_TRANSIENT);
    sq_bind_text(st, 3, m2, -1, SQ_TRANSIENT);
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW)
        fn(ctx, db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2), sq_column_double(st, 3),
           sq_column_int64(st, 4));
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

static int dp_span_add(dp_member *m, sq_stmt *st, int64_t step)
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
    sp->h = (health)sq_column_int(st, 2);
    sp->start = sq_column_int64(st, 3);
    sp->end = sq_column_int64(st, 4) + step;
    snprintf(sp->cause, sizeof sp->cause, "%s", db_col_text(st, 5));
    if (m->n > 1 && m->spans[m->n - 2].end > sp->start)
        m->spans[m->n - 2].end = sp->start; /* the next run starts the next state */
    return 0;
}

vg_code db_public_spans(db *d, const char *sites, const char *cls, int64_t from, int64_t to, int64_t step,
                        db_public_spans_fn fn, void *ctx, vg_err *err)
{
    /* a device's runs are keyed by its name (db_health.c's member text of a device) */
    sq_stmt *st = dp_prepare(d,
                                  "SELECT v.site, v.device, h.health, h.start, h.last, h.cause FROM " DP_EACH ""
                                  " JOIN devices v ON v.site=j.value AND v.class=?2 LEFT JOIN health_runs h"
                                  " ON h.site=v.site AND h.member=v.device AND h.last>=?3 AND h.start<?4"
                                  " ORDER BY v.site, v.device, h.start",
                                  sites);
    if (!st)
        return db_io(d, err, "health runs");
    sq_bind_text(st, 2, cls, -1, SQ_TRANSIENT);
    sq_bind_int64(st, 3, from - step);
    sq_bind_int64(st, 4, to);
    dp_member m = {0};
    int rc;
    while ((rc = sq_step(st)) == SQ_ROW) {
        const char *site = db_col_text(st, 0), *device = db_col_text(st, 1);
        if (!m.open || strcmp(m.site, site) != 0 || strcmp(m.device, device) != 0) {
            dp_flush(&m, fn, ctx);
            snprintf(m.site, sizeof m.site, "%s", site);
            snprintf(m.device, sizeof m.device, "%s", device);
            m.open = true;
        }
        if (sq_column_type(st, 2) != SQ_NULL && dp_span_add(&m, st, step) != 0) {
            m.open = false;
            dp_flush(&m, fn, ctx);
            sq_finalize(st);
            return vg_fail(err, VG_E_NOMEM, "out of memory reading health runs");
        }
    }
    if (rc == SQ_DONE)
        dp_flush(&m, fn, ctx);
    else {
        m.open = false;
        dp_flush(&m, fn, ctx);
    }
    return dp_done(d, st, rc, "health runs", err);
}

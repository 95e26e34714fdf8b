#include "config.h"
#include "store/alert_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_internal.h"

/* The drift trackers (table alert_drift, schema version 6). A tracker's day buckets are one text
 * column, "DAY N SUM MIN MAX TSUM" per day separated by ';' (doubles as %.17g: read back exactly),
 * at most AL_DRIFT_DAYS of them: a row is bounded whatever the sampling. Both statements run once per
 * sample a drift rule judges: kept prepared. */

#define AD_DAY_TEXT 160 /* two %lld (20 each), four %.17g (24 each), separators */

static void ad_days_format(const al_drift *t, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < t->ndays && i < AL_DRIFT_DAYS; i++) {
        const al_drift_day *b = &t->days[i];
        int w = snprintf(out + len, size - len, "%s%lld %lld %.17g %.17g %.17g %.17g", i ? ";" : "",
                         (long long)b->day, (long long)b->n, b->sum, b->min, b->max, b->tsum);
        if (w < 0 || (size_t)w >= size - len)
            break;
        len += (size_t)w;
    }
}

/* Reads what ad_days_format wrote; a damaged text keeps the days read before the damage. */
static void ad_days_parse(const char *p, al_drift *t)
{
    t->ndays = 0;
    while (*p && t->ndays < AL_DRIFT_DAYS) {
        al_drift_day b;
        long long day, n;
        int used = 0;
        if (sscanf(p, "%lld %lld %lg %lg %lg %lg%n", &day, &n, &b.sum, &b.min, &b.max, &b.tsum, &used) != 6 || n < 1)
            break;
        b.day = day;
        b.n = n;
        t->days[t->ndays++] = b;
        p += used;
        if (*p != ';')
            break;
        p++;
    }
}

vg_code alert_store_drift_load(db *d, const char *site, const char *device, const char *metric, const char *instance,
                               al_drift *t, bool *found, vg_err *err)
{
    memset(t, 0, sizeof *t);
    *found = false;
    sq_stmt *st = db_stmt(d, &d->drift_load,
                               "SELECT active, days, known, per_week, span FROM alert_drift"
                               " WHERE site = ? AND device = ? AND metric = ? AND instance = ?");
    if (!st)
        return db_io(d, err, "alert_drift");
    const char *v[] = {site, device, metric, instance};
    for (int i = 0; i < 4; i++)
        sq_bind_text(st, i + 1, v[i], -1, SQ_TRANSIENT);
    int rc = sq_step(st);
    if (rc == SQ_ROW) {
        *found = true;
        int active = sq_column_int(st, 0);
        t->active = active == AL_CRITICAL ? AL_CRITICAL : active == AL_WARNING ? AL_WARNING : AL_OK;
        ad_days_parse(db_col_text(st, 1), t);
        t->last.known = sq_column_int(st, 2) != 0;
        t->last.per_week = sq_column_double(st, 3);
        t->last.span = sq_column_double(st, 4);
        rc = SQ_DONE;
    }
    sq_reset(st);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "alert_drift");
}

vg_code alert_store_drift_save(db *d, const char *site, const char *device, const char *metric, const char *instance,
                               const al_drift *t, vg_err *err)
{
    char days[AL_DRIFT_DAYS * AD_DAY_TEXT + 1];
    ad_days_format(t, days, sizeof days);
    sq_stmt *st = db_stmt(d, &d->drift_save,
                               "INSERT INTO alert_drift(site, device, metric, instance, active, days, known, per_week,"
                               " span) VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(site, device, metric, instance) DO UPDATE"
                               " SET active = excluded.active, days = excluded.days, known = excluded.known,"
                               " per_week = excluded.per_week, span = excluded.span");
    if (!st)
        return db_io(d, err, "alert_drift");
    const char *v[] = {site, device, metric, instance};
    for (int i = 0; i < 4; i++)
        sq_bind_text(st, i + 1, v[i], -1, SQ_TRANSIENT);
    sq_bind_int(st, 5, (int)t->active);
    sq_bind_text(st, 6, days, -1, SQ_TRANSIENT);
    sq_bind_int(st, 7, t->last.known ? 1 : 0);
    sq_bind_double(st, 8, t->last.per_week);
    sq_bind_double(st, 9, t->last.span);
    int rc = sq_step(st);
    sq_reset(st);
    return rc == SQ_DONE ? VG_OK : db_io(d, err, "alert_drift");
}

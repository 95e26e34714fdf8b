/* The store's read API and typed tables (server/store/): series written through rrd_store and fetched
 * back over a period, a missing series, a damaged file refused without a crash; typed health members
 * read back from their runs; the alerting tables behind alert_store.h; the error codes of deletions; a
 * series whose file cannot be written failing alone; late samples kept once and served in the gaps. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <rrd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/alert_store.h"
#include "store/db.h"
#include "store/rrd_store.h"
#include "store/series.h"
#include "store/sq.h"
#include "test_db.h"
#include "test_util.h"

#define T0 1790000040LL /* a multiple of the step */
#define STEP 60

typedef struct {
    char *dir;
    rrd_store *rrd;
    db *d;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_tmpdir();
    f->rrd = rrd_store_new(f->dir, STEP);
    assert_non_null(f->rrd);
    char path[600];
    snprintf(path, sizeof path, "%s/vigie.db", f->dir);
    vg_err err;
    if (db_open(tu_db(path), &f->d, &err) != VG_OK)
        fail_msg("%s", err.msg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    db_close(f->d);
    rrd_store_free(f->rrd);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static push_sample sample(const char *device, const char *metric, const char *instance, double value, int64_t ts)
{
    push_sample s;
    memset(&s, 0, sizeof s);
    snprintf(s.device, sizeof s.device, "%s", device);
    snprintf(s.metric, sizeof s.metric, "%s", metric);
    snprintf(s.instance, sizeof s.instance, "%s", instance);
    snprintf(s.unit, sizeof s.unit, "%%");
    s.value = value;
    s.ts = ts;
    s.sev = SEV_OK;
    return s;
}

/* ups1 battery.charge = i at T0 + i * STEP, for i in [0, n). */
static void write_charge(fixture *f, int n)
{
    for (int i = 0; i < n; i++) {
        push_batch *b = push_batch_new("agent", (uint64_t)i + 1);
        push_sample s = sample("ups1", "battery.charge", "", i, T0 + i * STEP);
        assert_int_equal(push_batch_add(b, &s), 0);
        rrd_store_stats st = {0};
        assert_int_equal(rrd_store_write(f->rrd, "nro", b, &st, NULL), VG_OK);
        assert_int_equal(st.written, 1);
        rrd_store_stats_clear(&st);
        push_batch_free(b);
    }
}

/* ---- series ----------------------------------------------------------------------------------- */

static void test_series_fetch_back(void **state)
{
    fixture *f = *state;
    write_charge(f, 20);
    store_series s;
    vg_err err;
    assert_int_equal(store_series_fetch(f->rrd, "nro", "ups1", "battery.charge", "", STORE_CF_AVERAGE, T0 + 5 * STEP,
                                        T0 + 15 * STEP, STEP, &s, &err),
                     VG_OK);
    assert_int_equal(s.step, STEP);
    assert_true(s.npoints >= 10);
    assert_int_equal(s.points[s.npoints - 1].ts, s.end);
    size_t found = 0;
    for (size_t i = 0; i < s.npoints; i++) {
        assert_int_equal(s.points[i].ts, s.start + (int64_t)(i + 1) * s.step);
        int64_t k = (s.points[i].ts - T0) / STEP;
        if (k >= 1 && k < 20) { /* the row ending at the k-th update holds its value */
            assert_true(fabs(s.points[i].value - (double)k) < 1e-9);
            found++;
        }
    }
    assert_true(found >= 10);
    store_series_clear(&s);
    /* MAX of the same period: the finest archive has the same rows */
    assert_int_equal(store_series_fetch(f->rrd, "nro", "ups1", "battery.charge", NULL, STORE_CF_MAX, T0 + 5 * STEP,
                                        T0 + 15 * STEP, 0, &s, NULL),
                     VG_OK);
    assert_true(s.npoints > 0);
    store_series_clear(&s);
}

/* A file made by a sample late in its step (50 s into a 60 s step) has that sample's row known, and
 * every row after it: a sample a step reads back as a step. (The file once started a second before
 * its first sample: that row was more than half unknown, so unknown, and a month read back one row
 * short depending on the second the first push came.) */
static void test_series_first_row(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 5; i++) {
        push_batch *b = push_batch_new("agent", (uint64_t)i + 1);
        push_sample s = sample("ups1", "battery.charge", "", 50 + i, T0 + 50 + i * STEP);
        assert_int_equal(push_batch_add(b, &s), 0);
        rrd_store_stats st = {0};
        assert_int_equal(rrd_store_write(f->rrd, "nro", b, &st, NULL), VG_OK);
        assert_int_equal(st.written, 1);
        rrd_store_stats_clear(&st);
        push_batch_free(b);
    }
    store_series s;
    assert_int_equal(store_series_fetch(f->rrd, "nro", "ups1", "battery.charge", "", STORE_CF_AVERAGE, T0 - STEP,
                                        T0 + 5 * STEP, STEP, &s, NULL),
                     VG_OK);
    size_t known = 0;
    for (size_t i = 0; i < s.npoints; i++) {
        int64_t k = (s.points[i].ts - T0) / STEP; /* the row (T0 + (k-1) step, T0 + k step] */
        if (k >= 1 && k <= 4) {
            /* a sample's value holds from the update before it: the row's first 50 s are the sample
             * at T0 + 50 + (k-1) step (value 49 + k; for k = 1 the first sample, from the file's
             * start), its last 10 s the next one (50 + k) */
            double want = (50.0 * (49 + k) + 10.0 * (50 + k)) / 60.0;
            if (fabs(s.points[i].value - want) > 1e-9)
                fail_msg("row %lld: %g, wanted %g", (long long)k, s.points[i].value, want);
            known++;
        }
        if (k <= 0)
            assert_true(isnan(s.points[i].value));
    }
    assert_int_equal(known, 4);
    store_series_clear(&s);
}

/* A swept metric's samples come 10 steps apart: with its heartbeat of 2 h the rows between hold the
 * value; a metric with the default heartbeat (3 steps) leaves them unknown. */
static void test_series_heartbeat(void **state)
{
    fixture *f = *state;
    vg_err err;
    assert_int_equal(rrd_store_set_heartbeat(f->rrd, "olt.ont.rx.power", 7200, &err), VG_OK);
    assert_int_equal(rrd_store_set_heartbeat(f->rrd, "olt.ont.tx.power", 1, &err), VG_OK); /* raised to 3 steps */
    char longname[NAME_MAX_LEN + 8];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    assert_int_equal(rrd_store_set_heartbeat(f->rrd, longname, 7200, &err), VG_E_INVALID);
    for (int i = 0; i < 6; i++) {
        push_batch *b = push_batch_new("agent", (uint64_t)i + 1);
        push_sample a = sample("olt1", "olt.ont.rx.power", "1/1", -20 - i, T0 + i * 10 * STEP);
        push_sample c = sample("olt1", "olt.ont.tx.power", "1/1", 2, T0 + i * 10 * STEP);
        assert_int_equal(push_batch_add(b, &a), 0);
        assert_int_equal(push_batch_add(b, &c), 0);
        rrd_store_stats st = {0};
        assert_int_equal(rrd_store_write(f->rrd, "nro", b, &st, NULL), VG_OK);
        assert_int_equal(st.written, 2);
        rrd_store_stats_clear(&st);
        push_batch_free(b);
    }
    const char *metric[] = {"olt.ont.rx.power", "olt.ont.tx.power"};
    size_t known[2] = {0, 0};
    for (int m = 0; m < 2; m++) {
        store_series s;
        assert_int_equal(store_series_fetch(f->rrd, "nro", "olt1", metric[m], "1/1", STORE_CF_AVERAGE, T0 + STEP,
                                            T0 + 50 * STEP, STEP, &s, &err),
                         VG_OK);
        for (size_t i = 0; i < s.npoints; i++)
            if (!isnan(s.points[i].value)) {
                known[m]++;
                if (m == 0) { /* the row ending in (T0 + 10k*STEP, T0 + 10(k+1)*STEP] holds sample k+1 */
                    int64_t k = (s.points[i].ts - T0 - 1) / (10 * STEP) + 1;
                    assert_true(fabs(s.points[i].value - (double)(-20 - k)) < 1e-9);
                }
            }
        store_series_clear(&s);
    }
    assert_true(known[0] >= 45); /* every row of the 50 steps, bar the edges */
    assert_int_equal(known[1], 0);
}

static void test_series_missing_and_invalid(void **state)
{
    fixture *f = *state;
    store_series s;
    vg_err err;
    assert_int_equal(store_series_fetch(f->rrd, "nro", "ups1", "battery.charge", "", STORE_CF_AVERAGE, T0, T0 + 600,
                                        STEP, &s, &err),
                     VG_E_NOT_FOUND);
    assert_int_equal(err.code, VG_E_NOT_FOUND);
    assert_int_equal(s.npoints, 0);
    assert_int_equal(store_series_fetch(f->rrd, "nro", "../etc", "battery.charge", "", STORE_CF_AVERAGE, T0,
                                        T0 + 600, STEP, &s, &err),
                     VG_E_INVALID);
    store_cf cf;
    assert_true(store_cf_parse("MIN", &cf));
    assert_int_equal(cf, STORE_CF_MIN);
    assert_false(store_cf_parse("LAST", &cf));
    assert_string_equal(store_cf_name(STORE_CF_MAX), "MAX");
}

static void test_series_damaged(void **state)
{
    fixture *f = *state;
    write_charge(f, 3);
    char path[1200];
    assert_int_equal(rrd_store_path(f->rrd, "nro", "ups1", "battery.charge", "", path, sizeof path), 0);
    /* not an RRD file: librrd refuses it */
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("not an rrd", fp);
    fclose(fp);
    store_series s;
    vg_err err;
    assert_int_equal(store_series_fetch(f->rrd, "nro", "ups1", "battery.charge", "", STORE_CF_AVERAGE, T0, T0 + 600,
                                        STEP, &s, &err),
                     VG_E_IO);
    /* empty, with a % in its name: never handed to librrd */
    assert_int_equal(rrd_store_path(f->rrd, "nro", "pdu1", "outlet.current", "x%20n", path, sizeof path), 0);
    char folder[1200];
    snprintf(folder, sizeof folder, "mkdir -p \"$(dirname '%s')\" && : > '%s'", path, path);
    assert_int_equal(system(folder), 0);
    assert_int_equal(store_series_fetch(f->rrd, "nro", "pdu1", "outlet.current", "x%20n", STORE_CF_AVERAGE, T0,
                                        T0 + 600, STEP, &s, &err),
                     VG_E_IO);
    assert_string_equal(err.field, "file");
}

/* ---- latest values, health members, deletions --------------------------------------------------- */

typedef struct {
    int n;
    char last[200];
} latest_seen;

static void latest_row(void *ctx, const char *site, const char *agent, const push_sample *s, int64_t received)
{
    latest_seen *l = ctx;
    l->n++;
    snprintf(l->last, sizeof l->last, "%s/%s/%s@%s", site, s->device, s->metric, s->instance);
    (void)agent;
    (void)received;
}

static void test_latest_query(void **state)
{
    fixture *f = *state;
    push_batch *b = push_batch_new("agent", 1);
    push_sample s1 = sample("ups1", "battery.charge", "", 90, T0), s2 = sample("pdu1", "outlet.current", "3", 2, T0);
    assert_int_equal(push_batch_add(b, &s1), 0);
    assert_int_equal(push_batch_add(b, &s2), 0);
    bool seen = true;
    assert_int_equal(db_batch_seen(f->d, "agent", 1, &seen, NULL), VG_OK);
    assert_false(seen);
    assert_int_equal(db_batch_store(f->d, "nro", b, T0, NULL), VG_OK);
    assert_int_equal(db_batch_seen(f->d, "agent", 1, &seen, NULL), VG_OK);
    assert_true(seen);
    latest_seen l = {0};
    assert_int_equal(db_latest_each(f->d, latest_row, &l, NULL), VG_OK);
    assert_int_equal(l.n, 2);
    memset(&l, 0, sizeof l);
    assert_int_equal(db_latest_query(f->d, "nro", "pdu1", latest_row, &l, NULL), VG_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.last, "nro/pdu1/outlet.current@3");
    memset(&l, 0, sizeof l);
    assert_int_equal(db_latest_query(f->d, "other", NULL, latest_row, &l, NULL), VG_OK);
    assert_int_equal(l.n, 0);
    push_batch_free(b);
}

static void test_health_members(void **state)
{
    fixture *f = *state;
    db_member dev, c1, c2, got[4];
    db_member_device(&dev, "ups1");
    db_member_condition(&c1, "environment", "env", "env.temperature", "1");
    db_member_condition(&c2, "environment", "env", "env.humidity", "");
    bool changed;
    assert_int_equal(db_health_observe(f->d, "nro", &dev, T0, HEALTH_OK, "ok", 90, &changed, NULL), VG_OK);
    assert_true(changed);
    assert_int_equal(db_health_observe(f->d, "nro", &c1, T0, HEALTH_DOWN, "too hot", 90, &changed, NULL), VG_OK);
    assert_int_equal(db_health_observe(f->d, "nro", &c2, T0, HEALTH_OK, "", 90, NULL, NULL), VG_OK);
    size_t n;
    assert_int_equal(db_health_conditions(f->d, "nro", "environment", got, 4, &n, NULL), VG_OK);
    assert_int_equal(n, 2); /* the device is not a condition */
    assert_int_equal(got[0].kind, DB_MEMBER_CONDITION);
    assert_string_equal(got[0].service, "environment");
    assert_string_equal(got[0].device, "env");
    assert_string_equal(got[0].metric, "env.humidity");
    assert_string_equal(got[0].instance, "");
    assert_string_equal(got[1].metric, "env.temperature");
    assert_string_equal(got[1].instance, "1");
    char shown[96];
    db_member_display(&got[1], shown, sizeof shown);
    assert_string_equal(shown, "env env.temperature@1");
    db_member_display(&dev, shown, sizeof shown);
    assert_string_equal(shown, "ups1");
    avail_span *sp;
    assert_int_equal(db_health_spans(f->d, "nro", &got[1], T0, T0 + 600, 120, &sp, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sp[0].h, HEALTH_DOWN);
    assert_string_equal(sp[0].cause, "too hot");
    free(sp);
    assert_int_equal(db_health_conditions(f->d, "nro", "power", got, 4, &n, NULL), VG_OK);
    assert_int_equal(n, 0);
}

/* Runs written before the typed members (the text keys of schema version 2) still read. */
static void test_health_members_stored_before(void **state)
{
    fixture *f = *state;
    char path[600];
    snprintf(path, sizeof path, "%s/vigie.db", f->dir);
    assert_int_equal(tu_db_exec(path,
                                  "INSERT INTO health_runs(site, member, health, cause, start, last) VALUES"
                                  " ('nro', 'cond:cooling:clim-1:cooling.state', 3, 'cooling.state=off', 1790000040,"
                                  " 1790000100), ('nro', 'clim-1', 1, 'all values ok', 1790000040, 1790000100)"),
                     0);
    db_member got[2];
    size_t n;
    assert_int_equal(db_health_conditions(f->d, "nro", "cooling", got, 2, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(got[0].device, "clim-1");
    assert_string_equal(got[0].metric, "cooling.state");
    assert_string_equal(got[0].instance, "");
    avail_span *sp;
    assert_int_equal(db_health_spans(f->d, "nro", &got[0], T0, T0 + 600, 120, &sp, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sp[0].h, HEALTH_DOWN);
    free(sp);
    db_member dev;
    db_member_device(&dev, "clim-1");
    assert_int_equal(db_health_spans(f->d, "nro", &dev, T0, T0 + 600, 120, &sp, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sp[0].h, HEALTH_OK);
    free(sp);
    /* a new observation extends the old run: the same key */
    bool changed = true;
    assert_int_equal(db_health_observe(f->d, "nro", &got[0], T0 + 120, HEALTH_DOWN, "", 90, &changed, NULL), VG_OK);
    assert_false(changed);
}

static void test_deletions_agree(void **state)
{
    fixture *f = *state;
    int64_t mid = 0, sid = 0;
    assert_int_equal(db_maintenance_add(f->d, "nro", "", T0, T0 + 60, "works", "ops", T0, &mid, NULL), VG_OK);
    assert_int_equal(alert_store_silence_add(f->d, "nro", "", T0, T0 + 60, "works", "ops", T0, &sid, NULL), VG_OK);
    vg_err err;
    assert_int_equal(db_maintenance_delete(f->d, mid, &err), VG_OK);
    assert_int_equal(alert_store_silence_delete(f->d, sid, &err), VG_OK);
    assert_int_equal(db_maintenance_delete(f->d, mid, &err), VG_E_NOT_FOUND);
    assert_int_equal(alert_store_silence_delete(f->d, sid, &err), VG_E_NOT_FOUND);
    assert_int_equal(err.code, VG_E_NOT_FOUND);
}

/* ---- alert_store ---------------------------------------------------------------------------------- */

static void test_alert_lifecycle(void **state)
{
    fixture *f = *state;
    alert_key k = {"nro", "ups1", "battery.charge", "", "metric"};
    alert_row r;
    bool found = true;
    assert_int_equal(alert_store_find_open(f->d, &k, &r, &found, NULL), VG_OK);
    assert_false(found);
    int64_t id = 0;
    assert_int_equal(alert_store_open(f->d, &k, "warning", "ups1 battery.charge = 40 %", 40, "", T0, &id, NULL), VG_OK);
    assert_true(id > 0);
    assert_int_equal(alert_store_find_open(f->d, &k, &r, &found, NULL), VG_OK);
    assert_true(found);
    assert_int_equal(r.id, id);
    assert_string_equal(r.state, "firing");
    assert_int_equal(r.notified, 0);
    size_t n;
    assert_int_equal(alert_store_open_count(f->d, "nro", &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    alert_row *rows;
    assert_int_equal(alert_store_select(f->d, ALERT_SELECT_TO_NOTIFY, &rows, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    free(rows);
    assert_int_equal(alert_store_mark_notified(f->d, id, T0 + 30, NULL), VG_OK);
    assert_int_equal(alert_store_select(f->d, ALERT_SELECT_NOTIFIED, &rows, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].first_notified, T0 + 30);
    free(rows);
    assert_int_equal(alert_store_mark_renotified(f->d, id, 1, T0 + 700, NULL), VG_OK);
    assert_int_equal(alert_store_set_severity(f->d, id, "critical", "ups1 battery.charge = 10 %", 10, true, NULL), VG_OK);
    assert_int_equal(alert_store_find_open(f->d, &k, &r, &found, NULL), VG_OK);
    assert_string_equal(r.severity, "critical");
    assert_int_equal(r.notified, 0); /* worse: notified again */
    assert_int_equal(r.level, 1);
    assert_int_equal(alert_store_ack(f->d, id, "ops", "on it", T0 + 800, NULL), VG_OK);
    assert_int_equal(alert_store_ack(f->d, id, "ops", "again", T0 + 801, NULL), VG_E_NOT_FOUND);
    assert_int_equal(alert_store_ack(f->d, 999, "ops", "", T0 + 801, NULL), VG_E_NOT_FOUND);
    assert_int_equal(alert_store_resolve(f->d, id, T0 + 900, NULL), VG_OK);
    assert_int_equal(alert_store_find_open(f->d, &k, &r, &found, NULL), VG_OK);
    assert_false(found);
    assert_int_equal(alert_store_list(f->d, "nro", "resolved", NULL, &rows, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].ack_by, "ops");
    assert_string_equal(rows[0].ack_comment, "on it");
    assert_int_equal(rows[0].resolved, T0 + 900);
    free(rows);
    assert_int_equal(alert_store_list(f->d, NULL, "firing", NULL, &rows, &n, NULL), VG_OK);
    assert_int_equal(n, 0);
    free(rows);
}

static void test_alert_holds(void **state)
{
    fixture *f = *state;
    alert_key hb = {"nro", "", "agent.heartbeat", "", "heartbeat"}, m = {"nro", "env", "env.leak", "", "metric"};
    assert_int_equal(alert_store_open(f->d, &hb, "critical", "site nro unreachable", 0, "", T0, NULL, NULL), VG_OK);
    assert_int_equal(alert_store_open(f->d, &m, "critical", "env env.leak 1", 1, "", T0, NULL, NULL), VG_OK);
    assert_int_equal(alert_store_update_holds(f->d, NULL), VG_OK);
    alert_row r;
    bool found;
    assert_int_equal(alert_store_find_open(f->d, &m, &r, &found, NULL), VG_OK);
    assert_string_equal(r.held, "site unreachable");
    alert_row *rows;
    size_t n;
    assert_int_equal(alert_store_select(f->d, ALERT_SELECT_TO_NOTIFY, &rows, &n, NULL), VG_OK);
    assert_int_equal(n, 1); /* the heartbeat alert itself */
    assert_string_equal(rows[0].kind, "heartbeat");
    free(rows);
}

static void test_alert_tracks_and_sites(void **state)
{
    fixture *f = *state;
    alert_track t, back;
    memset(&t, 0, sizeof t);
    t.active = AL_OK;
    t.pending = AL_WARNING;
    t.pending_since = T0;
    t.changes[0] = T0 + 5;
    t.changes[1] = T0 - 100;
    bool found = true;
    assert_int_equal(alert_store_track_load(f->d, "nro", "env", "env.temperature", "1", &back, &found, NULL), VG_OK);
    assert_false(found);
    assert_int_equal(alert_store_track_save(f->d, "nro", "env", "env.temperature", "1", &t, 26.5, "°C", NULL), VG_OK);
    assert_int_equal(alert_store_track_load(f->d, "nro", "env", "env.temperature", "1", &back, &found, NULL), VG_OK);
    assert_true(found);
    assert_int_equal(back.pending, AL_WARNING);
    assert_int_equal(back.pending_since, T0);
    assert_int_equal(back.changes[0], T0 + 5);
    assert_int_equal(back.changes[1], T0 - 100);
    assert_int_equal(back.changes[2], 0);
    alert_track_ref *due;
    size_t n;
    assert_int_equal(alert_store_tracks_due(f->d, &due, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(due[0].instance, "1");
    assert_string_equal(due[0].unit, "°C");
    assert_true(fabs(due[0].value - 26.5) < 1e-9);
    free(due);
    assert_int_equal(alert_store_site_pushed(f->d, "nro", T0, NULL), VG_OK);
    assert_int_equal(alert_store_site_pushed(f->d, "nro", T0 + 60, NULL), VG_OK);
    alert_site *sites;
    assert_int_equal(alert_store_sites(f->d, &sites, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sites[0].last_push, T0 + 60);
    free(sites);
}

static void test_alert_silences(void **state)
{
    fixture *f = *state;
    int64_t id = 0;
    assert_int_equal(alert_store_silence_add(f->d, "nro", "env", T0, T0 + 3600, "works", "ops", T0, &id, NULL), VG_OK);
    bool silenced = false;
    assert_int_equal(alert_store_silenced(f->d, "nro", "env", T0 + 10, &silenced, NULL), VG_OK);
    assert_true(silenced);
    assert_int_equal(alert_store_silenced(f->d, "nro", "ups1", T0 + 10, &silenced, NULL), VG_OK);
    assert_false(silenced);
    assert_int_equal(alert_store_silenced(f->d, "nro", "env", T0 + 3600, &silenced, NULL), VG_OK);
    assert_false(silenced);
    alert_silence *v;
    size_t n;
    assert_int_equal(alert_store_silences(f->d, T0 + 10, &v, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, id);
    assert_string_equal(v[0].reason, "works");
    free(v);
    assert_int_equal(alert_store_silences(f->d, T0 + 3600, &v, &n, NULL), VG_OK);
    assert_int_equal(n, 0);
    free(v);
}

static void test_alert_notifications(void **state)
{
    fixture *f = *state;
    alert_notification a = {7, "noc", "webhook", "http://127.0.0.1:9/hook", "firing", "[vigie] x", "body", "{}", NULL};
    assert_int_equal(alert_store_notification_add(f->d, &a, T0, NULL), VG_OK);
    a.channel = "sms";
    a.target = "+33600000000";
    assert_int_equal(alert_store_notification_add(f->d, &a, T0, NULL), VG_OK);
    alert_delivery *due;
    size_t n;
    assert_int_equal(alert_store_due(f->d, T0 - 1, 50, &due, &n, NULL), VG_OK);
    assert_int_equal(n, 0);
    alert_store_deliveries_free(due, n);
    assert_int_equal(alert_store_due(f->d, T0, 1, &due, &n, NULL), VG_OK);
    assert_int_equal(n, 1); /* at most max */
    alert_store_deliveries_free(due, n);
    assert_int_equal(alert_store_due(f->d, T0, 50, &due, &n, NULL), VG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(due[0].channel, "webhook");
    assert_string_equal(due[0].body, "body");
    assert_int_equal(alert_store_delivery_sent(f->d, due[0].id, 1, T0 + 1, NULL), VG_OK);
    assert_int_equal(alert_store_delivery_retry(f->d, due[1].id, 1, "timeout", T0 + 30, NULL), VG_OK);
    int64_t retried = due[1].id;
    alert_store_deliveries_free(due, n);
    assert_int_equal(alert_store_due(f->d, T0 + 10, 50, &due, &n, NULL), VG_OK);
    assert_int_equal(n, 0); /* sent, and the other not due yet */
    alert_store_deliveries_free(due, n);
    assert_int_equal(alert_store_due(f->d, T0 + 30, 50, &due, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(due[0].attempts, 1);
    alert_store_deliveries_free(due, n);
    assert_int_equal(alert_store_delivery_failed(f->d, retried, 2, "timeout", NULL), VG_OK);
    assert_int_equal(alert_store_due(f->d, T0 + 3600, 50, &due, &n, NULL), VG_OK);
    assert_int_equal(n, 0);
    alert_store_deliveries_free(due, n);
}

/* A savepoint whose work fails leaves nothing behind; one that succeeds keeps its work. */
static vg_code tx_add_then(void *ctx, vg_err *err)
{
    fixture *f = ((void **)ctx)[0];
    bool fail = *(bool *)((void **)ctx)[1];
    vg_code rc = alert_store_site_pushed(f->d, "sp", T0, err);
    return rc != VG_OK ? rc : fail ? vg_fail(err, VG_E_INTERNAL, "asked to fail") : VG_OK;
}

static void test_savepoint_and_transaction(void **state)
{
    fixture *f = *state;
    bool fail = true;
    void *ctx[2] = {f, &fail};
    vg_err err;
    assert_int_equal(db_savepoint(f->d, "t1", tx_add_then, ctx, &err), VG_E_INTERNAL);
    alert_site *sites;
    size_t n;
    assert_int_equal(alert_store_sites(f->d, &sites, &n, NULL), VG_OK);
    assert_int_equal(n, 0);
    free(sites);
    assert_int_equal(db_transaction(f->d, tx_add_then, ctx, &err), VG_E_INTERNAL);
    assert_int_equal(alert_store_sites(f->d, &sites, &n, NULL), VG_OK);
    assert_int_equal(n, 0);
    free(sites);
    fail = false;
    assert_int_equal(db_transaction(f->d, tx_add_then, ctx, &err), VG_OK);
    assert_int_equal(alert_store_sites(f->d, &sites, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    free(sites);
}

/* ---- storage status, retention, range ------------------------------------------------------------- */

static vg_code tx_io_fail(void *ctx, vg_err *err)
{
    (void)ctx;
    return vg_fail(err, VG_E_IO, "disk full, as a test says");
}

static void test_storage_status(void **state)
{
    fixture *f = *state;
    bool fail = false;
    void *ctx[2] = {f, &fail};
    db_storage st;
    vg_err err;
    assert_int_equal(db_transaction(f->d, tx_io_fail, NULL, &err), VG_E_IO);
    db_storage_get(DB_PART_DB, &st);
    assert_true(st.failing);
    assert_true(st.error_at > 0 && st.since > 0);
    assert_non_null(strstr(st.last_error, "disk full"));
    /* a transaction that writes nothing proves nothing: still failing */
    assert_int_equal(db_transaction(f->d, tx_io_fail, NULL, &err), VG_E_IO);
    assert_int_equal(db_savepoint(f->d, "sp_io", tx_io_fail, NULL, &err), VG_E_IO);
    db_storage_get(DB_PART_DB, &st);
    assert_true(st.failing);
    /* a write that succeeds: ok again, the last error kept */
    assert_int_equal(db_transaction(f->d, tx_add_then, ctx, NULL), VG_OK);
    db_storage_get(DB_PART_DB, &st);
    assert_false(st.failing);
    assert_non_null(strstr(st.last_error, "disk full"));
    db_storage_note(DB_PART_RRD, false, "rrd: no space");
    db_storage_get(DB_PART_RRD, &st);
    assert_true(st.failing);
    db_storage_note(DB_PART_RRD, true, NULL);
    db_storage_get(DB_PART_RRD, &st);
    assert_false(st.failing);
    assert_int_equal(db_quick_check(f->d, NULL), VG_OK);
}

static void exec_sql(fixture *f, const char *sql);

/* A savepoint whose RELEASE fails (here a deferred foreign key that a trigger breaks; a full disk
 * in production) leaves SQLite's transaction open: it must be rolled back, or every later write fails
 * with "cannot start a transaction within a transaction" until a restart. */
static void test_failed_release_leaves_no_transaction(void **state)
{
    fixture *f = *state;
    bool fail = false;
    void *ctx[2] = {f, &fail};
    if (tu_db_pg()) /* the same trap in PostgreSQL's words: its deferred key fails at COMMIT */
        exec_sql(f, "CREATE TABLE t_parent(id BIGINT PRIMARY KEY);"
                    "CREATE TABLE t_child(pid BIGINT REFERENCES t_parent(id) DEFERRABLE INITIALLY DEFERRED);"
                    "CREATE FUNCTION t_break() RETURNS trigger LANGUAGE plpgsql AS"
                    " 'BEGIN INSERT INTO t_child VALUES(999); RETURN NULL; END';"
                    "CREATE TRIGGER t_break AFTER INSERT ON alert_sites FOR EACH ROW EXECUTE FUNCTION t_break();"
                    "CREATE TRIGGER t_break2 AFTER UPDATE ON alert_sites FOR EACH ROW EXECUTE FUNCTION t_break();");
    else
        exec_sql(f, "CREATE TABLE t_parent(id INTEGER PRIMARY KEY);"
                    "CREATE TABLE t_child(pid INTEGER REFERENCES t_parent(id) DEFERRABLE INITIALLY DEFERRED);"
                    "CREATE TRIGGER t_break AFTER INSERT ON alert_sites BEGIN INSERT INTO t_child VALUES(999); END;"
                    "CREATE TRIGGER t_break2 AFTER UPDATE ON alert_sites BEGIN INSERT INTO t_child VALUES(999); END;");
    vg_err err;
    assert_int_equal(db_savepoint(f->d, "t_release", tx_add_then, ctx, &err), VG_E_IO);
    assert_int_equal(db_transaction(f->d, tx_add_then, ctx, &err), VG_E_IO); /* COMMIT fails the same way */
    /* the next writes work: no transaction was left open (another connection can change the schema) */
    exec_sql(f, tu_db_pg() ? "DROP TRIGGER t_break ON alert_sites; DROP TRIGGER t_break2 ON alert_sites;"
                           : "DROP TRIGGER t_break; DROP TRIGGER t_break2;");
    assert_int_equal(db_savepoint(f->d, "t_release", tx_add_then, ctx, &err), VG_OK);
    push_batch *b = push_batch_new("agent", 7);
    if (db_batch_store(f->d, "nro", b, T0, &err) != VG_OK)
        fail_msg("%s", err.msg);
    push_batch_free(b);
    alert_site *sites;
    size_t n;
    assert_int_equal(alert_store_sites(f->d, &sites, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    free(sites);
}

static long count_rows(fixture *f, const char *sql)
{
    char path[600];
    snprintf(path, sizeof path, "%s/vigie.db", f->dir);
    long long n = tu_db_count(path, sql);
    assert_true(n >= 0);
    return (long)n;
}

static void exec_sql(fixture *f, const char *sql)
{
    char path[600];
    snprintf(path, sizeof path, "%s/vigie.db", f->dir);
    assert_int_equal(tu_db_exec(path, sql), 0);
}

/* Rows older than their cutoff go, the others stay: open alerts and undelivered notifications stay
 * whatever their age, a health run still going on past the cutoff stays. */
static void test_retention(void **state)
{
    fixture *f = *state;
    const int64_t old = T0 - 100 * 86400, cut = T0 - 50 * 86400, recent = T0;
    for (int i = 0; i < 5; i++) {
        push_batch *b = push_batch_new("agent", (uint64_t)i + 1);
        assert_int_equal(db_batch_store(f->d, "nro", b, i < 3 ? old + i : recent, NULL), VG_OK);
        push_batch_free(b);
    }
    assert_int_equal(db_event_add(f->d, "nro", "device", "ups1", old, "down", "test", old, NULL), VG_OK);
    assert_int_equal(db_event_add(f->d, "nro", "device", "ups1", recent, "ok", "test", recent, NULL), VG_OK);
    char sql[2048];
    snprintf(sql, sizeof sql,
             "INSERT INTO health_runs VALUES('nro','ups1',0,'',%lld,%lld);"
             "INSERT INTO health_runs VALUES('nro','ups2',0,'',%lld,%lld);"
             "INSERT INTO health_runs VALUES('nro','ups3',0,'',%lld,%lld);"
             "INSERT INTO alerts(id,site,device,metric,instance,kind,severity,state,summary,value,fired,resolved)"
             " VALUES(1,'nro','ups1','m','','metric','critical','resolved','',0,%lld,%lld),"
             " (2,'nro','ups1','m','','metric','critical','firing','',0,%lld,0),"
             " (3,'nro','ups1','m','','metric','critical','resolved','',0,%lld,%lld);"
             "INSERT INTO notifications(alert_id,contact,channel,target,event,subject,body,payload,status,"
             "next_attempt,created) VALUES(1,'c','webhook','t','fire','s','b','p','sent',0,%lld),"
             " (2,'c','webhook','t','fire','s','b','p','pending',0,%lld),"
             " (2,'c','webhook','t','fire','s','b','p','failed',0,%lld),"
             " (3,'c','webhook','t','fire','s','b','p','sent',0,%lld);",
             (long long)old, (long long)(old + 60), (long long)old, (long long)recent, (long long)recent,
             (long long)recent, (long long)old, (long long)(old + 60), (long long)old, (long long)recent,
             (long long)recent, (long long)old, (long long)old, (long long)old, (long long)recent);
    exec_sql(f, sql);
    /* nothing is purged with every cutoff 0 (kept for ever) */
    db_retention none = {0};
    long n = -1;
    assert_int_equal(db_retention_purge(f->d, &none, 100, &n, NULL), VG_OK);
    assert_int_equal(n, 0);
    db_retention c = {cut, cut, cut, cut, cut, 0};
    /* by chunks: 2 rows a table per call, until nothing is left to purge */
    long total = 0;
    do {
        assert_int_equal(db_retention_purge(f->d, &c, 2, &n, NULL), VG_OK);
        total += n;
    } while (n > 0);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM batches"), 2);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM batches WHERE received < 1790000000 - 50 * 86400"), 0);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM events"), 1);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM health_runs"), 2); /* ups2 goes on past the cutoff */
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM health_runs WHERE member = 'ups1'"), 0);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM alerts"), 2); /* the open one and the recent one */
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM alerts WHERE id = 1"), 0);
    /* the pending one stays; the old failed one and the one of the deleted alert go */
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM notifications"), 2);
    assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM notifications WHERE status = 'pending'"), 1);
    assert_int_equal(total, 3 + 1 + 1 + 1 + 2);
    /* a replay of a batch still kept is still seen */
    bool seen = false;
    assert_int_equal(db_batch_seen(f->d, "agent", 5, &seen, NULL), VG_OK);
    assert_true(seen);
    assert_int_equal(db_batch_seen(f->d, "agent", 1, &seen, NULL), VG_OK);
    assert_false(seen);
}

/* Points outside the physical range become unknown; NaN and in-range points are left alone. */
static void test_series_clip(void **state)
{
    (void)state;
    store_point pts[5] = {{60, 230.0}, {120, -3.7e240}, {180, NAN}, {240, 1e300}, {300, -1500}};
    store_series s = {0, 300, 60, 5, pts};
    assert_int_equal(store_series_clip(&s, -1500, 1500), 2);
    assert_true(pts[0].value == 230.0 && pts[4].value == -1500);
    assert_true(isnan(pts[1].value) && isnan(pts[2].value) && isnan(pts[3].value));
    assert_int_equal(store_series_clip(&s, -1500, 1500), 0);
}

/* ---- a series that fails alone, late samples ------------------------------------------------------- */

static push_batch *batch3(int64_t ts, double v)
{
    push_batch *b = push_batch_new("agent", 1);
    const char *devices[] = {"ups1", "ups2", "ups3"};
    for (int i = 0; i < 3; i++) {
        push_sample s = sample(devices[i], "battery.charge", "", v + i, ts);
        assert_int_equal(push_batch_add(b, &s), 0);
    }
    return b;
}

/* A file that librrd can describe but not update (here a foreign RRD file with two data sources): its
 * series fails with the file's name and librrd's reason, the other two are written; older samples
 * are stale, one at the last update a duplicate. */
static void test_write_fails_alone(void **state)
{
    fixture *f = *state;
    push_batch *b = batch3(T0, 10);
    rrd_store_stats st = {0};
    assert_int_equal(rrd_store_write(f->rrd, "nro", b, &st, NULL), VG_OK);
    assert_int_equal(st.written, 3);
    push_batch_free(b);
    char path[1200];
    assert_int_equal(rrd_store_path(f->rrd, "nro", "ups2", "battery.charge", "", path, sizeof path), VG_OK);
    const char *argv[] = {"DS:a:GAUGE:180:U:U", "DS:b:GAUGE:180:U:U", "RRA:AVERAGE:0.5:1:10"};
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rrd_create_r(path, STEP, T0, 3, argv), 0);
    b = batch3(T0 + STEP, 20);
    push_sample older = sample("ups1", "battery.charge", "", 5, T0 - STEP), again = sample("ups3", "battery.charge", "", 7, T0);
    assert_int_equal(push_batch_add(b, &older), 0);
    assert_int_equal(push_batch_add(b, &again), 0);
    assert_int_equal(rrd_store_write(f->rrd, "nro", b, &st, NULL), VG_OK);
    unsigned char want[] = {RRD_SAMPLE_WRITTEN, RRD_SAMPLE_FAILED, RRD_SAMPLE_WRITTEN, RRD_SAMPLE_STALE,
                            RRD_SAMPLE_DUPLICATE};
    assert_memory_equal(st.fate, want, 5);
    assert_int_equal(st.written, 2);
    assert_int_equal(st.stale, 2);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.failed_series, 1);
    assert_int_equal(st.failures[0].index, 1);
    if (!strstr(st.failures[0].reason, path))
        fail_msg("the reason does not name the file: %s", st.failures[0].reason);
    assert_string_equal(rrd_store_stats_reason(&st, b, 1), st.failures[0].reason);
    push_batch *late = rrd_store_stats_select(&st, b, 1u << RRD_SAMPLE_STALE);
    assert_int_equal(push_batch_count(late), 1);
    assert_true(push_batch_at(late, 0)->value == 5);
    push_batch_free(late);
    rrd_store_stats_clear(&st);
    push_batch_free(b);
    char other[1200];
    assert_int_equal(rrd_store_path(f->rrd, "nro", "ups3", "battery.charge", "", other, sizeof other), VG_OK);
    assert_int_equal(rrd_last_r(other), T0 + STEP);
    assert_int_equal(rrd_last_r(path), T0); /* untouched, and not set aside */
}

/* Late samples are kept once (a replay adds nothing), fill the points RRD does not know, consolidated
 * per point, and leave alone the points RRD knows. */
static void test_late_samples(void **state)
{
    fixture *f = *state;
    write_charge(f, 20); /* i at T0 + i * STEP */
    push_batch *b = push_batch_new("agent", 99);
    for (int i = 1; i <= 10; i++) { /* before the file's start: 100 + i at T0 - i * STEP */
        push_sample s = sample("ups1", "battery.charge", "", 100 + i, T0 - i * STEP);
        assert_int_equal(push_batch_add(b, &s), 0);
    }
    push_sample twin = sample("ups1", "battery.charge", "", 200, T0 - 3 * STEP - 30); /* same point as i = 3 */
    push_sample known = sample("ups1", "battery.charge", "", 999, T0 + 5 * STEP);     /* RRD has 5 there */
    assert_int_equal(push_batch_add(b, &twin), 0);
    assert_int_equal(push_batch_add(b, &known), 0);
    size_t kept = 0, over = 9;
    vg_err err;
    assert_int_equal(db_late_add(f->d, "nro", b, T0 + 3600, &kept, &over, &err), VG_OK);
    assert_int_equal(kept, 12);
    assert_int_equal(over, 0);
    assert_int_equal(db_late_add(f->d, "nro", b, T0 + 3601, &kept, &over, &err), VG_OK);
    assert_int_equal(kept, 0); /* the same series and times: kept once */
    push_batch_free(b);
    store_series s;
    assert_int_equal(store_series_fetch(f->rrd, "nro", "ups1", "battery.charge", "", STORE_CF_AVERAGE, T0 - 12 * STEP,
                                        T0 + 10 * STEP, STEP, &s, &err),
                     VG_OK);
    assert_int_equal(s.step, STEP);
    size_t filled = 0;
    assert_int_equal(store_series_add_late(&s, f->d, "nro", "ups1", "battery.charge", "", STORE_CF_AVERAGE, &filled, &err),
                     VG_OK);
    assert_int_equal(filled, 10);
    size_t seen = 0;
    for (size_t i = 0; i < s.npoints; i++) {
        int64_t k = (T0 - s.points[i].ts) / STEP;
        if (s.points[i].ts > T0 - 11 * STEP && s.points[i].ts < T0) {
            double want = k == 3 ? (103.0 + 200.0) / 2 : 100.0 + (double)k;
            if (fabs(s.points[i].value - want) > 1e-9)
                fail_msg("at %lld: %g, wanted %g", (long long)s.points[i].ts, s.points[i].value, want);
            seen++;
        }
        if (s.points[i].ts == T0 + 5 * STEP)
            assert_true(fabs(s.points[i].value - 5) < 1e-9); /* RRD wins */
    }
    assert_int_equal(seen, 10);
    store_series_clear(&s);
    /* the retention purges them by their time */
    db_retention c = {.late_samples = T0 - 5 * STEP};
    long n = 0;
    assert_int_equal(db_retention_purge(f->d, &c, 100, &n, NULL), VG_OK);
    assert_int_equal(n, 5); /* T0 - 6 to 10 steps; the others are at T0 - 5 steps or later */
}

/* A series keeps at most DB_LATE_PER_SERIES late samples; past it they are counted, not kept. */
static void test_late_cap(void **state)
{
    fixture *f = *state;
    push_batch *b = push_batch_new("agent", 1);
    for (int i = 0; i < DB_LATE_PER_SERIES + 5; i++) {
        push_sample s = sample("ups1", "battery.charge", "", i, T0 - (int64_t)i);
        assert_int_equal(push_batch_add(b, &s), 0);
    }
    push_sample other = sample("ups2", "battery.charge", "", 1, T0);
    assert_int_equal(push_batch_add(b, &other), 0);
    size_t kept = 0, over = 0;
    assert_int_equal(db_late_add(f->d, "nro", b, T0, &kept, &over, NULL), VG_OK);
    assert_int_equal(kept, DB_LATE_PER_SERIES + 1);
    assert_int_equal(over, 5);
    push_batch_free(b);
}

/* A database of schema version 4 (before late samples and drift trackers) opens, and gains the tables. */
/* What versions 7 and later changed, undone: the maintenance table as versions 2 to 6 made it. */
#define UNDO_V7                                                                                              \
    "ALTER TABLE notifications DROP COLUMN lease;"                                                           \
    "DROP TABLE cluster_lease; DROP INDEX notifications_by_key; ALTER TABLE notifications DROP COLUMN nkey;"  \
    "ALTER TABLE notifications DROP COLUMN claim_term; DROP TABLE batches;"                                  \
    "CREATE TABLE batches(agent TEXT NOT NULL, seq INTEGER NOT NULL, received INTEGER NOT NULL,"              \
    " samples INTEGER NOT NULL, PRIMARY KEY(agent, seq)); CREATE INDEX batches_by_received ON batches(received);" \
    "DROP TABLE oncall_overrides;"                                                                           \
    "DROP TABLE api_tokens; DROP TABLE sessions; DROP TABLE login_links; DROP TABLE audit;"                  \
    "DROP TABLE selftests; DROP TABLE selftest_runs;"                                                        \
    "DROP TABLE maintenance_occurrences; DROP TABLE maintenance;"                                            \
    "CREATE TABLE maintenance(id INTEGER PRIMARY KEY, site TEXT NOT NULL, service TEXT NOT NULL,"           \
    " start INTEGER NOT NULL, end INTEGER NOT NULL, reason TEXT NOT NULL, who TEXT NOT NULL,"                \
    " created INTEGER NOT NULL); CREATE INDEX maintenance_by_site ON maintenance(site, start);"

/* A count on c (a statement of its own, finalized). */
static long long st_count(sq_conn *c, const char *sql)
{
    sq_stmt *st = NULL;
    assert_int_equal(sq_prepare(c, sql, &st), SQ_OK);
    long long n = sq_step(st) == SQ_ROW ? (long long)sq_column_int64(st, 0) : -1;
    sq_finalize(st);
    return n;
}

/* A statement the store keeps and runs again is prepared on the server once (PostgreSQL: one row of
 * pg_prepared_statements from its second run, none once finalized), and goes on working after its
 * connection was cut (prepared again on the new one); on SQLite the same runs give the same rows. */
static void test_kept_statement_prepared(void **state)
{
    (void)state;
    char *dir = tu_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/kept.db", dir);
    sq_conn *c = NULL;
    assert_int_equal(sq_open(tu_db(path), &c), SQ_OK);
    assert_int_equal(sq_exec(c, "CREATE TABLE kv(k TEXT PRIMARY KEY, v INTEGER NOT NULL)"), SQ_OK);
    const char *ours = "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'vigie\\_%'";
    sq_stmt *ins = NULL, *get = NULL;
    assert_int_equal(sq_prepare(c, "INSERT INTO kv(k, v) VALUES(?, ?)", &ins), SQ_OK);
    for (int i = 0; i < 5; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i);
        sq_reset(ins);
        assert_int_equal(sq_bind_text(ins, 1, k, -1, SQ_TRANSIENT), SQ_OK);
        assert_int_equal(sq_bind_int64(ins, 2, i * 10), SQ_OK);
        assert_int_equal(sq_step(ins), SQ_DONE);
        if (tu_db_pg())
            assert_int_equal(st_count(c, ours), i >= 1 ? 1 : 0); /* from the second run, once */
    }
    sq_finalize(ins);
    if (tu_db_pg())
        assert_int_equal(st_count(c, ours), 0);
    assert_int_equal(st_count(c, "SELECT count(*) FROM kv"), 5);
    assert_int_equal(sq_prepare(c, "SELECT v FROM kv WHERE k = ?", &get), SQ_OK);
    for (int round = 0; round < 4; round++) {
        if (round == 2 && tu_db_pg()) { /* the connection cut from the server's side, as a failover does */
            long long pid = st_count(c, "SELECT pg_backend_pid()");
            sq_conn *other = NULL;
            char sql[96];
            snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", pid);
            assert_int_equal(sq_open(tu_db(path), &other), SQ_OK);
            assert_int_equal(st_count(other, sql), 1);
            sq_close(other);
            usleep(200000);
        }
        sq_reset(get);
        assert_int_equal(sq_bind_text(get, 1, "k3", -1, SQ_TRANSIENT), SQ_OK);
        assert_int_equal(sq_step(get), SQ_ROW);
        assert_int_equal(sq_column_int64(get, 0), 30);
        assert_int_equal(sq_step(get), SQ_DONE);
    }
    if (tu_db_pg())
        assert_int_equal(st_count(c, ours), 1); /* prepared again on the new connection */
    sq_finalize(get);
    sq_close(c);
    tu_rmtree(dir);
    free(dir);
}

/* A database of version 6 keeps its windows and their ids through version 7, and from then on an id
 * is never given again, even the highest one after its window is deleted (a version-6 table gave it
 * again: INTEGER PRIMARY KEY without AUTOINCREMENT). */
static void test_schema_from_version_6(void **state)
{
    fixture *f = *state;
    if (tu_db_pg()) { /* it takes the SQLite file's schema back by hand; PostgreSQL climbs from empty */
        print_message("SQLite only: an older SQLite schema rebuilt by hand\n");
        skip();
    }
    db_close(f->d);
    f->d = NULL;
    exec_sql(f, UNDO_V7 "INSERT INTO maintenance VALUES(5, 'nro', '', 1790000000, 1790003600, 'UPS swap', 'ops', 1);"
                        "PRAGMA user_version=6;");
    char path[600];
    snprintf(path, sizeof path, "%s/vigie.db", f->dir);
    vg_err err;
    if (db_open(tu_db(path), &f->d, &err) != VG_OK)
        fail_msg("%s", err.msg);
    avail_window *w;
    int64_t *ids;
    size_t n;
    assert_int_equal(db_maintenance_list(f->d, "nro", 1789990000, 1790010000, &w, &n, &ids), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], 5);
    assert_int_equal(w[0].end, 1790003600);
    assert_string_equal(w[0].reason, "UPS swap");
    free(w);
    free(ids);
    int64_t id = 0;
    assert_int_equal(db_maintenance_add(f->d, "nro", "", 1790100000, 1790103600, "a", "ops", 2, &id, &err), VG_OK);
    assert_int_equal(id, 6);
    assert_int_equal(db_maintenance_delete(f->d, 6, &err), VG_OK);
    assert_int_equal(db_maintenance_add(f->d, "nro", "", 1790100000, 1790103600, "b", "ops", 3, &id, &err), VG_OK);
    assert_int_equal(id, 7);
    /* and across a restart */
    assert_int_equal(db_maintenance_delete(f->d, 7, &err), VG_OK);
    db_close(f->d);
    f->d = NULL;
    if (db_open(tu_db(path), &f->d, &err) != VG_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(db_maintenance_add(f->d, "nro", "", 1790100000, 1790103600, "c", "ops", 4, &id, &err), VG_OK);
    assert_int_equal(id, 8);
}

static void test_schema_from_version_4(void **state)
{
    fixture *f = *state;
    if (tu_db_pg()) { /* it takes the SQLite file's schema back by hand; PostgreSQL climbs from empty */
        print_message("SQLite only: an older SQLite schema rebuilt by hand\n");
        skip();
    }
    db_close(f->d);
    f->d = NULL;
    exec_sql(f, "DROP TABLE late_samples; DROP TABLE alert_drift; " UNDO_V7 "PRAGMA user_version=4;");
    char path[600];
    snprintf(path, sizeof path, "%s/vigie.db", f->dir);
    vg_err err;
    if (db_open(tu_db(path), &f->d, &err) != VG_OK)
        fail_msg("%s", err.msg);
    push_batch *b = push_batch_new("agent", 1);
    push_sample s = sample("ups1", "battery.charge", "", 1, T0);
    assert_int_equal(push_batch_add(b, &s), 0);
    size_t kept = 0;
    assert_int_equal(db_late_add(f->d, "nro", b, T0, &kept, NULL, &err), VG_OK);
    assert_int_equal(kept, 1);
    push_batch_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_series_fetch_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_series_missing_and_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_series_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latest_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_health_members, setup, teardown),
        cmocka_unit_test_setup_teardown(test_health_members_stored_before, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deletions_agree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_tracks_and_sites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_silences, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_notifications, setup, teardown),
        cmocka_unit_test_setup_teardown(test_savepoint_and_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_release_leaves_no_transaction, setup, teardown),
        cmocka_unit_test(test_kept_statement_prepared),
        cmocka_unit_test_setup_teardown(test_storage_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_series_clip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_fails_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_samples, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_series_heartbeat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_series_first_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_from_version_4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_from_version_6, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Drift alerts (alerting/drift.h) over scripted sample streams of simulated weeks, on the samples' own
 * clock: a steady level raises nothing; a decline of 0.5 dB a day after a steady week raises warning
 * then critical at the times a reference model of the estimate gives (hand-checked: day levels, least
 * squares); one spike raises nothing; sparse samples (a slow sweep, a missing day) still see the
 * decline; a level that stops falling clears, with hysteresis, once; `direction: down` ignores a
 * repair. Then the `drift:` keys of server.yaml and their errors (file:line:column, key), and the
 * stored lifecycle with SQLite: level and drift alerts per ONT ("port/ont"), the drift alert held
 * behind "device unreachable" and notified once the hold lifts, its text in dB/week. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alerting/alerts.h"
#include "alerting/drift.h"
#include "alerting/rules.h"
#include "config/server_config.h"
#include "store/db.h"
#include "test_db.h"
#include "test_util.h"

#include <sqlite3.h>

#define DAY 86400
#define D0 ((int64_t)20718 * DAY) /* a UTC midnight (2026-09-22) */

static alert_drift_rule gpon(void)
{
    alert_drift_rule r = {.on = true, .has_warning = true, .warning = 2.0, .has_critical = true, .critical = 3.0,
                          .hysteresis = 0.5, .min_span = DAY};
    return r;
}

/* A deterministic noise in [-amp, amp]. */
static double noise(unsigned *seed, double amp)
{
    *seed = *seed * 1103515245u + 12345u;
    return amp * (((double)((*seed >> 8) & 0xffff) / 65535.0) * 2 - 1);
}

/* The level of the scenario at t: steady at -20 dBm for `flat` days, then losing `slope` dB a day for
 * `fall` days, then steady at the level reached. */
typedef struct {
    double flat, slope, fall;
} scenario;

static double level_at(const scenario *sc, int64_t t)
{
    double days = (double)(t - D0) / DAY - sc->flat;
    if (days <= 0)
        return -20.0;
    return -20.0 - sc->slope * (days < sc->fall ? days : sc->fall);
}

/* What a stream raised: the hour (from D0) of each change of level, and the last estimate. */
typedef struct {
    int n;
    int hour[16];
    al_level level[16];
    double drift[16];
} changes;

/* Feeds hourly slots from 0 to `hours`, one sample every `every` hours (shifted by up to `jitter`
 * minutes), none on the days of `skip_day` (-1: none). */
static changes run(al_drift *d, const alert_drift_rule *r, const scenario *sc, int hours, int every, int jitter,
                   double amp, int skip_day)
{
    changes c = {0};
    unsigned seed = 17;
    for (int h = 0; h < hours; h += every) {
        int64_t t = D0 + (int64_t)h * 3600 + 1800 + (jitter ? (int64_t)(noise(&seed, jitter) * 60) : 0);
        if ((t - D0) / DAY == skip_day)
            continue;
        al_level before = d->active;
        al_event ev = alert_drift_observe(d, r, t, level_at(sc, t) + noise(&seed, amp));
        if (ev != AL_EV_NONE && c.n < 16) {
            assert_int_not_equal(d->active, before);
            c.hour[c.n] = h;
            c.level[c.n] = d->active;
            c.drift[c.n++] = d->last.per_week;
        }
        assert_true(d->ndays <= AL_DRIFT_DAYS);
    }
    return c;
}

static void test_steady(void **state)
{
    (void)state;
    alert_drift_rule r = gpon();
    al_drift d = {0};
    scenario sc = {.flat = 100};
    changes c = run(&d, &r, &sc, 21 * 24, 1, 0, 0.3, -1);
    assert_int_equal(c.n, 0);
    assert_true(d.last.known);
    assert_true(fabs(d.last.per_week) < 0.2);
    assert_int_equal(d.ndays, AL_DRIFT_DAYS); /* bounded: 21 days seen, 8 kept */
}

/* 0.5 dB/day (3.5 dB/week) after a steady week. The reference model (day levels, least squares over
 * the current day and the 7 before) gives: warning at hour 264 (day 11, as day 3 leaves the window:
 * -2.13 dB/week over 6 days), critical at hour 312 (day 13: -3.31), from a decline that began at
 * hour 168. Without noise the times are exact; with 0.2 dB of noise within a few hours. */
static void test_decline(void **state)
{
    (void)state;
    alert_drift_rule r = gpon();
    scenario sc = {.flat = 7, .slope = 0.5, .fall = 100};
    al_drift d = {0};
    changes c = run(&d, &r, &sc, 21 * 24, 1, 0, 0, -1);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.level[0], AL_WARNING);
    assert_int_equal(c.hour[0], 264);
    assert_true(c.drift[0] < -2.0 && c.drift[0] > -2.2);
    assert_int_equal(c.level[1], AL_CRITICAL);
    assert_int_equal(c.hour[1], 312);
    assert_true(c.drift[1] < -3.2 && c.drift[1] > -3.4);
    /* a week into the decline the window holds only it: the estimate is the decline itself */
    assert_true(fabs(d.last.per_week + 3.5) < 0.01);
    assert_true(d.last.span > 6 * DAY);
    al_drift n = {0};
    c = run(&n, &r, &sc, 21 * 24, 1, 0, 0.2, -1);
    assert_int_equal(c.n, 2);
    assert_true(abs(c.hour[0] - 264) <= 6 && abs(c.hour[1] - 312) <= 6);
}

static void test_spike(void **state)
{
    (void)state;
    alert_drift_rule r = gpon();
    al_drift d = {0};
    unsigned seed = 5;
    int64_t t = D0;
    for (int h = 0; h < 14 * 24; h++, t += 3600) {
        double v = -20.0 + noise(&seed, 0.1);
        if (h == 9 * 24 + 5)
            v = -35.0; /* a misread, or the ONT reconnecting */
        assert_int_equal(alert_drift_observe(&d, &r, t, v), AL_EV_NONE);
        assert_true(fabs(d.last.per_week) < 0.2);
    }
    /* a sparse day of 3 samples, one of them a spike: the spike is its day's extreme, left out */
    al_drift s = {0};
    for (int day = 0; day < 8; day++)
        for (int k = 0; k < 3; k++) {
            double v = day == 6 && k == 1 ? -10.0 : -20.0 + 0.01 * k;
            assert_int_equal(alert_drift_observe(&s, &r, D0 + day * DAY + k * 8 * 3600, v), AL_EV_NONE);
        }
    assert_true(s.last.known && fabs(s.last.per_week) < 0.1);
    /* a day of fewer than 3 samples is not used: a lone spike on a day of its own moves nothing */
    assert_true(alert_drift_add(&s, D0 + 8 * DAY + 60, -40.0));
    alert_drift_estimate_of(&s, r.min_span, &s.last);
    assert_true(s.last.known && fabs(s.last.per_week) < 0.1);
}

static void test_sparse(void **state)
{
    (void)state;
    alert_drift_rule r = gpon();
    scenario steady = {.flat = 100}, decline = {.flat = 7, .slope = 0.5, .fall = 100};
    /* a sample every 5 h, up to 2 h early or late, and nothing at all on day 9 */
    al_drift a = {0}, b = {0};
    changes c = run(&a, &r, &steady, 21 * 24, 5, 120, 0.2, 9);
    assert_int_equal(c.n, 0);
    c = run(&b, &r, &decline, 21 * 24, 5, 120, 0.2, 9);
    assert_true(c.n >= 2);
    assert_int_equal(c.level[0], AL_WARNING);
    assert_int_equal(c.level[c.n - 1], AL_CRITICAL);
    assert_true(c.hour[0] >= 240 && c.hour[0] <= 290);
    assert_true(fabs(b.last.per_week + 3.5) < 0.2);
    /* a day or two of samples only: no estimate before min_span, no alert */
    al_drift e = {0};
    assert_int_equal(alert_drift_observe(&e, &r, D0 + 3600, -20), AL_EV_NONE);
    assert_int_equal(alert_drift_observe(&e, &r, D0 + 7200, -20), AL_EV_NONE);
    assert_int_equal(alert_drift_observe(&e, &r, D0 + 10800, -20), AL_EV_NONE);
    assert_int_equal(alert_drift_observe(&e, &r, D0 + DAY + 1800, -25), AL_EV_NONE);
    assert_int_equal(alert_drift_observe(&e, &r, D0 + DAY + 3600, -25), AL_EV_NONE);
    assert_int_equal(alert_drift_observe(&e, &r, D0 + DAY + 5400, -25), AL_EV_NONE);
    assert_false(e.last.known); /* two days, their mean times 23 h apart: under min_span */
    assert_int_equal(alert_drift_observe(&e, &r, D0 + DAY + 36000, -25), AL_EV_FIRE);
    assert_true(e.last.known && e.active == AL_CRITICAL);
}

/* Decline for 5 days, then steady at the level reached: critical, then warning, then ok, each once
 * (the reference model: hours 264, 312, 341, 384). */
static void test_recovery(void **state)
{
    (void)state;
    alert_drift_rule r = gpon();
    scenario sc = {.flat = 7, .slope = 0.5, .fall = 5};
    al_drift d = {0};
    changes c = run(&d, &r, &sc, 24 * 24, 1, 0, 0, -1);
    assert_int_equal(c.n, 4);
    al_level want[] = {AL_WARNING, AL_CRITICAL, AL_WARNING, AL_OK};
    int hours[] = {264, 312, 341, 384};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(c.level[i], want[i]);
        assert_int_equal(c.hour[i], hours[i]);
    }
    /* critical left under 3 - 0.5, warning under 2 - 0.5 */
    assert_true(c.drift[2] > -2.5 && c.drift[2] <= -2.4);
    assert_true(c.drift[3] > -1.5);
    /* with noise: no flapping around the thresholds, the same four changes */
    al_drift n = {0};
    c = run(&n, &r, &sc, 24 * 24, 1, 0, 0.2, -1);
    assert_int_equal(c.n, 4);
    assert_int_equal(c.level[3], AL_OK);
}

static void test_judge_and_direction(void **state)
{
    (void)state;
    alert_drift_rule r = gpon();
    assert_int_equal(alert_drift_judge(&r, -1.9, AL_OK), AL_OK);
    assert_int_equal(alert_drift_judge(&r, -2.0, AL_OK), AL_WARNING); /* reached */
    assert_int_equal(alert_drift_judge(&r, 2.0, AL_OK), AL_WARNING);  /* both directions */
    assert_int_equal(alert_drift_judge(&r, -3.1, AL_OK), AL_CRITICAL);
    assert_int_equal(alert_drift_judge(&r, -2.6, AL_CRITICAL), AL_CRITICAL);
    assert_int_equal(alert_drift_judge(&r, -2.4, AL_CRITICAL), AL_WARNING);
    assert_int_equal(alert_drift_judge(&r, -1.6, AL_WARNING), AL_WARNING);
    assert_int_equal(alert_drift_judge(&r, -1.4, AL_WARNING), AL_OK);
    r.direction = AL_DRIFT_DOWN;
    assert_int_equal(alert_drift_judge(&r, 5.0, AL_OK), AL_OK);
    assert_int_equal(alert_drift_judge(&r, -5.0, AL_OK), AL_CRITICAL);
    r.direction = AL_DRIFT_UP;
    assert_int_equal(alert_drift_judge(&r, -5.0, AL_OK), AL_OK);
    /* a repair on day 14 after a week of decline (the level jumps back to -20): the falling drift
     * clears within the repair day (model: hour 341) either way; with both directions the jump then
     * reads as a rise for a week (model: warning at hour 386, +2.0 dB/week), with `down` it does not */
    scenario sc = {.flat = 7, .slope = 0.5, .fall = 100};
    alert_drift_rule down = gpon(), both = gpon();
    down.direction = AL_DRIFT_DOWN;
    al_drift a = {0}, b = {0};
    run(&a, &down, &sc, 14 * 24, 1, 0, 0, -1);
    run(&b, &both, &sc, 14 * 24, 1, 0, 0, -1);
    assert_int_equal(a.active, AL_CRITICAL);
    assert_int_equal(b.active, AL_CRITICAL);
    int resolved_down = 0, fired_down = 0, resolved_at = 0, rise_at = 0;
    for (int h = 14 * 24; h < 26 * 24; h++) {
        int64_t t = D0 + h * 3600 + 1800;
        al_event ea = alert_drift_observe(&a, &down, t, -20.0);
        resolved_down += ea == AL_EV_RESOLVE;
        fired_down += ea == AL_EV_FIRE;
        al_event eb = alert_drift_observe(&b, &both, t, -20.0);
        if (eb == AL_EV_RESOLVE && !resolved_at)
            resolved_at = h;
        if (eb == AL_EV_FIRE && resolved_at && !rise_at) {
            rise_at = h;
            assert_true(b.last.per_week >= 2.0);
        }
    }
    assert_int_equal(resolved_down, 1);
    assert_int_equal(fired_down, 1); /* critical -> warning on the way down, then ok */
    assert_int_equal(a.active, AL_OK);
    assert_int_equal(resolved_at, 341);
    assert_int_equal(rise_at, 386);
}

static void test_window(void **state)
{
    (void)state;
    al_drift d = {0};
    assert_false(alert_drift_add(&d, D0, NAN));
    assert_true(alert_drift_add(&d, D0 + 10 * DAY, -20));
    assert_false(alert_drift_add(&d, D0 + 2 * DAY, -20)); /* before the window of day 10 */
    assert_true(alert_drift_add(&d, D0 + 3 * DAY, -20));  /* day 3: within 7 of day 10, late */
    assert_true(alert_drift_add(&d, D0 + 5 * DAY, -20));
    assert_int_equal(d.ndays, 3);
    assert_true(d.days[0].day < d.days[1].day && d.days[1].day < d.days[2].day);
    assert_true(alert_drift_add(&d, D0 + 13 * DAY, -20)); /* days 3 and 5 leave: 6 to 13 remain */
    assert_int_equal(d.ndays, 2);
    assert_int_equal(d.days[0].day, D0 / DAY + 10);
}

/* ---- configuration ------------------------------------------------------------------------- */

static server_config *load(const char *rules, vg_err *err)
{
    char *dir = tu_tmpdir(), path[600], yaml[1500];
    snprintf(yaml, sizeof yaml, "data_dir: %s\nagents: [{id: a, token: drift-test-token-001}]\nalerting:\n  rules:\n%s",
             dir, rules);
    server_config *cfg = server_config_load(tu_write(dir, "server.yaml", yaml, path, sizeof path), err);
    tu_rmtree(dir);
    free(dir);
    return cfg;
}

static void expect_error(const char *rules, const char *what)
{
    vg_err err;
    server_config *cfg = load(rules, &err);
    if (cfg) {
        server_config_free(cfg);
        fail_msg("accepted: %s", rules);
    }
    if (!strstr(err.msg, what))
        fail_msg("'%s' not in '%s'", what, err.msg);
}

static void test_config(void **state)
{
    (void)state;
    vg_err err;
    server_config *cfg = load("    - {metric: olt.ont.rx.power, warning_below: -27, critical_below: -28,"
                              " clear_hysteresis: 0.5}\n"
                              "    - {metric: olt.ont.olt.rx.power, drift: {warning: 2, critical: 3, min_span: 172800,"
                              " clear_hysteresis: 0.5, direction: down}}\n",
                              &err);
    if (!cfg)
        fail_msg("%s", err.msg);
    const alert_rule *lv = &cfg->alerting->rules[0], *dr = &cfg->alerting->rules[1];
    assert_true(alert_rule_has_levels(lv) && !lv->drift.on);
    assert_true(lv->has_warn_below && lv->warn_below == -27 && lv->crit_below == -28);
    assert_false(alert_rule_has_levels(dr)); /* drift only: the level stays the agent's */
    assert_true(dr->drift.on && dr->drift.warning == 2 && dr->drift.critical == 3);
    assert_int_equal(dr->drift.min_span, 172800);
    assert_int_equal(dr->drift.direction, AL_DRIFT_DOWN);
    server_config_free(cfg);
    /* defaults: min_span a day, both directions */
    cfg = load("    - {metric: olt.ont.tx.power, drift: {critical: 3}}\n", &err);
    assert_non_null(cfg);
    assert_int_equal(cfg->alerting->rules[0].drift.min_span, DAY);
    assert_int_equal(cfg->alerting->rules[0].drift.direction, AL_DRIFT_BOTH);
    assert_false(cfg->alerting->rules[0].drift.has_warning);
    server_config_free(cfg);
    expect_error("    - {metric: olt.ont.rx.power, drift: {}}\n", ":5:41: key 'drift': needs warning or critical");
    expect_error("    - {metric: olt.ont.rx.power, drift: 2}\n", ":5:41: drift must be a mapping");
    expect_error("    - {metric: olt.ont.rx.power, drift: {warning: -1}}\n", "key 'warning': must be a drift above 0");
    expect_error("    - {metric: olt.ont.rx.power, drift: {warning: 3, critical: 2}}\n",
                 "key 'critical': must not be below warning");
    expect_error("    - {metric: olt.ont.rx.power, drift: {warning: 2, clear_hysteresis: 2}}\n", "never clears");
    expect_error("    - {metric: olt.ont.rx.power, drift: {warning: 2, clear_hysteresis: -1}}\n", "never clears");
    expect_error("    - {metric: olt.ont.rx.power, drift: {warning: 2, direction: sideways}}\n",
                 "key 'direction': 'sideways' is not");
    expect_error("    - {metric: olt.ont.rx.power, drift: {warning: 2, min_span: 60}}\n", "key 'min_span'");
    expect_error("    - {metric: olt.ont.rx.power, drift: {warning: 2, min_span: 900000}}\n", "key 'min_span'");
    expect_error("    - {metric: olt.ont.rx.power, drift: {per_week: 2, warning: 2}}\n",
                 ":5:42: key 'per_week'");
    expect_error("    - {metric: olt.ont.rx.power, drift: {warning: two}}\n", "key 'warning'");
    expect_error("    - {metric: olt.ont.rx.power}\n", "or drift");
}

/* ---- the stored lifecycle ------------------------------------------------------------------- */

typedef struct {
    char *dir;
    server_config *cfg;
    db *d;
    uint64_t seq;
} fixture;

static int db_setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char path[600], yaml[2000];
    f->dir = tu_tmpdir();
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\nstep: 3600\n"
             "sites: [{id: nro, kind: nro}]\n"
             "agents: [{id: nro-agent, token: drift-test-token-001, site: nro}]\n"
             "alerting:\n"
             "  group_wait: 0\n"
             "  heartbeat_steps: 100\n"
             "  repeat: {warning: 0, critical: 0}\n"
             "  contacts: [{name: noc, webhook: 'http://127.0.0.1:9/hook'}]\n"
             "  rules:\n"
             "    - {metric: olt.ont.rx.power, warning_below: -27, critical_below: -28, clear_hysteresis: 0.5,\n"
             "       drift: {warning: 2, critical: 3, clear_hysteresis: 0.5}}\n",
             f->dir);
    vg_err cerr;
    f->cfg = server_config_load(tu_write(f->dir, "server.yaml", yaml, path, sizeof path), &cerr);
    if (!f->cfg)
        fail_msg("%s", cerr.msg);
    snprintf(path, sizeof path, "%s/vigie.db", f->dir);
    vg_err derr;
    if (db_open(tu_db(path), &f->d, &derr) != VG_OK)
        fail_msg("%s", derr.msg);
    *state = f;
    return 0;
}

static int db_teardown(void **state)
{
    fixture *f = *state;
    db_close(f->d);
    server_config_free(f->cfg);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* One push of the OLT's three ONTs at t: 1/1 steady, 1/2 as `sc`, 1/3 at `low`; reachable when asked. */
static void push_onts(fixture *f, int64_t t, const scenario *sc, double low, int reachable)
{
    push_batch *b = push_batch_new("nro-agent", ++f->seq);
    push_sample s;
    const char *inst[] = {"1/1", "1/2", "1/3"};
    double v[] = {-20.0, level_at(sc, t), low};
    if (reachable >= 0) {
        assert_int_equal(push_sample_set(&s, "olt", "device.reachable", "", reachable, "", t), 0);
        assert_int_equal(push_batch_add(b, &s), 0);
    }
    for (int i = 0; i < 3; i++) {
        assert_int_equal(push_sample_set(&s, "olt", "olt.ont.rx.power", inst[i], v[i], "dBm", t), 0);
        s.sev = SEV_OK;
        assert_int_equal(push_batch_add(b, &s), 0);
    }
    assert_int_equal(alerts_ingest(f->d, f->cfg, "nro", b, t), 0);
    push_batch_free(b);
}

static int count(fixture *f, const char *sql)
{
    char path[600];
    snprintf(path, sizeof path, "%s/vigie.db", f->dir);
    long long n = tu_db_count(path, sql);
    assert_true(n >= 0);
    return (int)n;
}

/* Levels below zero, per ONT: -27.5 dBm is a warning, -28.3 critical, -27.2 still critical (0.5 of
 * hysteresis: it leaves under -28 + 0.5), then warning, -26.4 clears. Steady ONTs raise nothing. */
static void test_db_levels(void **state)
{
    fixture *f = *state;
    scenario steady = {.flat = 100};
    double low[] = {-27.5, -28.3, -27.6, -27.2, -26.4};
    const char *sev[] = {"warning", "critical", "critical", "warning", NULL};
    for (int i = 0; i < 5; i++) {
        push_onts(f, D0 + i * 600, &steady, low[i], -1);
        if (sev[i]) {
            char sql[200];
            snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM alerts WHERE instance = '1/3' AND kind = 'metric'"
                                      " AND state = 'firing' AND severity = '%s'", sev[i]);
            assert_int_equal(count(f, sql), 1);
        }
    }
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE instance = '1/3' AND state = 'resolved'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE instance != '1/3'"), 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE summary LIKE 'olt olt.ont.rx.power[1/3] = -27.2 dBm'"),
                     1);
}

/* Hourly pushes over 14 days: ONT 1/2 declines from day 7. Its drift alert fires (warning, then
 * critical) with its text in dB/week; while the OLT is unreachable the new critical waits behind it;
 * the steady ONTs have a drift tracker each and no alert. */
static void test_db_drift(void **state)
{
    fixture *f = *state;
    scenario sc = {.flat = 7, .slope = 0.5, .fall = 100};
    for (int h = 0; h < 300; h++) {
        push_onts(f, D0 + h * 3600 + 1800, &sc, -20.0, -1);
        if (h % 6 == 0)
            alerts_tick(f->d, f->cfg, 0, D0 + h * 3600 + 1800, NULL);
    }
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'drift' AND instance = '1/2'"
                              " AND severity = 'warning' AND state = 'firing' AND notified = 1"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'drift' AND summary LIKE"
                              " 'olt olt.ont.rx.power[1/2] drift -2._ dB/week over 6.0 days (now -22.% dBm)'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE payload LIKE '%dB/week%'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alert_drift WHERE known = 1"), 3);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE instance IN ('1/1', '1/3')"), 0);
    /* the OLT is unreachable (hour 300); the critical (hour 312) is recorded but held */
    push_onts(f, D0 + 300 * 3600 + 1800, &sc, -20.0, 0);
    for (int h = 301; h < 320; h++)
        push_onts(f, D0 + h * 3600 + 1800, &sc, -20.0, -1);
    alerts_tick(f->d, f->cfg, 0, D0 + 320 * 3600, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'drift' AND severity = 'critical'"
                              " AND state = 'firing' AND held = 'device unreachable'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE payload LIKE '%drift%'"), 1);
    /* back: the hold lifts, the critical is notified */
    push_onts(f, D0 + 321 * 3600, &sc, -20.0, 1);
    alerts_tick(f->d, f->cfg, 0, D0 + 321 * 3600 + 10, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'drift' AND held = ''"
                              " AND notified = 1 AND severity = 'critical'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE payload LIKE '%dB/week%'"
                              " AND payload LIKE '%CRITICAL%'"), 1);
}

/* Decline, then steady: the drift alert resolves by itself and says so to the contact notified. */
static void test_db_drift_recovery(void **state)
{
    fixture *f = *state;
    scenario sc = {.flat = 7, .slope = 0.5, .fall = 5};
    for (int h = 0; h < 24 * 24; h += 2) {
        push_onts(f, D0 + h * 3600 + 1800, &sc, -20.0, -1);
        alerts_tick(f->d, f->cfg, 0, D0 + h * 3600 + 1800, NULL);
    }
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'drift'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'drift' AND state = 'resolved'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE event = 'resolved'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alert_drift WHERE instance = '1/2' AND active = 0"), 1);
}

/* A drift alert stays open while its rule gives drift:; once the configuration no longer does (the
 * server restarted without it), no sample would judge it again: the next tick resolves it. The level
 * alerts of the same rule are left alone. */
static void test_db_drift_orphan(void **state)
{
    fixture *f = *state;
    scenario sc = {.flat = 7, .slope = 0.5, .fall = 100};
    for (int h = 0; h < 300; h++)
        push_onts(f, D0 + h * 3600 + 1800, &sc, -27.5, -1);
    alerts_tick(f->d, f->cfg, 0, D0 + 300 * 3600, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'drift' AND state = 'firing'"), 1);
    alerts_tick(f->d, f->cfg, 0, D0 + 300 * 3600 + 2, NULL); /* still judged under its rule: kept */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'drift' AND state = 'firing'"), 1);
    char path[600], yaml[1200];
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\nstep: 3600\nsites: [{id: nro, kind: nro}]\n"
             "agents: [{id: nro-agent, token: drift-test-token-001, site: nro}]\n"
             "alerting:\n  group_wait: 0\n  heartbeat_steps: 100\n"
             "  contacts: [{name: noc, webhook: 'http://127.0.0.1:9/hook'}]\n"
             "  rules:\n    - {metric: olt.ont.rx.power, warning_below: -27, critical_below: -28}\n",
             f->dir);
    vg_err err;
    server_config *level_only = server_config_load(tu_write(f->dir, "level.yaml", yaml, path, sizeof path), &err);
    if (!level_only)
        fail_msg("%s", err.msg);
    alerts_tick(f->d, level_only, 0, D0 + 300 * 3600 + 4, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'drift' AND state = 'resolved'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'drift' AND state != 'resolved'"), 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'metric' AND instance = '1/3'"
                              " AND state = 'firing'"), 1);
    server_config_free(level_only);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steady),
        cmocka_unit_test(test_decline),
        cmocka_unit_test(test_spike),
        cmocka_unit_test(test_sparse),
        cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_judge_and_direction),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_config),
        cmocka_unit_test_setup_teardown(test_db_levels, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_db_drift, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_db_drift_recovery, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_db_drift_orphan, db_setup, db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

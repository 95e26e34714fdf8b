/* Energy, PUE and headroom (server/energy/): the grid arithmetic, the PUE's rules (a missing side, low
 * coverage, sides that do not cover the same time, a quotient below 1), the 2N / N+1 / service rules of
 * the power headroom, PDU phases and cooling, the site's configuration keys and their errors, and then
 * two days of a data center written into real RRD files through the store, read back by the same code
 * as the API: every kWh below is worked out by hand in the comment beside it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "config/server_config.h"
#include "energy/energy_grid.h"
#include "energy/energy_site.h"
#include "energy/headroom.h"
#include "energy/pue.h"
#include "store/db.h"
#include "store/rrd_store.h"
#include "test_db.h"
#include "test_util.h"

#define NROWS 24

static double num(json_t *o, const char *path)
{
    /* "a.b.2.c": members and array indexes */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = o;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && cur; k = strtok_r(NULL, ".", &save))
        cur = json_is_array(cur) ? json_array_get(cur, (size_t)atoi(k)) : json_object_get(cur, k);
    return json_is_number(cur) ? json_number_value(cur) : NAN;
}

static const char *str(json_t *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = o;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && cur; k = strtok_r(NULL, ".", &save))
        cur = json_is_array(cur) ? json_array_get(cur, (size_t)atoi(k)) : json_object_get(cur, k);
    return json_is_string(cur) ? json_string_value(cur) : json_is_null(cur) ? "null" : "?";
}

#define assert_near(a, b) assert_true(fabs((a) - (b)) < 1e-6)

/* ---- the grid ---------------------------------------------------------------------------------- */

static void test_grid_resample(void **state)
{
    (void)state;
    energy_grid g;
    assert_true(energy_grid_init(&g, 7200, 7200 + 3 * 3600, 3600));
    assert_int_equal(g.nrows, 3);
    assert_int_equal(energy_grid_row(&g, 7201), 0);
    assert_int_equal(energy_grid_row(&g, 10800), 0); /* (7200, 10800] */
    assert_int_equal(energy_grid_row(&g, 10801), 1);
    /* a series at 600 s: row 0 all 100 W; row 1 three at 100 W and three at 400 W (mean 250 W); row 2
     * one point unknown: the row is unknown, not the mean of the five others */
    store_point p[18];
    for (int i = 0; i < 18; i++) {
        p[i].ts = 7200 + (i + 1) * 600;
        p[i].value = i < 9 ? 100 : i < 12 ? 400 : 50;
    }
    p[15].value = NAN;
    store_series s = {.start = 7200, .end = 7200 + 18 * 600, .step = 600, .npoints = 18, .points = p};
    double out[3];
    energy_resample(&s, &g, out);
    assert_near(out[0], 100);
    assert_near(out[1], 250);
    assert_true(isnan(out[2]));
    /* 100 W for an hour is 0.1 kWh, 250 W is 0.25 kWh */
    double kwh[3];
    energy_rows_kwh(out, 3, 3600, false, NAN, kwh);
    assert_near(kwh[0], 0.1);
    assert_near(kwh[1], 0.25);
    assert_true(isnan(kwh[2]));
    /* a coarser series (a point of 2 h at 300 W) fills the two rows it covers */
    store_point q[2] = {{7200 + 7200, 300}, {7200 + 14400, NAN}};
    store_series c = {.start = 7200, .end = 7200 + 14400, .step = 7200, .npoints = 2, .points = q};
    energy_resample(&c, &g, out);
    assert_near(out[0], 300);
    assert_near(out[1], 300);
    assert_true(isnan(out[2]));
    assert_false(energy_grid_init(&g, 10, 10, 3600));
    assert_false(energy_grid_init(&g, 0, 6LL * 366 * 86400, 3600)); /* more than 5 years */
}

static void test_grid_counter(void **state)
{
    (void)state;
    /* a kWh counter, 9 before the grid: +1, +1, a gap bridged (+2.5 over two rows: 1.25 each), a reset
     * (12 after 13.5: that row unknown), then +0.5 */
    double vals[6] = {10, 11, NAN, 13.5, 12, 12.5}, kwh[6];
    energy_rows_kwh(vals, 6, 3600, true, 9, kwh);
    assert_near(kwh[0], 1);
    assert_near(kwh[1], 1);
    assert_near(kwh[2], 1.25);
    assert_near(kwh[3], 1.25);
    assert_true(isnan(kwh[4]));
    assert_near(kwh[5], 0.5);
    /* without the value before the grid, its first row is unknown */
    energy_rows_kwh(vals, 6, 3600, true, NAN, kwh);
    assert_true(isnan(kwh[0]));
    assert_near(kwh[1], 1);
    energy_total t;
    energy_rows_total(kwh, 0, 6, 6, &t); /* 1 + 1.25 + 1.25 + 0.5 over 4 of 6 rows */
    assert_near(t.kwh, 4);
    assert_int_equal(t.known, 4);
    assert_near(t.coverage, 100.0 * 4 / 6);
    energy_rows_total(kwh, 0, 6, 2, &t); /* the 2 first rows counted only */
    assert_int_equal(t.expected, 2);
    assert_near(t.kwh, 1);
}

/* ---- PUE -------------------------------------------------------------------------------------- */

static void fill(double *a, double v) { for (int i = 0; i < NROWS; i++) a[i] = v; }

static void test_pue_rules(void **state)
{
    (void)state;
    double fac[NROWS], it[NROWS];
    fill(fac, 1.5);
    fill(it, 1.0);
    pue_result r;
    pue_compute(fac, it, 0, NROWS, NROWS, 90, &r); /* 36 kWh / 24 kWh */
    assert_int_equal(r.status, PUE_OK);
    assert_near(r.value, 1.5);
    assert_near(r.facility.kwh, 36);
    assert_near(r.it.kwh, 24);
    /* a missing side: no PUE */
    pue_compute(NULL, it, 0, NROWS, NROWS, 90, &r);
    assert_int_equal(r.status, PUE_NO_FACILITY);
    assert_true(isnan(r.value));
    pue_compute(fac, NULL, 0, NROWS, NROWS, 90, &r);
    assert_int_equal(r.status, PUE_NO_IT);
    assert_string_equal(pue_status_name(r.status), "no_it");
    /* IT known 20 of 24 hours: 83.3 % < 90 %: no PUE, though the quotient is there */
    for (int i = 0; i < 4; i++)
        it[i] = NAN;
    pue_compute(fac, it, 0, NROWS, NROWS, 90, &r);
    assert_int_equal(r.status, PUE_LOW_COVERAGE);
    assert_near(r.it.coverage, 100.0 * 20 / 24);
    assert_near(r.ratio, 1.5); /* over the 20 common hours: 30 / 20 */
    assert_true(isnan(r.value));
    pue_compute(fac, it, 0, NROWS, NROWS, 80, &r); /* a lower threshold takes it */
    assert_int_equal(r.status, PUE_OK);
    assert_near(r.facility_kwh, 30);
    assert_near(r.it_kwh, 20);
    /* each side 22 of 24 hours (91.7 %), not the same ones: together 20 (83.3 %) */
    fill(it, 1.0);
    fac[0] = fac[1] = NAN;
    it[2] = it[3] = NAN;
    pue_compute(fac, it, 0, NROWS, NROWS, 90, &r);
    assert_int_equal(r.status, PUE_NOT_SAME_TIME);
    assert_near(r.common.coverage, 100.0 * 20 / 24);
    /* a facility below IT: not a PUE, flagged */
    fill(fac, 0.9);
    fill(it, 1.0);
    pue_compute(fac, it, 0, NROWS, NROWS, 90, &r);
    assert_int_equal(r.status, PUE_BELOW_ONE);
    assert_near(r.ratio, 0.9);
    assert_true(isnan(r.value));
    /* nothing counted yet (a month that starts now), and IT at 0 kWh */
    pue_compute(fac, it, 0, NROWS, 0, 90, &r);
    assert_int_equal(r.status, PUE_NO_TIME);
    fill(it, 0);
    pue_compute(fac, it, 0, NROWS, NROWS, 90, &r);
    assert_int_equal(r.status, PUE_NO_IT);
    /* rows after `counted` are the future: 12 counted hours of 24 are all that is asked */
    fill(fac, 1.2);
    fill(it, 1.0);
    for (int i = 12; i < NROWS; i++)
        fac[i] = it[i] = NAN;
    pue_compute(fac, it, 0, NROWS, 12, 90, &r);
    assert_int_equal(r.status, PUE_OK);
    assert_near(r.facility.coverage, 100);
    assert_near(r.value, 1.2);
}

/* ---- headroom --------------------------------------------------------------------------------- */

static headroom_ups ups(const char *name, double cap, double load)
{
    headroom_ups u = {.capacity_w = cap, .load_w = load, .load_pct = load / cap * 100};
    snprintf(u.device, sizeof u.device, "%s", name);
    return u;
}

static void test_headroom_power(void **state)
{
    (void)state;
    headroom_power p;
    /* 2N: two 10 kW UPS carrying 3 + 2.5 kW; the load must fit in one: 10 - 5.5 = 4.5 kW, 45 % */
    headroom_ups two[2] = {ups("ups-a", 10000, 3000), ups("ups-b", 10000, 2500)};
    headroom_power_compute(two, 2, ENERGY_REDUNDANCY_2N, 0, &p);
    assert_string_equal(p.status, "ok");
    assert_near(p.usable_w, 10000);
    assert_near(p.headroom_w, 4500);
    assert_near(p.headroom_pct, 45);
    assert_int_equal(p.needed, 1);
    /* N+1: 6 + 8 + 10 kW carrying 12 kW; without the largest, 14 kW: 2 kW, 14.29 % */
    headroom_ups three[3] = {ups("u1", 6000, 4000), ups("u2", 8000, 4000), ups("u3", 10000, 4000)};
    headroom_power_compute(three, 3, ENERGY_REDUNDANCY_N1, 0, &p);
    assert_near(p.capacity_w, 24000);
    assert_near(p.usable_w, 14000);
    assert_near(p.headroom_w, 2000);
    assert_near(p.headroom_pct, 100.0 * 2000 / 14000);
    assert_int_equal(p.needed, 2);
    /* 2N of the same: 12 kW usable, 12 kW carried: 0, still ok */
    headroom_power_compute(three, 3, ENERGY_REDUNDANCY_2N, 0, &p);
    assert_near(p.usable_w, 12000);
    assert_near(p.headroom_w, 0);
    assert_string_equal(p.status, "ok");
    /* N: all of it, 24 - 12 = 12 kW, 50 % */
    headroom_power_compute(three, 3, ENERGY_REDUNDANCY_N, 0, &p);
    assert_near(p.headroom_w, 12000);
    assert_near(p.headroom_pct, 50);
    /* the power service's min_up: 1 of 3 must carry it, the smallest (6 kW): exceeded by 6 kW */
    headroom_power_compute(three, 3, ENERGY_REDUNDANCY_SERVICE, 1, &p);
    assert_near(p.usable_w, 6000);
    assert_near(p.headroom_w, -6000);
    assert_near(p.headroom_pct, -100);
    assert_string_equal(p.status, "exceeded");
    /* min_up 0 is all but one: the two smallest, 14 kW, as N+1 */
    headroom_power_compute(three, 3, ENERGY_REDUNDANCY_SERVICE, 0, &p);
    assert_near(p.usable_w, 14000);
    assert_int_equal(p.needed, 2);
    /* a unit without a rating: named, no figure */
    three[1].capacity_w = NAN;
    headroom_power_compute(three, 3, ENERGY_REDUNDANCY_N1, 0, &p);
    assert_string_equal(p.status, "not_reported");
    assert_non_null(strstr(p.missing.en, "u2: no rated power"));
    assert_non_null(strstr(p.missing.fr, "u2 : puissance nominale non indiquée"));
    assert_true(isnan(p.headroom_w));
    three[1].capacity_w = 8000;
    three[2].load_w = NAN;
    headroom_power_compute(three, 3, ENERGY_REDUNDANCY_N1, 0, &p);
    assert_string_equal(p.missing.en, "u3: load not reported");
    assert_string_equal(p.missing.fr, "u3 : charge non indiquée");
    headroom_power_compute(NULL, 0, ENERGY_REDUNDANCY_N1, 0, &p);
    assert_string_equal(p.missing.en, "no UPS at the site");
}

static void test_headroom_phase_cooling(void **state)
{
    (void)state;
    /* 12 A on a 32 A phase: 37.5 % used, 62.5 % left */
    headroom_phase ph = {.current_a = 12, .rating_a = 32};
    headroom_phase_compute(&ph, NAN);
    assert_string_equal(ph.rating_from, "config");
    assert_near(ph.load_pct, 37.5);
    assert_near(ph.headroom_pct, 62.5);
    /* the device's own load: 8 A at 40 % is a 20 A rating */
    headroom_phase own = {.current_a = 8, .rating_a = NAN};
    headroom_phase_compute(&own, 40);
    assert_string_equal(own.rating_from, "input.load");
    assert_near(own.rating_a, 20);
    assert_near(own.headroom_pct, 60);
    headroom_phase none = {.current_a = 8, .rating_a = NAN};
    headroom_phase_compute(&none, NAN);
    assert_string_equal(none.rating_from, "");
    assert_true(isnan(none.load_pct));
    /* three 25 kW units, N+1 (min_up 0): 50 kW usable against 30 kW of heat: 20 kW, 40 % */
    headroom_cooler u[3] = {{"clim-1", NAN, NAN, 25}, {"clim-2", NAN, NAN, 25}, {"clim-3", NAN, NAN, 25}};
    headroom_cooling c;
    headroom_cooling_compute(u, 3, 0, 30, &c);
    assert_string_equal(c.status, "ok");
    assert_near(c.usable_kw, 50);
    assert_near(c.headroom_kw, 20);
    assert_near(c.headroom_pct, 40);
    u[2].rated_kw = NAN;
    headroom_cooling_compute(u, 3, 0, 30, &c);
    assert_string_equal(c.status, "not_reported");
    assert_non_null(strstr(c.missing.en, "clim-3: rated cooling capacity not reported"));
}

/* ---- configuration ---------------------------------------------------------------------------- */

static server_config *load(const char *dir, const char *sites, vg_err *err)
{
    char path[600], yaml[4096];
    snprintf(yaml, sizeof yaml, "data_dir: %s\nstep: 300\nsites:\n%s\nagents: [{id: dc, token: energy-test-token-0001, site: italie}]\n",
             dir, sites);
    tu_write(dir, "server.yaml", yaml, path, sizeof path);
    chmod(path, 0600); /* it holds a token */
    return server_config_load(path, err);
}

static void test_config(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    vg_err err;
    server_config *cfg = load(dir,
                              "  - id: italie\n"
                              "    kind: datacenter\n"
                              "    power_redundancy: 2N\n"
                              "    energy:\n"
                              "      facility: [{device: meter-1, metric: input.energy}, {device: clim-1, metric: cooling.input.power}]\n"
                              "      it: [{device: pdu-a, metric: input.realpower, instance: '1'}]\n"
                              "      pue_min_coverage: 75\n"
                              "      ratings: [{device: pdu-a, phase_current: 32}, {device: clim-1, cooling_kw: 25}]\n"
                              "    trends: {temperature_max: 26, runtime_drop: 15}\n"
                              "  - {id: doullens}",
                              &err);
    if (!cfg)
        fail_msg("%s", err.msg);
    const energy_site_config *c = server_config_site(cfg, "italie")->energy;
    assert_non_null(c);
    assert_int_equal(c->redundancy, ENERGY_REDUNDANCY_2N);
    assert_int_equal(c->nfacility, 2);
    assert_true(c->facility[0].counter); /* kWh: a counter */
    assert_false(c->facility[1].counter);
    assert_string_equal(c->it[0].instance, "1");
    assert_near(c->pue_min_coverage, 75);
    assert_near(energy_config_rating(c, "pdu-a")->phase_current_a, 32);
    assert_true(isnan(energy_config_rating(c, "pdu-a")->cooling_kw));
    assert_near(c->temperature_max, 26);
    assert_int_equal(c->runtime_window, 90);
    assert_null(server_config_site(cfg, "doullens")->energy); /* none of it: the defaults */
    assert_near(energy_config_get(NULL)->pue_min_coverage, 90);
    server_config_free(cfg);

    static const struct {
        const char *site, *want;
    } bad[] = {
        {"  - {id: italie, power_redundancy: 3N}", "server.yaml:4:36: key 'power_redundancy': '3N' is not 2N, N+1 or N"},
        {"  - {id: italie, energy: {facility: [{device: m, metric: input.voltage}]}}",
         "key 'metric': 'input.voltage' is in V: a side of the PUE is a real power in W"},
        {"  - {id: italie, energy: {it: [{device: m, metric: no.such}]}}", "key 'metric': 'no.such' is not in the vocabulary"},
        {"  - {id: italie, energy: {it: [{device: '../x', metric: input.realpower}]}}", "key 'device'"},
        {"  - {id: italie, energy: {pue_min_coverage: 0}}", "key 'pue_min_coverage': must be a percentage in (0, 100]"},
        {"  - {id: italie, energy: {ratings: [{device: pdu-a}]}}", "a rating gives realpower (W), phase_current (A) or cooling_kw"},
        {"  - {id: italie, energy: {ratings: [{device: pdu-a, phase_current: -3}]}}", "key 'phase_current': must be a positive number"},
        {"  - {id: italie, energy: {fcility: []}}", "key 'fcility'"},
        {"  - {id: italie, trends: {runtime_window: 2}}", "key 'runtime_window'"},
        {"  - {id: italie, energy: {it: [{device: a, metric: input.realpower}, {device: a, metric: input.realpower}]}}",
         "a input.realpower is listed twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg = load(dir, bad[i].site, &err);
        if (cfg || !strstr(err.msg, bad[i].want) || !strstr(err.msg, "server.yaml:"))
            fail_msg("case %zu: got '%s', want '%s'", i, cfg ? "(loaded)" : err.msg, bad[i].want);
    }
    tu_rmtree(dir);
    free(dir);
}

/* ---- two days of a data center in RRD files --------------------------------------------------- */

#define STEP 300
#define T0 1773097200LL /* 2026-03-10 00:00 in Europe/Paris (23:00 UTC the day before) */
#define DAY 86400LL
#define GAP_FROM (T0 + DAY + 10 * 3600) /* pdu-b silent from 10:00 to 13:00 on the second day */
#define GAP_TO (T0 + DAY + 13 * 3600)

typedef struct {
    char *dir;
    server_config *cfg;
    rrd_store *rrd;
    db *d;
} fixture;

static void add(push_batch *b, const char *dev, const char *metric, const char *inst, double v, const char *unit, int64_t ts)
{
    push_sample s;
    memset(&s, 0, sizeof s);
    assert_int_equal(push_sample_set(&s, dev, metric, inst, v, unit, ts), 0);
    s.sev = SEV_NONE;
    assert_int_equal(push_batch_add(b, &s), 0);
}

/* ups-a and ups-b take 2000 + 1000 W in and give 1800 + 900 W out, pdu-a draws 700 + 500 W on its two
 * inlets and pdu-b 1200 W, the meter counts 3.5 kWh an hour: from T0 to T0 + 2 days, every 300 s. */
static void write_two_days(fixture *f)
{
    static const char *const classes[][2] = {{"ups-a", "ups"}, {"ups-b", "ups"}, {"pdu-a", "pdu"},
                                             {"pdu-b", "pdu"}, {"meter-1", "generic"}};
    for (int64_t k = 0, ts = T0; ts <= T0 + 2 * DAY; k++, ts += STEP) {
        push_batch *b = push_batch_new("dc", (uint64_t)k + 1);
        for (size_t i = 0; i < 5; i++)
            push_batch_set_device(b, classes[i][0], classes[i][1], "test");
        add(b, "ups-a", "input.realpower", "", 2000, "W", ts);
        add(b, "ups-a", "ups.realpower", "", 1800, "W", ts);
        add(b, "ups-a", "ups.realpower.nominal", "", 10000, "W", ts);
        add(b, "ups-b", "input.realpower", "", 1000, "W", ts);
        add(b, "ups-b", "ups.realpower", "", 900, "W", ts);
        add(b, "ups-b", "ups.realpower.nominal", "", 10000, "W", ts);
        add(b, "pdu-a", "input.realpower", "1", 700, "W", ts);
        add(b, "pdu-a", "input.realpower", "2", 500, "W", ts);
        add(b, "pdu-a", "input.current", "L1", 5, "A", ts);
        if (ts <= GAP_FROM || ts > GAP_TO)
            add(b, "pdu-b", "input.realpower", "1", 1200, "W", ts);
        add(b, "meter-1", "input.energy", "", 1000 + 3.5 * (double)(ts - T0) / 3600, "kWh", ts);
        rrd_store_stats st = {0};
        assert_int_equal(rrd_store_write(f->rrd, "italie", b, &st, NULL), VG_OK);
        assert_int_equal(st.failed, 0);
        rrd_store_stats_clear(&st);
        if (ts == T0 + 2 * DAY) {
            assert_int_equal(db_batch_store(f->d, "italie", b, ts, NULL), VG_OK);
            for (size_t i = 0; i < 5; i++)
                assert_int_equal(db_device_upsert(f->d, "italie", "dc", push_batch_device_at(b, i), ts, NULL), VG_OK);
        }
        push_batch_free(b);
    }
}

static int teardown_dc(void **state);

static int setup_dc(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_tmpdir();
    vg_err err;
    f->cfg = load(f->dir,
                  "  - {id: italie, kind: datacenter}\n"
                  "  - id: metered\n"
                  "    kind: datacenter\n"
                  "    power_redundancy: N\n"
                  "    energy: {facility: [{device: meter-1, metric: input.energy}], pue_min_coverage: 95,\n"
                  "             ratings: [{device: pdu-a, phase_current: 20}]}",
                  &err);
    *state = f; /* cmocka runs no group teardown when the setup fails: free it here then */
    if (!f->cfg) {
        fprintf(stderr, "%s\n", err.msg);
        return teardown_dc(state), -1;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/vigie.db", f->dir);
    f->rrd = rrd_store_new(f->dir, STEP);
    if (!f->rrd || db_open(tu_db(path), &f->d, &err) != VG_OK)
        return teardown_dc(state), -1;
    write_two_days(f);
    return 0;
}

static int teardown_dc(void **state)
{
    fixture *f = *state;
    if (!f)
        return 0;
    db_close(f->d);
    rrd_store_free(f->rrd);
    server_config_free(f->cfg);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void test_dc_energy(void **state)
{
    fixture *f = *state;
    json_t *doc;
    vg_err err;
    assert_int_equal(energy_site_energy(f->d, f->rrd, f->cfg, "italie", T0, T0 + 2 * DAY, T0 + 2 * DAY, &doc, &err), VG_OK);
    json_t *e = json_object_get(doc, "energy");
    /* the facility, the UPS inputs: 3000 W for 48 h = 144 kWh, every hour known */
    assert_string_equal(str(e, "facility.source"), "ups_input");
    assert_true(json_is_true(json_object_get(json_object_get(e, "facility"), "partial")));
    assert_near(num(e, "facility.kwh"), 144);
    assert_near(num(e, "facility.coverage"), 100);
    /* IT, the PDU inputs (pdu-a's two inlets summed): 2400 W, 45 of 48 hours known (pdu-b's 3 h gap) */
    assert_string_equal(str(e, "it.source"), "pdu_input");
    assert_int_equal(json_array_size(json_object_get(json_object_get(e, "it"), "series")), 3);
    assert_near(num(e, "it.kwh"), 45 * 2.4);
    assert_near(num(e, "it.coverage"), 93.75);
    assert_near(num(e, "it.hours_known"), 45);
    /* PUE over the 45 common hours: 135 / 108 = 1.25 */
    assert_string_equal(str(e, "pue.status"), "ok");
    assert_near(num(e, "pue.value"), 1.25);
    assert_near(num(e, "pue.facility_kwh"), 135);
    assert_near(num(e, "pue.it_kwh"), 108);
    assert_near(num(e, "pue.coverage"), 93.75);
    /* day by day: 72 / 57.6 on the 10th; the 11th has IT for 21 h only (87.5 %): no PUE that day */
    assert_int_equal(json_array_size(json_object_get(e, "days")), 2);
    assert_string_equal(str(e, "days.0.date"), "2026-03-10");
    assert_near(num(e, "days.0.facility_kwh"), 72);
    assert_near(num(e, "days.0.it_kwh"), 57.6);
    assert_near(num(e, "days.0.pue"), 1.25);
    assert_string_equal(str(e, "days.1.date"), "2026-03-11");
    assert_near(num(e, "days.1.it_kwh"), 50.4);
    assert_near(num(e, "days.1.it_coverage"), 87.5);
    assert_string_equal(str(e, "days.1.pue_status"), "low_coverage");
    assert_true(isnan(num(e, "days.1.pue")));
    assert_near(num(e, "days.1.ratio"), 1.25);
    json_decref(doc);

    /* counted until noon of the first day: 12 hours, 36 kWh, 28.8 kWh */
    assert_int_equal(energy_site_energy(f->d, f->rrd, f->cfg, "italie", T0, T0 + 2 * DAY, T0 + DAY / 2, &doc, &err), VG_OK);
    e = json_object_get(doc, "energy");
    assert_near(num(e, "facility.kwh"), 36);
    assert_near(num(e, "it.kwh"), 28.8);
    assert_near(num(e, "facility.hours_counted"), 12);
    assert_string_equal(str(e, "days.1.pue_status"), "no_time");
    json_decref(doc);
}

static void test_dc_metered(void **state)
{
    fixture *f = *state;
    json_t *doc;
    vg_err err;
    /* the same files seen from a site that declares its meter: 3.5 kWh an hour, counted from its
     * second hour (the first has no reading before it): 47 x 3.5 = 164.5 kWh, 97.92 % */
    char src[700], dst[700], cmd[1500];
    snprintf(src, sizeof src, "%s/rrd/italie", f->dir);
    snprintf(dst, sizeof dst, "%s/rrd/metered", f->dir);
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", src, dst);
    assert_int_equal(system(cmd), 0);
    push_batch *b = push_batch_new("dc", 1);
    add(b, "meter-1", "input.energy", "", 1168, "kWh", T0 + 2 * DAY);
    add(b, "pdu-a", "input.realpower", "1", 700, "W", T0 + 2 * DAY);
    add(b, "pdu-a", "input.realpower", "2", 500, "W", T0 + 2 * DAY);
    add(b, "pdu-a", "input.current", "L1", 5, "A", T0 + 2 * DAY);
    add(b, "pdu-b", "input.realpower", "1", 1200, "W", T0 + 2 * DAY);
    push_batch_set_device(b, "pdu-a", "pdu", "test");
    push_batch_set_device(b, "pdu-b", "pdu", "test");
    assert_int_equal(db_batch_store(f->d, "metered", b, T0 + 2 * DAY, NULL), VG_OK);
    for (size_t i = 0; i < push_batch_device_count(b); i++)
        assert_int_equal(db_device_upsert(f->d, "metered", "dc", push_batch_device_at(b, i), T0, NULL), VG_OK);
    push_batch_free(b);
    assert_int_equal(energy_site_energy(f->d, f->rrd, f->cfg, "metered", T0, T0 + 2 * DAY, T0 + 2 * DAY, &doc, &err), VG_OK);
    json_t *e = json_object_get(doc, "energy");
    assert_string_equal(str(e, "facility.source"), "meter");
    assert_false(json_is_true(json_object_get(json_object_get(e, "facility"), "partial")));
    assert_near(num(e, "facility.kwh"), 47 * 3.5);
    assert_near(num(e, "facility.coverage"), 97.92); /* 47 / 48, to 0.01 */
    /* IT still 93.75 %, below this site's 95 %: no PUE of the period, said so */
    assert_string_equal(str(e, "pue.status"), "low_coverage");
    assert_true(isnan(num(e, "pue.value")));
    /* the first day: 23 common hours (80.5 / 55.2 = 1.4583), 95.83 % >= 95 */
    assert_string_equal(str(e, "days.0.pue_status"), "ok");
    assert_near(num(e, "days.0.pue"), 1.458);
    json_decref(doc);
}

static void test_dc_headroom(void **state)
{
    fixture *f = *state;
    json_t *doc = NULL, *site = json_object();
    vg_err err;
    /* the report's members: the peak hour of the period; the datacenter's power service is 1 UPS of 2
     * (min_up 1): 10 kW usable, 1800 + 900 W carried: 7300 W, 73 % */
    assert_int_equal(energy_site_report(f->d, f->rrd, f->cfg, "italie", T0, T0 + 2 * DAY, T0 + 2 * DAY, site, &err), VG_OK);
    json_t *h = json_object_get(site, "headroom");
    assert_string_equal(str(h, "mode"), "peak");
    assert_string_equal(str(h, "power.rule"), "service");
    assert_near(num(h, "power.units"), 2);
    assert_near(num(h, "power.needed"), 1);
    assert_near(num(h, "power.usable_w"), 10000);
    assert_near(num(h, "power.load_w"), 2700);
    assert_near(num(h, "power.headroom_w"), 7300);
    assert_near(num(h, "power.headroom_pct"), 73);
    assert_near(num(h, "power.ups.0.load_pct"), 18);
    /* pdu-a's phase: 5 A, no rating given nor reported */
    assert_string_equal(str(h, "pdu.0.phase"), "L1");
    assert_near(num(h, "pdu.0.current_a"), 5);
    assert_string_equal(str(h, "pdu.0.rating_from"), "null");
    /* no cooling unit at this site */
    assert_string_equal(str(h, "cooling.status"), "not_reported");
    assert_near(num(json_object_get(site, "energy"), "pue.value"), 1.25);
    json_decref(site);
    /* now, at the last sample: the same loads */
    assert_int_equal(energy_site_headroom(f->d, f->cfg, "italie", T0 + 2 * DAY + 60, &doc, &err), VG_OK);
    assert_near(num(json_object_get(doc, "headroom"), "power.headroom_w"), 7300);
    assert_string_equal(str(json_object_get(doc, "headroom"), "mode"), "now");
    json_decref(doc);
    /* much later, the latest values are too old to be "now": not reported rather than stale */
    assert_int_equal(energy_site_headroom(f->d, f->cfg, "italie", T0 + 3 * DAY, &doc, &err), VG_OK);
    assert_string_equal(str(json_object_get(doc, "headroom"), "power.status"), "not_reported");
    json_decref(doc);
}

static void test_dc_headroom_rules(void **state)
{
    fixture *f = *state;
    json_t *doc = NULL;
    vg_err err;
    /* test_dc_metered stored the latest values of "metered": pdu-a's L1 at 5 A of 20 A, 25 % */
    if (energy_site_headroom(f->d, f->cfg, "metered", T0 + 2 * DAY + 60, &doc, &err) != VG_OK)
        fail_msg("%s", err.msg);
    json_t *h = json_object_get(doc, "headroom");
    assert_string_equal(str(h, "pdu.0.rating_from"), "config");
    assert_near(num(h, "pdu.0.load_pct"), 25);
    assert_near(num(h, "pdu.0.headroom_pct"), 75);
    assert_string_equal(str(h, "power.rule"), "N");
    assert_string_equal(str(h, "power.missing.en"), "no UPS at the site");
    assert_string_equal(str(h, "power.missing.fr"), "aucun onduleur sur le site");
    json_decref(doc);
    /* an unknown site's documents are empty, not an error */
    assert_int_equal(energy_site_energy(f->d, f->rrd, f->cfg, "doullens", T0, T0 + DAY, T0 + DAY, &doc, &err), VG_OK);
    assert_string_equal(str(json_object_get(doc, "energy"), "facility.missing.en"), "no ups device at the site");
    assert_string_equal(str(json_object_get(doc, "energy"), "pue.status"), "no_facility");
    json_decref(doc);
}

static void test_dc_sides_fallback(void **state)
{
    fixture *f = *state;
    /* a site whose UPS gives its input in VA only, whose PDU its current only: no facility (a power
     * factor is not invented), IT from the UPS output, saying why */
    push_batch *b = push_batch_new("dc", 2);
    add(b, "u1", "input.power", "", 3000, "VA", T0 + DAY);
    add(b, "u1", "ups.realpower", "", 2000, "W", T0 + DAY);
    add(b, "p1", "input.current", "L1", 4, "A", T0 + DAY);
    push_batch_set_device(b, "u1", "ups", "test");
    push_batch_set_device(b, "p1", "pdu", "test");
    assert_int_equal(db_batch_store(f->d, "shelter", b, T0 + DAY, NULL), VG_OK);
    for (size_t i = 0; i < push_batch_device_count(b); i++)
        assert_int_equal(db_device_upsert(f->d, "shelter", "dc", push_batch_device_at(b, i), T0, NULL), VG_OK);
    push_batch_free(b);
    json_t *doc;
    vg_err err;
    assert_int_equal(energy_site_energy(f->d, f->rrd, f->cfg, "shelter", T0, T0 + DAY, T0 + DAY, &doc, &err), VG_OK);
    json_t *e = json_object_get(doc, "energy");
    assert_string_equal(str(e, "facility.source"), "null");
    assert_string_equal(str(e, "facility.missing.en"), "u1 gives its input as apparent power (VA) only, not input.realpower");
    assert_string_equal(str(e, "facility.missing.fr"),
                        "u1 ne donne que sa puissance apparente d'entrée (VA), pas input.realpower");
    assert_true(isnan(num(e, "facility.kwh")));
    assert_string_equal(str(e, "it.source"), "ups_output");
    assert_string_equal(str(e, "it.note.en"), "p1 gives its input current (A) only, not input.realpower: the UPS outputs stand for IT");
    assert_string_equal(str(e, "pue.status"), "no_facility");
    json_decref(doc);
}

int main(void)
{
    /* one group (one TAP plan) sharing one RRD fixture: the data-center tests run in order, and
     * test_dc_headroom_rules reads the latest values test_dc_metered stored */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_resample),   cmocka_unit_test(test_grid_counter),
        cmocka_unit_test(test_pue_rules),       cmocka_unit_test(test_headroom_power),
        cmocka_unit_test(test_headroom_phase_cooling), cmocka_unit_test(test_config),
        cmocka_unit_test(test_dc_energy),   cmocka_unit_test(test_dc_metered),
        cmocka_unit_test(test_dc_headroom), cmocka_unit_test(test_dc_headroom_rules),
        cmocka_unit_test(test_dc_sides_fallback),
    };
    return cmocka_run_group_tests_name("energy", tests, setup_dc, teardown_dc);
}

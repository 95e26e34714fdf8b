/* From pushed batches to health runs, events and availability, with a real SQLite database and
 * RRD files: redundancy, a metric condition, a gap, and a late batch replayed after the fact that
 * must land at its own time. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "http/api.h"
#include "sla/health.h"
#include "test_db.h"
#include "test_util.h"

#define T0 1790000040 /* a multiple of 60 */

static char *dir;
static server_config *cfg;
static api_ctx ctx;
static uint64_t seq;
static int64_t clock_now; /* the server's present: never before the newest sample pushed */

static int setup(void **state)
{
    char path[600], yaml[1600];
    dir = tu_tmpdir();
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\nstep: 60\n"
             "sites:\n"
             "  - id: dc\n"
             "    kind: datacenter\n"
             "    services:\n"
             "      power: {devices: [ups-a, ups-b], min_up: 1}\n"
             "      environment: {conditions: [{device: env, metric: env.temperature, max: 27}]}\n"
             "agents: [{id: dc-agent, token: state-test-token-01, site: dc}]\n",
             dir);
    vg_err cerr;
    cfg = server_config_load(tu_write(dir, "server.yaml", yaml, path, sizeof path), &cerr);
    if (!cfg)
        fail_msg("%s", cerr.msg);
    snprintf(path, sizeof path, "%s/vigie.db", dir);
    memset(&ctx, 0, sizeof ctx);
    ctx.cfg = cfg;
    vg_err derr;
    db_open(tu_db(path), &ctx.db, &derr);
    ctx.rrd = rrd_store_new(dir, 60);
    return ctx.db && ctx.rrd ? 0 : -1;
}

static int teardown(void **state)
{
    rrd_store_free(ctx.rrd);
    db_close(ctx.db);
    server_config_free(cfg);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static void add(push_batch *b, const char *dev, const char *metric, double v, const char *text, severity sev, int64_t ts)
{
    push_sample s;
    assert_int_equal(push_sample_set(&s, dev, metric, "", v, "", ts), 0);
    snprintf(s.text, sizeof s.text, "%s", text);
    s.sev = sev;
    assert_int_equal(push_batch_add(b, &s), 0);
}

/* One poll of the site at ts: each UPS ok or on battery, the room at `temp` degrees. */
static void poll(int64_t ts, bool a_ob, bool b_ob, double temp)
{
    push_batch *b = push_batch_new("dc-agent", ++seq);
    push_batch_set_device(b, "ups-a", "ups", "ups-rfc1628");
    push_batch_set_device(b, "ups-b", "ups", "ups-rfc1628");
    push_batch_set_device(b, "env", "env", "env-akcp-sensorprobe");
    add(b, "ups-a", "device.reachable", 1, "", SEV_NONE, ts);
    add(b, "ups-a", "ups.status", a_ob ? 5 : 3, a_ob ? "OB" : "OL", a_ob ? SEV_CRITICAL : SEV_OK, ts);
    add(b, "ups-b", "device.reachable", 1, "", SEV_NONE, ts);
    add(b, "ups-b", "ups.status", b_ob ? 5 : 3, b_ob ? "OB" : "OL", b_ob ? SEV_CRITICAL : SEV_OK, ts);
    add(b, "env", "device.reachable", 1, "", SEV_NONE, ts);
    add(b, "env", "env.temperature", temp, "", temp > 32 ? SEV_WARNING : SEV_OK, ts);
    char *json = push_batch_encode(b);
    if (ts + 10 > clock_now)
        clock_now = ts + 10;
    api_reply r = api_ingest(&ctx, "Bearer state-test-token-01", json, strlen(json), (time_t)clock_now);
    if (r.status != 200)
        fail_msg("%d %s", r.status, r.body);
    free(r.body);
    free(json);
    push_batch_free(b);
}

typedef struct {
    int64_t ts[256];
    char what[256][80];
    size_t n;
} event_list;

static void collect(void *c, const char *site, const char *scope, const char *name, int64_t ts, const char *st,
                    const char *cause)
{
    event_list *l = c;
    if (l->n < 256) {
        l->ts[l->n] = ts;
        snprintf(l->what[l->n++], 80, "%s %s %s", scope, name, st);
    }
    (void)site;
    (void)cause;
}

static bool has_event(const event_list *l, int64_t ts, const char *what)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->ts[i] == ts && strcmp(l->what[i], what) == 0)
            return true;
    return false;
}

static void test_timeline(void **state)
{
    /* T0 .. T0+240: all well */
    for (int i = 0; i <= 4; i++)
        poll(T0 + 60 * i, false, false, 22);
    /* T0+300 .. T0+540: UPS A on battery; B holds the load: power stays up */
    for (int i = 5; i <= 9; i++)
        poll(T0 + 60 * i, true, false, i == 7 || i == 8 ? 28 : 22); /* the room too hot at 420 and 480 */
    /* T0+600 is missing for now (the agent's spool will bring it); T0+660 .. T0+900 all well */
    for (int i = 11; i <= 15; i++)
        poll(T0 + 60 * i, false, false, 22);

    avail_result r;
    assert_int_equal(state_availability(ctx.db, cfg, "dc", T0, T0 + 960, &r), 0);
    assert_int_equal(r.nservices, 2);
    assert_int_equal(r.services[0].downtime, 0);       /* power: one UPS of two is enough */
    assert_int_equal(r.services[1].downtime, 120);     /* environment: 28 °C from 420 to 540 */
    assert_int_equal(r.site.downtime, 120);
    assert_int_equal(r.site.unknown, 0);               /* one missed poll is bridged, not a gap */
    assert_int_equal(r.nincidents, 1);
    assert_int_equal(r.incidents[0].start, T0 + 420);
    assert_non_null(strstr(r.incidents[0].cause, "env.temperature=28"));
    avail_result_free(&r);

    event_list ev = {0};
    assert_int_equal(db_events_each(ctx.db, "dc", T0, T0 + 2000, collect, &ev, NULL), VG_OK);
    assert_true(has_event(&ev, T0 + 300, "device ups-a down"));
    assert_true(has_event(&ev, T0 + 660, "device ups-a ok"));
    assert_true(has_event(&ev, T0 + 420, "service environment down"));
    assert_true(has_event(&ev, T0 + 540, "service environment up"));
    assert_true(has_event(&ev, T0 + 420, "site dc down"));
    assert_false(has_event(&ev, T0 + 300, "service power down"));

    /* The late batch of T0+600 arrives: both UPS were on battery then. It lands at its own time. */
    poll(T0 + 600, true, true, 22);
    assert_int_equal(state_availability(ctx.db, cfg, "dc", T0, T0 + 960, &r), 0);
    assert_int_equal(r.services[0].downtime, 60);
    assert_int_equal(r.site.downtime, 180);
    assert_int_equal(r.nincidents, 2);
    assert_int_equal(r.incidents[1].start, T0 + 600);
    assert_int_equal(r.incidents[1].end, T0 + 660);
    avail_result_free(&r);
    memset(&ev, 0, sizeof ev);
    assert_int_equal(db_events_each(ctx.db, "dc", T0, T0 + 2000, collect, &ev, NULL), VG_OK);
    assert_true(has_event(&ev, T0 + 600, "service power down"));
    assert_true(has_event(&ev, T0 + 660, "service power up"));
    assert_true(has_event(&ev, T0 + 600, "device ups-b down"));
    assert_true(has_event(&ev, T0 + 300, "device ups-a down"));
}

static void test_runs_and_gaps(void **state)
{
    /* observations out of order fill a gap and merge runs; a long gap stays unknown */
    int64_t t = T0 + 100000;
    db_member x;
    bool changed;
    db_member_device(&x, "x");
    assert_int_equal(db_health_observe(ctx.db, "dc", &x, t, HEALTH_OK, "", 120, &changed, NULL), VG_OK);
    assert_true(changed);
    assert_int_equal(db_health_observe(ctx.db, "dc", &x, t + 60, HEALTH_OK, "", 120, &changed, NULL), VG_OK);
    assert_false(changed);
    assert_int_equal(db_health_observe(ctx.db, "dc", &x, t + 600, HEALTH_OK, "", 120, &changed, NULL), VG_OK);
    assert_true(changed); /* after a gap */
    assert_int_equal(db_health_observe(ctx.db, "dc", &x, t + 60, HEALTH_DOWN, "", 120, &changed, NULL), VG_OK);
    assert_false(changed); /* already seen */
    avail_span *sp;
    size_t n;
    assert_int_equal(db_health_spans(ctx.db, "dc", &x, t, t + 1000, 60, &sp, &n, NULL), VG_OK);
    assert_int_equal(n, 2);
    assert_int_equal(sp[0].end, t + 120);
    free(sp);
    /* the spool brings the gap: the three runs become one */
    for (int64_t u = t + 120; u < t + 600; u += 60)
        assert_int_equal(db_health_observe(ctx.db, "dc", &x, u, HEALTH_OK, "", 120, NULL, NULL), VG_OK);
    assert_int_equal(db_health_spans(ctx.db, "dc", &x, t, t + 1000, 60, &sp, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sp[0].start, t);
    assert_int_equal(sp[0].end, t + 660);
    free(sp);
}

static void test_maintenance_store(void **state)
{
    int64_t id = 0;
    assert_int_equal(db_maintenance_add(ctx.db, "dc", "power", T0, T0 + 3600, "UPS battery swap", "ops", T0, &id, NULL),
                     VG_OK);
    assert_true(id > 0);
    avail_window *w;
    size_t n;
    int64_t *ids;
    assert_int_equal(db_maintenance_list(ctx.db, "dc", T0 + 100, T0 + 200, &w, &n, &ids), 0);
    assert_int_equal(n, 1);
    assert_string_equal(w[0].service, "power");
    assert_string_equal(w[0].reason, "UPS battery swap");
    assert_int_equal(ids[0], id);
    free(w);
    free(ids);
    assert_int_equal(db_maintenance_list(ctx.db, "dc", T0 + 3600, T0 + 7200, &w, &n, NULL), 0);
    assert_int_equal(n, 0);
    free(w);
    assert_int_equal(db_maintenance_delete(ctx.db, id, NULL), VG_OK);
    assert_int_equal(db_maintenance_delete(ctx.db, id, NULL), VG_E_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeline),
        cmocka_unit_test(test_runs_and_gaps),
        cmocka_unit_test(test_maintenance_store),
    };
    return cmocka_run_group_tests_name("state", tests, setup, teardown);
}

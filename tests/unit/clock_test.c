/* Clocks (issue 16, "clocks step; data survives"): the skew's measure and judgements
 * (server/alerting/skew.c), a batch refused for its time answered 409 "retry": "clock" and not 400,
 * the skew measured from the agent's header at ingest, and health when an agent's clock is behind
 * (not judged silent while it pushes) or ahead (its observations judged once the present reaches them). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "alerting/skew.h"
#include "http/api.h"
#include "push.h"
#include "sla/health.h"
#include "test_db.h"
#include "test_util.h"

#define TOKEN "clock-test-token-0001"

static char *dir;
static server_config *cfg;
static api_ctx ctx;
static uint64_t seq;

static int setup(void **state)
{
    (void)state;
    char path[600], yaml[1200];
    dir = tu_tmpdir();
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\nstep: 10\nmax_clock_skew: 20\n"
             "sites:\n"
             "  - id: dc\n"
             "    kind: datacenter\n"
             "    services:\n"
             "      power: {devices: [ups-a], min_up: 1}\n"
             "agents: [{id: dc-agent, token: " TOKEN ", site: dc}]\n",
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
    ctx.rrd = rrd_store_new(dir, 10);
    return ctx.db && ctx.rrd ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rrd_store_free(ctx.rrd);
    db_close(ctx.db);
    server_config_free(cfg);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

/* ---- pure judgements ------------------------------------------------------------------------ */

static void test_parse_clock(void **state)
{
    (void)state;
    double v;
    assert_true(skew_parse_clock("1790000000.250", &v));
    assert_true(fabs(v - 1790000000.25) < 1e-6);
    assert_true(skew_parse_clock("1790000000", &v));
    assert_true(skew_parse_clock(" 1790000000.123456789 ", &v));
    const char *bad[] = {"", "abc", "-5", "1790000000.", ".5", "1e9", "1790000000.1234567890", "0",
                         "99999999999", "1790000000 x", "0x10", "1790000000,5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (skew_parse_clock(bad[i], &v))
            fail_msg("'%s' taken for a clock", bad[i]);
    assert_false(skew_parse_clock(NULL, &v));
}

static void test_judge(void **state)
{
    (void)state;
    assert_int_equal(skew_judge(0.3, 30, AL_OK), AL_OK);
    assert_int_equal(skew_judge(-29, 30, AL_OK), AL_OK);
    assert_int_equal(skew_judge(31, 30, AL_OK), AL_WARNING);
    assert_int_equal(skew_judge(-31, 30, AL_OK), AL_WARNING);
    assert_int_equal(skew_judge(PUSH_MAX_AHEAD + 1, 30, AL_OK), AL_CRITICAL);
    assert_int_equal(skew_judge(-4000, 30, AL_WARNING), AL_CRITICAL);
    /* hysteresis: left once back under 80 % of the bound */
    assert_int_equal(skew_judge(25, 30, AL_WARNING), AL_WARNING);
    assert_int_equal(skew_judge(23, 30, AL_WARNING), AL_OK);
    assert_int_equal(skew_judge(250, 30, AL_CRITICAL), AL_CRITICAL);
    assert_int_equal(skew_judge(230, 30, AL_CRITICAL), AL_WARNING);
    /* a threshold past the ingest window: critical past the threshold only */
    assert_int_equal(skew_judge(400, 600, AL_OK), AL_OK);
    assert_int_equal(skew_judge(700, 600, AL_OK), AL_CRITICAL);

    char s[224];
    skew_summary("nro-1", 42.4, s, sizeof s);
    assert_string_equal(s, "agent nro-1's clock is 42 s ahead of the server's");
    skew_summary("nro-1", -3600, s, sizeof s);
    assert_string_equal(s, "agent nro-1's clock is 3600 s behind the server's");
    skew_summary("nro-1", 1000, s, sizeof s);
    assert_non_null(strstr(s, "refused until a clock is fixed"));
}

static void test_fresh(void **state)
{
    (void)state;
    int64_t now = 1790000000;
    /* an agent on time: fresh while its last value is recent */
    assert_true(skew_fresh(now - 20, now - 20, 0, now, 30));
    assert_false(skew_fresh(now - 40, now - 40, 0, now, 30));
    /* an hour behind and pushing: fresh by its own clock and by the receive time */
    assert_true(skew_fresh(now - 3605, now - 5, -3600, now, 30));
    /* an hour behind and silent for a minute: stale, whatever its clock says */
    assert_false(skew_fresh(now - 3600, now - 60, -3600, now, 30));
    /* ahead and silent: stale by the receive time (its times alone would keep it fresh) */
    assert_false(skew_fresh(now + 200, now - 60, 200, now, 30));
    /* a replayed old value received just now, from an agent on time: old data */
    assert_false(skew_fresh(now - 3600, now, 0, now, 30));
    /* the receive time unknown: the agent's clock alone */
    assert_true(skew_fresh(now - 10, 0, 0, now, 30));
}

static void test_registry_and_alerts(void **state)
{
    (void)state;
    skew_reset();
    skew_change c[4];
    bool more;
    assert_int_equal(skew_alert_changes(30, c, 4, &more), 0);
    skew_note("a1", "s1", 0.2, 100);
    skew_note("a2", "s2", 45, 100);
    /* first judgement of each: reported, so that an alert left by a previous run is resolved */
    assert_int_equal(skew_alert_changes(30, c, 4, &more), 2);
    assert_false(more);
    assert_string_equal(c[0].agent, "a1");
    assert_int_equal(c[0].level, AL_OK);
    assert_string_equal(c[1].site, "s2");
    assert_int_equal(c[1].level, AL_WARNING);
    assert_int_equal(skew_alert_changes(30, c, 4, &more), 0); /* nothing changed */
    skew_note("a2", "s2", 26, 110);                         /* within hysteresis: still warning */
    assert_int_equal(skew_alert_changes(30, c, 4, &more), 0);
    skew_note("a2", "s2", -1.5, 120);
    assert_int_equal(skew_alert_changes(30, c, 4, &more), 1);
    assert_int_equal(c[0].level, AL_OK);
    /* bounded per call */
    skew_note("a1", "s1", 500, 130);
    skew_note("a2", "s2", 500, 130);
    assert_int_equal(skew_alert_changes(30, c, 1, &more), 1);
    assert_true(more);
    assert_int_equal(skew_alert_changes(30, c, 1, &more), 1);
    assert_int_equal(c[0].level, AL_CRITICAL);

    skew_entry e;
    assert_true(skew_get("a1", &e));
    assert_int_equal(e.measured, 130);
    assert_false(skew_get("nobody", &e));
    assert_int_equal(skew_agent_now("a1", 1000), 1500);
    assert_int_equal(skew_agent_now("nobody", 1000), 1000);
    bool due;
    skew_refused("a1", "s1", 1000, &due);
    assert_true(due);
    skew_refused("a1", "s1", 1001, &due);
    assert_false(due); /* once in SKEW_LOG_EVERY */
    skew_refused("a1", "s1", 1000 + SKEW_LOG_EVERY, &due);
    assert_true(due);
    assert_int_equal(skew_refused_total(), 3);
    json_t *j = skew_agents_json();
    assert_int_equal(json_array_size(j), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "clock_refused")), 3);
    json_decref(j);
    skew_reset();
}

/* ---- ingest ---------------------------------------------------------------------------------- */

static char *batch_json(int64_t ts, bool down, int64_t ts2)
{
    push_batch *b = push_batch_new("dc-agent", ++seq);
    push_batch_set_device(b, "ups-a", "ups", "ups-rfc1628");
    push_sample s;
    push_sample_set(&s, "ups-a", "device.reachable", "", 1, "", ts);
    push_batch_add(b, &s);
    push_sample_set(&s, "ups-a", "ups.status", "", down ? 5 : 3, "", ts2);
    s.sev = down ? SEV_CRITICAL : SEV_OK;
    snprintf(s.text, sizeof s.text, "%s", down ? "OB" : "OL");
    push_batch_add(b, &s);
    char *json = push_batch_encode(b);
    push_batch_free(b);
    return json;
}

static void test_refused_for_time(void **state)
{
    (void)state;
    time_t now = 1790000000;
    /* one sample 400 s ahead: 409, retry clock, naming it */
    char *json = batch_json(now, false, now + 400);
    api_reply r = api_ingest(&ctx, "Bearer " TOKEN, json, strlen(json), now);
    assert_int_equal(r.status, 409);
    json_t *o = json_loads(r.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(o, "retry")), PUSH_RETRY_CLOCK);
    assert_string_equal(json_string_value(json_object_get(o, "field")), "samples[1].ts");
    assert_int_equal(json_integer_value(json_object_get(o, "server_time")), now);
    json_decref(o);
    free(r.body);
    free(json);
    /* too old: the same */
    json = batch_json(now - PUSH_MAX_AGE - 10, false, now);
    r = api_ingest(&ctx, "Bearer " TOKEN, json, strlen(json), now);
    assert_int_equal(r.status, 409);
    free(r.body);
    free(json);
    /* a time and another fault: 400 for the other one, which no clock fixes */
    const char *bad = "{\"agent\":\"dc-agent\",\"seq\":9,\"samples\":[{\"device\":\"d\",\"metric\":\"m.x\","
                      "\"value\":1,\"ts\":1790000400},{\"device\":\"d\",\"metric\":\"M\",\"value\":1,\"ts\":1790000000}]}";
    r = api_ingest(&ctx, "Bearer " TOKEN, bad, strlen(bad), now);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "samples[1].metric"));
    free(r.body);
    /* an unknown token is still 401, whatever the times */
    json = batch_json(now + 400, false, now + 400);
    r = api_ingest(&ctx, "Bearer nobody-nobody-nobody", json, strlen(json), now);
    assert_int_equal(r.status, 401);
    free(r.body);
    free(json);
    /* the decoder alone: VG_E_CONFLICT, and no bound with PUSH_ANY_TIME */
    json = batch_json(now + 400, false, now + 400);
    vg_err err;
    assert_null(push_batch_decode(json, strlen(json), now, &err));
    assert_int_equal(err.code, VG_E_CONFLICT);
    push_batch *b = push_batch_decode(json, strlen(json), PUSH_ANY_TIME, &err);
    assert_non_null(b);
    push_batch_free(b);
    free(json);
}

typedef struct {
    const char *clock;
} fake_headers;

static const char *fake_header(void *c, const char *name)
{
    fake_headers *h = c;
    return strcasecmp(name, PUSH_CLOCK_HEADER) == 0 ? h->clock : NULL;
}

static const char *fake_arg(void *c, const char *name)
{
    (void)c;
    (void)name;
    return NULL;
}

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Through the route: the agent's header measures its skew; the reply carries the server's clock. */
static void test_measured_at_ingest(void **state)
{
    (void)state;
    skew_reset();
    time_t now = time(NULL);
    char clock[64];
    snprintf(clock, sizeof clock, "%.3f", wall() + 42.5); /* the agent is 42.5 s ahead */
    fake_headers h = {clock};
    char *json = batch_json(now, false, now);
    api_request req = {.method = "POST", .path = "/api/v1/ingest", .authorization = "Bearer " TOKEN, .body = json,
                       .len = strlen(json), .now = now, .arg = fake_arg, .arg_ctx = &h, .header = fake_header};
    api_reply r = api_dispatch(&ctx, &req);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, PUSH_CLOCK_HEADER ": "));
    free(r.body);
    free(json);
    skew_entry e;
    assert_true(skew_get("dc-agent", &e));
    assert_true(fabs(e.skew - 42.5) < 1.0);
    assert_string_equal(e.site, "dc");
    /* a header that is no clock is ignored; a wrong token measures nothing */
    h.clock = "soon";
    json = batch_json(now, false, now);
    req.body = json;
    req.len = strlen(json);
    r = api_dispatch(&ctx, &req);
    free(r.body);
    assert_true(skew_get("dc-agent", &e) && fabs(e.skew - 42.5) < 1.0);
    h.clock = clock;
    req.authorization = "Bearer nobody-nobody-nobody";
    skew_reset();
    r = api_dispatch(&ctx, &req);
    assert_int_equal(r.status, 401);
    free(r.body);
    free(json);
    assert_false(skew_get("dc-agent", &e));
}

/* ---- health ---------------------------------------------------------------------------------- */

static void push_at(int64_t ts, bool down, time_t now)
{
    char *json = batch_json(ts, down, ts);
    api_reply r = api_ingest(&ctx, "Bearer " TOKEN, json, strlen(json), now);
    if (r.status != 200)
        fail_msg("%d %s", r.status, r.body);
    free(r.body);
    free(json);
}

static void last_state(int64_t at, char *state, size_t size)
{
    state[0] = '\0';
    assert_int_equal(db_event_last_before(ctx.db, "dc", "device", "ups-a", at + 1, state, size, NULL), VG_OK);
}

/* An agent an hour behind, pushing every step: its device is not judged silent ("unknown") at the
 * end of each batch; it was, before the agent's present bounded the events. */
static void test_behind_not_silent(void **state)
{
    (void)state;
    skew_reset();
    int64_t now = 1791000000;
    skew_note("dc-agent", "dc", -3600, now);
    for (int i = 0; i < 6; i++)
        push_at(now - 3600 + 10 * i, false, (time_t)(now + 10 * i));
    char st[32];
    last_state(now + 60, st, sizeof st);
    assert_string_equal(st, "ok");
    /* the same pushes without the skew known: the old judgement, "unknown" past each batch */
    skew_reset();
    push_at(now - 3600 + 60, false, (time_t)(now + 60));
    last_state(now + 60, st, sizeof st);
    assert_string_equal(st, "unknown");
}

/* An agent 100 s ahead: a UPS on battery is an event once the server's present reaches its time
 * (before, no batch ever recomputed a period in the server's past). */
static void test_ahead_judged(void **state)
{
    (void)state;
    skew_reset();
    int64_t now = 1792000000;
    skew_note("dc-agent", "dc", 100, now);
    for (int i = 0; i < 3; i++)
        push_at(now + 100 + 10 * i, false, (time_t)(now + 10 * i));
    for (int i = 3; i < 16; i++)
        push_at(now + 100 + 10 * i, true, (time_t)(now + 10 * i));
    /* on battery from now + 130 on the agent's clock: known once the server reached it */
    char st[32];
    last_state(now + 150, st, sizeof st);
    assert_string_equal(st, "down");
    skew_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_clock),         cmocka_unit_test(test_judge),
        cmocka_unit_test(test_fresh),               cmocka_unit_test(test_registry_and_alerts),
        cmocka_unit_test(test_refused_for_time),    cmocka_unit_test(test_measured_at_ingest),
        cmocka_unit_test(test_behind_not_silent),   cmocka_unit_test(test_ahead_judged),
    };
    return cmocka_run_group_tests_name("clock", tests, setup, teardown);
}

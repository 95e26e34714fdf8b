/* UPS self-tests (server/sla/selftest.h): tests derived from hand-made runs; then, with a real database
 * and the real vocabulary, batches pushed through the ingest: a watched test, a replay and a late batch
 * recorded once and at their own time, the battery time of a test neither an outage nor an alert while a
 * real outage during a test still counts, and the "selftest" alert (failed, too old, resolved). */
#include "config.h"
#include "vocab_names.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "alerting/alerts.h"
#include "alerting/selftest_alerts.h"
#include "http/api.h"
#include "sla/health.h"
#include "sla/selftest.h"
#include "test_db.h"
#include "test_util.h"

#define T0 1790000040        /* 2026-09-21 14:14:00 UTC, a multiple of 60 */
#define SEP_01 1788220800    /* 2026-09-01 00:00 UTC */
#define AUG_01 1785542400    /* 2026-08-01 00:00 UTC */

/* ---- derivation from runs ------------------------------------------------------------------- */

static db_selftest_run run(const char *word, const char *date, int64_t start, int64_t last)
{
    db_selftest_run r;
    memset(&r, 0, sizeof r);
    snprintf(r.word, sizeof r.word, "%s", word);
    snprintf(r.date, sizeof r.date, "%s", date);
    r.start = start;
    r.last = last;
    return r;
}

static void test_words(void **state)
{
    (void)state;
    assert_string_equal(selftest_word("in_progress"), "in_progress");
    assert_string_equal(selftest_word("passed"), "passed");
    assert_string_equal(selftest_word("in-progress"), "unknown"); /* the words of older profiles */
    assert_string_equal(selftest_word("code 9"), "unknown");
    assert_string_equal(selftest_word(NULL), "unknown");
    assert_true(selftest_word_is_result("aborted"));
    assert_false(selftest_word_is_result("none"));
    assert_false(selftest_word_is_result("in_progress"));
}

static void test_derive_watched_and_reported(void **state)
{
    (void)state;
    /* the UPS's first words report its last test (dated by the UPS), then a test is watched */
    db_selftest_run r[] = {run("passed", "2026-09-01", 1000, 1100), run("in_progress", "2026-09-01", 1160, 1280),
                           run("passed", "2026-09-21", 1340, 2000)};
    db_selftest t[8];
    size_t n = selftest_derive("ups-a", "self-test", r, 3, 3600, t, 8);
    assert_int_equal(n, 2);
    assert_string_equal(t[0].result, "passed");
    assert_int_equal(t[0].at, SEP_01);
    assert_int_equal(t[0].start, 0);
    assert_int_equal(t[0].run, 1000);
    assert_string_equal(t[1].result, "passed");
    assert_int_equal(t[1].start, 1160);
    assert_int_equal(t[1].last, 1280);
    assert_int_equal(t[1].end, 1340);
    assert_int_equal(t[1].at, 1160);
    assert_string_equal(t[1].date, "2026-09-21");
    assert_string_equal(t[1].device, "ups-a");
    assert_string_equal(t[1].kind, "self-test");
}

static void test_derive_unwatched(void **state)
{
    (void)state;
    /* none, a pass seen by the result changing, a fail seen by the result changing, then the same
     * result with another date (a test between two polls), and a poll that said nothing (unknown) */
    db_selftest_run r[] = {run("none", "", 100, 200),         run("passed", "2026-09-10", SEP_01 + 30 * 86400, SEP_01 + 30 * 86400),
                           run("failed", "", 5000000000, 5000000100), run("unknown", "", 5000000160, 5000000160),
                           run("failed", "", 5000000220, 5000000300), run("failed", "2026-09-20", 5000000400, 5000000500),
                           run("failed", "2026-09-21", 5000000600, 5000000700)};
    db_selftest t[8];
    size_t n = selftest_derive("u", "self-test", r, 7, 3600, t, 8);
    /* none is not a test; the pass is dated by the UPS (its date is before the change was seen); the
     * fail by when it was seen; unknown is no change, so failed after it is not another test; a date
     * appearing is not one either; a date changing is */
    assert_int_equal(n, 3);
    assert_string_equal(t[0].result, "passed");
    assert_int_equal(t[0].at, 1788998400); /* 2026-09-10 */
    assert_string_equal(t[1].result, "failed");
    assert_int_equal(t[1].at, 5000000000);
    assert_int_equal(t[1].end, 0);
    assert_string_equal(t[2].result, "failed");
    assert_string_equal(t[2].date, "2026-09-21");
    assert_int_equal(t[2].run, 5000000600);
}

static void test_derive_open_gap_and_bound(void **state)
{
    (void)state;
    /* a test whose result came after a long silence: its end is not known; then one running now */
    db_selftest_run r[] = {run("in_progress", "", 1000, 1100), run("aborted", "", 9000, 9100),
                           run("in_progress", "", 9160, 9220), run("in_progress", "", 20000, 20000)};
    db_selftest t[8];
    size_t n = selftest_derive("u", "calibration", r, 4, 3600, t, 8);
    assert_int_equal(n, 3);
    assert_string_equal(t[0].result, "aborted");
    assert_int_equal(t[0].end, 0);
    assert_int_equal(t[0].last, 1100);
    /* two in_progress runs more than max_gap apart: the first ended without a word, the second runs */
    assert_string_equal(t[1].result, "unknown");
    assert_int_equal(t[1].start, 9160);
    assert_string_equal(t[2].result, "in_progress");
    assert_int_equal(t[2].start, 20000);
    /* at most max, the newest */
    n = selftest_derive("u", "calibration", r, 4, 3600, t, 2);
    assert_int_equal(n, 2);
    assert_int_equal(t[0].start, 9160);
    assert_int_equal(t[1].start, 20000);
}

static void test_vocab_during_test(void **state)
{
    (void)state;
    char *dir = tu_tmpdir(), path[600];
    vg_err err;
    tu_write(dir, "v.yaml",
             "ups:\n  ups.status: {unit: state, during_test: [OB, DISCHRG]}\n"
             "  battery.runtime: {unit: s, during_test: any}\n  ups.load: {unit: '%'}\n",
             path, sizeof path);
    vocab *v = vocab_load(path, &err);
    assert_non_null(v);
    assert_true(vocab_metric_test_caused(v, vocab_metric_find(v, "ups.status"), "OB"));
    assert_false(vocab_metric_test_caused(v, vocab_metric_find(v, "ups.status"), "OFF"));
    assert_true(vocab_metric_test_caused(v, vocab_metric_find(v, "battery.runtime"), ""));
    assert_false(vocab_metric_test_caused(v, vocab_metric_find(v, "ups.load"), ""));
    assert_false(vocab_metric_test_caused(v, NULL, "OB"));
    vocab_free(v);
    tu_write(dir, "v.yaml", "ups:\n  ups.status: {unit: state, during_test: some}\n", path, sizeof path);
    assert_null(vocab_load(path, &err));
    assert_non_null(strstr(err.msg, "v.yaml:2:"));
    assert_non_null(strstr(err.msg, "during_test"));
    tu_write(dir, "v.yaml", "ups:\n  ups.status: {unit: state, during_test: []}\n", path, sizeof path);
    assert_null(vocab_load(path, &err));
    tu_rmtree(dir);
    free(dir);
}

/* ---- through the ingest --------------------------------------------------------------------- */

static char *dir;
static server_config *cfg;
static api_ctx ctx;
static uint64_t seq;

static int setup(void **state)
{
    (void)state;
    char path[600], yaml[2000];
    const char *mibs = getenv("VIGIE_MIBS_DIR");
    dir = tu_tmpdir();
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\nstep: 60\nmibs_dir: %s\n"
             "sites:\n"
             "  - id: dc\n"
             "    kind: datacenter\n"
             "    services:\n"
             "      power: {devices: [ups-a], min_up: 1}\n"
             "agents: [{id: dc-agent, token: selftest-test-token-1, site: dc}]\n"
             "alerting: {self_test: {max_age_days: 30, on_failure: critical}}\n",
             dir, mibs ? mibs : "mibs");
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
    (void)state;
    rrd_store_free(ctx.rrd);
    db_close(ctx.db);
    server_config_free(cfg);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static void add(push_batch *b, const char *dev, const char *metric, double v, const char *text, severity sev,
                int64_t ts)
{
    push_sample s;
    assert_int_equal(push_sample_set(&s, dev, metric, "", v, "", ts), 0);
    snprintf(s.text, sizeof s.text, "%s", text);
    s.sev = sev;
    assert_int_equal(push_batch_add(b, &s), 0);
}

static void push(push_batch *b, int64_t now)
{
    char *json = push_batch_encode(b);
    api_reply r = api_ingest(&ctx, "Bearer selftest-test-token-1", json, strlen(json), (time_t)now);
    if (r.status != 200)
        fail_msg("%d %s", r.status, r.body);
    free(r.body);
    free(json);
    push_batch_free(b);
}

/* One poll of a UPS at ts: its status word and severity, its test result word and date (NULL: not
 * given), its runtime (a warning below 600 s, as the profiles judge it). */
static void poll(const char *dev, int64_t ts, const char *status, severity st_sev, const char *result,
                 const char *date, double runtime)
{
    push_batch *b = push_batch_new("dc-agent", ++seq);
    push_batch_set_device(b, dev, "ups", "ups-apc-powernet");
    add(b, dev, VOCAB_DEVICE_REACHABLE, 1, "", SEV_NONE, ts);
    add(b, dev, "ups.status", 2, status, st_sev, ts);
    add(b, dev, "battery.runtime", runtime, "", runtime < 300 ? SEV_CRITICAL : runtime < 600 ? SEV_WARNING : SEV_OK, ts);
    if (result)
        add(b, dev, VOCAB_UPS_TEST_RESULT, 1, result, strcmp(result, "failed") == 0 ? SEV_WARNING : SEV_OK, ts);
    if (date)
        add(b, dev, VOCAB_UPS_TEST_DATE, 0, date, SEV_OK, ts);
    push(b, ts + 10);
}

static size_t tests_of(const char *dev, db_selftest **t)
{
    size_t n = 0;
    assert_int_equal(db_selftest_list(ctx.db, "dc", dev, 0, INT64_MAX, 100, t, &n, NULL), VG_OK);
    return n;
}

typedef struct {
    char what[64][80];
    size_t n;
} event_list;

static void collect(void *c, const char *site, const char *scope, const char *name, int64_t ts, const char *st,
                    const char *cause)
{
    event_list *l = c;
    (void)site;
    (void)cause;
    if (l->n < 64)
        snprintf(l->what[l->n++], 80, "%lld %s %s %s", (long long)(ts - T0), scope, name, st);
}

static bool has_event(const char *what)
{
    event_list ev = {0};
    assert_int_equal(db_events_each(ctx.db, "dc", T0 - 86400, T0 + 86400, collect, &ev, NULL), VG_OK);
    for (size_t i = 0; i < ev.n; i++)
        if (strcmp(ev.what[i], what) == 0)
            return true;
    return false;
}

/* The alerts of a kind ("metric", "selftest") in a state, as "device severity summary". */
static size_t alerts_of(const char *kind, const char *state, char *first, size_t size)
{
    json_t *arr = alerts_list(ctx.db, "dc", state, NULL, T0);
    size_t i, n = 0;
    json_t *a;
    first[0] = '\0';
    json_array_foreach(arr, i, a) {
        if (strcmp(json_string_value(json_object_get(a, "kind")), kind) != 0)
            continue;
        if (n++ == 0)
            snprintf(first, size, "%s %s %s", json_string_value(json_object_get(a, "device")),
                     json_string_value(json_object_get(a, "severity")), json_string_value(json_object_get(a, "summary")));
    }
    json_decref(arr);
    return n;
}

static void test_ingest_timeline(void **state)
{
    (void)state;
    char first[600];
    db_selftest *t;
    /* 0..120: on line, the UPS reports its last test passed on 2026-09-01 */
    for (int i = 0; i <= 2; i++)
        poll("ups-a", T0 + 60 * i, "OL", SEV_OK, "passed", "2026-09-01", 2400);
    /* 180..300: a self-test runs on battery: OB critical and the runtime falling to a warning */
    for (int i = 3; i <= 5; i++)
        poll("ups-a", T0 + 60 * i, "OB", SEV_CRITICAL, "in_progress", "2026-09-01", 500);
    /* 360..480: passed, dated today */
    for (int i = 6; i <= 8; i++)
        poll("ups-a", T0 + 60 * i, "OL", SEV_OK, "passed", "2026-09-21", 2300);
    size_t n = tests_of("ups-a", &t);
    assert_int_equal(n, 2);
    assert_int_equal(t[0].at, SEP_01);
    assert_string_equal(t[1].result, "passed");
    assert_int_equal(t[1].start, T0 + 180);
    assert_int_equal(t[1].last, T0 + 300);
    assert_int_equal(t[1].end, T0 + 360);
    free(t);
    /* the battery time of the test: no outage, no alert */
    assert_false(has_event("180 device ups-a down"));
    assert_false(has_event("180 device ups-a degraded"));
    avail_result r;
    assert_int_equal(state_availability(ctx.db, cfg, "dc", T0, T0 + 540, &r), 0);
    assert_int_equal(r.site.downtime, 0);
    avail_result_free(&r);
    assert_int_equal(alerts_of("metric", NULL, first, sizeof first), 0);

    /* the same poll pushed again under another number (a spool's resend): one test still */
    poll("ups-a", T0 + 240, "OB", SEV_CRITICAL, "in_progress", "2026-09-01", 500);
    assert_int_equal(tests_of("ups-a", &t), 2);
    free(t);

    /* 540..660: a second test, during which the output goes off at 600: a real outage */
    poll("ups-a", T0 + 540, "OB", SEV_CRITICAL, "in_progress", "2026-09-21", 500);
    poll("ups-a", T0 + 600, "OFF", SEV_CRITICAL, "in_progress", "2026-09-21", 500);
    poll("ups-a", T0 + 660, "OL", SEV_OK, "failed", "2026-09-21", 2300);
    assert_true(has_event("600 device ups-a down"));
    assert_true(has_event("660 device ups-a degraded")); /* a failed test is a warning, not an outage */
    assert_false(has_event("540 device ups-a down"));
    assert_int_equal(state_availability(ctx.db, cfg, "dc", T0, T0 + 720, &r), 0);
    assert_int_equal(r.site.downtime, 60);
    avail_result_free(&r);
    /* the failed test: a critical alert of kind selftest (on_failure: critical) */
    assert_int_equal(alerts_of("selftest", "firing", first, sizeof first), 1);
    assert_string_equal(first, "ups-a critical ups-a: last self-test failed (2026-09-21)");
    /* the OFF was paged (not caused by a test); OB during the test was not */
    assert_int_equal(alerts_of("metric", NULL, first, sizeof first), 1);
    assert_non_null(strstr(first, "ups.status OFF"));

    /* 900, 960 pass; then the poll of 840, late (its batch was held back by the agent), says the test
     * was running: the pass is that test's end, not a test of its own */
    poll("ups-a", T0 + 900, "OL", SEV_OK, "passed", "2026-09-21", 2300);
    poll("ups-a", T0 + 960, "OL", SEV_OK, "passed", "2026-09-21", 2300);
    n = tests_of("ups-a", &t);
    assert_int_equal(n, 4);
    assert_int_equal(t[3].start, 0);
    assert_int_equal(t[3].at, T0 + 900);
    free(t);
    assert_int_equal(alerts_of("selftest", "firing", first, sizeof first), 0);
    assert_int_equal(alerts_of("selftest", "resolved", first, sizeof first), 1);
    poll("ups-a", T0 + 840, "OB", SEV_CRITICAL, "in_progress", "2026-09-21", 500);
    n = tests_of("ups-a", &t);
    assert_int_equal(n, 4);
    assert_int_equal(t[3].start, T0 + 840);
    assert_int_equal(t[3].end, T0 + 900);
    assert_string_equal(t[3].result, "passed");
    free(t);
    assert_false(has_event("840 device ups-a down"));
    assert_true(has_event("900 device ups-a ok"));

    /* the summary at T0 + 1000: last test passed at 840, in no test now */
    selftest_ups u;
    assert_int_equal(selftest_ups_get(ctx.db, cfg, "dc", "ups-a", T0 + 1000, &u, NULL), VG_OK);
    assert_true(u.has_last && u.has_passed);
    assert_int_equal(u.passed.start, T0 + 840);
    assert_int_equal(u.age_days, 0);
    assert_false(u.in_progress);
    assert_int_equal(u.watched_since, T0);
}

static void test_running_flag_and_age(void **state)
{
    (void)state;
    char first[600];
    /* ups-a reports a pass of 2026-08-01, 51 days before: older than max_age_days 30 */
    poll("ups-a", T0, "OL", SEV_OK, "passed", "2026-08-01", 2400);
    assert_int_equal(alerts_of("selftest", "firing", first, sizeof first), 1);
    assert_string_equal(first, "ups-a warning ups-a: last passed self-test 51 days ago (2026-08-01), more than 30");
    /* a status flag alone says a test runs: the critical runtime it causes is not an outage */
    push_batch *b = push_batch_new("dc-agent", ++seq);
    push_batch_set_device(b, "ups-a", "ups", "ups-apc-powernet");
    add(b, "ups-a", VOCAB_DEVICE_REACHABLE, 1, "", SEV_NONE, T0 + 60);
    add(b, "ups-a", "battery.runtime", 200, "", SEV_CRITICAL, T0 + 60);
    add(b, "ups-a", VOCAB_UPS_TEST_RUNNING, 1, "selfTest", SEV_OK, T0 + 60);
    add(b, "ups-a", VOCAB_UPS_TEST_RESULT, 1, "passed", SEV_OK, T0 + 60);
    push(b, T0 + 70);
    selftest_ups u;
    assert_int_equal(selftest_ups_get(ctx.db, cfg, "dc", "ups-a", T0 + 70, &u, NULL), VG_OK);
    assert_true(u.in_progress);
    assert_string_equal(u.in_progress_kind, "self-test");
    assert_int_equal(u.in_progress_since, T0 + 60);
    assert_false(has_event("60 device ups-a down"));
    /* a trap between two polls (OB, critical) lands in the test too */
    b = push_batch_new("dc-agent", ++seq);
    add(b, "ups-a", "ups.status", 3, "OB", SEV_CRITICAL, T0 + 95);
    push(b, T0 + 96);
    assert_false(has_event("95 device ups-a down"));
    /* the flag back to 0 and the result passed: the test passed now, the age alert is resolved */
    poll("ups-a", T0 + 120, "OL", SEV_OK, "passed", "2026-09-21", 2400);
    assert_int_equal(alerts_of("selftest", "firing", first, sizeof first), 0);
    db_selftest *t;
    size_t n = tests_of("ups-a", &t);
    assert_int_equal(n, 2);
    assert_int_equal(t[1].start, T0 + 60);
    assert_int_equal(t[1].end, T0 + 120);
    free(t);
    /* four minutes after the test, OB is an outage again */
    poll("ups-a", T0 + 360, "OB", SEV_CRITICAL, "passed", "2026-09-21", 2400);
    assert_true(has_event("360 device ups-a down"));
}

static void test_judge(void **state)
{
    (void)state;
    alert_selftest_rule r = {31, AL_WARNING};
    selftest_ups u;
    char why[300];
    memset(&u, 0, sizeof u);
    snprintf(u.device, sizeof u.device, "u");
    /* a UPS that never gave a test word is not judged */
    assert_int_equal(selftest_alert_judge(&r, &u, T0, why, sizeof why), AL_OK);
    /* watched for 40 days without a pass */
    u.watched_since = T0 - 40 * 86400;
    assert_int_equal(selftest_alert_judge(&r, &u, T0, why, sizeof why), AL_WARNING);
    assert_string_equal(why, "u: no passed self-test seen in 40 days, more than 31");
    /* a pass 31 days ago is not too old; 31 days and a second is */
    u.has_passed = true;
    u.passed.at = T0 - 31 * 86400;
    assert_int_equal(selftest_alert_judge(&r, &u, T0, why, sizeof why), AL_OK);
    assert_int_equal(selftest_alert_judge(&r, &u, T0 + 1, why, sizeof why), AL_WARNING);
    r.max_age_days = 0;
    assert_int_equal(selftest_alert_judge(&r, &u, T0 + 1, why, sizeof why), AL_OK);
    /* a failure, unless on_failure is off */
    u.has_last = true;
    snprintf(u.last.result, sizeof u.last.result, "failed");
    snprintf(u.last.date, sizeof u.last.date, "2026-09-20");
    assert_int_equal(selftest_alert_judge(&r, &u, T0, why, sizeof why), AL_WARNING);
    assert_string_equal(why, "u: last self-test failed (2026-09-20)");
    r.on_failure = AL_OK;
    assert_int_equal(selftest_alert_judge(&r, &u, T0, why, sizeof why), AL_OK);
}

static void test_config(void **state)
{
    (void)state;
    char *d = tu_tmpdir(), path[600], yaml[600];
    vg_err err;
    snprintf(yaml, sizeof yaml, "data_dir: %s\nalerting:\n  self_test: {max_age_days: 31, on_failure: sometimes}\n"
             "sites: [{id: s}]\nagents: [{id: a, token: selftest-test-token-1, site: s}]\n", d);
    assert_null(server_config_load(tu_write(d, "server.yaml", yaml, path, sizeof path), &err));
    if (!strstr(err.msg, "server.yaml:3:"))
        fail_msg("%s", err.msg);
    assert_non_null(strstr(err.msg, "on_failure"));
    snprintf(yaml, sizeof yaml, "data_dir: %s\nalerting:\n  self_test: {max_age_days: -1}\n"
             "sites: [{id: s}]\nagents: [{id: a, token: selftest-test-token-1, site: s}]\n", d);
    assert_null(server_config_load(tu_write(d, "server.yaml", yaml, path, sizeof path), &err));
    assert_non_null(strstr(err.msg, "max_age_days"));
    snprintf(yaml, sizeof yaml, "data_dir: %s\nalerting:\n  self_test: {max_age_days: 0, on_failure: off}\n"
             "sites: [{id: s}]\nagents: [{id: a, token: selftest-test-token-1, site: s}]\n", d);
    server_config *c = server_config_load(tu_write(d, "server.yaml", yaml, path, sizeof path), &err);
    assert_non_null(c);
    assert_int_equal(c->alerting->self_test.max_age_days, 0);
    assert_int_equal(c->alerting->self_test.on_failure, AL_OK);
    server_config_free(c);
    tu_rmtree(d);
    free(d);
}

/* The names the code reasons about are in the vocabulary, and the vocabulary marks what a test causes. */
static void test_real_vocabulary(void **state)
{
    (void)state;
    const vocab *v = cfg->vocab;
    static const char *const names[] = {VOCAB_UPS_TEST_RESULT, VOCAB_UPS_CALIBRATION_RESULT, VOCAB_UPS_TEST_RUNNING,
                                        VOCAB_UPS_TEST_DATE, VOCAB_UPS_CALIBRATION_DATE};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!vocab_metric_find(v, names[i]))
            fail_msg("%s (lib/vocab_names.h) is not in the vocabulary", names[i]);
    assert_true(vocab_metric_test_caused(v, vocab_metric_find(v, "ups.status"), "OB"));
    assert_false(vocab_metric_test_caused(v, vocab_metric_find(v, "ups.status"), "OFF"));
    assert_true(vocab_metric_test_caused(v, vocab_metric_find(v, "battery.runtime"), ""));
    assert_false(vocab_metric_test_caused(v, vocab_metric_find(v, "input.voltage"), ""));
    assert_false(vocab_metric_test_caused(v, vocab_metric_find(v, "ups.test.result"), "failed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_derive_watched_and_reported),
        cmocka_unit_test(test_derive_unwatched),
        cmocka_unit_test(test_derive_open_gap_and_bound),
        cmocka_unit_test(test_vocab_during_test),
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_config),
        cmocka_unit_test_setup_teardown(test_real_vocabulary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ingest_timeline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_running_flag_and_age, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

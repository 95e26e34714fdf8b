/* The pure alerting engine (alert_rules.c) over a fake clock: scripted sample streams for
 * hysteresis, the for-duration, flapping, dependencies, grouping and escalation timing; then the
 * stored lifecycle (alerts.c) with a real SQLite database, still on a fake clock: holds behind an
 * unreachable device and a lost heartbeat, one flapping notice, grouping, acknowledgement, the bound of
 * a grouped message. The contact's webhook points at a closed port: deliveries (sender.h, driven on
 * the fake clock) fail, the queued notifications are counted and retried from the failed attempt. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "alerting/rules.h"
#include "alerting/alerts.h"
#include "alerting/notify.h"
#include "alerting/sender.h"
#include "alerting/smtp.h"
#include "http/api.h"
#include "store/db.h"
#include "config/server_config.h"
#include "test_db.h"
#include "test_util.h"

#include <sqlite3.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define T0 1790000000

static alert_rule room(void)
{
    alert_rule r = {.metric = "env.temperature", .has_warn_above = true, .warn_above = 25, .has_crit_above = true,
                    .crit_above = 27, .hysteresis = 0.5};
    return r;
}

static void test_hysteresis(void **state)
{
    (void)state;
    alert_rule r = room();
    assert_int_equal(alert_rule_judge(&r, 24.9, AL_OK), AL_OK);
    assert_int_equal(alert_rule_judge(&r, 25.1, AL_OK), AL_WARNING);
    assert_int_equal(alert_rule_judge(&r, 27.2, AL_OK), AL_CRITICAL);
    /* once critical, 26.8 is still critical (27 - 0.5 = 26.5 is the way out) */
    assert_int_equal(alert_rule_judge(&r, 26.8, AL_CRITICAL), AL_CRITICAL);
    assert_int_equal(alert_rule_judge(&r, 26.4, AL_CRITICAL), AL_WARNING);
    assert_int_equal(alert_rule_judge(&r, 24.8, AL_WARNING), AL_WARNING);
    assert_int_equal(alert_rule_judge(&r, 24.4, AL_WARNING), AL_OK);
    /* below thresholds: battery runtime under 600 s, PON rx power under -27 dBm */
    alert_rule b = {.metric = "battery.runtime", .has_crit_below = true, .crit_below = 600, .hysteresis = 60};
    assert_int_equal(alert_rule_judge(&b, 590, AL_OK), AL_CRITICAL);
    assert_int_equal(alert_rule_judge(&b, 640, AL_CRITICAL), AL_CRITICAL);
    assert_int_equal(alert_rule_judge(&b, 661, AL_CRITICAL), AL_OK);
    /* a noisy stream around 27 fires once and clears once */
    alert_track t = {0};
    double stream[] = {26.9, 27.1, 26.9, 27.2, 26.8, 26.7, 27.1, 26.4, 26.9, 25.0};
    int fires = 0, resolves = 0;
    for (size_t i = 0; i < sizeof stream / sizeof stream[0]; i++) {
        al_level l = alert_rule_judge(&r, stream[i], t.active);
        if (l == AL_WARNING)
            l = AL_OK; /* look at the critical level only */
        al_event e = alert_track_observe(&t, l, T0 + 60 * (int64_t)i, 0, NULL);
        fires += e == AL_EV_FIRE;
        resolves += e == AL_EV_RESOLVE;
    }
    assert_int_equal(fires, 1);
    assert_int_equal(resolves, 1);
}

static void test_rule_match(void **state)
{
    (void)state;
    alert_rule rules[3] = {room(), room(), room()};
    rules[1].crit_above = 30;
    snprintf(rules[1].site, sizeof rules[1].site, "peronne");
    rules[2].crit_above = 32;
    snprintf(rules[2].site, sizeof rules[2].site, "peronne");
    snprintf(rules[2].device, sizeof rules[2].device, "env2");
    assert_ptr_equal(alert_rule_match(rules, 3, "italie", "env", "env.temperature", ""), &rules[0]);
    assert_ptr_equal(alert_rule_match(rules, 3, "peronne", "env", "env.temperature", ""), &rules[1]);
    assert_ptr_equal(alert_rule_match(rules, 3, "peronne", "env2", "env.temperature", ""), &rules[2]);
    assert_null(alert_rule_match(rules, 3, "peronne", "env2", "env.humidity", ""));
}

static void test_for_duration(void **state)
{
    (void)state;
    alert_track t = {0};
    /* one critical sample among ok ones wakes nobody with for: 120 */
    assert_int_equal(alert_track_observe(&t, AL_CRITICAL, T0, 120, NULL), AL_EV_NONE);
    assert_int_equal(alert_track_observe(&t, AL_OK, T0 + 60, 120, NULL), AL_EV_NONE);
    assert_int_equal(t.active, AL_OK);
    /* held for 120 s: fires on the sample that completes the duration */
    assert_int_equal(alert_track_observe(&t, AL_CRITICAL, T0 + 120, 120, NULL), AL_EV_NONE);
    assert_int_equal(alert_track_observe(&t, AL_CRITICAL, T0 + 180, 120, NULL), AL_EV_NONE);
    assert_int_equal(alert_track_tick(&t, T0 + 200, 120, NULL), AL_EV_NONE);
    /* or on the timer when no sample comes */
    assert_int_equal(alert_track_tick(&t, T0 + 240, 120, NULL), AL_EV_FIRE);
    assert_int_equal(t.active, AL_CRITICAL);
    assert_int_equal(alert_track_observe(&t, AL_CRITICAL, T0 + 300, 120, NULL), AL_EV_NONE);
    /* clearing is at once */
    assert_int_equal(alert_track_observe(&t, AL_OK, T0 + 360, 120, NULL), AL_EV_RESOLVE);
    assert_int_equal(t.active, AL_OK);
}

static void test_flapping(void **state)
{
    (void)state;
    al_flap_cfg flap = {.changes = 4, .window = 600};
    alert_track t = {0};
    int fires = 0, flapping = 0;
    int64_t ts = T0;
    for (int i = 0; i < 10; i++, ts += 30) {
        al_event e = alert_track_observe(&t, i % 2 ? AL_OK : AL_CRITICAL, ts, 0, &flap);
        if (t.flap_event == AL_EV_FLAPPING)
            flapping++;
        else if (e == AL_EV_FIRE && !t.flapping)
            fires++;
    }
    assert_int_equal(flapping, 1); /* one flapping notice */
    assert_int_equal(fires, 2);    /* the fires before it was seen to flap: changes 1 and 3 */
    assert_true(t.flapping);
    assert_int_equal(alert_track_tick(&t, ts + 100, 0, &flap), AL_EV_NONE);
    assert_true(t.flapping);
    alert_track_tick(&t, ts + 600, 0, &flap);
    assert_int_equal(t.flap_event, AL_EV_STABLE);
    assert_false(t.flapping);
}

static void test_dependencies(void **state)
{
    (void)state;
    assert_false(alert_held(AL_KIND_SITE, true, true));
    assert_true(alert_held(AL_KIND_DEVICE, true, false));
    assert_false(alert_held(AL_KIND_DEVICE, false, true));
    assert_true(alert_held(AL_KIND_METRIC, false, true));
    assert_true(alert_held(AL_KIND_METRIC, true, false));
    assert_false(alert_held(AL_KIND_METRIC, false, false));
    /* heartbeat: no push for 3 x step */
    assert_false(alert_heartbeat_lost(T0, T0 + 180, 60, 3));
    assert_true(alert_heartbeat_lost(T0, T0 + 181, 60, 3));
    assert_false(alert_heartbeat_lost(0, T0, 60, 3)); /* never pushed: nothing to lose */
}

static void test_grouping(void **state)
{
    (void)state;
    const char *site[] = {"doullens", "doullens", "peronne", "doullens", "italie"};
    int64_t fired[] = {T0, T0 + 5, T0 + 20, T0 + 25, T0 + 40};
    long group[5];
    /* at T0 + 30 with a 30 s wait: doullens is due (its oldest is 30 s old), as one group */
    assert_int_equal(alert_group_plan(site, fired, 5, T0 + 30, 30, group), 1);
    assert_int_equal(group[0], 0);
    assert_int_equal(group[1], 0);
    assert_int_equal(group[3], 0);
    assert_int_equal(group[2], -1);
    assert_int_equal(group[4], -1);
    assert_int_equal(alert_group_plan(site, fired, 5, T0 + 70, 30, group), 3);
    assert_int_equal(group[2], 2);
    assert_int_equal(group[4], 4);
}

static void test_escalation(void **state)
{
    (void)state;
    assert_int_equal(alert_escalation_level(T0, T0, 900, 3), 0);
    assert_int_equal(alert_escalation_level(T0, T0 + 899, 900, 3), 0);
    assert_int_equal(alert_escalation_level(T0, T0 + 900, 900, 3), 1);
    assert_int_equal(alert_escalation_level(T0, T0 + 1800, 900, 3), 2);
    assert_int_equal(alert_escalation_level(T0, T0 + 99999, 900, 3), 2);
    assert_int_equal(alert_escalation_level(T0, T0 + 99999, 900, 1), 0);
    assert_int_equal(alert_escalation_level(T0, T0 + 99999, 0, 3), 0);
    assert_false(alert_repeat_due(T0, T0 + 1799, 1800));
    assert_true(alert_repeat_due(T0, T0 + 1800, 1800));
    assert_false(alert_repeat_due(T0, T0 + 99999, 0));
    assert_int_equal(alert_retry_delay(1, 30), 30);
    assert_int_equal(alert_retry_delay(2, 30), 60);
    assert_int_equal(alert_retry_delay(3, 30), 120);
    assert_int_equal(alert_retry_delay(20, 30), 3600);
    assert_int_equal(alert_retry_delay(2, 1), 2);
}

/* ---- configuration ------------------------------------------------------------------------- */

static void expect_conf_error(const char *alerting, const char *what)
{
    char *dir = tu_tmpdir(), path[600], yaml[1500];
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\nagents: [{id: a, token: alerts-test-token-01}]\nalerting:\n%s", dir, alerting);
    vg_err err;
    server_config *cfg = server_config_load(tu_write(dir, "server.yaml", yaml, path, sizeof path), &err);
    if (cfg)
        fail_msg("accepted: %s", alerting);
    if (!strstr(err.msg, what))
        fail_msg("'%s' not in '%s'", what, err.msg);
    tu_rmtree(dir);
    free(dir);
}

static void test_config(void **state)
{
    (void)state;
    expect_conf_error("  rules: [{metric: env.temperature}]\n", "no threshold");
    expect_conf_error("  rules: [{metric: env.temperature, critical_abov: 3}]\n", "unknown key");
    expect_conf_error("  contacts: [{name: noc}]\n", "no webhook, sms or email");
    expect_conf_error("  contacts: [{name: noc, sms: '+33600000000'}]\n", "sms_gateway");
    expect_conf_error("  contacts: [{name: noc, webhook: 'ftp://x'}]\n", "http");
    expect_conf_error("  contacts: [{name: noc, webhook: 'http://x'}]\n  chain: [noc, nobody]\n", "no contact 'nobody'");
    expect_conf_error("  flapping: {changes: 1}\n", "at least 2");
    expect_conf_error("  contacts: [{name: boss, email: 'not an address'}]\n", "not an e-mail address");
    expect_conf_error("  contacts: [{name: boss, email: boss@example.org}]\n", "no smtp section");
    expect_conf_error("  rules: [{metric: env.temperature, critical_above: 27}]\n  colour: red\n", ":5:3: key 'colour'");
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
             "data_dir: %s\nstep: 60\n"
             "sites: [{id: nro, kind: nro}]\n"
             "agents: [{id: nro-agent, token: alerts-test-token-01, site: nro}]\n"
             "api_tokens: [{name: ops, token: alerts-admin-token-1, role: admin},"
             " {name: wall, token: alerts-read-token-01}]\n"
             "alerting:\n"
             "  group_wait: 30\n"
             "  escalate_after: 600\n"
             "  retry_delay: 5\n"
             "  flapping: {changes: 4, window: 600}\n"
             "  contacts: [{name: noc, webhook: 'http://127.0.0.1:9/hook'}]\n"
             "  rules: [{metric: env.temperature, warning_above: 25, critical_above: 27, for: 120,"
             " clear_hysteresis: 0.5}]\n",
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

static void push(fixture *f, int64_t ts, const char *dev, const char *metric, double v, severity sev)
{
    push_batch *b = push_batch_new("nro-agent", ++f->seq);
    push_sample s;
    assert_int_equal(push_sample_set(&s, dev, metric, "", v, "", ts), 0);
    s.sev = sev;
    assert_int_equal(push_batch_add(b, &s), 0);
    assert_int_equal(alerts_ingest(f->d, f->cfg, "nro", b, ts), 0);
    push_batch_free(b);
}

/* Reads the database through a connection of the test's own (the store shows no SQL). */
static int count(fixture *f, const char *sql)
{
    char path[600];
    snprintf(path, sizeof path, "%s/vigie.db", f->dir);
    long long n = tu_db_count(path, sql);
    assert_true(n >= 0);
    return (int)n;
}

/* The sender's clock: now, then `step` seconds later at each reading (an attempt that takes time). */
typedef struct {
    int64_t now, step;
} fake_clock;

static int64_t fake_now(void *ctx)
{
    fake_clock *c = ctx;
    int64_t t = c->now;
    c->now += c->step;
    return t;
}

static void test_db_device_hold_and_grouping(void **state)
{
    fixture *f = *state;
    int64_t t = T0;
    push(f, t, "ups", "device.reachable", 0, SEV_NONE);
    push(f, t, "ups", "battery.runtime", 300, SEV_CRITICAL);
    push(f, t + 5, "clim", "cooling.state", 1, SEV_WARNING);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE state = 'firing'"), 3);
    alerts_tick(f->d, f->cfg, 0, t + 10, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications"), 0); /* waiting for the group */
    alerts_tick(f->d, f->cfg, 0, t + 30, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE status = 'pending'"), 1); /* queued only */
    fake_clock ck = {t + 30, 0};
    alert_sender *snd = alert_sender_new(f->d, f->cfg, NULL, NULL, fake_now, &ck);
    assert_int_equal(alert_sender_run_once(snd), 1);
    alert_sender_free(snd);
    /* one message for the site, with the device and the cooling alerts, not the held metric */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE payload LIKE '%ups unreachable%'"
                              " AND payload LIKE '%cooling.state%' AND payload NOT LIKE '%battery.runtime%'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE metric = 'battery.runtime'"
                              " AND held = 'device unreachable' AND notified = 0"), 1);
    /* the delivery failed (closed port) and waits for its retry: never lost */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE status = 'retrying' AND attempts = 1"), 1);
    /* escalation timing: acknowledged alerts stop; the others would escalate (one contact: no) */
    assert_int_equal(alerts_ack(f->d, 1, "ops", "on it", t + 40, NULL), VG_OK);
    assert_int_equal(alerts_ack(f->d, 1, "ops", "again", t + 41, NULL), VG_E_NOT_FOUND);
    /* the device comes back: its alert resolves, a resolution is queued */
    push(f, t + 60, "ups", "device.reachable", 1, SEV_NONE);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE event = 'resolved'"), 1);
}

static void test_db_heartbeat_hold(void **state)
{
    fixture *f = *state;
    int64_t t = T0;
    push(f, t, "env", "env.temperature", 28, SEV_OK); /* the rule judges it: critical, for 120 s */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts"), 0);
    alerts_tick(f->d, f->cfg, 0, t + 119, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts"), 0);
    alerts_tick(f->d, f->cfg, 0, t + 120, NULL); /* `for` elapsed on the timer */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE metric = 'env.temperature'"
                              " AND severity = 'critical'"), 1);
    /* no push for 3 x 60 s: the site is unreachable, the metric alert waits behind it */
    alerts_tick(f->d, f->cfg, 0, t + 181, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'heartbeat' AND state = 'firing'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE metric = 'env.temperature'"
                              " AND held = 'site unreachable'"), 1);
    alerts_tick(f->d, f->cfg, 0, t + 211, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE subject LIKE '%unreachable%'"), 1);
    /* the agent is back: the heartbeat alert resolves, the hold is lifted */
    push(f, t + 240, "env", "env.temperature", 28, SEV_OK);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'heartbeat' AND state = 'resolved'"), 1);
    alerts_tick(f->d, f->cfg, 0, t + 241, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE metric = 'env.temperature' AND notified = 1"), 1);
}

static void test_db_flapping_and_silence(void **state)
{
    fixture *f = *state;
    int64_t t = T0;
    int64_t sid = 0;
    assert_int_equal(alerts_silence_add(f->d, "nro", "env", t, t + 3600, "works", "ops", t, &sid, NULL), VG_OK);
    assert_true(sid > 0);
    /* a silenced device: recorded, not notified */
    push(f, t, "env", "env.leak", 1, SEV_CRITICAL);
    alerts_tick(f->d, f->cfg, 0, t + 60, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE metric = 'env.leak' AND state = 'firing'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications"), 0);
    assert_int_equal(alerts_silence_delete(f->d, sid, NULL), VG_OK);
    /* a door contact going open/closed every 20 s: one flapping notice */
    for (int i = 0; i < 10; i++)
        push(f, t + 100 + 20 * i, "door", "env.door", i % 2, i % 2 ? SEV_OK : SEV_WARNING);
    alerts_tick(f->d, f->cfg, 0, t + 400, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'flapping' AND state = 'firing'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE metric = 'env.door' AND kind = 'metric'"
                              " AND notified = 1"), 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE payload LIKE '%flapping%'"), 1);
    /* quiet for a whole window: stable again */
    alerts_tick(f->d, f->cfg, 0, t + 100 + 180 + 600, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'flapping' AND state = 'resolved'"), 1);
}

static void test_db_site_down(void **state)
{
    fixture *f = *state;
    int64_t t = T0;
    push(f, t, "ups", "battery.charge", 100, SEV_OK); /* the site is known */
    assert_int_equal(db_event_add(f->d, "nro", "site", "nro", t + 10, "down", "power lost", t + 10, NULL), VG_OK);
    alerts_tick(f->d, f->cfg, 0, t + 20, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'site' AND severity = 'critical'"
                              " AND state = 'firing'"), 1);
    assert_int_equal(db_event_add(f->d, "nro", "site", "nro", t + 30, "up", "power back", t + 30, NULL), VG_OK);
    alerts_tick(f->d, f->cfg, 0, t + 40, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'site' AND state = 'resolved'"), 1);
    /* a server started at t + 100 judges heartbeats from then: no page on a restart */
    alerts_tick(f->d, f->cfg, t + 100, t + 250, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'heartbeat'"), 0);
    alerts_tick(f->d, f->cfg, t + 100, t + 281, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE kind = 'heartbeat'"), 1);
}

static void test_db_repeat(void **state)
{
    fixture *f = *state;
    int64_t t = T0;
    push(f, t, "ups", "battery.runtime", 300, SEV_CRITICAL);
    alerts_tick(f->d, f->cfg, 0, t + 30, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE event = 'firing'"), 1);
    /* critical: a reminder every 1800 s (the default) while firing and unacknowledged */
    alerts_tick(f->d, f->cfg, 0, t + 30 + 1799, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE event = 'repeat'"), 0);
    alerts_tick(f->d, f->cfg, 0, t + 30 + 1800, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE event = 'repeat'"), 1);
    assert_int_equal(alerts_ack(f->d, 1, "ops", "", t + 2000, NULL), VG_OK);
    alerts_tick(f->d, f->cfg, 0, t + 30 + 3600, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE event = 'repeat'"), 1);
    /* it clears: one resolution to the contact notified (the lost heartbeat of the long gap too) */
    push(f, t + 4000, "ups", "battery.runtime", 3000, SEV_OK);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM alerts WHERE state = 'resolved' AND metric = 'battery.runtime'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE event = 'resolved'"
                              " AND payload LIKE '%battery.runtime%'"), 1);
}

/* A site firing 50 alerts at once sends one message of bounded size: 20 alerts listed, then
 * "... and 30 more", in at most 4,000 bytes of text. */
static void test_db_group_bounded(void **state)
{
    fixture *f = *state;
    int64_t t = T0;
    for (int i = 0; i < 50; i++) {
        char dev[32];
        snprintf(dev, sizeof dev, "pdu-%02d", i);
        push(f, t, dev, "outlet.state", 0, SEV_WARNING);
    }
    alerts_tick(f->d, f->cfg, 0, t + 30, NULL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE event = 'firing'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE subject LIKE '%50 alerts%'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE body LIKE '%... and 30 more%'"), 1);
    assert_int_equal(count(f, "SELECT MAX(length(body)) <= 4000 FROM notifications"), 1);
    assert_int_equal(count(f, tu_db_pg() ? "SELECT json_array_length(CAST(payload AS json)->'alerts') FROM notifications"
                                      : "SELECT json_array_length(payload, '$.alerts') FROM notifications"), 20);
    assert_int_equal(count(f, tu_db_pg() ? "SELECT CAST(CAST(payload AS json)->>'more' AS BIGINT) FROM notifications"
                                      : "SELECT json_extract(payload, '$.more') FROM notifications"), 30);
    assert_int_equal(count(f, "SELECT length(payload) < 12000 FROM notifications"), 1);
}

/* A failed attempt is retried retry_delay (5 s here), doubled each time, after the attempt ended:
 * an attempt that takes 7 s (the fake clock moves while it runs) is retried at its end + 5 s, not at
 * its start + 5 s. */
static void test_db_retry_backoff(void **state)
{
    fixture *f = *state;
    int64_t t = T0;
    push(f, t, "ups", "battery.runtime", 300, SEV_CRITICAL);
    alerts_tick(f->d, f->cfg, 0, t + 30, NULL);
    fake_clock ck = {t + 30, 7}; /* read at t+30, the attempt ends at t+37 */
    alert_sender *snd = alert_sender_new(f->d, f->cfg, NULL, NULL, fake_now, &ck);
    assert_int_equal(alert_sender_run_once(snd), 1);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM notifications WHERE status = 'retrying' AND attempts = 1"
             " AND next_attempt = %lld", (long long)(t + 37 + 5));
    assert_int_equal(count(f, sql), 1);
    ck = (fake_clock){t + 41, 0};
    assert_int_equal(alert_sender_run_once(snd), 0); /* not due yet */
    ck = (fake_clock){t + 42, 3};                   /* due; this attempt takes 3 s */
    assert_int_equal(alert_sender_run_once(snd), 1);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM notifications WHERE status = 'retrying' AND attempts = 2"
             " AND next_attempt = %lld", (long long)(t + 45 + 10));
    assert_int_equal(count(f, sql), 1);
    alert_sender_free(snd);
}

/* The query string of a request: "k=v&k2=v2". */
static const char *query_arg(void *ctx, const char *name)
{
    static char val[200];
    const char *q = ctx;
    size_t n = strlen(name);
    for (const char *p = q; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            snprintf(val, sizeof val, "%.*s", (int)strcspn(p + n + 1, "&"), p + n + 1);
            return val;
        }
    return NULL;
}

static int call(fixture *f, const char *method, const char *path, const char *query, const char *token,
                const char *body, json_t **out)
{
    char auth[100];
    snprintf(auth, sizeof auth, "Bearer %s", token);
    api_ctx ctx = {.cfg = f->cfg, .db = f->d};
    api_request req = {.method = method, .path = path, .authorization = auth, .body = body,
                       .len = body ? strlen(body) : 0, .now = T0 + 100, .arg = query_arg,
                       .arg_ctx = (void *)(query ? query : "")};
    api_reply r = api_dispatch(&ctx, &req);
    if (out)
        *out = json_loads(r.body, 0, NULL);
    free(r.body);
    return r.status;
}

static void test_api(void **state)
{
    fixture *f = *state;
    push(f, T0, "ups", "battery.runtime", 300, SEV_CRITICAL);
    push(f, T0, "clim", "cooling.state", 1, SEV_WARNING);
    json_t *j;
    assert_int_equal(call(f, "GET", "/api/v1/alerts", "severity=critical", "alerts-read-token-01", NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "alerts")), 1);
    json_decref(j);
    assert_int_equal(call(f, "GET", "/api/v1/alerts", "state=bogus", "alerts-read-token-01", NULL, NULL), 400);
    assert_int_equal(call(f, "GET", "/api/v1/alerts", NULL, "nobody-token-000001", NULL, NULL), 401);
    /* acknowledging needs an admin token; who is the token's name */
    assert_int_equal(call(f, "POST", "/api/v1/alerts/1/ack", NULL, "alerts-read-token-01", "{}", NULL), 403);
    assert_int_equal(call(f, "POST", "/api/v1/alerts/1/ack", NULL, "alerts-admin-token-1", "{\"comment\":\"on it\"}",
                          &j), 200);
    assert_string_equal(json_string_value(json_object_get(j, "ack_by")), "ops");
    json_decref(j);
    assert_int_equal(call(f, "POST", "/api/v1/alerts/1/ack", NULL, "alerts-admin-token-1", "{}", NULL), 404);
    assert_int_equal(call(f, "POST", "/api/v1/alerts/99/ack", NULL, "alerts-admin-token-1", "{}", NULL), 404);
    assert_int_equal(call(f, "GET", "/api/v1/alerts", "state=acknowledged", "alerts-read-token-01", NULL, &j), 200);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "alerts"), 0),
                                                          "ack_comment")), "on it");
    json_decref(j);
    /* silences */
    assert_int_equal(call(f, "POST", "/api/v1/silences", NULL, "alerts-admin-token-1",
                          "{\"site\":\"nro\",\"duration\":\"2h\",\"reason\":\"works\"}", &j), 201);
    assert_int_equal(json_integer_value(json_object_get(j, "end")) - json_integer_value(json_object_get(j, "start")),
                     7200);
    json_decref(j);
    assert_int_equal(call(f, "POST", "/api/v1/silences", NULL, "alerts-admin-token-1",
                          "{\"site\":\"nro\",\"duration\":\"2x\",\"reason\":\"works\"}", NULL), 400);
    assert_int_equal(call(f, "GET", "/api/v1/silences", NULL, "alerts-read-token-01", NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "silences")), 1);
    json_decref(j);
    assert_int_equal(call(f, "DELETE", "/api/v1/silences/1", NULL, "alerts-admin-token-1", NULL, NULL), 200);
    assert_int_equal(call(f, "DELETE", "/api/v1/silences/1", NULL, "alerts-admin-token-1", NULL, NULL), 404);
    /* test notifications: queued for a known contact */
    assert_int_equal(call(f, "POST", "/api/v1/test-notify", NULL, "alerts-admin-token-1", "{\"contact\":\"noc\"}",
                          NULL), 202);
    assert_int_equal(call(f, "POST", "/api/v1/test-notify", NULL, "alerts-admin-token-1",
                          "{\"contact\":\"nobody\"}", NULL), 404);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM notifications WHERE event = 'test'"), 1);
}

static vg_code refusing_mail(void *ctx, const char *to, const char *subject, const char *body, vg_err *err)
{
    (void)ctx, (void)subject, (void)body;
    return vg_fail(err, VG_E_UNAVAILABLE, "550 no such user %s", to);
}

/* notify_send's errors: the reason stored for a retry is the message, the code says what kind. */
static void test_notify_errors(void **state)
{
    (void)state;
    notify_env env = {0};
    vg_err err;
    assert_int_equal(notify_send(&env, "pigeon", "x", "generic", "s", "t", NULL, &err), VG_E_INVALID);
    assert_string_equal(err.msg, "unknown channel 'pigeon'");
    assert_int_equal(notify_send(&env, "email", "boss@example.org", "generic", "s", "t", NULL, &err), VG_E_INVALID);
    assert_string_equal(err.msg, "smtp is not configured in server.yaml");
    assert_int_equal(notify_send(&env, "sms", "+33600000000", "generic", "s", "t", NULL, &err), VG_E_INVALID);
    env.mail = refusing_mail;
    assert_int_equal(notify_send(&env, "email", "boss@example.org", "generic", "s", "t", NULL, &err), VG_E_UNAVAILABLE);
    assert_string_equal(err.msg, "550 no such user boss@example.org");
    /* a webhook nobody listens on: a bound socket that does not accept */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", ntohs(a.sin_port));
    assert_int_equal(notify_send(&env, "webhook", url, "generic", "s", "t", "{}", &err), VG_E_UNAVAILABLE);
    assert_true(err.msg[0] != '\0');
    close(fd);
    assert_int_equal(notify_send(&env, "webhook", url, "generic", "s", "t", "{}", NULL), VG_E_UNAVAILABLE);
    /* smtp_send: not configured, no recipient, a mail server that is away */
    smtp_config smtp = {0};
    const char *to[] = {"boss@example.org", NULL};
    assert_int_equal(smtp_send(&smtp, to, "s", "t", NULL, 0, &err), VG_E_INVALID);
    assert_string_equal(err.msg, "no mail server: server.yaml has no smtp section");
    smtp.configured = true;
    snprintf(smtp.url, sizeof smtp.url, "smtp://127.0.0.1:%d", ntohs(a.sin_port));
    snprintf(smtp.from, sizeof smtp.from, "vigie@example.org");
    smtp.timeout = 5;
    assert_int_equal(smtp_send(&smtp, NULL, "s", "t", NULL, 0, &err), VG_E_INVALID);
    assert_int_equal(smtp_send(&smtp, to, "s", "t", NULL, 0, &err), VG_E_UNAVAILABLE);
    assert_non_null(strstr(err.msg, smtp.url));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hysteresis),   cmocka_unit_test(test_rule_match),  cmocka_unit_test(test_for_duration),
        cmocka_unit_test(test_flapping),     cmocka_unit_test(test_dependencies), cmocka_unit_test(test_grouping),
        cmocka_unit_test(test_escalation),   cmocka_unit_test(test_config),
        cmocka_unit_test_setup_teardown(test_db_device_hold_and_grouping, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_db_heartbeat_hold, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_db_flapping_and_silence, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_db_site_down, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_db_repeat, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_db_group_bounded, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_db_retry_backoff, db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_api, db_setup, db_teardown),
        cmocka_unit_test(test_notify_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

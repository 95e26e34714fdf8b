/* On-call rotations (alerting/oncall.h) with a faked clock: every function takes its instant. The UTC
 * instants are computed by hand from Europe/Paris's rules: CET (+1) until 2026-03-29 01:00 UTC, CEST
 * (+2) until 2026-10-25 01:00 UTC, CET again after. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerting/alert_config.h"
#include "alerting/oncall.h"
#include "store/db.h"
#include "store/db_oncall.h"
#include "test_db.h"
#include "test_util.h"

#define H 3600
#define D 86400
/* Monday 2026-03-23 09:00 CET */
#define MAR23_0900 1774252800LL
/* Monday 2026-03-30 09:00 CEST: one hour less than a week after */
#define MAR30_0900 1774854000LL
/* Monday 2026-10-19 09:00 CEST, Monday 2026-10-26 09:00 CET: one hour more than a week */
#define OCT19_0900 1792393200LL
#define OCT26_0900 1793001600LL

static const char *const CFG =
    "alerting:\n"
    "  contacts:\n"
    "    - {name: noc, webhook: 'http://127.0.0.1:9/noc'}\n"
    "    - {name: a-hook, webhook: 'http://127.0.0.1:9/alice'}\n"
    "    - {name: b-hook, webhook: 'http://127.0.0.1:9/bob'}\n"
    "    - {name: c-hook, webhook: 'http://127.0.0.1:9/carol'}\n"
    "    - {name: c-hook2, webhook: 'http://127.0.0.1:9/carol2'}\n"
    "  oncall:\n"
    "    timezone: Europe/Paris\n"
    "    people:\n"
    "      - {name: alice, contacts: [a-hook]}\n"
    "      - {name: bob, contacts: [b-hook]}\n"
    "      - {name: carol, contacts: [c-hook, c-hook2]}\n"
    "    rotations:\n"
    "      - {name: primary, people: [alice, bob, carol], every: 7d, start: 2026-03-23, handover: Monday 09:00}\n"
    "      - {name: secondary, people: [carol, alice, bob], every: 1w, start: 2026-03-25, handover: 'lundi 09:00'}\n"
    "      - {name: nights, people: [alice, bob], every: 1, start: 2026-03-28, handover: '02:30'}\n"
    "      - {name: autumn, people: [alice, bob], every: 1, start: 2026-10-24, handover: '02:30'}\n"
    "      - {name: threes, people: [alice, bob], every: 3d, start: 2026-10-24, handover: '08:00'}\n"
    "  chain: [primary, secondary, noc]\n";

/* Reads text as server.yaml's alerting section: VG_OK, or the error in err. */
static vg_code load(const char *text, alerting_config *a, vg_err *err)
{
    conf_doc *d = conf_doc_load_string("server.yaml", text, strlen(text), err);
    if (!d)
        return err->code;
    vg_code rc = alerting_config_read(d, conf_map_get(d, conf_doc_root(d), "alerting"), a, err);
    conf_doc_free(d);
    return rc;
}

static int setup(void **state)
{
    alerting_config *a = calloc(1, sizeof *a);
    vg_err err;
    if (load(CFG, a, &err) != VG_OK)
        fail_msg("%s", err.msg);
    *state = a;
    return 0;
}

static int teardown(void **state)
{
    alerting_config_free(*state);
    free(*state);
    return 0;
}

static const oncall_rotation *rot(void **state, const char *name)
{
    const alerting_config *a = *state;
    const oncall_rotation *r = oncall_rotation_find(a->oncall, name);
    assert_non_null(r);
    return r;
}

/* who is on call, by name ("" for nobody) */
static const char *who(void **state, const char *name, const db_oncall_override *ov, size_t nov, int64_t t)
{
    const alerting_config *a = *state;
    int p = oncall_who(a->oncall, rot(state, name), ov, nov, t, NULL);
    return p < 0 ? "" : a->oncall->people[p].name;
}

static void test_weekly_across_spring_change(void **state)
{
    const oncall_rotation *r = rot(state, "primary");
    assert_int_equal(oncall_shift_start(r, 0), MAR23_0900);
    /* 09:00 local both Mondays: 08:00 UTC, then 07:00 UTC after the clocks went forward */
    assert_int_equal(oncall_shift_start(r, 1), MAR30_0900);
    assert_int_equal(oncall_shift_start(r, 1) - oncall_shift_start(r, 0), 7 * D - H);
    assert_string_equal(who(state, "primary", NULL, 0, MAR23_0900 - 1), "");
    assert_string_equal(who(state, "primary", NULL, 0, MAR23_0900), "alice");
    assert_string_equal(who(state, "primary", NULL, 0, MAR30_0900 - 1), "alice");
    assert_string_equal(who(state, "primary", NULL, 0, MAR30_0900), "bob");
    /* 2026-04-06 09:00 CEST = 07:00 UTC: carol; three weeks on, alice again */
    assert_string_equal(who(state, "primary", NULL, 0, 1775458800LL - 1), "bob");
    assert_string_equal(who(state, "primary", NULL, 0, 1775458800LL), "carol");
    assert_string_equal(who(state, "primary", NULL, 0, 1775458800LL + 7 * D), "alice");
}

static void test_weekly_across_autumn_change(void **state)
{
    const oncall_rotation *r = rot(state, "primary");
    /* 2026-10-19 is 30 weeks after 2026-03-23: shift 30, 30 % 3 = 0, alice */
    assert_int_equal(oncall_shift_start(r, 30), OCT19_0900);
    assert_int_equal(oncall_shift_start(r, 31), OCT26_0900);
    assert_int_equal(OCT26_0900 - OCT19_0900, 7 * D + H);
    assert_int_equal(oncall_shift_at(r, OCT26_0900 - 1), 30);
    assert_int_equal(oncall_shift_at(r, OCT26_0900), 31);
    assert_string_equal(who(state, "primary", NULL, 0, OCT26_0900 - 1), "alice");
    /* an hour after the handover's old UTC time (07:00 UTC) it is still alice's shift */
    assert_string_equal(who(state, "primary", NULL, 0, OCT26_0900 - H), "alice");
    assert_string_equal(who(state, "primary", NULL, 0, OCT26_0900), "bob");
}

/* A weekday in handover moves the first handover to that day: 2026-03-25 is a Wednesday. */
static void test_weekday_aligns_start(void **state)
{
    const oncall_rotation *r = rot(state, "secondary");
    assert_int_equal(r->day, 30);
    assert_int_equal(oncall_shift_start(r, 0), MAR30_0900);
    assert_string_equal(who(state, "secondary", NULL, 0, MAR30_0900), "carol");
}

/* A handover at 02:30 on the days the clocks change: skipped (read as 03:30 CEST, 01:30 UTC), then
 * repeated (its first reading, 02:30 CEST = 00:30 UTC). */
static void test_handover_in_the_changes(void **state)
{
    const oncall_rotation *n = rot(state, "nights");
    assert_int_equal(oncall_shift_start(n, 0), 1774661400LL); /* 03-28 02:30 CET = 01:30 UTC */
    assert_int_equal(oncall_shift_start(n, 1), 1774747800LL); /* 03-29 02:30 skipped: 01:30 UTC */
    assert_int_equal(oncall_shift_start(n, 2), 1774830600LL); /* 03-30 02:30 CEST = 00:30 UTC */
    assert_string_equal(who(state, "nights", NULL, 0, 1774830600LL - 1), "bob");
    assert_string_equal(who(state, "nights", NULL, 0, 1774830600LL), "alice");
    const oncall_rotation *au = rot(state, "autumn");
    assert_int_equal(oncall_shift_start(au, 0), 1792801800LL); /* 10-24 02:30 CEST = 00:30 UTC */
    assert_int_equal(oncall_shift_start(au, 1), 1792888200LL); /* 10-25 02:30, first reading: 00:30 UTC */
    assert_int_equal(oncall_shift_start(au, 2), 1792978200LL); /* 10-26 02:30 CET = 01:30 UTC */
    assert_int_equal(oncall_shift_at(au, 1792978200LL - 1), 1);
}

/* every: 3d, across the autumn change: 08:00 local is 06:00 UTC, then 07:00 UTC. */
static void test_n_day_rotation(void **state)
{
    const oncall_rotation *r = rot(state, "threes");
    assert_int_equal(oncall_shift_start(r, 0), 1792821600LL);
    assert_int_equal(oncall_shift_start(r, 1), 1793084400LL);
    assert_int_equal(oncall_shift_start(r, 2), 1793343600LL);
    assert_string_equal(who(state, "threes", NULL, 0, 1793084400LL - 1), "alice");
    assert_string_equal(who(state, "threes", NULL, 0, 1793084400LL), "bob");
    assert_string_equal(who(state, "threes", NULL, 0, 1793343600LL), "alice");
    assert_int_equal(oncall_shift_at(r, 1792821600LL + 1000 * D), 333); /* 1000 days: shift 333 */
    /* the API's last instant (9999-12-31T23:59:59Z) and 8 weeks past it: a shift, in bounded time */
    long k = oncall_shift_at(r, 253402300799LL + 56 * D);
    assert_true(k > 0 && oncall_shift_start(r, k) <= 253402300799LL + 56 * D);
}

static db_oncall_override ovr(int64_t id, const char *rotation, const char *p, int64_t start, int64_t end,
                              int64_t created)
{
    db_oncall_override o = {.id = id, .start = start, .end = end, .created = created};
    snprintf(o.rotation, sizeof o.rotation, "%s", rotation);
    snprintf(o.who, sizeof o.who, "%s", p);
    return o;
}

static void test_override(void **state)
{
    /* carol stands in for alice on Tuesday 2026-03-24 from 10:00 to 18:00 CET (09:00-17:00 UTC) */
    int64_t t0 = MAR23_0900 + D + H, t1 = t0 + 8 * H;
    db_oncall_override ov[] = {ovr(1, "primary", "carol", t0, t1, 100), ovr(2, "secondary", "bob", t0, t1, 200)};
    assert_string_equal(who(state, "primary", ov, 2, t0 - 1), "alice");
    assert_string_equal(who(state, "primary", ov, 2, t0), "carol");
    assert_string_equal(who(state, "primary", ov, 2, t1 - 1), "carol");
    assert_string_equal(who(state, "primary", ov, 2, t1), "alice");
    /* an override of a person no longer declared is ignored */
    db_oncall_override gone = ovr(3, "primary", "dave", t0, t1, 300);
    assert_string_equal(who(state, "primary", &gone, 1, t0), "alice");
    /* and it may start before the rotation does */
    db_oncall_override early = ovr(4, "primary", "bob", MAR23_0900 - D, MAR23_0900 + H, 300);
    assert_string_equal(who(state, "primary", &early, 1, MAR23_0900 - H), "bob");
    assert_string_equal(who(state, "primary", &early, 1, MAR23_0900 + H), "alice");
}

/* Overlapping overrides: the latest created wins while it lasts, then the older one applies again. */
static void test_overlapping_overrides(void **state)
{
    const alerting_config *a = *state;
    int64_t t0 = MAR23_0900 + D;
    db_oncall_override ov[] = {ovr(7, "primary", "bob", t0, t0 + 3 * D, 500),
                               ovr(5, "primary", "carol", t0 + D, t0 + 2 * D, 900)};
    assert_string_equal(who(state, "primary", ov, 2, t0 + D - 1), "bob");
    assert_string_equal(who(state, "primary", ov, 2, t0 + D), "carol");
    assert_string_equal(who(state, "primary", ov, 2, t0 + 2 * D), "bob");
    assert_string_equal(who(state, "primary", ov, 2, t0 + 3 * D), "alice");
    /* the same creation time: the higher id, added later, wins */
    ov[1].created = 500;
    assert_string_equal(who(state, "primary", ov, 2, t0 + D), "bob");
    ov[1].created = 900;
    /* the schedule over Monday to Monday: alice, bob, carol, bob, alice, then bob's own shift */
    oncall_segment *s;
    size_t n;
    assert_int_equal(oncall_schedule(a->oncall, rot(state, "primary"), ov, 2, MAR23_0900, MAR30_0900 + D, &s, &n, NULL),
                     VG_OK);
    assert_int_equal(n, 6);
    const char *names[] = {"alice", "bob", "carol", "bob", "alice", "bob"};
    int64_t starts[] = {MAR23_0900, t0, t0 + D, t0 + 2 * D, t0 + 3 * D, MAR30_0900};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(a->oncall->people[s[i].person].name, names[i]);
        assert_int_equal(s[i].start, starts[i]);
        assert_int_equal(s[i].end, i + 1 < n ? starts[i + 1] : MAR30_0900 + D);
    }
    assert_int_equal(s[1].override_id, 7);
    assert_int_equal(s[2].override_id, 5);
    assert_int_equal(s[4].override_id, 0);
    free(s);
}

/* Escalation: level 1 is primary's person on call, level 2 secondary's, level 3 the fixed contact. */
static void test_escalation_levels(void **state)
{
    const alerting_config *a = *state;
    int c[ONCALL_PERSON_CONTACTS];
    char p[NAME_MAX_LEN + 1];
    int64_t t = MAR30_0900 + H; /* primary: bob; secondary: carol (its first week) */
    assert_int_equal(oncall_level_contacts(a, 0, NULL, 0, t, c, 4, p, sizeof p), 1);
    assert_string_equal(a->contacts[c[0]].name, "b-hook");
    assert_string_equal(p, "bob");
    assert_int_equal(oncall_level_contacts(a, 1, NULL, 0, t, c, 4, p, sizeof p), 2);
    assert_string_equal(a->contacts[c[0]].name, "c-hook");
    assert_string_equal(a->contacts[c[1]].name, "c-hook2");
    assert_string_equal(p, "carol");
    assert_int_equal(oncall_level_contacts(a, 2, NULL, 0, t, c, 4, p, sizeof p), 1);
    assert_string_equal(a->contacts[c[0]].name, "noc");
    assert_string_equal(p, "");
    assert_string_equal(oncall_level_name(a, 1), "secondary");
    assert_string_equal(oncall_level_name(a, 2), "noc");
    /* an override on secondary redirects level 2 only; a week later the rotations have moved on */
    db_oncall_override ov = ovr(1, "secondary", "alice", t - H, t + H, 1);
    assert_int_equal(oncall_level_contacts(a, 1, &ov, 1, t, c, 4, p, sizeof p), 1);
    assert_string_equal(a->contacts[c[0]].name, "a-hook");
    assert_int_equal(oncall_level_contacts(a, 0, &ov, 1, t, c, 4, p, sizeof p), 1);
    assert_string_equal(a->contacts[c[0]].name, "b-hook");
    assert_int_equal(oncall_level_contacts(a, 0, NULL, 0, t + 7 * D, c, 4, p, sizeof p), 2);
    assert_string_equal(p, "carol");
    assert_int_equal(oncall_level_contacts(a, 1, NULL, 0, t + 7 * D, c, 4, p, sizeof p), 1);
    assert_string_equal(p, "alice");
    /* before a rotation starts, its level reaches nobody */
    assert_int_equal(oncall_level_contacts(a, 1, NULL, 0, MAR23_0900, c, 4, p, sizeof p), 0);
}

/* The iCalendar export: one VEVENT per stretch, in UTC, read back by libical. */
static void test_ics(void **state)
{
    const alerting_config *a = *state;
    db_oncall_override ov = ovr(9, "primary", "carol", MAR23_0900 + D, MAR23_0900 + 2 * D, 1);
    char *text = oncall_ics(a->oncall, rot(state, "primary"), &ov, 1, MAR23_0900, MAR23_0900 + 14 * D, MAR23_0900);
    assert_non_null(text);
    icalcomponent *cal = icalparser_parse_string(text);
    assert_non_null(cal);
    int n = 0;
    const char *summaries[] = {"primary: alice", "primary: carol (override)", "primary: alice", "primary: bob",
                               "primary: carol"};
    int64_t starts[] = {MAR23_0900, MAR23_0900 + D, MAR23_0900 + 2 * D, MAR30_0900, MAR30_0900 + 7 * D};
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT), n++) {
        assert_true(n < 5);
        assert_string_equal(icalcomponent_get_summary(ev), summaries[n]);
        assert_int_equal(icaltime_as_timet(icalcomponent_get_dtstart(ev)), starts[n]);
    }
    assert_int_equal(n, 5);
    icalcomponent_free(cal);
    free(text);
}

static void expect_bad(const char *yaml, const char *where)
{
    alerting_config a;
    vg_err err;
    vg_code rc = load(yaml, &a, &err);
    alerting_config_free(&a);
    if (rc == VG_OK)
        fail_msg("accepted: %s", yaml);
    if (!strstr(err.msg, where))
        fail_msg("'%s' does not say '%s'", err.msg, where);
}

#define HEAD "alerting:\n  contacts: [{name: noc, webhook: 'http://127.0.0.1:9/'}]\n  oncall:\n"
#define PEOPLE "    people: [{name: al, contacts: [noc]}]\n"
static void test_bad_config(void **state)
{
    (void)state;
    expect_bad(HEAD "    people: [{name: al, contacts: [nobody]}]\n    rotations: [{name: r, people: [al], start: 2026-01-05}]\n",
               "server.yaml:4:36: key 'contacts': no contact 'nobody'");
    expect_bad(HEAD PEOPLE "    rotations: [{name: r, people: [bo], start: 2026-01-05}]\n",
               "server.yaml:5:36: key 'people': no person 'bo'");
    expect_bad(HEAD PEOPLE "    rotations: [{name: r, people: [al], start: 2026-02-30}]\n", "key 'start'");
    expect_bad(HEAD PEOPLE "    rotations: [{name: r, people: [al], start: 2026-01-05, every: 0d}]\n", "key 'every'");
    expect_bad(HEAD PEOPLE "    rotations: [{name: r, people: [al], start: 2026-01-05, every: 3d, handover: Monday 09:00}]\n",
               "key 'handover': names a weekday");
    expect_bad(HEAD PEOPLE "    rotations: [{name: r, people: [al], start: 2026-01-05, handover: Mondy 09:00}]\n",
               "server.yaml:5:70: key 'handover'");
    expect_bad(HEAD PEOPLE "    rotations: [{name: r, people: [al], start: 2026-01-05, handover: '25:00'}]\n", "key 'handover'");
    expect_bad(HEAD PEOPLE "    rotations: [{name: r, people: [al], start: 2026-01-05, timezone: Mars/Olympus}]\n",
               "key 'timezone': 'Mars/Olympus' is not a known time zone");
    expect_bad(HEAD PEOPLE "    rotations: [{name: noc, people: [al], start: 2026-01-05}]\n", "key 'name': 'noc' is a contact's");
    expect_bad(HEAD PEOPLE "    rotations: [{name: r, people: [al], start: 2026-01-05, colour: red}]\n", "colour");
    expect_bad(HEAD PEOPLE "    rotations: [{name: r, people: [al], start: 2026-01-05}]\n  chain: [r, nope]\n",
               "server.yaml:6:14: key 'chain': no contact 'nope'");
}

/* Overrides in the database (schema version 10): added, listed by overlap, deleted, ids not reused. */
static void test_store(void **state)
{
    (void)state;
    char *dir = tu_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/vigie.db", dir);
    db *d;
    vg_err err;
    if (db_open(tu_db(path), &d, &err) != VG_OK)
        fail_msg("%s", err.msg);
    db_oncall_override o = ovr(0, "primary", "bob", 1000, 2000, 10), *v;
    snprintf(o.reason, sizeof o.reason, "swap");
    snprintf(o.created_by, sizeof o.created_by, "ops");
    int64_t id1, id2;
    assert_int_equal(db_oncall_override_add(d, &o, &id1, &err), VG_OK);
    o.start = 3000, o.end = 4000;
    assert_int_equal(db_oncall_override_add(d, &o, &id2, &err), VG_OK);
    size_t n;
    assert_int_equal(db_oncall_overrides(d, "primary", 1999, 3001, &v, &n, &err), VG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].reason, "swap");
    assert_int_equal(v[1].start, 3000);
    free(v);
    assert_int_equal(db_oncall_overrides(d, "primary", 2000, 3000, &v, &n, &err), VG_OK);
    assert_int_equal(n, 0); /* [start, end): neither touches [2000, 3000) */
    assert_int_equal(db_oncall_overrides(d, "secondary", 0, 5000, &v, &n, &err), VG_OK);
    assert_int_equal(n, 0);
    db_oncall_override gone;
    assert_int_equal(db_oncall_override_delete(d, id2, &gone, &err), VG_OK);
    assert_int_equal(gone.start, 3000);
    assert_int_equal(db_oncall_override_delete(d, id2, NULL, &err), VG_E_NOT_FOUND);
    int64_t id3;
    assert_int_equal(db_oncall_override_add(d, &o, &id3, &err), VG_OK);
    assert_true(id3 > id2);
    db_close(d);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_weekly_across_spring_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weekly_across_autumn_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weekday_aligns_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handover_in_the_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_n_day_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlapping_overrides, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escalation_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ics, setup, teardown),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

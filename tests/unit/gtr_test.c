/* The GTR arithmetic against hand-computed figures: business hours across a weekend and a public
 * holiday, a restoration exactly at the limit and one second after it, the DST change, an outage
 * that begins on a Saturday, split hours, the monthly cap, Easter.
 *
 * Every instant is written as its Unix time with the local time it stands for (Europe/Paris: CET is
 * UTC+1, CEST is UTC+2 from 2026-03-29 01:00 UTC to 2026-10-25 01:00 UTC). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "contract/contract.h"

#define FRI_0605_1400 1780660800 /* Friday 2026-06-05 14:00 CEST */
#define FRI_0605_1600 1780668000 /* Friday 2026-06-05 16:00 CEST */
#define FRI_0605_1830 1780677000
#define SAT_0606_1000 1780732800
#define MON_0608_0000 1780869600
#define MON_0608_0800 1780898400
#define MON_0608_1000 1780905600
#define MON_0608_1100 1780909200
#define MON_0608_1200 1780912800
#define MON_0608_1500 1780923600
#define TUE_0609_0000 1780956000
#define WED_0513_1600 1778680800 /* the day before Ascension (Thursday 2026-05-14) */
#define FRI_0515_1000 1778832000

static const char yaml[] =
    "calendars:\n"
    "  business:\n"
    "    timezone: Europe/Paris\n"
    "    hours: {mon: \"08:00-18:00\", tue: \"08:00-18:00\", wed: \"08:00-18:00\", thu: \"08:00-18:00\",\n"
    "            fri: \"08:00-18:00\"}\n"
    "    holidays: [fr, \"2026-12-24\"]\n"
    "  split:\n"
    "    timezone: Europe/Paris\n"
    "    hours: {mon: \"14:00-18:00 08:00-12:00\"}\n"
    "  allday:\n"
    "    timezone: Europe/Paris\n"
    "contracts:\n"
    "  standard:\n"
    "    fr: \"Sites publics — standard\"\n"
    "    en: \"Public sites — standard\"\n"
    "    target: 99.5\n"
    "    gtr: 4h\n"
    "    calendar: business\n"
    "    penalty_per_hour: 150\n"
    "    penalty_cap: 500\n"
    "  always: {target: 99.9, gtr: 4h, penalty_per_hour: 100}\n"
    "  allday: {target: 99.9, gtr: 4h, calendar: allday}\n";

static struct contract_set *set;

static int setup(void **state)
{
    (void)state;
    vg_err err;
    conf_doc *doc = conf_doc_load_string("server.yaml", yaml, sizeof yaml - 1, &err);
    if (!doc)
        fail_msg("%s", err.msg);
    set = contract_set_new();
    if (!set || contract_set_read(set, doc, conf_doc_root(doc), &err) != VG_OK)
        fail_msg("%s", err.msg);
    conf_doc_free(doc);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    contract_set_free(set);
    return 0;
}

static const contract_calendar *cal(const char *name)
{
    const contract_calendar *c = contract_calendar_find(set, name);
    assert_non_null(c);
    return c;
}

static void test_easter(void **state)
{
    (void)state;
    static const int want[][3] = {{2024, 3, 31}, {2025, 4, 20}, {2026, 4, 5}, {2027, 3, 28},
                                  {2038, 4, 25}, {2285, 3, 22}, {1818, 3, 22}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int m, d;
        contract_easter(want[i][0], &m, &d);
        assert_int_equal(m, want[i][1]);
        assert_int_equal(d, want[i][2]);
    }
}

static void test_holidays(void **state)
{
    (void)state;
    const contract_calendar *b = cal("business");
    assert_true(contract_calendar_is_holiday(b, 2026, 4, 6));   /* Easter Monday */
    assert_true(contract_calendar_is_holiday(b, 2026, 5, 14));  /* Ascension: Easter + 39 */
    assert_true(contract_calendar_is_holiday(b, 2026, 5, 25));  /* Whit Monday: Easter + 50 */
    assert_true(contract_calendar_is_holiday(b, 2026, 5, 8));
    assert_true(contract_calendar_is_holiday(b, 2026, 7, 14));
    assert_true(contract_calendar_is_holiday(b, 2026, 11, 11));
    assert_true(contract_calendar_is_holiday(b, 2026, 12, 24)); /* explicit */
    assert_true(contract_calendar_is_holiday(b, 2025, 5, 29));  /* Ascension 2025 */
    assert_false(contract_calendar_is_holiday(b, 2026, 5, 13));
    assert_false(contract_calendar_is_holiday(b, 2026, 4, 5));  /* Easter Sunday is not in the list */
    assert_false(contract_calendar_is_holiday(b, 2027, 12, 24)); /* explicit dates are of one year */
    assert_false(contract_calendar_is_holiday(cal("split"), 2026, 5, 14)); /* no holidays declared */
}

static void test_weekend(void **state)
{
    (void)state;
    const contract_calendar *b = cal("business");
    /* Friday 16:00 + 4 h: 2 h on Friday (to 18:00), 2 h on Monday from 08:00 */
    assert_int_equal(contract_calendar_deadline(b, FRI_0605_1600, 4 * 3600), MON_0608_1000);
    assert_int_equal(contract_calendar_counted(b, FRI_0605_1600, MON_0608_1000), 4 * 3600);
    assert_int_equal(contract_calendar_counted(b, FRI_0605_1600, MON_0608_0800), 2 * 3600);
    assert_int_equal(contract_calendar_counted(b, MON_0608_1000, FRI_0605_1600), 0);
    /* a GTR that runs out at closing time is due at the next opening */
    assert_int_equal(contract_calendar_deadline(b, FRI_0605_1400, 4 * 3600), MON_0608_0800);
}

static void test_holiday(void **state)
{
    (void)state;
    /* Wednesday 16:00 + 4 h: 2 h on Wednesday, Thursday is Ascension, 2 h on Friday from 08:00 */
    assert_int_equal(contract_calendar_deadline(cal("business"), WED_0513_1600, 4 * 3600), FRI_0515_1000);
    assert_int_equal(contract_calendar_counted(cal("business"), WED_0513_1600, FRI_0515_1000), 4 * 3600);
}

static void test_saturday(void **state)
{
    (void)state;
    const contract_calendar *b = cal("business");
    /* the clock starts on Monday at 08:00 */
    assert_int_equal(contract_calendar_deadline(b, SAT_0606_1000, 0), MON_0608_0800);
    assert_int_equal(contract_calendar_deadline(b, SAT_0606_1000, 4 * 3600), MON_0608_1200);
    assert_int_equal(contract_calendar_counted(b, SAT_0606_1000, MON_0608_0800), 0);
}

static void test_split_hours(void **state)
{
    (void)state;
    const contract_calendar *s = cal("split");
    /* Monday 11:00 + 2 h: 1 h to noon, 1 h from 14:00 */
    assert_int_equal(contract_calendar_deadline(s, MON_0608_1100, 2 * 3600), MON_0608_1500);
    assert_int_equal(contract_calendar_counted(s, MON_0608_0000, TUE_0609_0000), 8 * 3600);
}

/* The contract "standard": 150 euros per started hour past the GTR, capped at 500 a site a month. */
static contract_incident judged(const char *contract, int64_t start, int64_t restored, int64_t end)
{
    contract_incident in;
    memset(&in, 0, sizeof in);
    in.start = start;
    in.restored = restored;
    const contract_class *c = contract_find(set, contract);
    assert_non_null(c);
    contract_incident_judge(c, &in, end);
    return in;
}

static void test_limit(void **state)
{
    (void)state;
    contract_incident in = judged("standard", FRI_0605_1600, MON_0608_1000, 0);
    assert_int_equal(in.gtr_deadline, MON_0608_1000);
    assert_false(in.breach); /* restored exactly at the deadline */
    assert_int_equal(in.overrun, 0);
    assert_true(in.penalty == 0);
    assert_int_equal(in.duration, MON_0608_1000 - FRI_0605_1600); /* 66 h of wall-clock time */
    in = judged("standard", FRI_0605_1600, MON_0608_1000 + 1, 0);
    assert_true(in.breach); /* one second later: one started hour */
    assert_int_equal(in.overrun, 1);
    assert_true(in.penalty == 150);
    in = judged("standard", FRI_0605_1600, MON_0608_1100, 0);
    assert_int_equal(in.overrun, 3600);
    assert_true(in.penalty == 150);
    in = judged("standard", FRI_0605_1600, MON_0608_1100 + 1, 0);
    assert_true(in.penalty == 300);
    /* restored on Friday evening, after closing: the clock had stopped at 18:00 */
    in = judged("standard", FRI_0605_1600, FRI_0605_1830, 0);
    assert_false(in.breach);
    /* ongoing, measured to Monday noon: 2 h over */
    in = judged("standard", FRI_0605_1600, 0, MON_0608_1200);
    assert_true(in.breach);
    assert_int_equal(in.overrun, 7200);
    assert_int_equal(in.duration, MON_0608_1200 - FRI_0605_1600);
    assert_true(in.penalty == 300);
}

static void test_dst(void **state)
{
    (void)state;
    /* 2026-03-29 01:30 CET (00:30 UTC) + 4 h of real time: 04:30 UTC, 06:30 CEST on the wall */
    const int64_t t = 1774744200, due = 1774758600;
    assert_int_equal(contract_calendar_deadline(cal(CONTRACT_24X7), t, 4 * 3600), due);
    assert_int_equal(contract_calendar_deadline(cal("allday"), t, 4 * 3600), due);
    assert_int_equal(contract_calendar_counted(cal("allday"), t, due), 4 * 3600);
    /* a whole local day: 23 h in March, 25 h in October */
    assert_int_equal(contract_calendar_counted(cal("allday"), 1774738800, 1774821600), 82800);
    assert_int_equal(contract_calendar_counted(cal("allday"), 1792879200, 1792969200), 90000);
    contract_incident in = judged("always", t, due + 3601, 0);
    assert_int_equal(in.overrun, 3601);
    assert_true(in.penalty == 200);
}

static void test_cap(void **state)
{
    (void)state;
    const contract_class *std = contract_find(set, "standard"), *always = contract_find(set, "always");
    contract_incident in[3];
    memset(in, 0, sizeof in);
    in[0].penalty = 300;
    in[1].penalty = 300;
    in[2].penalty = 150;
    assert_true(contract_incidents_cap(std, in, 3));
    assert_true(in[0].penalty == 300);
    assert_true(in[1].penalty == 200); /* crosses the cap of 500: keeps the rest */
    assert_true(in[2].penalty == 0);
    in[0].penalty = in[1].penalty = 300;
    in[2].penalty = 150;
    assert_false(contract_incidents_cap(always, in, 3)); /* no cap */
    assert_true(in[2].penalty == 150);
    assert_true(contract_penalty_cap(always) < 0);
    assert_true(contract_penalty_cap(std) == 500);
}

static void test_accessors(void **state)
{
    (void)state;
    const contract_class *c = contract_find(set, "standard");
    assert_int_equal(contract_set_count(set), 3);
    assert_ptr_equal(contract_set_at(set, 0), c);
    assert_null(contract_find(set, "gold"));
    assert_string_equal(contract_label(c, "en"), "Public sites — standard");
    assert_string_equal(contract_label(c, "fr"), "Sites publics — standard");
    assert_string_equal(contract_label(contract_find(set, "always"), "fr"), "always");
    assert_true(contract_target(c) == 99.5);
    assert_int_equal(contract_gtr(c), 14400);
    assert_string_equal(contract_calendar_name(contract_calendar_of(c)), "business");
    assert_string_equal(contract_calendar_name(contract_calendar_of(contract_find(set, "always"))), "24x7");
    assert_true(contract_calendar_is_24x7(cal("24x7")));
}

static void test_parsers(void **state)
{
    (void)state;
    assert_int_equal(contract_duration_parse("30m"), 1800);
    assert_int_equal(contract_duration_parse("4h"), 14400);
    assert_int_equal(contract_duration_parse("1d"), 86400);
    assert_int_equal(contract_duration_parse("90s"), 90);
    assert_int_equal(contract_duration_parse("2h30m"), 9000);
    static const char *const bad[] = {"", "4", "h", "0h", "367d", "4x", "-4h", "4h ", "99999999999999999999s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(contract_duration_parse(bad[i]), -1);
    int y, m;
    assert_int_equal(contract_month_parse("2026-05", &y, &m), 0);
    assert_int_equal(y * 100 + m, 202605);
    assert_int_equal(contract_month_parse("2026-13", &y, &m), -1);
    assert_int_equal(contract_month_parse("2026-5", &y, &m), -1);
    assert_int_equal(contract_month_parse("2026-05x", &y, &m), -1);
    assert_true(contract_penalty(0, 150) == 0);
    assert_true(contract_penalty(7201, 150) == 450);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_easter),   cmocka_unit_test(test_holidays),    cmocka_unit_test(test_weekend),
        cmocka_unit_test(test_holiday),  cmocka_unit_test(test_saturday),    cmocka_unit_test(test_split_hours),
        cmocka_unit_test(test_limit),    cmocka_unit_test(test_dst),         cmocka_unit_test(test_cap),
        cmocka_unit_test(test_accessors), cmocka_unit_test(test_parsers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* sla/recurrence: an RRULE subset expanded with libical in a site's zone. Every expected instant is
 * computed by hand from 2026-01-01T00:00Z = 1767225600 (56 years of 365 days and 14 leap days), the
 * day of the year and the UTC offset of Paris: +1 h until the last Sunday of March (29 March 2026,
 * 01:00Z), +2 h until the last Sunday of October (25 October 2026, 01:00Z). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sla/recurrence.h"

#define T2026 1767225600LL
#define DAY 86400LL
#define H 3600LL
/* day (0-based day of 2026) at hh:mm UTC */
#define AT(day, hh, mm) (T2026 + (day) * DAY + (hh) * H + (mm) * 60LL)
#define PARIS "Europe/Paris"

static size_t expand(const char *rule, int64_t start, int64_t end, int64_t from, int64_t to, int64_t *out, size_t max,
                     bool *more)
{
    int64_t *s;
    size_t n;
    bool m;
    vg_err err;
    if (recur_expand(rule, PARIS, start, end, from, to, &s, &n, &m, &err) != VG_OK)
        fail_msg("%s: %s", rule, err.msg);
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = s[i];
    free(s);
    if (more)
        *more = m;
    return n;
}

/* The generator test: the first Tuesday of every month, 09:00-10:00 in Paris, through 2026. */
static void test_first_tuesday_2026(void **state)
{
    (void)state;
    /* Jan 6, Feb 3, Mar 3 in winter time (08:00Z); Apr 7 to Oct 6 in summer time (07:00Z); Nov 3 and
     * Dec 1 in winter time again */
    static const int64_t want[12] = {AT(5, 8, 0),   AT(33, 8, 0),  AT(61, 8, 0),  AT(96, 7, 0),
                                     AT(124, 7, 0), AT(152, 7, 0), AT(187, 7, 0), AT(215, 7, 0),
                                     AT(243, 7, 0), AT(278, 7, 0), AT(306, 8, 0), AT(334, 8, 0)};
    const char *rule = "FREQ=MONTHLY;BYDAY=1TU";
    recur_info info;
    vg_err err;
    assert_int_equal(recur_check(rule, PARIS, want[0], want[0] + H, &info, &err), VG_OK);
    assert_true(info.last_end == RECUR_NEVER);
    /* the shortest gap over ten years: 7 March to 4 April 2028, 28 days less the hour of the change */
    assert_int_equal(info.min_gap, 28 * DAY - H);
    int64_t got[16];
    bool more;
    assert_int_equal(expand(rule, want[0], want[0] + H, T2026, AT(365, 0, 0), got, 16, &more), 12);
    assert_false(more);
    for (int i = 0; i < 12; i++)
        if (got[i] != want[i])
            fail_msg("occurrence %d: %lld, wanted %lld", i, (long long)got[i], (long long)want[i]);
    /* a query that begins inside an occurrence still gets it; one that ends at its start does not */
    assert_int_equal(expand(rule, want[0], want[0] + H, want[3] + 1800, want[3] + 1801, got, 16, NULL), 1);
    assert_int_equal(got[0], want[3]);
    assert_int_equal(expand(rule, want[0], want[0] + H, want[3] - 60, want[3], got, 16, NULL), 0);
    assert_true(recur_is_occurrence(rule, PARIS, want[0], want[0] + H, want[9]));
    assert_false(recur_is_occurrence(rule, PARIS, want[0], want[0] + H, want[9] + H));
    assert_false(recur_is_occurrence(rule, PARIS, want[0], want[0] + H, want[9] - 7 * DAY));
}

/* libical's own zone (the system tzdata) gives the same instants as lib/timeutil on the two
 * changes of 2026: the last Sunday of March and of October at 09:00, 02:00 and 03:00 local. */
static void test_libical_zone_agrees(void **state)
{
    (void)state;
    icaltimezone *z = icaltimezone_get_builtin_timezone(PARIS);
    assert_non_null(z);
    /* 29 March is day 87, 25 October day 297 */
    /* each with a daily series of ours started a week before at the same local time */
    static const struct {
        int month, day, hour;
        int64_t want, start;
    } c[] = {{3, 29, 9, AT(87, 7, 0), AT(80, 8, 0)},   {3, 29, 3, AT(87, 1, 0), AT(80, 2, 0)},
             {3, 28, 9, AT(86, 8, 0), AT(79, 8, 0)},   {10, 25, 9, AT(297, 8, 0), AT(290, 7, 0)},
             {10, 25, 3, AT(297, 2, 0), AT(290, 1, 0)}, {10, 24, 9, AT(296, 7, 0), AT(289, 7, 0)}};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct icaltimetype l = icaltime_null_time();
        l.year = 2026;
        l.month = c[i].month;
        l.day = c[i].day;
        l.hour = c[i].hour;
        int64_t ical = (int64_t)icaltime_as_timet_with_zone(l, z);
        int64_t *s;
        size_t n;
        bool more;
        assert_int_equal(recur_expand("FREQ=DAILY", PARIS, c[i].start, c[i].start + 60, c[i].want, c[i].want + 1, &s,
                                      &n, &more, NULL),
                         VG_OK);
        assert_int_equal(n, 1);
        assert_int_equal(s[0], c[i].want);
        free(s);
        if (ical != c[i].want)
            fail_msg("%02d-%02d %02d:00: libical %lld, wanted %lld", c[i].month, c[i].day, c[i].hour, (long long)ical,
                     (long long)c[i].want);
    }
}

/* The weekly UPS self-test: Wednesdays 14:00-14:30 from 25 March (winter time, 13:00Z); on 1 April
 * summer time has begun (12:00Z): the gap is 7 days less an hour. */
static void test_weekly_and_until(void **state)
{
    (void)state;
    int64_t start = AT(83, 13, 0), got[8];
    recur_info info;
    vg_err err;
    assert_int_equal(recur_check("FREQ=WEEKLY;BYDAY=WE", PARIS, start, start + 1800, &info, &err), VG_OK);
    assert_int_equal(info.min_gap, 7 * DAY - H);
    assert_int_equal(expand("FREQ=WEEKLY;BYDAY=WE", start, start + 1800, start, AT(105, 0, 0), got, 8, NULL), 4);
    assert_int_equal(got[0], start);
    assert_int_equal(got[1], AT(90, 12, 0));
    assert_int_equal(got[2], AT(97, 12, 0));
    assert_int_equal(got[3], AT(104, 12, 0));
    /* UNTIL is inclusive: a date is its whole day, a UTC time is an instant, a local time is local */
    static const struct {
        const char *rule;
        size_t count;
    } u[] = {{"FREQ=WEEKLY;BYDAY=WE;UNTIL=20260415", 4},         {"FREQ=WEEKLY;BYDAY=WE;UNTIL=20260414", 3},
             {"FREQ=WEEKLY;BYDAY=WE;UNTIL=20260415T120000Z", 4}, {"FREQ=WEEKLY;BYDAY=WE;UNTIL=20260415T115959Z", 3},
             {"FREQ=WEEKLY;BYDAY=WE;UNTIL=20260415T140000", 4},  {"freq=weekly;byday=we;until=20260415T135959", 3}};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        if (recur_check(u[i].rule, PARIS, start, start + 1800, &info, &err) != VG_OK)
            fail_msg("%s: %s", u[i].rule, err.msg);
        if (info.count != u[i].count)
            fail_msg("%s: %zu occurrences, wanted %zu", u[i].rule, info.count, u[i].count);
        int64_t last = u[i].count == 4 ? AT(104, 12, 0) : AT(97, 12, 0);
        assert_int_equal(info.last_end, last + 1800);
        assert_int_equal(expand(u[i].rule, start, start + 1800, start, AT(365, 0, 0), got, 8, NULL), u[i].count);
    }
    assert_string_equal(info.rule, "FREQ=WEEKLY;BYDAY=WE;UNTIL=20260415T135959");
    /* COUNT: three first Tuesdays, the last on 3 March 08:00Z */
    assert_int_equal(recur_check("FREQ=MONTHLY;BYDAY=1TU;COUNT=3", PARIS, AT(5, 8, 0), AT(5, 9, 0), &info, &err), VG_OK);
    assert_int_equal(info.count, 3);
    assert_int_equal(info.last_end, AT(61, 9, 0));
    assert_int_equal(expand("FREQ=MONTHLY;BYDAY=1TU;COUNT=3", AT(5, 8, 0), AT(5, 9, 0), AT(40, 0, 0), AT(200, 0, 0), got,
                            8, NULL),
                     1);
    assert_int_equal(got[0], AT(61, 8, 0));
    /* the last Friday, BYMONTHDAY=-1, BYSETPOS=-1 (the last working day), every other week */
    assert_int_equal(expand("FREQ=MONTHLY;BYDAY=-1FR", AT(29, 8, 0), AT(29, 9, 0), T2026, AT(90, 0, 0), got, 8, NULL), 3);
    assert_int_equal(got[1], AT(57, 8, 0)); /* 27 February */
    assert_int_equal(got[2], AT(85, 8, 0)); /* 27 March, still winter time */
    assert_int_equal(expand("FREQ=MONTHLY;BYMONTHDAY=-1", AT(30, 22, 0), AT(30, 23, 0), T2026, AT(90, 0, 0), got, 8, NULL),
                     3);
    assert_int_equal(got[1], AT(58, 22, 0)); /* 28 February */
    assert_int_equal(got[2], AT(89, 21, 0)); /* 31 March, summer time */
    assert_int_equal(expand("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", AT(29, 16, 0), AT(29, 17, 0), T2026,
                            AT(100, 0, 0), got, 8, NULL),
                     3);
    assert_int_equal(got[1], AT(57, 16, 0)); /* Friday 27 February */
    assert_int_equal(got[2], AT(89, 15, 0)); /* Tuesday 31 March */
    /* weeks from Sunday: those of 4 and 18 January, 1 and 15 February, 1 March; from 10 February */
    assert_int_equal(expand("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU", AT(5, 8, 0), AT(5, 9, 0), AT(40, 0, 0),
                            AT(70, 0, 0), got, 8, NULL),
                     4);
    assert_int_equal(got[0], AT(47, 8, 0)); /* Tuesday 17 February */
    assert_int_equal(got[1], AT(49, 8, 0)); /* Thursday 19 February */
    assert_int_equal(got[2], AT(61, 8, 0)); /* Tuesday 3 March */
    assert_int_equal(got[3], AT(63, 8, 0)); /* Thursday 5 March */
}

/* A local time the clocks skip is read with the offset before the change; a repeated one is its
 * first instance (RFC 5545 3.3.5, time_zone_mktime). */
static void test_dst_gap_and_repeat(void **state)
{
    (void)state;
    int64_t got[4];
    recur_info info;
    vg_err err;
    /* daily 02:30 from 28 March (01:30Z): 29 March 02:30 does not exist, 01:30Z (03:30 summer
     * time); 30 March 02:30 summer time is 00:30Z */
    int64_t s = AT(86, 1, 30);
    assert_int_equal(expand("FREQ=DAILY;COUNT=3", s, s + 1800, s, s + 3 * DAY, got, 4, NULL), 3);
    assert_int_equal(got[1], AT(87, 1, 30));
    assert_int_equal(got[2], AT(88, 0, 30));
    assert_int_equal(recur_check("FREQ=DAILY;COUNT=3", PARIS, s, s + 1800, &info, &err), VG_OK);
    assert_int_equal(info.min_gap, 23 * H);
    /* daily 02:30 from 24 October (00:30Z): 25 October 02:30 is twice, its first is 00:30Z; 26
     * October 02:30 winter time is 01:30Z */
    s = AT(296, 0, 30);
    assert_int_equal(expand("FREQ=DAILY;COUNT=3", s, s + 1800, s, s + 3 * DAY, got, 4, NULL), 3);
    assert_int_equal(got[1], AT(297, 0, 30));
    assert_int_equal(got[2], AT(298, 1, 30));
    /* the second 02:30 of that night cannot start a series */
    assert_int_equal(recur_check("FREQ=DAILY", PARIS, AT(297, 1, 30), AT(297, 2, 0), &info, &err), VG_E_INVALID);
    assert_string_equal(err.field, "start");
    assert_non_null(strstr(err.msg, "clocks go back"));
    /* a daily 09:00 window of 24 h overlaps the next one on 29 March (23 h later): refused; 23 h fits */
    assert_int_equal(recur_check("FREQ=DAILY", PARIS, AT(5, 8, 0), AT(6, 8, 0), &info, &err), VG_E_INVALID);
    assert_string_equal(err.field, "end");
    assert_non_null(strstr(err.msg, "shortest gap between two occurrences (23 h 00 min)"));
    assert_int_equal(recur_check("FREQ=DAILY", PARIS, AT(5, 8, 0), AT(6, 7, 0), &info, &err), VG_OK);
    assert_int_equal(info.min_gap, 23 * H);
}

static void refused(const char *rule, int64_t start, int64_t end, const char *field, const char *part)
{
    recur_info info;
    vg_err err;
    if (recur_check(rule, PARIS, start, end, &info, &err) != VG_E_INVALID)
        fail_msg("%s: accepted", rule);
    if (strcmp(err.field, field) != 0 || !strstr(err.msg, part))
        fail_msg("%s: field '%s' message '%s', wanted '%s' with '%s'", rule, err.field, err.msg, field, part);
}

static void test_refusals(void **state)
{
    (void)state;
    int64_t s = AT(5, 8, 0), e = s + H; /* Tuesday 6 January 09:00 */
    refused("FREQ=HOURLY", s, e, "rrule", "FREQ=HOURLY is not supported");
    refused("FREQ=MINUTELY", s, e, "rrule", "FREQ=MINUTELY is not supported");
    refused("FREQ=SECONDLY", s, e, "rrule", "FREQ=SECONDLY is not supported");
    refused("FREQ=DAILY;BYHOUR=9", s, e, "rrule", "BYHOUR is not supported");
    refused("FREQ=DAILY;BYMINUTE=0", s, e, "rrule", "BYMINUTE is not supported");
    refused("FREQ=DAILY;BYSECOND=0", s, e, "rrule", "BYSECOND is not supported");
    refused("FREQ=YEARLY;BYWEEKNO=2", s, e, "rrule", "BYWEEKNO is not supported");
    refused("FREQ=DAILY;COLOR=red", s, e, "rrule", "COLOR is not a part");
    refused("FREQ=FOO", s, e, "rrule", "FREQ: 'FOO' is not a valid value");
    refused("BYDAY=1TU", s, e, "rrule", "FREQ is required");
    refused("FREQ=MONTHLY;FREQ=DAILY", s, e, "rrule", "FREQ is given twice");
    refused("FREQ=MONTHLY;;BYDAY=1TU", s, e, "rrule", "an empty part");
    refused("FREQ=MONTHLY;BYDAY=1TU;", s, e, "rrule", "an empty part");
    refused("FREQ=MONTHLY;BYDAY", s, e, "rrule", "BYDAY: a part is NAME=VALUE");
    refused("RRULE:FREQ=DAILY", s, e, "rrule", "character 6 (':')");
    refused("FREQ=MONTHLY;COUNT=3x", s, e, "rrule", "COUNT: a whole number from 1 to 3653, not '3x'");
    refused("FREQ=MONTHLY;COUNT=0", s, e, "rrule", "COUNT: a whole number from 1 to 3653");
    refused("FREQ=DAILY;COUNT=3654", s, e, "rrule", "COUNT: a whole number from 1 to 3653");
    refused("FREQ=DAILY;INTERVAL=1000", s, e, "rrule", "INTERVAL: a whole number from 1 to 999");
    refused("FREQ=MONTHLY;BYDAY=XX", s, e, "rrule", "BYDAY: 'XX' is not a valid value");
    refused("FREQ=MONTHLY;BYDAY=1TU,", s, e, "rrule", "BYDAY: '1TU,' is not a valid value");
    refused("FREQ=MONTHLY;UNTIL=2027", s, e, "rrule", "UNTIL: '2027' is not a valid value");
    refused("FREQ=MONTHLY;BYMONTHDAY=32", s, e, "rrule", "BYMONTHDAY: '32' is not a valid value");
    refused("FREQ=WEEKLY;BYDAY=1TU", s, e, "rrule", "an ordinal (1TU, -1FR) goes with FREQ=MONTHLY or YEARLY");
    refused("FREQ=MONTHLY;BYDAY=6TU", s, e, "rrule", "a month has at most 5");
    refused("FREQ=WEEKLY;BYMONTHDAY=6", s, e, "rrule", "BYMONTHDAY does not go with FREQ=WEEKLY");
    refused("FREQ=YEARLY;BYMONTH=13", s, e, "rrule", "BYMONTH: a month from 1 to 12");
    refused("FREQ=MONTHLY;BYSETPOS=1", s, e, "rrule", "BYSETPOS picks among");
    refused("FREQ=MONTHLY;BYDAY=1TU;COUNT=3;UNTIL=20270101", s, e, "rrule", "COUNT and UNTIL exclude each other");
    refused("FREQ=MONTHLY;BYDAY=1TU;UNTIL=20260101", s, e, "rrule", "UNTIL is before start");
    refused("FREQ=MONTHLY;BYDAY=1TU;UNTIL=20370101", s, e, "rrule", "UNTIL: at most 10 years after start");
    /* yearly from 6 January 2026: ten years (3653 days) end on 7 January 2036, so 11 occurrences fit */
    refused("FREQ=YEARLY;COUNT=12", s, e, "rrule", "COUNT=12: the series would last more than 10 years (11 occurrences");
    recur_info info;
    assert_int_equal(recur_check("FREQ=YEARLY;COUNT=11", PARIS, s, e, &info, NULL), VG_OK);
    assert_int_equal(info.last_end, AT(5 + 3652, 9, 0)); /* 6 January 2036 10:00 local */
    refused("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", s, e, "rrule", "the rule gives no occurrence");
    refused("FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31", s, e, "rrule", "the rule gives no occurrence");
    refused("FREQ=MONTHLY;BYDAY=1TU", AT(6, 8, 0), AT(6, 9, 0), "start",
            "is not the rule's first occurrence: from start, the rule's first is 2026-02-03T09:00");
    refused("FREQ=WEEKLY;BYDAY=TU", s, s + 8 * DAY, "end", "longer than the shortest gap between two occurrences (167 h 00 min)");
    refused("FREQ=DAILY", s, s, "end", "start < end");
    char lng[300];
    memset(lng, 0, sizeof lng);
    memcpy(lng, "FREQ=MONTHLY;BYMONTHDAY=", 24);
    for (size_t i = 24; i < 280; i += 2)
        memcpy(lng + i, "1,", 2);
    refused(lng, s, e, "rrule", "a rule of 1 to 255 characters");
    refused("", s, e, "rrule", "a rule of 1 to 255 characters");
}

static void test_words(void **state)
{
    (void)state;
    static const char *const c[][3] = {
        {"FREQ=MONTHLY;BYDAY=1TU", "le 1er mardi de chaque mois", "the first Tuesday of every month"},
        {"FREQ=WEEKLY;BYDAY=WE", "chaque mercredi", "every Wednesday"},
        {"FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20261231", "chaque lundi et jeudi, jusqu’au 31/12/2026",
         "every Monday and Thursday, until 2026-12-31"},
        {"FREQ=MONTHLY;BYDAY=-1FR;COUNT=6", "le dernier vendredi de chaque mois, 6 fois",
         "the last Friday of every month, 6 times"},
        {"FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU", "le 2e mardi, tous les 3 mois", "the second Tuesday, every 3 months"},
        {"FREQ=MONTHLY;BYMONTHDAY=15", "le 15 de chaque mois", "day 15 of every month"},
        {"FREQ=DAILY;INTERVAL=2", "tous les 2 jours", "every 2 days"},
        {"FREQ=DAILY", "chaque jour", "every day"},
        {"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "toutes les 2 semaines, le mardi", "every 2 weeks on Tuesday"},
        {"FREQ=YEARLY;BYMONTH=4;BYDAY=1MO", "le 1er lundi d’avril, chaque année", "the first Monday of April, every year"},
        {"FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1", "le 1er mars, chaque année", "day 1 of March, every year"},
        {"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
         "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"},
        {"", "", ""},
    };
    char out[160];
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        recur_describe(c[i][0], "fr", out, sizeof out);
        if (strcmp(out, c[i][1]) != 0)
            fail_msg("%s in French: '%s', wanted '%s'", c[i][0], out, c[i][1]);
        recur_describe(c[i][0], "en", out, sizeof out);
        if (strcmp(out, c[i][2]) != 0)
            fail_msg("%s in English: '%s', wanted '%s'", c[i][0], out, c[i][2]);
    }
}

/* Bounds of one query, and the jump a series without COUNT makes to the period asked (libical's
 * icalrecur_iterator_set_start) against a walk from the start, on rules of every kind. */
static void test_bounds_and_jump(void **state)
{
    (void)state;
    int64_t s = AT(5, 8, 0);
    bool more;
    int64_t *all;
    size_t n;
    /* a daily series over six years: RECUR_QUERY_MAX occurrences, and more */
    assert_int_equal(recur_expand("FREQ=DAILY", PARIS, s, s + H, s, s + 6 * 366 * DAY, &all, &n, &more, NULL), VG_OK);
    assert_int_equal(n, RECUR_QUERY_MAX);
    assert_true(more);
    free(all);
    static const struct {
        const char *rule;
        int64_t start;
    } r[] = {{"FREQ=MONTHLY;BYDAY=1TU", AT(5, 8, 0)},
             {"FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU", AT(5, 8, 0)},
             {"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU", AT(5, 8, 0)},
             {"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", AT(29, 16, 0)},
             {"FREQ=MONTHLY;BYMONTHDAY=-1", AT(30, 22, 0)},
             {"FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", AT(87, 0, 30)},
             {"FREQ=DAILY;INTERVAL=3", AT(5, 8, 0)},
             {"FREQ=WEEKLY;BYDAY=WE;UNTIL=20300101", AT(6, 13, 0)}};
    for (size_t k = 0; k < sizeof r / sizeof r[0]; k++) {
        int64_t b = r[k].start, e = b + 1800, span = 4 * 366 * DAY;
        assert_int_equal(recur_expand(r[k].rule, PARIS, b, e, b, b + span, &all, &n, &more, NULL), VG_OK);
        assert_false(more);
        assert_true(n > 3);
        for (int64_t from = b + 40 * DAY; from < b + span - 90 * DAY; from += 97 * DAY + 3 * H) {
            int64_t to = from + 90 * DAY, *part;
            size_t m, want = 0, first = n;
            for (size_t i = 0; i < n; i++)
                if (all[i] + 1800 > from && all[i] < to) {
                    want++;
                    if (first == n)
                        first = i;
                }
            assert_int_equal(recur_expand(r[k].rule, PARIS, b, e, from, to, &part, &m, &more, NULL), VG_OK);
            if (m != want || (m && memcmp(part, all + first, m * sizeof *part) != 0))
                fail_msg("%s from %lld: %zu occurrences, wanted %zu", r[k].rule, (long long)from, m, want);
            free(part);
        }
        free(all);
    }
}

/* Many threads expand at once, in three zones, parsing UTC UNTILs (libical's UTC zone): each gets
 * what it gets alone. Run under ThreadSanitizer by the tsan build. */
typedef struct {
    const char *tz;
    int64_t want[4];
    bool ok;
} recur_job;

static void *recur_thread(void *arg)
{
    recur_job *j = arg;
    j->ok = true;
    for (int i = 0; i < 200 && j->ok; i++) {
        int64_t *s;
        size_t n;
        bool more;
        recur_info info;
        j->ok = recur_check("FREQ=MONTHLY;BYDAY=1TU;UNTIL=20270101T000000Z", j->tz, j->want[0], j->want[0] + H, &info,
                            NULL) == VG_OK &&
                recur_expand("FREQ=MONTHLY;BYDAY=1TU;UNTIL=20270101T000000Z", j->tz, j->want[0], j->want[0] + H, T2026,
                             AT(100, 0, 0), &s, &n, &more, NULL) == VG_OK &&
                n == 4 && memcmp(s, j->want, sizeof j->want) == 0 && info.count == 12;
        free(s);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    /* 09:00 local on the first Tuesdays of January to April: Paris +1/+2, New York -5/-4 (summer
     * time from 8 March), Tokyo +9 all year */
    recur_job jobs[6] = {
        {PARIS, {AT(5, 8, 0), AT(33, 8, 0), AT(61, 8, 0), AT(96, 7, 0)}, false},
        {"America/New_York", {AT(5, 14, 0), AT(33, 14, 0), AT(61, 14, 0), AT(96, 13, 0)}, false},
        {"Asia/Tokyo", {AT(5, 0, 0), AT(33, 0, 0), AT(61, 0, 0), AT(96, 0, 0)}, false},
    };
    for (int i = 3; i < 6; i++)
        jobs[i] = jobs[i - 3];
    pthread_t t[6];
    for (int i = 0; i < 6; i++)
        assert_int_equal(pthread_create(&t[i], NULL, recur_thread, &jobs[i]), 0);
    for (int i = 0; i < 6; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 6; i++)
        if (!jobs[i].ok)
            fail_msg("thread %d (%s) got other occurrences", i, jobs[i].tz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads), /* first: libical's set-up happens under the threads */
        cmocka_unit_test(test_first_tuesday_2026),
        cmocka_unit_test(test_weekly_and_until),
        cmocka_unit_test(test_dst_gap_and_repeat),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_bounds_and_jump),
        cmocka_unit_test(test_libical_zone_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

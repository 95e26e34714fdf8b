/* timeutil: local time in a named zone without TZ. Paris around the 2026 changes (summer time from
 * 2026-03-29 01:00 UTC, back on 2026-10-25 01:00 UTC), month starts, fields out of range, an unknown
 * zone, agreement with the C library's mktime/localtime over a year, and many threads converting in
 * different zones at once (run it under --enable-sanitizers=thread). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

#define PARIS "Europe/Paris"
#define SPRING 1774746000LL /* 2026-03-29 01:00:00 UTC: 02:00 CET becomes 03:00 CEST */
#define AUTUMN 1792890000LL /* 2026-10-25 01:00:00 UTC: 03:00 CEST becomes 02:00 CET */

static int64_t local(const char *tz, int y, int mo, int d, int h, int mi, int isdst, struct tm *out)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_isdst = isdst};
    int64_t t = time_zone_mktime(tz, &tm);
    if (out)
        *out = tm;
    return t;
}

static void assert_tm(const struct tm *tm, int y, int mo, int d, int h, int mi, int isdst, long off)
{
    assert_int_equal(tm->tm_year + 1900, y);
    assert_int_equal(tm->tm_mon + 1, mo);
    assert_int_equal(tm->tm_mday, d);
    assert_int_equal(tm->tm_hour, h);
    assert_int_equal(tm->tm_min, mi);
    assert_int_equal(tm->tm_isdst, isdst);
    assert_int_equal(tm->tm_gmtoff, off);
}

static void test_paris_spring(void **state)
{
    (void)state;
    struct tm tm;
    assert_int_equal(local(PARIS, 2026, 3, 29, 1, 59, -1, &tm), SPRING - 60);
    assert_tm(&tm, 2026, 3, 29, 1, 59, 0, 3600);
    assert_string_equal(tm.tm_zone, "CET");
    assert_int_equal(local(PARIS, 2026, 3, 29, 3, 0, -1, &tm), SPRING);
    assert_tm(&tm, 2026, 3, 29, 3, 0, 1, 7200);
    assert_string_equal(tm.tm_zone, "CEST");
    /* 02:30 never happens: read with the offset before the change, as mktime does */
    assert_int_equal(local(PARIS, 2026, 3, 29, 2, 30, -1, &tm), SPRING + 1800);
    assert_tm(&tm, 2026, 3, 29, 3, 30, 1, 7200);
    assert_int_equal(local(PARIS, 2026, 3, 29, 2, 30, 0, NULL), SPRING + 1800);
    assert_int_equal(local(PARIS, 2026, 3, 29, 2, 30, 1, NULL), SPRING - 1800); /* "02:30 CEST" */
    time_zone_localtime(PARIS, SPRING - 1, &tm);
    assert_tm(&tm, 2026, 3, 29, 1, 59, 0, 3600);
    assert_int_equal(tm.tm_sec, 59);
    time_zone_localtime(PARIS, SPRING, &tm);
    assert_tm(&tm, 2026, 3, 29, 3, 0, 1, 7200);
    assert_int_equal(tm.tm_wday, 0); /* a Sunday */
    assert_int_equal(tm.tm_yday, 87);
    /* the day of the change has 23 hours */
    assert_int_equal(local(PARIS, 2026, 3, 30, 0, 0, -1, NULL) - local(PARIS, 2026, 3, 29, 0, 0, -1, NULL), 23 * 3600);
}

static void test_paris_autumn(void **state)
{
    (void)state;
    struct tm tm;
    /* 02:30 happens twice: the first (summer time) unless tm_isdst says otherwise */
    assert_int_equal(local(PARIS, 2026, 10, 25, 2, 30, -1, &tm), AUTUMN - 1800);
    assert_tm(&tm, 2026, 10, 25, 2, 30, 1, 7200);
    assert_int_equal(local(PARIS, 2026, 10, 25, 2, 30, 1, NULL), AUTUMN - 1800);
    assert_int_equal(local(PARIS, 2026, 10, 25, 2, 30, 0, &tm), AUTUMN + 1800);
    assert_tm(&tm, 2026, 10, 25, 2, 30, 0, 3600);
    assert_int_equal(local(PARIS, 2026, 10, 25, 3, 0, -1, NULL), AUTUMN + 3600);
    assert_int_equal(local(PARIS, 2026, 10, 25, 1, 59, -1, NULL), AUTUMN - 3660);
    time_zone_localtime(PARIS, AUTUMN - 1, &tm);
    assert_tm(&tm, 2026, 10, 25, 2, 59, 1, 7200);
    time_zone_localtime(PARIS, AUTUMN, &tm);
    assert_tm(&tm, 2026, 10, 25, 2, 0, 0, 3600);
    assert_string_equal(tm.tm_zone, "CET");
    assert_int_equal(local(PARIS, 2026, 10, 26, 0, 0, -1, NULL) - local(PARIS, 2026, 10, 25, 0, 0, -1, NULL), 25 * 3600);
}

static void test_month_starts(void **state)
{
    (void)state;
    /* midnight of each first of 2026 in Paris, computed by hand: CET (+1) until March, CEST (+2)
     * from April to October, CET again from November */
    const int64_t jan1 = 1767222000LL; /* 2025-12-31 23:00 UTC */
    static const int days[] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t utc_midnight = jan1 + 3600;
    for (int m = 1; m <= 12; m++) {
        long off = m >= 4 && m <= 10 ? 7200 : 3600;
        struct tm tm;
        assert_int_equal(local(PARIS, 2026, m, 1, 0, 0, -1, &tm), utc_midnight - off);
        assert_tm(&tm, 2026, m, 1, 0, 0, off == 7200, off);
        utc_midnight += (int64_t)days[m] * 86400;
    }
    assert_int_equal(local(PARIS, 2027, 1, 1, 0, 0, -1, NULL), jan1 + 365 * 86400);
    /* March is an hour short, October an hour long */
    assert_int_equal(local(PARIS, 2026, 4, 1, 0, 0, -1, NULL) - local(PARIS, 2026, 3, 1, 0, 0, -1, NULL), 743 * 3600);
    assert_int_equal(local(PARIS, 2026, 11, 1, 0, 0, -1, NULL) - local(PARIS, 2026, 10, 1, 0, 0, -1, NULL), 745 * 3600);
}

static void test_normalisation(void **state)
{
    (void)state;
    struct tm tm;
    local(PARIS, 2026, 13, 1, 0, 0, -1, &tm); /* month 13: January of the year after */
    assert_tm(&tm, 2027, 1, 1, 0, 0, 0, 3600);
    assert_int_equal(tm.tm_yday, 0);
    assert_int_equal(tm.tm_wday, 5); /* a Friday */
    local(PARIS, 2026, 3, 0, 0, 0, -1, &tm); /* day 0: the last of the month before */
    assert_tm(&tm, 2026, 2, 28, 0, 0, 0, 3600);
    local(PARIS, 2026, 11, 31, 0, 0, -1, &tm); /* 31 November is 1 December (report.c checks tm_mday) */
    assert_tm(&tm, 2026, 12, 1, 0, 0, 0, 3600);
    local(PARIS, 2024, 2, 29, 12, 0, -1, &tm); /* a leap day stays */
    assert_tm(&tm, 2024, 2, 29, 12, 0, 0, 3600);
    local(PARIS, 2026, 2, 29, 12, 0, -1, &tm);
    assert_tm(&tm, 2026, 3, 1, 12, 0, 0, 3600);
    local(PARIS, 2026, 1, 1, -1, 0, -1, &tm);
    assert_tm(&tm, 2025, 12, 31, 23, 0, 0, 3600);
    local(PARIS, 2026, 1, 1, 0, -90, -1, &tm);
    assert_tm(&tm, 2025, 12, 31, 22, 30, 0, 3600);
    local(PARIS, 2026, 0, 1, 0, 0, -1, &tm);
    assert_tm(&tm, 2025, 12, 1, 0, 0, 0, 3600);
    local(PARIS, 2026, -13, 1, 0, 0, -1, &tm);
    assert_tm(&tm, 2024, 11, 1, 0, 0, 0, 3600);
    /* a zone with a half-hour offset, and one west of Greenwich */
    assert_int_equal(local("Asia/Kolkata", 2026, 1, 1, 0, 0, -1, NULL), 1767225600LL - 19800);
    assert_int_equal(local("America/New_York", 2026, 7, 1, 0, 0, -1, NULL), 1782864000LL + 4 * 3600);
    assert_int_equal(local(PARIS, 0, 1, 1, 0, 0, -1, NULL), -1); /* before GLib's calendar */
}

static void test_unknown_zone(void **state)
{
    (void)state;
    /* as with TZ set to a name tzdata lacks: UTC */
    struct tm tm;
    assert_int_equal(local("Nowhere/Land", 2026, 1, 1, 0, 0, -1, &tm), 1767225600LL);
    assert_tm(&tm, 2026, 1, 1, 0, 0, 0, 0);
    assert_int_equal(local("", 2026, 7, 1, 0, 0, -1, NULL), 1782864000LL);
    assert_int_equal(local(NULL, 2026, 7, 1, 0, 0, -1, NULL), 1782864000LL);
    assert_int_equal(local("../../etc/passwd", 2026, 7, 1, 0, 0, -1, NULL), 1782864000LL);
    time_zone_localtime("Nowhere/Land", 1782864000LL, &tm);
    assert_tm(&tm, 2026, 7, 1, 0, 0, 0, 0);
    assert_int_equal(local("UTC", 2026, 7, 1, 0, 0, -1, NULL), 1782864000LL);
    /* the process's own zone plays no part */
    setenv("TZ", "Asia/Tokyo", 1);
    tzset();
    assert_int_equal(local(PARIS, 2026, 7, 1, 0, 0, -1, NULL), 1782864000LL - 7200);
    unsetenv("TZ");
    tzset();
}

/* The C library with TZ set (one thread: the test alone) is the reference over every quarter hour of
 * 2026, except for the repeated hour, where mktime's choice depends on its earlier calls: there both
 * must be readings of the same wall time, ours the first. */
static void agree_with_libc(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
    struct tm start = {.tm_year = 126, .tm_mon = 0, .tm_mday = 1, .tm_isdst = -1};
    time_t t0 = mktime(&start);
    int folds = 0;
    for (time_t t = t0 - 86400; t < t0 + 366 * 86400; t += 900) {
        struct tm want, got;
        localtime_r(&t, &want);
        time_zone_localtime(tz, t, &got);
        assert_int_equal(got.tm_year, want.tm_year);
        assert_int_equal(got.tm_yday, want.tm_yday);
        assert_int_equal(got.tm_mon, want.tm_mon);
        assert_int_equal(got.tm_mday, want.tm_mday);
        assert_int_equal(got.tm_wday, want.tm_wday);
        assert_int_equal(got.tm_hour * 3600 + got.tm_min * 60 + got.tm_sec,
                         want.tm_hour * 3600 + want.tm_min * 60 + want.tm_sec);
        assert_int_equal(got.tm_isdst, want.tm_isdst);
        assert_int_equal(got.tm_gmtoff, want.tm_gmtoff);
        assert_string_equal(got.tm_zone, want.tm_zone);

        /* and back, from the wall time (minutes past the hour cover the half-hour zones) */
        struct tm in = {.tm_year = want.tm_year, .tm_mon = want.tm_mon, .tm_mday = want.tm_mday,
                        .tm_hour = want.tm_hour, .tm_min = want.tm_min, .tm_isdst = -1};
        struct tm lin = in;
        time_t lt = mktime(&lin);
        int64_t mt = time_zone_mktime(tz, &in);
        if (mt != (int64_t)lt) {
            struct tm a, b;
            time_zone_localtime(tz, mt, &a);
            time_zone_localtime(tz, (int64_t)lt, &b);
            assert_true(mt < (int64_t)lt);
            assert_int_equal(a.tm_hour * 60 + a.tm_min, b.tm_hour * 60 + b.tm_min);
            assert_int_equal(a.tm_mday, b.tm_mday);
            folds++;
        }
    }
    assert_in_range(folds, 0, 8); /* at most the quarters of one repeated hour */
    unsetenv("TZ");
    tzset();
}

static void test_agrees_with_libc(void **state)
{
    (void)state;
    static const char *const zones[] = {PARIS, "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata",
                                        "America/New_York", "Pacific/Auckland", "UTC"};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
        agree_with_libc(zones[i]);
}

/* ---- many threads, each in its own zone ---------------------------------------------------- */

#define NTHREADS 8
#define NCHECKS 600

typedef struct {
    const char *tz;
    const char *twin; /* a name not used yet with the same rules since 2020: read first by the thread */
    int64_t want[NCHECKS]; /* month starts, computed before the threads start */
    int failures;
} zone_job;

static int64_t job_month(const zone_job *j, int k, struct tm *tm)
{
    *tm = (struct tm){.tm_year = 2020 - 1900 + k / 12, .tm_mon = k % 12, .tm_mday = 1, .tm_isdst = -1};
    return time_zone_mktime(j->tz, tm);
}

static void *job_run(void *arg)
{
    zone_job *j = arg;
    for (int round = 0; round < 20; round++) {
        /* odd rounds in the twin, whose first use (tzdata read, cache insert) races with the others' */
        const char *tz = round % 2 ? j->twin : j->tz;
        for (int k = 0; k < NCHECKS; k++) {
            struct tm tm = {.tm_year = 2020 - 1900 + k / 12, .tm_mon = k % 12, .tm_mday = 1, .tm_isdst = -1}, back;
            int64_t t = time_zone_mktime(tz, &tm);
            time_zone_localtime(tz, t, &back);
            if (t != j->want[k] || back.tm_mday != 1 || back.tm_hour != 0 || back.tm_mon != k % 12)
                j->failures++;
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    static const char *const zones[NTHREADS][2] = {
        {PARIS, "Europe/Berlin"},
        {"America/Santiago", "Chile/Continental"},
        {"Asia/Kolkata", "Asia/Calcutta"},
        {"America/New_York", "US/Eastern"},
        {"Australia/Lord_Howe", "Australia/LHI"},
        {"Pacific/Auckland", "Antarctica/McMurdo"},
        {"America/Toronto", "America/Nassau"},
        {"UTC", "Etc/UTC"},
    };
    static zone_job jobs[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        jobs[i].tz = zones[i][0];
        jobs[i].twin = zones[i][1];
        jobs[i].failures = 0;
        for (int k = 0; k < NCHECKS; k++) {
            struct tm tm;
            jobs[i].want[k] = job_month(&jobs[i], k, &tm);
        }
    }
    /* midnight comes four hours later in Santiago than in Paris in January (summer in Chile) */
    assert_int_equal(jobs[1].want[0] - jobs[0].want[0], 4 * 3600);
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, job_run, &jobs[i]), 0);
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(jobs[i].failures, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paris_spring),  cmocka_unit_test(test_paris_autumn),
        cmocka_unit_test(test_month_starts),  cmocka_unit_test(test_normalisation),
        cmocka_unit_test(test_unknown_zone),  cmocka_unit_test(test_agrees_with_libc),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests_name("timeutil", tests, NULL, NULL);
}

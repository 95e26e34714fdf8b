/* The trend maths (server/energy/trend.c) on scripted series: flat, rising, falling, noisy, with gaps,
 * too few points; and the warnings' sentences in French and English (trend_watch.c). Every expected
 * number is worked out by hand in the comment beside it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "energy/trend.h"
#include "energy/trend_watch.h"

#define NOW 1790000000LL

static size_t line(store_point *p, size_t n, int64_t t0, int64_t dt, double v0, double per_s)
{
    for (size_t i = 0; i < n; i++) {
        p[i].ts = t0 + (int64_t)i * dt;
        p[i].value = v0 + per_s * (double)((int64_t)i * dt);
    }
    return n;
}

static void test_flat(void **state)
{
    (void)state;
    store_point p[12];
    line(p, 12, NOW - 11 * 600, 600, 22.0, 0); /* 22 °C for 1 h 50 min */
    trend_fit f;
    assert_true(trend_fit_points(p, 12, 3600, &f));
    assert_int_equal(f.n, 12);
    assert_true(fabs(f.slope) < 1e-12);
    assert_false(trend_significant(&f)); /* no slope: steady */
    assert_true(isnan(trend_time_to(&f, (double)NOW, 27)));
    assert_true(fabs(trend_value_at(&f, (double)NOW) - 22.0) < 1e-9);
}

static void test_rising(void **state)
{
    (void)state;
    /* 21 °C three hours ago, +1 °C/h, a point every 10 min: 19 points, 24 °C now; 27 °C in 3 h */
    store_point p[19];
    line(p, 19, NOW - 3 * 3600, 600, 21.0, 1.0 / 3600);
    trend_fit f;
    assert_true(trend_fit_points(p, 19, 3 * 3600 / 2, &f));
    assert_true(fabs(f.slope * 3600 - 1.0) < 1e-9);
    assert_true(f.slope_se < 1e-9); /* exactly on the line */
    assert_true(fabs(f.r2 - 1.0) < 1e-9);
    assert_true(trend_significant(&f));
    assert_true(fabs(trend_value_at(&f, (double)NOW) - 24.0) < 1e-9);
    assert_true(fabs(trend_time_to(&f, (double)NOW, 27) - 10800) < 1e-6);
    assert_true(isnan(trend_time_to(&f, (double)NOW, 20))); /* behind the line */
    char fr[200], en[200];
    trend_watch_temperature_text(true, 27, trend_time_to(&f, (double)NOW, 27), f.slope * 3600, fr, sizeof fr);
    trend_watch_temperature_text(false, 27, trend_time_to(&f, (double)NOW, 27), f.slope * 3600, en, sizeof en);
    assert_string_equal(fr, "à ce rythme 27 °C dans 3 h (+1,0 °C/h)");
    assert_string_equal(en, "at this rate 27 °C in 3 h (+1.0 °C/h)");
    /* 24 °C rising 0.8 °C/h: 27 °C in 3.75 h = 3 h 45 min */
    trend_watch_temperature_text(false, 27, 3.75 * 3600, 0.8, en, sizeof en);
    assert_string_equal(en, "at this rate 27 °C in 3 h 45 min (+0.8 °C/h)");
    trend_watch_temperature_text(true, 27.5, 0, 0.8, fr, sizeof fr);
    assert_string_equal(fr, "déjà à 27,5 °C ou plus, et en hausse (+0,8 °C/h)");
}

static void test_falling_runtime(void **state)
{
    (void)state;
    /* battery runtime 1800 s 90 days ago, down 20 % (360 s) linearly: a point a day, 91 points */
    store_point p[91];
    const double day = 86400, window = 90 * day;
    line(p, 91, NOW - (int64_t)window, 86400, 1800, -360 / window);
    trend_fit f;
    assert_true(trend_fit_points(p, 91, (int64_t)window / 2, &f));
    assert_true(trend_significant(&f));
    assert_true(f.slope < 0);
    assert_true(fabs(trend_change_pct(&f, (double)NOW - window, (double)NOW) + 20.0) < 1e-9);
    assert_true(fabs(trend_value_at(&f, (double)NOW) - 1440) < 1e-6);
    /* 1080 s (a further 360 s) in another 90 days; 1800 s is behind the falling line */
    assert_true(isnan(trend_time_to(&f, (double)NOW, 1800)));
    assert_true(fabs(trend_time_to(&f, (double)NOW, 1080) - window) < 1e-3);
    char fr[200], en[200];
    trend_watch_runtime_text(true, 20, 90, 1800, 1440, fr, sizeof fr);
    trend_watch_runtime_text(false, 20, 90, 1800, 1440, en, sizeof en);
    assert_string_equal(fr, "autonomie en baisse de 20 % en 90 jours (de 30 min à 24 min)");
    assert_string_equal(en, "runtime down 20 % in 90 days (from 30 min to 24 min)");
}

static void test_noisy(void **state)
{
    (void)state;
    /* 22 °C ± 0.5 alternating, 20 points a minute apart (index i): Sxy = 0.5 (sum of odd i - sum of even
     * i) = 0.5 (100 - 90) = 5, Sxx = 665, slope = 5/665 = 0.00752 per point; SSE = 20 x 0.25 - slope x 5
     * = 4.962, se = sqrt(4.962 / 18 / 665) = 0.02036: |slope| < 2 se, steady */
    store_point p[20];
    for (int i = 0; i < 20; i++) {
        p[i].ts = NOW - (19 - i) * 60;
        p[i].value = 22.0 + (i % 2 ? 0.5 : -0.5);
    }
    trend_fit f;
    assert_true(trend_fit_points(p, 20, 600, &f));
    assert_true(fabs(f.slope * 60 - 5.0 / 665) < 1e-9);
    assert_true(fabs(f.slope_se * 60 - sqrt((5.0 - 25.0 / 665) / 18 / 665)) < 1e-9);
    assert_false(trend_significant(&f));
    /* the same noise on a rise of 0.1 °C a point (6 °C/h): the rise stands out */
    for (int i = 0; i < 20; i++)
        p[i].value += 0.1 * i;
    assert_true(trend_fit_points(p, 20, 600, &f));
    assert_true(trend_significant(&f));
    assert_true(fabs(f.slope * 60 - (0.1 + 5.0 / 665)) < 1e-9);
}

static void test_gaps(void **state)
{
    (void)state;
    /* the rising line of test_rising with every other point unknown: the same line from 10 points */
    store_point p[19];
    line(p, 19, NOW - 3 * 3600, 600, 21.0, 1.0 / 3600);
    for (int i = 1; i < 19; i += 2)
        p[i].value = NAN;
    trend_fit f;
    assert_true(trend_fit_points(p, 19, 3 * 3600 / 2, &f));
    assert_int_equal(f.n, 10);
    assert_true(fabs(f.slope * 3600 - 1.0) < 1e-9);
    assert_true(fabs(trend_time_to(&f, (double)NOW, 27) - 10800) < 1e-6);
    /* the first half unknown: the 9 known points span 80 min, less than the 90 min asked for */
    line(p, 19, NOW - 3 * 3600, 600, 21.0, 1.0 / 3600);
    for (int i = 0; i < 10; i++)
        p[i].value = NAN;
    assert_false(trend_fit_points(p, 19, 3 * 3600 / 2, &f));
    assert_true(trend_fit_points(p, 19, 3600, &f));
}

static void test_too_few(void **state)
{
    (void)state;
    store_point p[TREND_MIN_POINTS];
    line(p, TREND_MIN_POINTS - 1, NOW - 3600, 900, 20, 0.001);
    trend_fit f;
    assert_false(trend_fit_points(p, TREND_MIN_POINTS - 1, 0, &f)); /* 5 points: no trend */
    assert_int_equal(f.n, 0);
    line(p, TREND_MIN_POINTS, NOW - 3600, 720, 20, 0.001);
    assert_true(trend_fit_points(p, TREND_MIN_POINTS, 0, &f));
    /* every point at one time: no line */
    for (int i = 0; i < TREND_MIN_POINTS; i++)
        p[i].ts = NOW;
    assert_false(trend_fit_points(p, TREND_MIN_POINTS, 0, &f));
    assert_false(trend_fit_points(p, 0, 0, &f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat),  cmocka_unit_test(test_rising), cmocka_unit_test(test_falling_runtime),
        cmocka_unit_test(test_noisy), cmocka_unit_test(test_gaps),   cmocka_unit_test(test_too_few),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The watchdog's decision (watchdog_step), hand-computed: no alert before `after` of a stall, one at
 * it, its repeats, none while a server stores, the recovery once a server stores again, a message
 * that could not be sent due again, and a stall counted from the agent's start at the earliest. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "watchdog/watchdog.h"

#define T0 1000000 /* the agent starts */

static void test_alert_repeat_recover(void **state)
{
    (void)state;
    wd_state st = {0};
    /* batches wait from T0+10, nothing stored ever: after 60 s, at T0+70 */
    assert_int_equal(watchdog_step(&st, T0 + 5, false, 0, T0, 60, 300), WD_NONE);
    assert_int_equal(watchdog_step(&st, T0 + 10, true, 0, T0, 60, 300), WD_NONE);
    assert_int_equal(watchdog_step(&st, T0 + 69, true, 0, T0, 60, 300), WD_NONE);
    assert_int_equal(watchdog_step(&st, T0 + 70, true, 0, T0, 60, 300), WD_ALERT);
    assert_int_equal(st.since, T0 + 10);
    watchdog_sent(&st, WD_ALERT, T0 + 70, 300, true);
    assert_int_equal(watchdog_step(&st, T0 + 71, true, 0, T0, 60, 300), WD_NONE); /* once */
    assert_int_equal(watchdog_step(&st, T0 + 369, true, 0, T0, 60, 300), WD_NONE);
    assert_int_equal(watchdog_step(&st, T0 + 370, true, 0, T0, 60, 300), WD_REPEAT);
    watchdog_sent(&st, WD_REPEAT, T0 + 370, 300, true);
    assert_int_equal(watchdog_step(&st, T0 + 400, true, 0, T0, 60, 300), WD_NONE);
    /* a server stores at T0+500: recovered, once */
    assert_int_equal(watchdog_step(&st, T0 + 501, true, T0 + 500, T0, 60, 300), WD_RECOVERED);
    watchdog_sent(&st, WD_RECOVERED, T0 + 501, 300, true);
    assert_int_equal(watchdog_step(&st, T0 + 502, true, T0 + 500, T0, 60, 300), WD_NONE);
    /* the next stall counts from the last store: T0+500 + 60 */
    assert_int_equal(watchdog_step(&st, T0 + 559, true, T0 + 500, T0, 60, 300), WD_NONE);
    assert_int_equal(watchdog_step(&st, T0 + 560, true, T0 + 500, T0, 60, 300), WD_ALERT);
    assert_int_equal(st.since, T0 + 500);
}

static void test_storing_is_no_stall(void **state)
{
    (void)state;
    wd_state st = {0};
    /* batches wait all along (one server away) but the other stores every 30 s: never an alert */
    for (int t = 0; t <= 600; t++)
        assert_int_equal(watchdog_step(&st, T0 + t, true, T0 + t / 30 * 30, T0, 60, 0), WD_NONE);
    /* an agent that started with a full spool counts from its start */
    wd_state s2 = {0};
    assert_int_equal(watchdog_step(&s2, T0, true, 0, T0, 60, 0), WD_NONE);
    assert_int_equal(watchdog_step(&s2, T0 + 59, true, 0, T0, 60, 0), WD_NONE);
    assert_int_equal(watchdog_step(&s2, T0 + 60, true, 0, T0, 60, 0), WD_ALERT);
}

static void test_not_sent_due_again(void **state)
{
    (void)state;
    wd_state st = {0};
    assert_int_equal(watchdog_step(&st, T0, true, 0, T0, 60, 0), WD_NONE);
    assert_int_equal(watchdog_step(&st, T0 + 60, true, 0, T0, 60, 0), WD_ALERT);
    watchdog_sent(&st, WD_ALERT, T0 + 60, 0, false);
    assert_int_equal(watchdog_step(&st, T0 + 120, true, 0, T0, 60, 0), WD_ALERT); /* still due */
    watchdog_sent(&st, WD_ALERT, T0 + 120, 0, true);
    assert_int_equal(watchdog_step(&st, T0 + 5000, true, 0, T0, 60, 0), WD_NONE); /* repeat 0: once */
    /* the spool emptied (everything stored): recovered; not sent: due again */
    assert_int_equal(watchdog_step(&st, T0 + 5001, false, T0 + 5000, T0, 60, 0), WD_RECOVERED);
    watchdog_sent(&st, WD_RECOVERED, T0 + 5001, 0, false);
    assert_int_equal(watchdog_step(&st, T0 + 5061, false, T0 + 5000, T0, 60, 0), WD_RECOVERED);
    watchdog_sent(&st, WD_RECOVERED, T0 + 5061, 0, true);
    assert_int_equal(watchdog_step(&st, T0 + 5062, false, T0 + 5000, T0, 60, 0), WD_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert_repeat_recover),
        cmocka_unit_test(test_storing_is_no_stall),
        cmocka_unit_test(test_not_sent_due_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

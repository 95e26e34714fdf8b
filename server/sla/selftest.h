/* selftest: a UPS's self-tests and calibrations, recorded from what its agent pushes, and the rule that
 * what a test does to a UPS is neither an outage nor a page.
 *
 * The data says a test through the vocabulary (mibs/vocabulary.yaml; the names in lib/vocab_names.h):
 * ups.test.result and ups.calibration.result carry one set of words for every vendor (passed, warning,
 * failed, aborted, in_progress, none, unknown), ups.test.running is 1 while a status flag says a test
 * runs, ups.test.date and ups.calibration.date are the UPS's own date of the last one (text YYYY-MM-DD).
 *
 *   selftest_ingest()  inside state_ingest's transaction: each UPS observation of a batch goes into
 *                      runs of one word and date (store/db_selftest.h), and the tests of a UPS whose runs
 *                      changed are derived again from them (selftest_derive), so that a late or replayed
 *                      batch lands at its own time and records a test once.
 *   selftest_caused()  whether a sample is what its device's test causes: its metric's `during_test` in
 *                      the vocabulary takes the reading, and the device is in a test at the sample's time
 *                      (an in_progress run, up to SELFTEST_COVER_STEPS steps after it was last seen).
 *                      health.c then does not count it against the device, alerts.c does not judge it.
 *                      Anything else (input lost, output off, an overload) still counts during a test.
 *
 * A test is watched when its in_progress was seen: start, end (its result first seen) and duration are
 * known. A test seen only by its result or its date changing is dated by the UPS's date, else by when
 * the change was seen; the result a UPS reports when first seen is its last test, dated by its date
 * (undated without one). */
#ifndef VIGIE_SELFTEST_H
#define VIGIE_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config/server_config.h"
#include "error.h"
#include "push.h"
#include "store/db.h"
#include "store/db_selftest.h"

#define SELFTEST_KIND_TEST "self-test"
#define SELFTEST_KIND_CALIBRATION "calibration"
#define SELFTEST_IN_PROGRESS "in_progress"
#define SELFTEST_RUNS_KEPT 400     /* runs per UPS and kind: some 200 tests */
#define SELFTEST_MAX_GAP 3600      /* in_progress seen again after more than this: another test, and an
                                    * end after it is not watched */
#define SELFTEST_COVER_STEPS 2     /* a test covers this many steps after its last in_progress sample */

/* The canonical word of a result text: passed, warning, failed, aborted, in_progress, none; anything
 * else (a word of an older profile, "code 9") is unknown. */
const char *selftest_word(const char *text);
/* passed, warning, failed or aborted: what a finished test gives. */
bool selftest_word_is_result(const char *word);

/* The tests a list of runs gives (oldest first; see the header's comment), into out (at most max, the
 * newest); returns how many. Pure: tests/unit/selftest_test.c drives it. */
size_t selftest_derive(const char *device, const char *kind, const db_selftest_run *runs, size_t n,
                       int64_t max_gap, db_selftest *out, size_t max);

/* Records the tests a stored batch shows (see above). */
vg_code selftest_ingest(db *d, const server_config *cfg, const char *site, const push_batch *b, vg_err *err);

/* What selftest_caused() remembers of the last device and time it looked up (samples of one device
 * and poll come together): zero it before a batch. */
typedef struct {
    char device[NAME_MAX_LEN + 1];
    int64_t ts;
    int in_test; /* -1 not looked up */
} selftest_memo;

/* Whether s (of site) is what its device's test causes. A failed look-up counts as not in a test. */
bool selftest_caused(db *d, const server_config *cfg, const char *site, const push_sample *s, selftest_memo *m);

/* ---- what a UPS's tests amount to at a time `when` (selftest_summary.c) ----------------------- */

#define SELFTEST_SITE_UPS_MAX 256 /* UPS of one site listed */
#define SELFTEST_LIST_MAX 200     /* tests of one UPS listed for a period */

typedef struct {
    char device[NAME_MAX_LEN + 1];
    bool has_last, has_passed, has_calibration;
    db_selftest last, passed, calibration; /* the newest self-test, passed self-test, calibration */
    bool in_progress;                      /* a self-test or calibration runs at `when` */
    char in_progress_kind[DB_SELFTEST_KIND_MAX + 1];
    int64_t in_progress_since;
    int64_t watched_since; /* the first word of its self-tests; 0: the UPS never gave one */
    int64_t age_days;      /* whole days from the last pass to `when`; -1 when not known */
} selftest_ups;

vg_code selftest_ups_get(db *d, const server_config *cfg, const char *site, const char *device, int64_t when,
                         selftest_ups *out, vg_err *err);
/* The UPS of a site: its devices of class ups and those that gave test words, in name order, at most
 * SELFTEST_SITE_UPS_MAX. Caller frees *names. */
vg_code selftest_site_ups(db *d, const char *site, char (**names)[NAME_MAX_LEN + 1], size_t *n, vg_err *err);
/* One test as JSON: kind, result, start, end, at, duration (null when not known), date (null when the
 * UPS gave none). */
json_t *selftest_test_json(const db_selftest *t);
/* Every UPS of a site at `when`, with the tests dated in [from, until): an array of {device,
 * in_progress, in_progress_kind, in_progress_since, last, last_passed, age_days, calibration, tests,
 * tests_in_period, passed_in_period, failed_in_period} (doc/api.md, GET /api/v1/selftests). */
vg_code selftest_site_json(db *d, const server_config *cfg, const char *site, int64_t from, int64_t until,
                           int64_t when, json_t **out, vg_err *err);

#endif

/* db_selftest: the tables of a UPS's self-tests and calibrations (schema: selftest_runs, selftests;
 * server/sla/selftest.h decides what they mean).
 *
 * selftest_runs holds what the UPS said, compacted: consecutive observations of one (site, device,
 * kind) with the same result word and device date are one run [start, last]. selftests holds the
 * tests derived from those runs (sla/selftest.c), replaced whole for a (site, device, kind) each time
 * its runs change, so that a late or replayed batch gives the same tests as one in order: a run is
 * the key of the test it gives (UNIQUE run), never two rows for one test. Both are bounded per
 * (site, device, kind): db_selftest_trim keeps the newest runs. */
#ifndef VIGIE_DB_SELFTEST_H
#define VIGIE_DB_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "names.h"
#include "store/db.h"

#define DB_SELFTEST_WORD_MAX 15 /* in_progress, passed ... (sla/selftest.h's words) */
#define DB_SELFTEST_DATE_MAX 10 /* YYYY-MM-DD */
#define DB_SELFTEST_KIND_MAX 15 /* self-test | calibration */

typedef struct {
    char word[DB_SELFTEST_WORD_MAX + 1];
    char date[DB_SELFTEST_DATE_MAX + 1]; /* "" when the UPS gives no date */
    int64_t start, last;                 /* first and last observation of the run */
} db_selftest_run;

/* Records one observation at ts. It extends the run before it (same word and date, and for
 * in_progress at most max_gap after it: a test seen again after a long silence is another one) or the
 * run after it, joins the two, or starts a run. An observation inside a run is not used (a replay;
 * the first word stands). *changed (may be NULL): whether a run began, moved its start or two were
 * joined (the tests derived from them change). */
vg_code db_selftest_observe(db *d, const char *site, const char *device, const char *kind, int64_t ts,
                            const char *word, const char *date, int64_t max_gap, bool *changed, vg_err *err);

/* The newest `max` runs of (site, device, kind), oldest first. Caller frees *out. */
vg_code db_selftest_runs(db *d, const char *site, const char *device, const char *kind, size_t max,
                         db_selftest_run **out, size_t *n, vg_err *err);
/* Deletes all but the newest `keep` runs of (site, device, kind). */
vg_code db_selftest_trim(db *d, const char *site, const char *device, const char *kind, size_t keep, vg_err *err);
/* Whether `device` of `site` was in a test (of any kind) at ts: an in_progress run with
 * start <= ts <= last + cover. */
vg_code db_selftest_in_test(db *d, const char *site, const char *device, int64_t ts, int64_t cover, bool *in,
                            vg_err *err);

/* One test, as sla/selftest.c derives it. Times are Unix seconds, 0 when not known. */
typedef struct {
    char device[NAME_MAX_LEN + 1];
    char kind[DB_SELFTEST_KIND_MAX + 1];
    char result[DB_SELFTEST_WORD_MAX + 1]; /* in_progress while it runs */
    char date[DB_SELFTEST_DATE_MAX + 1];   /* the UPS's own date of it, "" when none */
    int64_t start;  /* first seen in progress */
    int64_t last;   /* last seen in progress */
    int64_t end;    /* its result first seen, when it was watched to its end */
    int64_t at;     /* what it is dated by: start, else the UPS's date (00:00 UTC), else when its result was
                     * first seen; 0 for a result the UPS reported when first seen, without a date */
    int64_t run;    /* the start of the run it comes from: its key */
} db_selftest;

/* Replaces the tests of (site, device, kind) by tests[0..n). */
vg_code db_selftest_replace(db *d, const char *site, const char *device, const char *kind, const db_selftest *tests,
                            size_t n, vg_err *err);
/* The tests of a site (device NULL: every device) dated in [from, to), oldest first, at most max (the
 * newest max). Caller frees *out. */
vg_code db_selftest_list(db *d, const char *site, const char *device, int64_t from, int64_t to, size_t max,
                         db_selftest **out, size_t *n, vg_err *err);
/* The newest test of (site, device, kind) dated before `before` (result: any, or only this word when
 * result is not NULL); *found false when there is none. */
vg_code db_selftest_last(db *d, const char *site, const char *device, const char *kind, const char *result,
                         int64_t before, db_selftest *out, bool *found, vg_err *err);
/* The first observation of (site, device, kind): since when its tests are watched (0: never). */
vg_code db_selftest_first_seen(db *d, const char *site, const char *device, const char *kind, int64_t *first,
                               vg_err *err);
/* Calls fn for each device of site with runs, in name order. */
typedef void (*db_selftest_device_fn)(void *ctx, const char *device);
vg_code db_selftest_devices(db *d, const char *site, db_selftest_device_fn fn, void *ctx, vg_err *err);

#endif

/* view_selftests: the `self_tests` member of a site of report_build()'s document (sla/selftest.h,
 * selftest_site_json: per UPS its last test, last pass and that pass's age at the end of the period,
 * the tests of the period) read into C for the renderers, checked member by member as view.h does: a
 * missing or mistyped member is VG_E_INVALID naming it ("sites[0].self_tests[1].age_days"). A document
 * without the member (written before it existed) has no self-tests (NULL). Strings point into the
 * document. */
#ifndef VIGIE_REPORT_VIEW_SELFTESTS_H
#define VIGIE_REPORT_VIEW_SELFTESTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* One test: times 0 when the document gives null, date NULL. */
typedef struct {
    const char *kind, *result, *date;
    int64_t start, end, at, duration; /* duration -1 when not known */
} report_view_test;

typedef struct {
    const char *device;
    bool has_last, has_passed;
    report_view_test last, passed;
    int64_t age_days;                 /* -1 when not known */
    int64_t tests_in_period, passed_in_period, failed_in_period;
    report_view_test *tests;          /* the tests of the period, oldest first */
    size_t ntests;
} report_view_ups_tests;

typedef struct report_view_selftests {
    report_view_ups_tests *ups;
    size_t nups;
} report_view_selftests;

/* Reads site[self_tests] (at: the site's path, "sites[0]") into *out, NULL when absent. */
vg_code report_view_selftests_read(const json_t *site, const char *at, report_view_selftests **out, vg_err *err);
void report_view_selftests_free(report_view_selftests *v);

#endif

/* content_selftests: what every human format of the report says of a site's UPS self-tests (the
 * view's self_tests, view_selftests.h): one line per UPS (last test, its result, the last pass and its
 * age at the end of the period, the tests of the month), and one line per test of the month. The PDF
 * (pdf_selftests.c), the HTML and the CSV lay these out. */
#ifndef VIGIE_REPORT_CONTENT_SELFTESTS_H
#define VIGIE_REPORT_CONTENT_SELFTESTS_H

#include <stddef.h>

#include "report/report_render.h"
#include "report/view.h"

#define CONTENT_ST_TESTS_MAX 100 /* tests of a site listed in the month; the rest are counted */

typedef struct {
    const char *device;
    char last[64];    /* "03/10/2026 09:00", a date alone when the UPS gave only that, "–" */
    char result[48];  /* "réussi" */
    char passed[48];  /* the date of the last pass */
    char age[32];     /* "12 j" | "12 d"; "–" when not known */
    char month[96];   /* "3 (2 réussi(s), 1 échoué(s))" */
    int style;        /* 0, 1 the last test failed, 2 nothing known */
} content_st_row;

/* One row per UPS of the site, at most max; returns how many. */
size_t content_selftest_rows(const report_view_site *s, report_lang l, content_st_row *rows, size_t max);

typedef struct {
    const char *device;
    char when[64], kind[32], result[48], duration[48];
    int style;        /* 1: failed */
} content_st_test;

/* The tests of the month of every UPS, oldest first, at most max; *more: how many were left out. */
size_t content_selftest_tests(const report_view_site *s, report_lang l, content_st_test *rows, size_t max,
                              size_t *more);
/* The site's UPS self-tests in one sentence ("2 onduleur(s) : dernier succès il y a 6 j au plus"), for
 * the lines under the table; "" when the site has no UPS. */
void content_selftest_summary(const report_view_site *s, report_lang l, char *out, size_t size);

#endif

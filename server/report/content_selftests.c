#include "config.h"
#include "report/content_selftests.h"

#include <stdio.h>
#include <string.h>

#include "report/i18n.h"
#include "report/view_selftests.h"

/* "2026-09-01" in the language's way: "01/09/2026" | "2026-09-01". */
static void cs_date(report_lang l, const char *date, char *out, size_t size)
{
    int y, m, d;
    if (l == REPORT_LANG_FR && sscanf(date, "%4d-%2d-%2d", &y, &m, &d) == 3)
        snprintf(out, size, "%02d/%02d/%04d", d, m, y);
    else
        snprintf(out, size, "%s", date);
}

/* When a test was, in the site's zone: its start, else the UPS's date, else what it is dated by. */
static void cs_when(report_lang l, const report_view_test *t, const char *tz, bool date_only, char *out, size_t size)
{
    if (t->start > 0 && !date_only)
        report_render_time(l, t->start, tz, out, size);
    else if (t->date)
        cs_date(l, t->date, out, size);
    else if (t->at > 0)
        i18n_date(l, t->start > 0 ? t->start : t->at, tz, out, size);
    else
        snprintf(out, size, "%s", TR(l, "date inconnue", "date unknown"));
}

size_t content_selftest_rows(const report_view_site *s, report_lang l, content_st_row *rows, size_t max)
{
    const report_view_selftests *v = s->self_tests;
    size_t n = 0;
    for (size_t i = 0; v && i < v->nups && n < max; i++) {
        const report_view_ups_tests *u = &v->ups[i];
        content_st_row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->device = u->device;
        snprintf(r->last, sizeof r->last, "–");
        snprintf(r->result, sizeof r->result, "–");
        snprintf(r->passed, sizeof r->passed, "–");
        snprintf(r->age, sizeof r->age, "–");
        if (u->has_last) {
            cs_when(l, &u->last, s->timezone, false, r->last, sizeof r->last);
            snprintf(r->result, sizeof r->result, "%s", i18n_test_result(l, u->last.result));
        }
        if (u->has_passed)
            cs_when(l, &u->passed, s->timezone, true, r->passed, sizeof r->passed);
        if (u->age_days >= 0)
            snprintf(r->age, sizeof r->age, "%lld %s", (long long)u->age_days, TR(l, "j", "d"));
        snprintf(r->month, sizeof r->month, TR(l, "%lld (%lld réussi(s), %lld échoué(s))", "%lld (%lld passed, %lld failed)"),
                 (long long)u->tests_in_period, (long long)u->passed_in_period, (long long)u->failed_in_period);
        r->style = u->has_last && strcmp(u->last.result, "failed") == 0 ? 1 : !u->has_last ? 2 : 0;
    }
    return n;
}

size_t content_selftest_tests(const report_view_site *s, report_lang l, content_st_test *rows, size_t max,
                              size_t *more)
{
    const report_view_selftests *v = s->self_tests;
    size_t n = 0, total = 0;
    /* each UPS's list is oldest first; the lines are kept in that order, UPS by UPS */
    for (size_t i = 0; v && i < v->nups; i++)
        for (size_t k = 0; k < v->ups[i].ntests; k++, total++) {
            if (n == max)
                continue;
            const report_view_test *t = &v->ups[i].tests[k];
            content_st_test *r = &rows[n++];
            memset(r, 0, sizeof *r);
            r->device = v->ups[i].device;
            cs_when(l, t, s->timezone, false, r->when, sizeof r->when);
            snprintf(r->kind, sizeof r->kind, "%s", i18n_test_kind(l, t->kind));
            snprintf(r->result, sizeof r->result, "%s", i18n_test_result(l, t->result));
            if (t->duration >= 0)
                report_render_duration(l, (double)t->duration, r->duration, sizeof r->duration);
            else
                snprintf(r->duration, sizeof r->duration, "–");
            r->style = strcmp(t->result, "failed") == 0;
        }
    if (more)
        *more = total - n;
    return n;
}

void content_selftest_summary(const report_view_site *s, report_lang l, char *out, size_t size)
{
    const report_view_selftests *v = s->self_tests;
    out[0] = '\0';
    if (!v || v->nups == 0)
        return;
    int64_t oldest = -1;
    size_t unknown = 0;
    for (size_t i = 0; i < v->nups; i++) {
        if (v->ups[i].age_days < 0)
            unknown++;
        else if (v->ups[i].age_days > oldest)
            oldest = v->ups[i].age_days;
    }
    int w = snprintf(out, size, TR(l, "%zu onduleur(s)", "%zu UPS"), v->nups);
    if (w > 0 && (size_t)w < size && oldest >= 0)
        w += snprintf(out + w, size - (size_t)w, TR(l, " : dernier succès il y a %lld j au plus (à la fin de la période)",
                                                    ": last pass at most %lld d before the end of the period"),
                      (long long)oldest);
    if (w > 0 && (size_t)w < size && unknown)
        snprintf(out + w, size - (size_t)w, TR(l, " ; %zu sans succès daté", "; %zu without a dated pass"), unknown);
}

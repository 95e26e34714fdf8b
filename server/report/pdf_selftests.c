#include "config.h"
#include "report/pdf_selftests.h"

#include <stdio.h>
#include <stdlib.h>

#include "report/content_selftests.h"
#include "report/i18n.h"
#include "report/view_selftests.h"

static void ps_table(pdf_layout *p, const report_view_site *s, const content_st_row *rows, size_t n)
{
    report_lang l = p->l;
    pdf_col cols[] = {{TR(l, "Onduleur", "UPS"), 0.2, PDF_LEFT, true},
                      {TR(l, "Dernier test", "Last test"), 0.17, PDF_LEFT, false},
                      {TR(l, "Résultat", "Result"), 0.14, PDF_LEFT, false},
                      {TR(l, "Dernier succès", "Last pass"), 0.14, PDF_LEFT, false},
                      {TR(l, "Âge du succès", "Age of the pass"), 0.12, PDF_RIGHT, false},
                      {TR(l, "Tests du mois", "Tests this month"), 0.6, PDF_LEFT, true}};
    pdf_cells c;
    if (pdf_cells_init(&c, n * 6) != 0)
        return;
    for (size_t i = 0; i < n; i++) {
        pdf_cell(&c, rows[i].device, PDF_PLAIN);
        pdf_cell(&c, rows[i].last, PDF_PLAIN);
        pdf_cell(&c, rows[i].result, rows[i].style == 1 ? PDF_MISSED : rows[i].style == 2 ? PDF_NODATA : PDF_PLAIN);
        pdf_cell(&c, rows[i].passed, PDF_PLAIN);
        pdf_cell(&c, rows[i].age, PDF_PLAIN);
        pdf_cell(&c, rows[i].month, PDF_PLAIN);
    }
    pdf_table(p, cols, 6, c.cells, c.styles, n);
    pdf_cells_free(&c);
    (void)s;
}

static void ps_tests(pdf_layout *p, const report_view_site *s)
{
    report_lang l = p->l;
    content_st_test *t = calloc(CONTENT_ST_TESTS_MAX, sizeof *t);
    size_t more = 0, n = t ? content_selftest_tests(s, l, t, CONTENT_ST_TESTS_MAX, &more) : 0;
    pdf_cells c;
    if (n == 0 || pdf_cells_init(&c, n * 5) != 0) {
        if (t && n == 0)
            pdf_para(p, TR(l, "Aucun test d'onduleur dans la période.", "No UPS test in the period."),
                     "DejaVu Sans Oblique 8.5", PDF_GREY);
        free(t);
        return;
    }
    pdf_col cols[] = {{TR(l, "Date", "Date"), 0.2, PDF_LEFT, false},
                      {TR(l, "Onduleur", "UPS"), 0.4, PDF_LEFT, true},
                      {TR(l, "Test", "Test"), 0.16, PDF_LEFT, false},
                      {TR(l, "Résultat", "Result"), 0.16, PDF_LEFT, false},
                      {TR(l, "Durée", "Duration"), 0.14, PDF_RIGHT, false}};
    for (size_t i = 0; i < n; i++) {
        pdf_cell(&c, t[i].when, PDF_PLAIN);
        pdf_cell(&c, t[i].device, PDF_PLAIN);
        pdf_cell(&c, t[i].kind, PDF_PLAIN);
        pdf_cell(&c, t[i].result, t[i].style ? PDF_MISSED : PDF_PLAIN);
        pdf_cell(&c, t[i].duration, PDF_PLAIN);
    }
    pdf_table(p, cols, 5, c.cells, c.styles, n);
    pdf_cells_free(&c);
    if (more) {
        char text[128];
        snprintf(text, sizeof text, TR(l, "… et %zu autre(s) test(s) (le CSV et le JSON les ont tous).",
                                       "… and %zu more test(s) (the CSV and the JSON have them all)."), more);
        pdf_para(p, text, "DejaVu Sans Oblique 8.5", PDF_GREY);
    }
    free(t);
}

void pdf_selftests(pdf_layout *p, const report_view_site *s)
{
    if (!s->self_tests || s->self_tests->nups == 0)
        return;
    report_lang l = p->l;
    content_st_row *rows = calloc(s->self_tests->nups, sizeof *rows);
    if (!rows)
        return;
    size_t n = content_selftest_rows(s, l, rows, s->self_tests->nups);
    char text[300];
    pdf_heading(p, TR(l, "Autotests des onduleurs", "UPS self-tests"), false);
    ps_table(p, s, rows, n);
    content_selftest_summary(s, l, text, sizeof text);
    pdf_para(p, text, "DejaVu Sans 8", PDF_GREY);
    ps_tests(p, s);
    free(rows);
}

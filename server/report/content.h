/* content: what every human format of the report says, whatever it looks like: the cover's facts
 * (sites, targets met), a site's title and status, its figures table (the month and the year to
 * date), the period's span and what the figures were computed from; and the mail's text. */
#ifndef VIGIE_REPORT_CONTENT_H
#define VIGIE_REPORT_CONTENT_H

#include <stdbool.h>
#include <stddef.h>

#include "report/report_render.h"
#include "report/view.h"

typedef struct {
    char month[48]; /* "octobre 2026" */
    size_t nsites, met, nodata;
    bool same_target;
    double target; /* the first site's */
} content_facts;

void content_facts_get(const report_view *v, report_lang l, content_facts *f);

typedef enum { CONTENT_MET, CONTENT_MISSED, CONTENT_NODATA } content_status;

content_status content_site_status(const report_view_figures *f);
/* "atteint" | "non atteint" | "données insuffisantes" (NODATA: below the coverage, or nothing eligible) */
const char *content_status_word(report_lang l, content_status st);
/* "Data center Italie (italie)", or the id alone when it is the name */
void content_site_title(const report_view_site *s, char *out, size_t size);

/* One line of the figures table: label, the month, the year to date. */
typedef struct {
    char label[96];
    char month[96];
    char ytd[96];
    int style; /* 0, or the month cell coloured: 1 met, 2 missed, 3 no data */
} content_fig_row;

#define CONTENT_FIG_ROWS 11
/* The rows (CONTENT_FIG_ROWS of them); returns their number. */
size_t content_figure_rows(const report_view_site *s, report_lang l, content_fig_row r[CONTENT_FIG_ROWS]);
/* "Target met by 2 site(s) of 3." and, when some have no verdict, how many and why */
void content_summary_line(report_lang l, const content_facts *fa, char *out, size_t size);
/* "97,3 % (minimum 90 %)": the share of the time monitored, and the least that gives a verdict */
void content_coverage(report_lang l, double coverage, double min, char *out, size_t size);
/* The downtime of the year as a share of the year's budget; NAN without a budget. */
double content_ytd_budget(const report_view_site *s);

/* "01/10/2026 00:00 – 01/11/2026 00:00 (745 h)", and until when it was counted */
void content_period_span(report_lang l, const report_view_site *s, char *out, size_t size);
/* The sites' zones, policies for unknown time, ids: each once, in the sites' order. */
void content_zones(const report_view *v, char *out, size_t size);
void content_policies(const report_view *v, report_lang l, char *out, size_t size);
void content_site_list(const report_view *v, char *out, size_t size);

#endif

/* csv_out: the CSV writer every CSV of the reports uses (csv.c, the monthly report; contract_csv.c,
 * the délégataire's): fields quoted as RFC 4180 wants, free text kept from being read as a formula,
 * numbers with the language's decimal mark, rows ended with CRLF. The language decides the separator
 * (French ';', English ','). */
#ifndef VIGIE_REPORT_CSV_OUT_H
#define VIGIE_REPORT_CSV_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report_render.h"

typedef struct {
    FILE *f;
    report_lang l;
    char sep;
    bool first; /* the next field starts a row */
} csv_out;

/* A writer to f in language l: the separator set, at the start of a row. */
csv_out csv_out_start(FILE *f, report_lang l);
void csv_field(csv_out *c, const char *s);
/* Free text (names, causes, reasons) a spreadsheet would take for a formula ("=HYPERLINK(...)")
 * gets a leading quote. */
void csv_text(csv_out *c, const char *s);
void csv_end(csv_out *c);
void csv_int(csv_out *c, int64_t v);
/* a number with the language's decimal mark; empty when there is none (NAN) */
void csv_num(csv_out *c, double v, int decimals);
void csv_bool(csv_out *c, bool v); /* oui/non, yes/no */
/* The cells of a NULL-terminated list, then the end of the row. */
void csv_row(csv_out *c, const char *const *cells);

#endif

/* energy_formats: a site's energy and headroom in the HTML report (a table and the daily PUE as inline
 * SVG bars, no script) and in the CSV (sections energy, energy_days, headroom, headroom_pdu, each with
 * its header line, written through the CSV's own field writer so that quoting and decimal marks are
 * the rest of the file's). Sites without an energy member (view_energy.h) are skipped. */
#ifndef VIGIE_REPORT_ENERGY_FORMATS_H
#define VIGIE_REPORT_ENERGY_FORMATS_H

#include <stdio.h>

#include "report/report_render.h"
#include "report/view.h"

void html_energy_site(FILE *f, const report_view_site *s, report_lang l);

/* field(ctx, text) writes one field of the current row, end(ctx) ends the row. */
typedef void (*csv_energy_field_fn)(void *ctx, const char *text);
typedef void (*csv_energy_end_fn)(void *ctx);
void csv_energy_sections(const report_view *v, report_lang l, csv_energy_field_fn field, csv_energy_end_fn end,
                         void *ctx);

#endif

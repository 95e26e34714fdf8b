/* energy_content: the sentences and cells of a site's energy and headroom part, the same in the PDF and
 * the HTML (pdf_energy.c, html_energy.c), French or English (i18n.h). */
#ifndef VIGIE_REPORT_ENERGY_CONTENT_H
#define VIGIE_REPORT_ENERGY_CONTENT_H

#include <stddef.h>

#include "report/report_render.h"
#include "report/view_energy.h"

/* "144,0 kWh" ("n.d." for NAN) */
void energy_content_kwh(report_lang l, double kwh, char *out, size_t size);
/* A side: "144,0 kWh – mesurée 100,0 % du temps – entrées des onduleurs (…)", or why it is missing. */
void energy_content_side(report_lang l, const report_view_energy_side *s, char *out, size_t size);
/* The month's PUE: "1,250", or why there is none. */
void energy_content_pue(report_lang l, const report_view_energy *e, char *out, size_t size);
/* The power headroom at the peak: "pointe 2700 W pour 10000 W utilisables : marge 7300 W (73,0 %)". */
void energy_content_power(report_lang l, const report_view_energy *e, char *out, size_t size);
/* The cooling headroom, or what is not reported. */
void energy_content_cooling(report_lang l, const report_view_energy *e, char *out, size_t size);

#endif

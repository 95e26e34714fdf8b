/* pdf_energy: the PDF report's part of a site on energy and headroom — the month's kWh of the facility
 * and of IT with their coverage, the PUE (or why there is none), a bar chart of the daily PUE drawn
 * with cairo, the UPS and PDU phase headroom at the month's peak and the cooling's (pdf_layout.h). A
 * site whose document has no energy member (view_energy.h) gets nothing. */
#ifndef VIGIE_REPORT_PDF_ENERGY_H
#define VIGIE_REPORT_PDF_ENERGY_H

#include "report/pdf_layout.h"
#include "report/view.h"

void pdf_energy_site(pdf_layout *p, const report_view_site *s);

#endif

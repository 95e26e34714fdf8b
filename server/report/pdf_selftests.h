/* pdf_selftests: the PDF report's section on a site's UPS self-tests (content_selftests.h), laid out
 * with pdf_layout.h: a table of the UPS, then the tests of the month. */
#ifndef VIGIE_REPORT_PDF_SELFTESTS_H
#define VIGIE_REPORT_PDF_SELFTESTS_H

#include "report/pdf_layout.h"
#include "report/view.h"

/* Nothing when the document has no self-tests for the site (no UPS, or a document of before). */
void pdf_selftests(pdf_layout *p, const report_view_site *s);

#endif

/* pdf_doc: the two passes every PDF of the reports is drawn in (pdf_pages.c, the monthly report;
 * contract_pdf.c, the délégataire's): the first, into nothing, counts the pages for "page 3 / 7", the
 * second draws them into the document with its metadata (title, creator, the digest as subject, the
 * creation date). The drawing function gets a layout on page 1 at the top, its furniture not drawn. */
#ifndef VIGIE_REPORT_PDF_DOC_H
#define VIGIE_REPORT_PDF_DOC_H

#include <stdint.h>

#include "error.h"
#include "report/pdf_layout.h"
#include "report/report_render.h"

typedef void (*pdf_doc_draw)(pdf_layout *p, const void *arg);

/* like: l, running, digest, software and vocab of the layouts to draw with; the document into out.
 * VG_E_NOMEM, VG_E_INTERNAL (cairo's message). */
vg_code pdf_doc_render(const pdf_layout *like, int64_t generated_at, pdf_doc_draw draw, const void *arg,
                       report_render_out *out, vg_err *err);

#endif

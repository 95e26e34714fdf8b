/* contract_formats: the renderers of the délégataire's report, one per format, all reading the view
 * (contract_view.h); contract_render.c reads the document once and hands the view to one of them. */
#ifndef VIGIE_REPORT_CONTRACT_FORMATS_H
#define VIGIE_REPORT_CONTRACT_FORMATS_H

#include "error.h"
#include "report/contract_view.h"
#include "report/report_render.h"

vg_code contract_pdf(const cview *v, report_lang l, report_render_out *out, vg_err *err);
vg_code contract_html(const cview *v, report_lang l, report_render_out *out, vg_err *err);
vg_code contract_csv(const cview *v, report_lang l, report_render_out *out, vg_err *err);

#endif

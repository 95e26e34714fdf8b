/* formats: the renderers of the report, one per format, all reading the typed view (report/view.h),
 * and the memory stream each writes its document into. report_render.c builds the view once and
 * hands it to one of them. */
#ifndef VIGIE_REPORT_FORMATS_H
#define VIGIE_REPORT_FORMATS_H

#include <stdio.h>

#include "error.h"
#include "report/report_render.h"
#include "report/view.h"

typedef struct {
    FILE *f;
    char *data;
    size_t len;
} report_buf;

vg_code report_buf_open(report_buf *b, vg_err *err);
/* Hands the text to out; on a write error the text is freed and VG_E_NOMEM returned. */
vg_code report_buf_close(report_buf *b, report_render_out *out, vg_err *err);

vg_code report_csv(const report_view *v, const report_render_opts *o, report_render_out *out, vg_err *err);
vg_code report_html(const report_view *v, const report_render_opts *o, report_render_out *out, vg_err *err);
vg_code report_pdf(const report_view *v, const report_render_opts *o, report_render_out *out, vg_err *err);
vg_code report_json(const report_view *v, report_render_out *out, vg_err *err);

#endif

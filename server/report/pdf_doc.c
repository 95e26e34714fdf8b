/* The reports' two-pass PDF writer (pdf_doc.h). */
#include "config.h"
#include "report/pdf_doc.h"

#include <cairo-pdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "report/formats.h"

static cairo_status_t pdf_doc_write(void *closure, const unsigned char *data, unsigned int length)
{
    FILE *f = closure;
    return fwrite(data, 1, length, f) == length ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static cairo_status_t pdf_doc_discard(void *closure, const unsigned char *data, unsigned int length)
{
    (void)closure;
    (void)data;
    (void)length;
    return CAIRO_STATUS_SUCCESS;
}

/* One pass over the whole document: the number of pages in *npages. */
static vg_code pdf_doc_pass(const pdf_layout *like, int64_t generated_at, pdf_doc_draw draw, const void *arg, int pages,
                            cairo_write_func_t write, void *closure, int *npages, vg_err *err)
{
    char gen[40];
    cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(write, closure, PDF_PW, PDF_PH);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, like->running);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, like->software);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_SUBJECT, like->digest);
    time_t g = (time_t)generated_at;
    struct tm tm;
    gmtime_r(&g, &tm);
    strftime(gen, sizeof gen, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, gen);
    cairo_t *cr = cairo_create(surf);
    pdf_layout p = *like;
    p.cr = cr;
    p.y = PDF_TOP;
    p.page = 1;
    p.pages = pages;
    draw(&p, arg);
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surf);
    cairo_status_t st = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    if (st != CAIRO_STATUS_SUCCESS)
        return vg_fail(err, st == CAIRO_STATUS_NO_MEMORY ? VG_E_NOMEM : VG_E_INTERNAL, "cairo: %s",
                       cairo_status_to_string(st));
    *npages = p.page;
    return VG_OK;
}

vg_code pdf_doc_render(const pdf_layout *like, int64_t generated_at, pdf_doc_draw draw, const void *arg,
                       report_render_out *out, vg_err *err)
{
    int pages = 0;
    vg_code rc = pdf_doc_pass(like, generated_at, draw, arg, 0, pdf_doc_discard, NULL, &pages, err);
    report_buf b;
    if (rc != VG_OK || (rc = report_buf_open(&b, err)) != VG_OK)
        return rc;
    rc = pdf_doc_pass(like, generated_at, draw, arg, pages, pdf_doc_write, b.f, &pages, err);
    if (rc == VG_OK)
        return report_buf_close(&b, out, err);
    fclose(b.f);
    free(b.data);
    return rc;
}

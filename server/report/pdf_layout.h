/* pdf_layout: a small layout engine for the PDF report on cairo and pango: text that flows and wraps,
 * headings that never end a page alone, tables whose columns fit their content and that continue on
 * the next page under their header again, and the page furniture (running header, footer with the
 * digest and "page 3 / 7"). Pages are A4 portrait, in points. The document is laid out twice: the
 * first pass (pages 0) counts the pages, the second draws them. */
#ifndef VIGIE_REPORT_PDF_LAYOUT_H
#define VIGIE_REPORT_PDF_LAYOUT_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

#include "report/report_render.h"

#define PDF_PW 595.276
#define PDF_PH 841.89
#define PDF_ML 48.0
#define PDF_CW (PDF_PW - 2 * PDF_ML)
#define PDF_TOP 62.0
#define PDF_BOTTOM (PDF_PH - 52.0)

typedef struct {
    double r, g, b;
} pdf_rgb;

typedef struct {
    cairo_t *cr;
    report_lang l;
    double y;
    int page, pages;
    const char *running; /* the running header: "Rapport … – octobre 2026" */
    const char *digest;
    const char *software;
    const vocab *vocab; /* the services' words */
} pdf_layout;

enum { PDF_LEFT, PDF_RIGHT, PDF_CENTER }; /* alignments */

extern const pdf_rgb PDF_NAVY, PDF_TEXT, PDF_GREY, PDF_LINE, PDF_ZEBRA, PDF_WHITE, PDF_OK, PDF_OK_BG, PDF_BAD,
    PDF_BAD_BG, PDF_NA_BG;

typedef struct {
    const char *head;
    double frac;  /* share of the width left by the other columns */
    int align;
    bool wrap;    /* free text (names, causes, reasons): wraps; the other columns get their natural width */
} pdf_col;

enum { PDF_PLAIN = 0, PDF_MET, PDF_MISSED, PDF_NODATA, PDF_BOLD, PDF_MONO };

/* Strings of a table, kept until it is drawn. */
typedef struct {
    char (*s)[256];
    const char **cells;
    int *styles;
    size_t n, cap;
} pdf_cells;

/* Lays out text in a box of width w at (x, y) (w <= 0: on one line), wrapping at words (then
 * anywhere when word_char); draws it when draw. Returns its height; *width (when not NULL) its
 * natural width. */
double pdf_text_ex(pdf_layout *p, double x, double y, double w, const char *text, const char *font, pdf_rgb c,
                   int align, bool draw, bool word_char, double *width);
double pdf_text(pdf_layout *p, double x, double y, double w, const char *text, const char *font, pdf_rgb c, int align,
                bool draw);
/* How wide text is on one line. */
double pdf_width(pdf_layout *p, const char *text, const char *font);
void pdf_rect(pdf_layout *p, double x, double y, double w, double h, pdf_rgb c);
void pdf_hline(pdf_layout *p, double x, double y, double w, pdf_rgb c, double width);
/* The running header (not on the cover) and the footer of the current page. */
void pdf_page_furniture(pdf_layout *p, bool cover);
void pdf_new_page(pdf_layout *p);
/* A new page unless h points fit above the bottom margin. */
void pdf_need(pdf_layout *p, double h);
void pdf_heading(pdf_layout *p, const char *text, bool big);
void pdf_para(pdf_layout *p, const char *text, const char *font, pdf_rgb c);
/* A table of nrows x ncols cells (styles: one per cell, or NULL), continued on the next page with its
 * header repeated. */
void pdf_table(pdf_layout *p, const pdf_col *cols, int ncols, const char *const *cells, const int *styles,
               size_t nrows);
/* The cells of a table, copied until it is drawn. -1 without memory (then nothing to free). */
int pdf_cells_init(pdf_cells *c, size_t cap);
void pdf_cells_free(pdf_cells *c);
void pdf_cell(pdf_cells *c, const char *text, int style);

#endif

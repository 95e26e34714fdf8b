#include "config.h"
#include "report/pdf_layout.h"

#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

#include "report/i18n.h"

const pdf_rgb PDF_NAVY = {0.122, 0.227, 0.373}, PDF_TEXT = {0.13, 0.13, 0.13}, PDF_GREY = {0.42, 0.42, 0.42},
                    PDF_LINE = {0.79, 0.82, 0.86}, PDF_ZEBRA = {0.957, 0.965, 0.976}, PDF_WHITE = {1, 1, 1},
                    PDF_OK = {0.106, 0.369, 0.125}, PDF_OK_BG = {0.890, 0.949, 0.894}, PDF_BAD = {0.718, 0.110, 0.110},
                    PDF_BAD_BG = {0.992, 0.925, 0.918}, PDF_NA_BG = {0.933, 0.933, 0.933};


/* Lays out text in a box of width w at (x, y) (w <= 0: on one line), wrapping at words (then
 * anywhere when word_char); draws it when draw. Returns its height; *width its natural width. */
double pdf_text_ex(pdf_layout *p, double x, double y, double w, const char *text, const char *font, pdf_rgb c,
                          int align, bool draw, bool word_char, double *width)
{
    PangoLayout *lay = pango_cairo_create_layout(p->cr);
    pango_cairo_context_set_resolution(pango_layout_get_context(lay), 72);
    pango_layout_context_changed(lay);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(lay, w > 0 ? (int)(w * PANGO_SCALE) : -1);
    pango_layout_set_wrap(lay, word_char ? PANGO_WRAP_WORD_CHAR : PANGO_WRAP_WORD);
    pango_layout_set_alignment(lay, align == PDF_RIGHT ? PANGO_ALIGN_RIGHT : align == PDF_CENTER ? PANGO_ALIGN_CENTER
                                                                                              : PANGO_ALIGN_LEFT);
    pango_layout_set_text(lay, text, -1);
    int pw, ph;
    pango_layout_get_size(lay, &pw, &ph);
    if (width) {
        PangoRectangle ink, logical;
        pango_layout_get_extents(lay, &ink, &logical);
        *width = (double)logical.width / PANGO_SCALE;
    }
    if (draw) {
        cairo_set_source_rgb(p->cr, c.r, c.g, c.b);
        cairo_move_to(p->cr, x, y);
        pango_cairo_show_layout(p->cr, lay);
    }
    g_object_unref(lay);
    return (double)ph / PANGO_SCALE;
}

double pdf_text(pdf_layout *p, double x, double y, double w, const char *text, const char *font, pdf_rgb c, int align,
                       bool draw)
{
    return pdf_text_ex(p, x, y, w, text, font, c, align, draw, true, NULL);
}

/* How wide text is on one line. */
double pdf_width(pdf_layout *p, const char *text, const char *font)
{
    double w;
    pdf_text_ex(p, 0, 0, 0, text, font, PDF_TEXT, PDF_LEFT, false, true, &w);
    return w;
}

void pdf_rect(pdf_layout *p, double x, double y, double w, double h, pdf_rgb c)
{
    cairo_set_source_rgb(p->cr, c.r, c.g, c.b);
    cairo_rectangle(p->cr, x, y, w, h);
    cairo_fill(p->cr);
}

void pdf_hline(pdf_layout *p, double x, double y, double w, pdf_rgb c, double width)
{
    cairo_set_source_rgb(p->cr, c.r, c.g, c.b);
    cairo_set_line_width(p->cr, width);
    cairo_move_to(p->cr, x, y);
    cairo_line_to(p->cr, x + w, y);
    cairo_stroke(p->cr);
}

/* The running header and the footer of the current page. */
void pdf_page_furniture(pdf_layout *p, bool cover)
{
    if (!cover) {
        pdf_text(p, PDF_ML, 30, PDF_CW * 0.7, p->running, "DejaVu Sans 7.5", PDF_GREY, PDF_LEFT, true);
        pdf_text(p, PDF_ML + PDF_CW * 0.7, 30, PDF_CW * 0.3, p->software, "DejaVu Sans 7.5", PDF_GREY, PDF_RIGHT, true);
        pdf_hline(p, PDF_ML, 42, PDF_CW, PDF_LINE, 0.6);
    }
    pdf_hline(p, PDF_ML, PDF_PH - 40, PDF_CW, PDF_LINE, 0.6);
    char left[160], right[64];
    snprintf(left, sizeof left, "SHA-256 %.16s…", p->digest);
    if (p->pages)
        snprintf(right, sizeof right, "%s %d / %d", TR(p->l, "page", "page"), p->page, p->pages);
    else
        snprintf(right, sizeof right, "%s %d", TR(p->l, "page", "page"), p->page);
    pdf_text(p, PDF_ML, PDF_PH - 35, PDF_CW * 0.7, left, "DejaVu Sans Mono 7", PDF_GREY, PDF_LEFT, true);
    pdf_text(p, PDF_ML + PDF_CW * 0.7, PDF_PH - 35, PDF_CW * 0.3, right, "DejaVu Sans 7.5", PDF_GREY, PDF_RIGHT, true);
}

void pdf_new_page(pdf_layout *p)
{
    cairo_show_page(p->cr);
    p->page++;
    p->y = PDF_TOP;
    pdf_page_furniture(p, false);
}

void pdf_need(pdf_layout *p, double h)
{
    if (p->y + h > PDF_BOTTOM)
        pdf_new_page(p);
}

void pdf_heading(pdf_layout *p, const char *text, bool big)
{
    const char *font = big ? "DejaVu Sans Bold 13" : "DejaVu Sans Bold 10.5";
    double h = pdf_text(p, PDF_ML, 0, PDF_CW, text, font, PDF_NAVY, PDF_LEFT, false);
    pdf_need(p, h + 40); /* a heading never ends a page alone */
    p->y += big ? 10 : 8;
    pdf_text(p, PDF_ML, p->y, PDF_CW, text, font, PDF_NAVY, PDF_LEFT, true);
    p->y += h + 2;
    if (big) {
        pdf_hline(p, PDF_ML, p->y, PDF_CW, PDF_NAVY, 1.4);
        p->y += 5;
    } else {
        p->y += 2;
    }
}

void pdf_para(pdf_layout *p, const char *text, const char *font, pdf_rgb c)
{
    double h = pdf_text(p, PDF_ML, 0, PDF_CW, text, font, c, PDF_LEFT, false);
    pdf_need(p, h);
    pdf_text(p, PDF_ML, p->y, PDF_CW, text, font, c, PDF_LEFT, true);
    p->y += h + 4;
}

#define PAD_X 4.0
#define PAD_Y 2.6
#define F_HEAD "DejaVu Sans Bold 7.5"
#define F_CELL "DejaVu Sans 8"
#define F_CELL_BOLD "DejaVu Sans Bold 8"
#define F_CELL_MONO "DejaVu Sans Mono 7.5"

static const char *pdf_cell_font(int st, bool header)
{
    if (header)
        return F_HEAD;
    return st == PDF_MONO ? F_CELL_MONO : st == PDF_BOLD || st == PDF_MET || st == PDF_MISSED ? F_CELL_BOLD : F_CELL;
}

/* The widest word of a header: headers wrap between words only. */
static double pdf_head_width(pdf_layout *p, const char *head)
{
    double w = 0;
    char word[128];
    while (*head) {
        size_t n = strcspn(head, " ");
        snprintf(word, sizeof word, "%.*s", (int)n, head);
        double x = pdf_width(p, word, F_HEAD);
        if (x > w)
            w = x;
        head += n;
        head += strspn(head, " ");
    }
    return w;
}

/* Column widths: the natural width of the columns that do not wrap, the rest of the page to those
 * that do; scaled to the page when nothing wraps or when it does not fit. */
static void pdf_widths(pdf_layout *p, const pdf_col *cols, int ncols, const char *const *cells, const int *styles,
                       size_t nrows, double *w)
{
    double fixed = 0, wrapfrac = 0, natural = 0;
    for (int c = 0; c < ncols; c++) {
        if (cols[c].wrap) {
            wrapfrac += cols[c].frac;
            w[c] = 0;
            continue;
        }
        double m = cols[c].head ? pdf_head_width(p, cols[c].head) : 0;
        for (size_t r = 0; r < nrows; r++) {
            size_t i = r * (size_t)ncols + (size_t)c;
            double x = pdf_width(p, cells[i], pdf_cell_font(styles ? styles[i] : PDF_PLAIN, false));
            if (x > m)
                m = x;
        }
        w[c] = m + 2 * PAD_X + 1;
        fixed += w[c];
    }
    double rest = PDF_CW - fixed;
    if (wrapfrac > 0 && rest >= 70 * wrapfrac) {
        for (int c = 0; c < ncols; c++)
            if (cols[c].wrap)
                w[c] = rest * cols[c].frac / wrapfrac;
        return;
    }
    if (wrapfrac == 0 && rest >= 0) { /* spread what is left over every column */
        for (int c = 0; c < ncols; c++)
            w[c] += rest / ncols;
        return;
    }
    for (int c = 0; c < ncols; c++)
        natural += cols[c].frac;
    for (int c = 0; c < ncols; c++)
        w[c] = PDF_CW * cols[c].frac / natural;
}

static double pdf_row_height(pdf_layout *p, const double *w, int ncols, const char *const *cells, const int *styles,
                             bool header)
{
    double h = 0;
    for (int c = 0; c < ncols; c++) {
        int st = styles ? styles[c] : PDF_PLAIN;
        double t = pdf_text_ex(p, 0, 0, w[c] - 2 * PAD_X, cells[c], pdf_cell_font(st, header), PDF_TEXT, PDF_LEFT, false,
                               !header, NULL);
        if (t > h)
            h = t;
    }
    return h + 2 * PAD_Y;
}

static void pdf_row(pdf_layout *p, const pdf_col *cols, const double *w, int ncols, const char *const *cells,
                    const int *styles, double h, bool header, bool zebra)
{
    double x = PDF_ML;
    if (header)
        pdf_rect(p, PDF_ML, p->y, PDF_CW, h, PDF_NAVY);
    else if (zebra)
        pdf_rect(p, PDF_ML, p->y, PDF_CW, h, PDF_ZEBRA);
    for (int c = 0; c < ncols; c++) {
        int st = styles ? styles[c] : PDF_PLAIN;
        pdf_rgb fg = header ? PDF_WHITE : PDF_TEXT;
        if (st == PDF_MET || st == PDF_MISSED || st == PDF_NODATA) {
            pdf_rect(p, x, p->y, w[c], h, st == PDF_MET ? PDF_OK_BG : st == PDF_MISSED ? PDF_BAD_BG : PDF_NA_BG);
            fg = st == PDF_MET ? PDF_OK : st == PDF_MISSED ? PDF_BAD : PDF_GREY;
        }
        pdf_text_ex(p, x + PAD_X, p->y + PAD_Y, w[c] - 2 * PAD_X, cells[c], pdf_cell_font(st, header), fg,
                    cols[c].align, true, !header, NULL);
        x += w[c];
    }
    if (!header)
        pdf_hline(p, PDF_ML, p->y + h, PDF_CW, PDF_LINE, 0.5);
    p->y += h;
}

/* A table that continues on the next page with its header repeated. cells: nrows x ncols. */
void pdf_table(pdf_layout *p, const pdf_col *cols, int ncols, const char *const *cells, const int *styles, size_t nrows)
{
    const char *heads[16];
    double w[16];
    bool has_head = cols[0].head != NULL;
    for (int c = 0; c < ncols; c++)
        heads[c] = cols[c].head ? cols[c].head : "";
    pdf_widths(p, cols, ncols, cells, styles, nrows, w);
    double hh = has_head ? pdf_row_height(p, w, ncols, heads, NULL, true) : 0;
    double first = nrows ? pdf_row_height(p, w, ncols, cells, styles, false) : 0;
    pdf_need(p, hh + first);
    if (has_head)
        pdf_row(p, cols, w, ncols, heads, NULL, hh, true, false);
    for (size_t r = 0; r < nrows; r++) {
        const char *const *row = cells + r * (size_t)ncols;
        const int *st = styles ? styles + r * (size_t)ncols : NULL;
        double h = pdf_row_height(p, w, ncols, row, st, false);
        if (p->y + h > PDF_BOTTOM) {
            pdf_new_page(p);
            if (has_head)
                pdf_row(p, cols, w, ncols, heads, NULL, hh, true, false);
        }
        pdf_row(p, cols, w, ncols, row, st, h, false, r % 2 == 1);
    }
    p->y += 8;
}

void pdf_cells_free(pdf_cells *c)
{
    free(c->s);
    free(c->cells);
    free(c->styles);
    c->s = NULL;
    c->cells = NULL;
    c->styles = NULL;
}

int pdf_cells_init(pdf_cells *c, size_t cap)
{
    c->s = calloc(cap ? cap : 1, sizeof *c->s);
    c->cells = calloc(cap ? cap : 1, sizeof *c->cells);
    c->styles = calloc(cap ? cap : 1, sizeof *c->styles);
    c->n = 0;
    c->cap = cap;
    if (c->s && c->cells && c->styles)
        return 0;
    pdf_cells_free(c); /* nothing to free for the caller */
    return -1;
}


void pdf_cell(pdf_cells *c, const char *text, int style)
{
    if (c->n >= c->cap)
        return;
    snprintf(c->s[c->n], sizeof c->s[0], "%s", text);
    c->cells[c->n] = c->s[c->n];
    c->styles[c->n++] = style;
}


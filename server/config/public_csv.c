#include "config.h"
#include "config/public_csv.h"

#include <stdio.h>
#include <string.h>

void public_csv_init(public_csv *c, const char *text, size_t len)
{
    memset(c, 0, sizeof *c);
    c->p = text;
    c->end = text + len;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) /* a spreadsheet's BOM: not a character of the header */
        c->p += 3;
    c->line_start = c->p;
    c->line = 1;
}

/* The character column of q on its line, from 1 (UTF-8 continuation bytes do not count). */
static int pcsv_col(const public_csv *c, const char *q)
{
    int n = 1;
    for (const char *s = c->line_start; s < q; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool pcsv_eol(const public_csv *c, const char *q)
{
    return q < c->end && (*q == '\n' || (*q == '\r' && q + 1 < c->end && q[1] == '\n'));
}

/* Past the next line end (or to the end of the text). */
static void pcsv_skip_line(public_csv *c)
{
    while (c->p < c->end && *c->p != '\n')
        c->p++;
    if (c->p < c->end) {
        c->p++;
        c->line++;
        c->line_start = c->p;
    }
}

static int pcsv_fail(public_csv *c, const char *at, char *msg, size_t size, int *line, int *col, const char *what,
                     bool skip)
{
    *line = c->line;
    *col = pcsv_col(c, at);
    snprintf(msg, size, "%s", what);
    if (skip)
        pcsv_skip_line(c);
    return -1;
}

static void pcsv_trim(public_csv_field *f, char *start, size_t *len)
{
    while (*len && (start[*len - 1] == ' ' || start[*len - 1] == '\t'))
        start[--*len] = '\0';
    while (*start == ' ' || *start == '\t') {
        start++;
        (*len)--;
        f->col++;
    }
    f->val = start;
}

/* One field from c->p; 0 or -1 (error reported). */
static int pcsv_field(public_csv *c, const char *rec_start, char *msg, size_t size, int *line, int *col)
{
    public_csv_field *f = &c->f[c->nf];
    char *start = c->buf + c->used;
    size_t len = 0;
    f->line = c->line;
    f->col = pcsv_col(c, c->p);
    f->quoted = c->p < c->end && *c->p == '"';
    if (f->quoted) {
        c->p++;
        int qline = c->line, qcol = f->col;
        for (;;) {
            if (c->p >= c->end) {
                *line = qline;
                *col = qcol;
                snprintf(msg, size, "this quote is never closed");
                return -1; /* the rest of the file is inside it */
            }
            if ((size_t)(c->p - rec_start) > PUBLIC_LINE_MAX)
                break;
            if (*c->p == '"') {
                if (c->p + 1 < c->end && c->p[1] == '"') {
                    start[len++] = '"';
                    c->p += 2;
                    continue;
                }
                c->p++;
                break;
            }
            start[len++] = *c->p;
            if (*c->p++ == '\n') {
                c->line++;
                c->line_start = c->p;
            }
        }
        if ((size_t)(c->p - rec_start) <= PUBLIC_LINE_MAX && c->p < c->end && *c->p != ',' && !pcsv_eol(c, c->p))
            return pcsv_fail(c, c->p, msg, size, line, col,
                             "text after the closing quote (a quote inside a field is written \"\")", true);
    } else {
        while (c->p < c->end && *c->p != ',' && !pcsv_eol(c, c->p) && (size_t)(c->p - rec_start) <= PUBLIC_LINE_MAX) {
            if (*c->p == '"')
                return pcsv_fail(c, c->p, msg, size, line, col,
                                 "a quote inside an unquoted field (quote the whole field, and write a quote as \"\")",
                                 true);
            start[len++] = *c->p++;
        }
    }
    if ((size_t)(c->p - rec_start) > PUBLIC_LINE_MAX) {
        char what[96];
        snprintf(what, sizeof what, "line longer than %d bytes", PUBLIC_LINE_MAX);
        *line = c->rec_line;
        *col = 1;
        snprintf(msg, size, "%s", what);
        pcsv_skip_line(c);
        return -1;
    }
    start[len] = '\0';
    c->used += len + 1;
    if (f->quoted)
        f->val = start;
    else
        pcsv_trim(f, start, &len);
    c->nf++;
    return 0;
}

int public_csv_next(public_csv *c, char *msg, size_t size, int *line, int *col)
{
    for (;;) {
        if (c->p >= c->end)
            return 0;
        const char *rec_start = c->p;
        c->rec_line = c->line;
        c->nf = 0;
        c->used = 0;
        for (;;) {
            if (c->nf == PUBLIC_CSV_MAX_FIELDS) {
                char what[64];
                snprintf(what, sizeof what, "more than %d fields", PUBLIC_CSV_MAX_FIELDS);
                return pcsv_fail(c, c->p, msg, size, line, col, what, true);
            }
            if (pcsv_field(c, rec_start, msg, size, line, col) != 0)
                return -1; /* the reader is past the line already */
            if (c->p < c->end && *c->p == ',') {
                c->p++;
                continue;
            }
            break;
        }
        if (c->p < c->end) { /* the line end */
            c->p += *c->p == '\r' ? 2 : 1;
            c->line++;
            c->line_start = c->p;
        }
        if (c->nf == 1 && !c->f[0].quoted && !c->f[0].val[0])
            continue; /* a blank line */
        return 1;
    }
}

/* The reports' CSV writer (csv_out.h). */
#include "config.h"
#include "report/csv_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/i18n.h"

csv_out csv_out_start(FILE *f, report_lang l)
{
    return (csv_out){.f = f, .l = l, .sep = l == REPORT_LANG_FR ? ';' : ',', .first = true};
}

void csv_field(csv_out *c, const char *s)
{
    if (!c->first)
        fputc(c->sep, c->f);
    c->first = false;
    if (strchr(s, c->sep) || strpbrk(s, "\"\r\n")) {
        fputc('"', c->f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', c->f);
            fputc(*s, c->f);
        }
        fputc('"', c->f);
    } else {
        fputs(s, c->f);
    }
}

void csv_text(csv_out *c, const char *s)
{
    if (strchr("=+-@\t\r", s[0]) && s[0]) {
        char *q = malloc(strlen(s) + 2);
        if (q) {
            q[0] = '\'';
            strcpy(q + 1, s);
            csv_field(c, q);
            free(q);
            return;
        }
    }
    csv_field(c, s);
}

void csv_end(csv_out *c)
{
    fputs("\r\n", c->f);
    c->first = true;
}

void csv_int(csv_out *c, int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    csv_field(c, b);
}

void csv_num(csv_out *c, double v, int decimals)
{
    char b[64] = "";
    if (isfinite(v))
        report_render_number(c->l, v, decimals, b, sizeof b);
    csv_field(c, b);
}

void csv_bool(csv_out *c, bool v) { csv_field(c, v ? TR(c->l, "oui", "yes") : TR(c->l, "non", "no")); }

void csv_row(csv_out *c, const char *const *cells)
{
    for (; *cells; cells++)
        csv_field(c, *cells);
    csv_end(c);
}

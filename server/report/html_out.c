/* The reports' HTML escaping (html_out.h). */
#include "config.h"
#include "report/html_out.h"

void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

void html_cell(FILE *f, const char *tag, const char *cls, const char *text)
{
    fprintf(f, "<%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    html_text(f, text);
    fprintf(f, "</%s>", tag);
}

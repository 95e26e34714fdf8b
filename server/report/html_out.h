/* html_out: the escaping every HTML document of the reports uses (html.c, the monthly report;
 * contract_html.c, the délégataire's): text and attribute values escaped, a table cell with its class. */
#ifndef VIGIE_REPORT_HTML_OUT_H
#define VIGIE_REPORT_HTML_OUT_H

#include <stdio.h>

/* s with < > & " escaped */
void html_text(FILE *f, const char *s);
/* <tag class="cls">text</tag>; no class attribute when cls is NULL */
void html_cell(FILE *f, const char *tag, const char *cls, const char *text);

#endif

/* graphs: which graphs of the month a site's report shows, and what is on them.
 *
 * The vocabulary's `graphs:` says which graphs there are (vocab.h, mibs/vocabulary.yaml): for a class
 * of device, its metrics, a title and the word after each line's legend (French and English), the
 * value axis's limits. A site has a graph when one of its devices of that class has a series of one
 * of its metrics; a line per series (device, then instance), at most STORE_GRAPH_MAX_LINES, and the
 * counted incidents as red rules. The store draws them (store/graph.h) in the site's time zone. */
#ifndef VIGIE_REPORT_GRAPHS_H
#define VIGIE_REPORT_GRAPHS_H

#include <stddef.h>

#include "error.h"
#include "report/report_render.h"
#include "report/view.h"
#include "store/graph.h"

/* every graph's size: the PDF lays its pages out before any graph is drawn */
#define REPORT_GRAPH_W 480
#define REPORT_GRAPH_H 230
#define REPORT_GRAPH_MAX 6

typedef struct report_graphs report_graphs;

/* The graphs the site has, found but not drawn; NULL when there are none or graphs are off (no
 * database, RRD store, vocabulary or graph process): a report without graphs is still a report. */
report_graphs *report_graphs_find(const report_render_opts *o, const report_view_site *s);
size_t report_graphs_count(const report_graphs *g);
/* The English title of graph k, for the logs. */
const char *report_graphs_title(const report_graphs *g, size_t k);
/* Draws graph k; its series are looked up again (a month of a large estate's paths is not kept). */
vg_code report_graphs_draw(const report_graphs *g, size_t k, store_graph_format f, store_graph_image *img,
                           vg_err *err);
void report_graphs_free(report_graphs *g);

#endif

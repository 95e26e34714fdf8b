#include "config.h"
#include "report/graphs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "vocab.h"
#include "report/i18n.h"
#include "store/listing.h"

/* the lines' colours, in the order of the lines */
static const char *const graphs_colors[STORE_GRAPH_MAX_LINES] = {"1F5FA8", "E07B00", "2E7D32", "8E24AA",
                                                                 "00838F", "C2185B", "6D4C41", "546E7A"};

/* ---- a site's graphs ---------------------------------------------------------------------------- */

typedef struct {
    char name[NAME_MAX_LEN + 1];
    char cls[16];
} graphs_device;

struct report_graphs {
    const report_render_opts *o;
    const report_view_site *site;
    graphs_device *devs; /* sorted by name */
    size_t ndevs, cap;
    const vocab_graph *spec[REPORT_GRAPH_MAX]; /* the vocabulary's, which outlives the report */
    size_t n;
};

typedef struct {
    char path[1200];
    char legend[160];
} graphs_line;

static void graphs_collect(void *ctx, const char *device, const char *cls, const char *profile, int64_t seen)
{
    report_graphs *g = ctx;
    (void)profile;
    (void)seen;
    if (g->ndevs == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        graphs_device *t = realloc(g->devs, cap * sizeof *t);
        if (!t)
            return; /* fewer devices: fewer lines */
        g->devs = t;
        g->cap = cap;
    }
    snprintf(g->devs[g->ndevs].name, sizeof g->devs[0].name, "%s", device);
    snprintf(g->devs[g->ndevs].cls, sizeof g->devs[0].cls, "%s", cls);
    g->ndevs++;
}

static int graphs_cmp_device(const void *a, const void *b)
{
    return strcmp(((const graphs_device *)a)->name, ((const graphs_device *)b)->name);
}

/* The lines of a graph of the site: *n of them (at most STORE_GRAPH_MAX_LINES), 0 when the site has
 * no such series. */
static vg_code graphs_lines(const report_graphs *g, const vocab_graph *spec, graphs_line *lines, size_t *n,
                            vg_err *err)
{
    *n = 0;
    for (size_t d = 0; d < g->ndevs && *n < STORE_GRAPH_MAX_LINES; d++) {
        if (strcmp(g->devs[d].cls, spec->cls) != 0)
            continue;
        for (size_t m = 0; m < spec->nseries && *n < STORE_GRAPH_MAX_LINES; m++) {
            store_listing l;
            vg_code rc = store_listing_get(g->o->rrd, g->site->id, g->devs[d].name, spec->series[m].metric, &l, err);
            if (rc == VG_E_INVALID)
                continue; /* a device name the store refuses has no series */
            if (rc != VG_OK)
                return rc;
            const char *what = TR(g->o->lang, spec->series[m].legend.fr, spec->series[m].legend.en);
            for (size_t i = 0; i < l.n && *n < STORE_GRAPH_MAX_LINES; i++) {
                graphs_line *x = &lines[(*n)++];
                snprintf(x->path, sizeof x->path, "%s", l.series[i].path);
                snprintf(x->legend, sizeof x->legend, "%s%s%s%s%s", g->devs[d].name, l.series[i].instance[0] ? " " : "",
                         l.series[i].instance, what[0] ? " " : "", what);
            }
            store_listing_clear(&l);
        }
    }
    return VG_OK;
}

report_graphs *report_graphs_find(const report_render_opts *o, const report_view_site *s)
{
    if (!o->db || !o->rrd || !o->vocab || !store_graph_running())
        return NULL;
    report_graphs *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->o = o;
    g->site = s;
    if (db_devices_each(o->db, s->id, graphs_collect, g) != 0 || g->ndevs == 0) {
        report_graphs_free(g);
        return NULL;
    }
    qsort(g->devs, g->ndevs, sizeof *g->devs, graphs_cmp_device);
    graphs_line lines[STORE_GRAPH_MAX_LINES];
    for (size_t k = 0; k < vocab_graph_count(o->vocab) && g->n < REPORT_GRAPH_MAX; k++) {
        const vocab_graph *spec = vocab_graph_at(o->vocab, k);
        size_t n = 0;
        if (graphs_lines(g, spec, lines, &n, NULL) == VG_OK && n > 0)
            g->spec[g->n++] = spec;
    }
    if (g->n == 0) {
        report_graphs_free(g);
        return NULL;
    }
    return g;
}

size_t report_graphs_count(const report_graphs *g) { return g ? g->n : 0; }

const char *report_graphs_title(const report_graphs *g, size_t k) { return g->spec[k]->title.en; }

vg_code report_graphs_draw(const report_graphs *g, size_t k, store_graph_format f, store_graph_image *img,
                           vg_err *err)
{
    const vocab_graph *spec = g->spec[k];
    const report_view_site *s = g->site;
    graphs_line lines[STORE_GRAPH_MAX_LINES];
    size_t n = 0;
    vg_code rc = graphs_lines(g, spec, lines, &n, err);
    if (rc != VG_OK)
        return rc;
    if (n == 0)
        return vg_fail(err, VG_E_NOT_FOUND, "no series");
    store_graph_line sl[STORE_GRAPH_MAX_LINES];
    for (size_t i = 0; i < n; i++)
        sl[i] = (store_graph_line){lines[i].path, lines[i].legend, graphs_colors[i]};
    /* the counted incidents of the month, as red rules */
    int64_t marks[STORE_GRAPH_MAX_MARKS];
    size_t nmarks = 0;
    for (size_t i = 0; i < s->nincidents && nmarks < STORE_GRAPH_MAX_MARKS; i++)
        if (!s->incidents[i].excluded)
            marks[nmarks++] = s->incidents[i].start;
    store_graph_request r = {
        .format = f,
        .from = s->period.from,
        .to = s->period.to,
        .timezone = s->timezone,
        .title = TR(g->o->lang, spec->title.fr, spec->title.en),
        .width = REPORT_GRAPH_W,
        .height = REPORT_GRAPH_H,
        .daemon = rrd_store_daemon(g->o->rrd),
        .lines = sl,
        .nlines = n,
        .marks = marks,
        .nmarks = nmarks,
        .marks_legend = "Incident",
        .has_lower = spec->has_min,
        .lower = spec->min,
        .has_upper = spec->has_max,
        .upper = spec->max,
    };
    return store_graph_draw(&r, img, err);
}

void report_graphs_free(report_graphs *g)
{
    if (!g)
        return;
    free(g->devs);
    free(g);
}

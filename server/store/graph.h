/* graph: one graph of some series over a period, drawn by librrd as SVG or PNG, in a process of its own.
 *
 * librrd writes the dates under a graph's axis in the process's time zone, TZ, and the C library has
 * one TZ for every thread: setting it while the server's other threads format dates is a data race.
 * So graphs are drawn in a process of their own, by its drawer: a fork of it, of one thread, that
 * takes request after request over a pipe, sets TZ to the request's zone when it is not the last
 * one's, calls rrd_graph_v() and sends the image back. A drawer that librrd crashes (a damaged file
 * that passed rrd_store_file_mappable) or that is killed after 60 s on one graph costs that graph
 * (VG_E_IO), and the next graph has a new drawer; the graph process lives on. Should it end
 * (killed), the next request has another one started, by a small process forked by
 * store_graph_start() before any thread starts and that does nothing else: a process forked from the
 * running server could inherit a lock held by one of its threads. Both are grandchildren of the
 * server (its children are the RRD writers), and end when the server closes its end; the drawer ends
 * with its graph process.
 *
 * One graph process per server, started once (like the C library's TZ it stands for).
 * store_graph_draw may be called from any thread; requests are drawn one at a time. */
#ifndef VIGIE_STORE_GRAPH_H
#define VIGIE_STORE_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define STORE_GRAPH_MAX_LINES 8
#define STORE_GRAPH_MAX_MARKS 40

typedef enum { STORE_GRAPH_SVG = 0, STORE_GRAPH_PNG } store_graph_format;

typedef struct {
    const char *path;   /* an RRD file of the store, with a data source "value" */
    const char *legend; /* "ups-a", "clim-1 supply" */
    const char *color;  /* "1F5FA8" */
} store_graph_line;

typedef struct {
    store_graph_format format;
    int64_t from, to;
    const char *timezone; /* the axis's dates; "" is UTC */
    const char *title;
    int width, height;    /* the whole image (--full-size-mode), drawn at zoom 2 */
    bool has_lower, has_upper;
    double lower, upper;  /* the value axis's limits, when has_ */
    const char *daemon;   /* rrdcached's address ("" without), so that it writes what it holds first */
    const store_graph_line *lines;
    size_t nlines;        /* at most STORE_GRAPH_MAX_LINES */
    const int64_t *marks; /* vertical red rules (incidents), at most STORE_GRAPH_MAX_MARKS */
    size_t nmarks;
    const char *marks_legend; /* "Incident" */
} store_graph_request;

typedef struct {
    unsigned char *data; /* malloc'd */
    size_t len;
} store_graph_image;

/* Starts the graph process; call it before any thread starts. VG_E_IO when it cannot be started. */
vg_code store_graph_start(vg_err *err);
/* Ends the graph process (it finishes the graph it draws). */
void store_graph_stop(void);
/* Whether store_graph_start was called and not stopped. */
bool store_graph_running(void);

/* Draws r into img. VG_E_UNAVAILABLE without a graph process, VG_E_INVALID for a request over the
 * bounds, VG_E_IO when librrd fails or crashes (err says how), VG_E_NOMEM. */
vg_code store_graph_draw(const store_graph_request *r, store_graph_image *img, vg_err *err);

/* The graph process's id, 0 without (tests); and how many times it was started again. */
pid_t store_graph_pid(void);
unsigned long store_graph_restarts(void);

#endif

/* graph_draw: for graph.c, the frames a graph request travels in from the server to the graph
 * process, and what a drawer does with one: the rrd_graph arguments (the house style: fonts, colours,
 * the days of the month under the axis), TZ set to the request's zone, librrd's image. */
#ifndef VIGIE_STORE_GRAPH_DRAW_H
#define VIGIE_STORE_GRAPH_DRAW_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "store/graph.h"

/* A request goes as u32 length + the fields of store_graph_request (u8, i32, i64, f64 in native byte
 * order, strings as u32 length + bytes: both ends are this binary); the answer as u32 vg_code, u32
 * length, then the image or the error's text. */
#define GRAPH_FRAME_MAX (1024 * 1024)
#define GRAPH_IMAGE_MAX (64 * 1024 * 1024)
#define GRAPH_STR_MAX 4096

typedef struct {
    unsigned char *p;
    size_t len, cap;
    bool failed;
} graph_buf;

/* The frame of r (u32 length first) appended to b; b->failed without memory. */
void graph_encode(graph_buf *b, const store_graph_request *r);
/* In the drawer (a process of one thread that draws request after request): decodes a frame and
 * draws it. The answer's code, and in *out (malloc'd) the image or the error's text. Sets TZ when the
 * request's zone is not the last one's: never call it in the server. */
vg_code graph_draw_frame(const unsigned char *frame, size_t len, char **out, size_t *out_len);
/* Draws a graph of a file of its own, so that fontconfig's and pango's caches are loaded once for
 * the drawer forked after it, and any started again. */
void graph_warm_up(void);

#endif

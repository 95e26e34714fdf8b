#include "config.h"
#include "store/graph_draw.h"

#include <rrd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- the frames -------------------------------------------------------------------------------- */

static void graph_put(graph_buf *b, const void *v, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *t = realloc(b->p, cap);
        if (!t) {
            b->failed = true;
            return;
        }
        b->p = t;
        b->cap = cap;
    }
    memcpy(b->p + b->len, v, n);
    b->len += n;
}

static void graph_put_str(graph_buf *b, const char *s)
{
    uint32_t n = (uint32_t)strnlen(s ? s : "", GRAPH_STR_MAX);
    graph_put(b, &n, 4);
    graph_put(b, s ? s : "", n);
}

static void graph_put_i64(graph_buf *b, int64_t v) { graph_put(b, &v, 8); }

typedef struct {
    const unsigned char *p, *end;
    bool failed;
} graph_reader;

static void graph_get(graph_reader *r, void *v, size_t n)
{
    if (r->failed || (size_t)(r->end - r->p) < n) {
        r->failed = true;
        memset(v, 0, n);
        return;
    }
    memcpy(v, r->p, n);
    r->p += n;
}

/* A string of the frame, malloc'd ("" when the frame is short: r->failed tells). */
static char *graph_get_str(graph_reader *r)
{
    uint32_t n = 0;
    graph_get(r, &n, 4);
    if (n > GRAPH_STR_MAX || (size_t)(r->end - r->p) < n)
        r->failed = true;
    char *s = calloc(1, r->failed ? 1 : (size_t)n + 1);
    if (!s) {
        r->failed = true;
        return NULL;
    }
    if (!r->failed) {
        memcpy(s, r->p, n);
        r->p += n;
    }
    return s;
}

void graph_encode(graph_buf *b, const store_graph_request *r)
{
    uint32_t len = 0;
    graph_put(b, &len, 4); /* filled in at the end */
    uint8_t fmt = (uint8_t)r->format, lo = r->has_lower, hi = r->has_upper;
    int32_t w = r->width, h = r->height;
    uint32_t nl = (uint32_t)r->nlines, nm = (uint32_t)r->nmarks;
    graph_put(b, &fmt, 1);
    graph_put_i64(b, r->from);
    graph_put_i64(b, r->to);
    graph_put_str(b, r->timezone);
    graph_put_str(b, r->title);
    graph_put(b, &w, 4);
    graph_put(b, &h, 4);
    graph_put(b, &lo, 1);
    graph_put(b, &r->lower, 8);
    graph_put(b, &hi, 1);
    graph_put(b, &r->upper, 8);
    graph_put_str(b, r->daemon);
    graph_put(b, &nl, 4);
    for (size_t i = 0; i < r->nlines; i++) {
        graph_put_str(b, r->lines[i].path);
        graph_put_str(b, r->lines[i].legend);
        graph_put_str(b, r->lines[i].color);
    }
    graph_put(b, &nm, 4);
    for (size_t i = 0; i < r->nmarks; i++)
        graph_put_i64(b, r->marks[i]);
    graph_put_str(b, r->marks_legend);
    if (!b->failed) {
        len = (uint32_t)(b->len - 4);
        memcpy(b->p, &len, 4);
    }
}

/* ---- the drawer: a fork of the graph process that draws request after request ----------------- */

/* rrd_graph arguments: ':' separates fields, so a path or a legend escapes it. */
static char *graph_escape(const char *in)
{
    char *out = malloc(2 * strlen(in) + 1), *o = out;
    if (!out)
        return NULL;
    for (; *in; in++) {
        if (*in == ':' || *in == '\\')
            *o++ = '\\';
        *o++ = *in;
    }
    *o = '\0';
    return out;
}

typedef struct {
    char **v;
    int n, cap;
    bool failed;
} graph_args;

static void graph_arg(graph_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void graph_arg(graph_args *a, const char *fmt, ...)
{
    if (a->failed || a->n + 2 > a->cap) {
        a->failed = true;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&a->v[a->n], fmt, ap) < 0) {
        a->v[a->n] = NULL;
        a->failed = true;
    } else {
        a->n++;
    }
    va_end(ap);
}

static const char *const graph_style[] = {
    "--full-size-mode", "--zoom", "2", "--disable-rrdtool-tag", "--slope-mode", "--border", "0",
    "--font", "DEFAULT:7:DejaVu Sans", "--font", "TITLE:8:DejaVu Sans Bold",
    "--color", "BACK#FFFFFF", "--color", "CANVAS#FFFFFF", "--color", "FONT#333333", "--color", "GRID#E3E3E3",
    "--color", "MGRID#B8B8B8", "--color", "AXIS#888888", "--color", "ARROW#888888", "--color", "FRAME#FFFFFF",
    /* days of the month under the axis: no weekday or month name, so no locale */
    "--x-grid", "HOUR:12:DAY:1:DAY:2:0:%d",
};

/* cairo names an SVG's surfaces from a counter of the whole process ("surface41"), so that a drawer
 * that draws graph after graph would give other bytes for the same graph each time. The surfaces
 * are named again from 1, in place (no number gets longer): the same request, the same image. Only
 * ids and references to them ("surface or #surface) are names: librrd's texts are drawn as glyphs. */
static void graph_svg_renumber(char *svg, size_t *len)
{
    static const char word[] = "surface";
    const size_t wl = sizeof word - 1;
    unsigned long least = 0;
    bool any = false;
    for (int pass = 0; pass < 2; pass++) {
        size_t o = 0;
        for (size_t i = 0; i < *len;) {
            bool name = i + wl < *len && (i == 0 || svg[i - 1] == '"' || svg[i - 1] == '#') &&
                        memcmp(svg + i, word, wl) == 0 && svg[i + wl] >= '0' && svg[i + wl] <= '9';
            if (!name) {
                svg[o++] = svg[i++];
                continue;
            }
            size_t j = i + wl;
            unsigned long id = 0;
            while (j < *len && svg[j] >= '0' && svg[j] <= '9' && id < 100000000UL)
                id = id * 10 + (unsigned long)(svg[j++] - '0');
            if (pass == 0) {
                if (!any || id < least)
                    least = id;
                any = true;
                memmove(svg + o, svg + i, j - i);
                o += j - i;
            } else {
                char n[32];
                int nl = snprintf(n, sizeof n, "%s%lu", word, id - least + (least > 0)); /* never longer */
                memcpy(svg + o, n, (size_t)nl);
                o += (size_t)nl;
            }
            i = j;
        }
        *len = o;
        if (!any)
            return;
    }
}

/* Decodes the request and draws it: the answer's code, and the image or the error's text in *out. */
vg_code graph_draw_frame(const unsigned char *frame, size_t len, char **out, size_t *out_len)
{
    graph_reader r = {frame, frame + len, false};
    uint8_t fmt, lo, hi;
    int64_t from, to;
    int32_t w, h;
    double lower, upper;
    uint32_t nl, nm;
    graph_get(&r, &fmt, 1);
    graph_get(&r, &from, 8);
    graph_get(&r, &to, 8);
    char *tz = graph_get_str(&r), *title = graph_get_str(&r);
    graph_get(&r, &w, 4);
    graph_get(&r, &h, 4);
    graph_get(&r, &lo, 1);
    graph_get(&r, &lower, 8);
    graph_get(&r, &hi, 1);
    graph_get(&r, &upper, 8);
    char *daemon = graph_get_str(&r);
    graph_get(&r, &nl, 4);
    if (nl > STORE_GRAPH_MAX_LINES)
        r.failed = true;
    int cap = 60 + 2 * STORE_GRAPH_MAX_LINES + STORE_GRAPH_MAX_MARKS;
    graph_args a = {calloc((size_t)cap, sizeof(char *)), 0, cap, false};
    if (!a.v)
        a.failed = true;
    graph_arg(&a, "graph");
    graph_arg(&a, "-");
    graph_arg(&a, "--start");
    graph_arg(&a, "%lld", (long long)from);
    graph_arg(&a, "--end");
    graph_arg(&a, "%lld", (long long)to);
    graph_arg(&a, "--imgformat");
    graph_arg(&a, "%s", fmt == STORE_GRAPH_PNG ? "PNG" : "SVG");
    graph_arg(&a, "--width");
    graph_arg(&a, "%d", (int)w);
    graph_arg(&a, "--height");
    graph_arg(&a, "%d", (int)h);
    graph_arg(&a, "--title");
    graph_arg(&a, "%s", title ? title : "");
    if (daemon && daemon[0]) { /* rrdcached writes what it holds before the graph reads */
        graph_arg(&a, "--daemon");
        graph_arg(&a, "%s", daemon);
    }
    for (size_t i = 0; i < sizeof graph_style / sizeof graph_style[0]; i++)
        graph_arg(&a, "%s", graph_style[i]);
    if (lo) {
        graph_arg(&a, "--lower-limit");
        graph_arg(&a, "%g", lower);
    }
    if (hi) {
        graph_arg(&a, "--upper-limit");
        graph_arg(&a, "%g", upper);
    }
    uint32_t drawn = 0;
    for (uint32_t i = 0; i < nl && !r.failed; i++) {
        char *path = graph_get_str(&r), *legend = graph_get_str(&r), *color = graph_get_str(&r);
        char *p = path ? graph_escape(path) : NULL, *l = legend ? graph_escape(legend) : NULL;
        if (!p || !l || !color)
            a.failed = true;
        else if (rrd_first_r(path, 0) == -1) {
            rrd_clear_error(); /* not an RRD file librrd can read: no line rather than no graph */
        } else {
            drawn++;
            graph_arg(&a, "DEF:v%u=%s:value:AVERAGE", i, p);
            /* a space first: librrd draws the legend's colour box over the first letter otherwise */
            graph_arg(&a, "LINE1.5:v%u#%s: %s", i, color, l);
        }
        free(p);
        free(l);
        free(path);
        free(legend);
        free(color);
    }
    graph_get(&r, &nm, 4);
    if (nm > STORE_GRAPH_MAX_MARKS)
        r.failed = true;
    int64_t *marks = calloc(nm && !r.failed ? nm : 1, sizeof *marks);
    for (uint32_t i = 0; marks && i < nm && !r.failed; i++)
        graph_get(&r, &marks[i], 8);
    char *mlegend = graph_get_str(&r), *ml = mlegend ? graph_escape(mlegend) : NULL;
    for (uint32_t i = 0; marks && ml && i < nm && !r.failed; i++)
        graph_arg(&a, "VRULE:%lld#C62828%s%s", (long long)marks[i], i == 0 && ml[0] ? ": " : "", i == 0 ? ml : "");
    vg_code rc = VG_OK;
    if (r.failed || !marks || !ml) {
        rc = VG_E_INVALID;
        *out = strdup("the graph process received a malformed request");
    } else if (a.failed) {
        rc = VG_E_NOMEM;
        *out = strdup("out of memory");
    } else if (drawn == 0) {
        rc = VG_E_IO;
        *out = strdup("librrd can read none of the graph's series");
    } else {
        /* the axis in the request's zone: this process has one thread. Set when it changes: the
         * graphs of a site come one after the other in its zone. */
        static char zone[GRAPH_STR_MAX + 1];
        const char *want = tz && tz[0] ? tz : "UTC";
        if (strcmp(zone, want) != 0) {
            setenv("TZ", want, 1);
            tzset();
            snprintf(zone, sizeof zone, "%s", want);
        }
        a.v[a.n] = NULL;
        rrd_clear_error();
        rrd_info_t *info = rrd_graph_v(a.n, a.v);
        rc = VG_E_IO;
        for (rrd_info_t *e = info; e; e = e->next)
            if (e->type == RD_I_BLO && strcmp(e->key, "image") == 0 && e->value.u_blo.size > 0 && rc != VG_OK) {
                *out = malloc(e->value.u_blo.size);
                if (*out) {
                    memcpy(*out, e->value.u_blo.ptr, e->value.u_blo.size);
                    *out_len = e->value.u_blo.size;
                    if (fmt != STORE_GRAPH_PNG)
                        graph_svg_renumber(*out, out_len);
                    rc = VG_OK;
                }
            }
        if (rc != VG_OK) {
            if (asprintf(out, "librrd: %s", rrd_test_error() ? rrd_get_error() : "no image") < 0)
                *out = NULL;
        }
        rrd_info_free(info);
    }
    if (rc != VG_OK)
        *out_len = *out ? strlen(*out) : 0;
    for (int i = 0; a.v && i < a.n; i++)
        free(a.v[i]);
    free(a.v);
    free(marks);
    free(ml);
    free(mlegend);
    free(tz);
    free(title);
    free(daemon);
    return rc;
}

/* Draws a graph of a file of its own once, in each format, so that the drawer, a fork of this process,
 * finds fontconfig's and pango's caches loaded (a drawer that loads them takes 9 ms for its first graph
 * instead of 2), when it is first started and each time it is started again. The file is made here and removed: nothing the server stores is read by this process itself. */
void graph_warm_up(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[512], file[600];
    snprintf(dir, sizeof dir, "%s/vigie-graph-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return;
    snprintf(file, sizeof file, "%s/warm.rrd", dir);
    const char *def[] = {"DS:value:GAUGE:600:U:U", "RRA:AVERAGE:0.5:1:10"};
    time_t now = time(NULL);
    if (rrd_create_r(file, 300, now - 3600, 2, def) == 0) {
        char start[32], end[32], line[700];
        snprintf(start, sizeof start, "%lld", (long long)now - 3000);
        snprintf(end, sizeof end, "%lld", (long long)now);
        snprintf(line, sizeof line, "DEF:v=%s:value:AVERAGE", file);
        for (int f = 0; f < 2; f++) {
            enum { NSTYLE = sizeof graph_style / sizeof graph_style[0] };
            char *argv[12 + NSTYLE + 3] = {"graph", "-", "--start", start, "--end", end, "--imgformat",
                                           f ? "PNG" : "SVG", "--width", "480", "--height", "230"};
            int argc = 12;
            for (size_t i = 0; i < NSTYLE; i++)
                argv[argc++] = (char *)graph_style[i];
            argv[argc++] = line;
            argv[argc++] = "LINE1.5:v#000000: -";
            argv[argc] = NULL;
            rrd_info_free(rrd_graph_v(argc, argv));
        }
    }
    rrd_clear_error();
    unlink(file);
    rmdir(dir);
}


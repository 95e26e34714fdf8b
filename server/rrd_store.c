#include "config.h"
#include "rrd_store.h"

#include <errno.h>
#include <rrd.h>
#include <rrd_client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "names.h"

#define RRD_PATH_MAX 1024
#define RRD_CACHE_SLOTS 65536u
#define RS_LAST_UNKNOWN ((time_t)-1) /* a cached file whose last update must be read again */ /* a power of two; last-update times of known files */

typedef struct {
    char *path;
    time_t last;
} rs_cache_entry;

struct rrd_store {
    char dir[RRD_PATH_MAX];
    int step;
    rs_cache_entry *cache; /* open addressing; grows never: when full, entries are looked up on disk */
    size_t cached;
    unsigned long corrupt;
    char daemon[256]; /* rrdcached address, "" to write the files directly */
};

rrd_store *rrd_store_new(const char *data_dir, int step)
{
    rrd_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->dir, sizeof s->dir, "%s/rrd", data_dir);
    s->step = step;
    s->cache = calloc(RRD_CACHE_SLOTS, sizeof *s->cache);
    if (!s->cache || (mkdir(s->dir, 0750) != 0 && errno != EEXIST)) {
        free(s->cache);
        free(s);
        return NULL;
    }
    return s;
}

void rrd_store_free(rrd_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < RRD_CACHE_SLOTS; i++)
        free(s->cache[i].path);
    free(s->cache);
    free(s);
}

void rrd_store_set_daemon(rrd_store *s, const char *addr)
{
    snprintf(s->daemon, sizeof s->daemon, "%s", addr ? addr : "");
}

/* Connects (again) to rrdcached when one is configured; librrd keeps the connection. */
static int rs_daemon(rrd_store *s, char *err, size_t err_size)
{
    if (!s->daemon[0] || rrdc_is_connected(s->daemon))
        return 0;
    rrd_clear_error();
    if (rrdc_connect(s->daemon) != 0) {
        snprintf(err, err_size, "rrdcached at %s: %s", s->daemon, rrd_get_error());
        return -1;
    }
    return 0;
}

void rrd_store_flush(rrd_store *s, const char *path)
{
    char err[300];
    if (s->daemon[0] && rs_daemon(s, err, sizeof err) == 0 && rrdc_flush(path) != 0)
        log_warn("rrd", "rrdcached could not flush %s: %s", path, rrd_get_error());
}

const char *rrd_store_daemon(const rrd_store *s) { return s->daemon; }

int rrd_store_path(const rrd_store *s, const char *site, const char *device, const char *metric,
                   const char *instance, char *out, size_t size)
{
    char inst[INSTANCE_MAX_LEN * 3 + 1];
    if (!name_is_valid(site) || !name_is_valid(device) || !metric_name_is_valid(metric))
        return -1;
    if (*instance && name_to_path_component(instance, inst, sizeof inst) != 0)
        return -1;
    int n = *instance ? snprintf(out, size, "%s/%s/%s/%s@%s.rrd", s->dir, site, device, metric, inst)
                      : snprintf(out, size, "%s/%s/%s/%s.rrd", s->dir, site, device, metric);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

static uint32_t rs_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static rs_cache_entry *rs_cache_slot(rrd_store *s, const char *path, int *found)
{
    uint32_t h = rs_hash(path);
    for (uint32_t i = 0; i < 64; i++) {
        rs_cache_entry *e = &s->cache[(h + i) & (RRD_CACHE_SLOTS - 1)];
        if (!e->path) {
            *found = 0;
            return e;
        }
        if (strcmp(e->path, path) == 0) {
            *found = 1;
            return e;
        }
    }
    *found = 0;
    return NULL;
}

static int rs_mkdirs(const char *path)
{
    char tmp[RRD_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    char *slash = strrchr(tmp, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(tmp, 0750) != 0 && errno != EEXIST ? -1 : 0;
}

static int rs_create_file(const rrd_store *s, const char *path, time_t first, char *err, size_t err_size)
{
    char ds[64];
    snprintf(ds, sizeof ds, "DS:value:GAUGE:%d:U:U", s->step * 3);
    /* rows: 2 days at the step, 14 days at 5 steps, ~13 months hourly, 5 years daily */
    int rows1 = 2 * 86400 / s->step, rows5 = 14 * 86400 / (5 * s->step);
    int per_hour = 3600 / s->step > 0 ? 3600 / s->step : 1, per_day = 86400 / s->step;
    char r[12][64];
    int n = 0;
    const char *cf[] = {"AVERAGE", "MIN", "MAX"};
    snprintf(r[n++], 64, "RRA:AVERAGE:0.5:1:%d", rows1);
    for (int i = 0; i < 3; i++) {
        snprintf(r[n++], 64, "RRA:%s:0.5:5:%d", cf[i], rows5);
        snprintf(r[n++], 64, "RRA:%s:0.5:%d:%d", cf[i], per_hour, 400 * 24);
        snprintf(r[n++], 64, "RRA:%s:0.5:%d:%d", cf[i], per_day, 5 * 366);
    }
    const char *argv[16];
    int argc = 0;
    argv[argc++] = ds;
    for (int i = 0; i < n; i++)
        argv[argc++] = r[i];
    if (rs_mkdirs(path) != 0) {
        snprintf(err, err_size, "%s: cannot create its folder: %s", path, strerror(errno));
        return -1;
    }
    rrd_clear_error();
    if (rrd_create_r(path, (unsigned long)s->step, first - 1, argc, argv) != 0) {
        snprintf(err, err_size, "%s: %s", path, rrd_get_error());
        return -1;
    }
    return 0;
}

/* Last update time of a file, created if missing. -1 on error. */
static int rs_last(rrd_store *s, const char *path, time_t first, time_t *last, char *err, size_t err_size)
{
    int found;
    rs_cache_entry *e = rs_cache_slot(s, path, &found);
    if (found && e->last != RS_LAST_UNKNOWN) {
        *last = e->last;
        return 0;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        if (rs_create_file(s, path, first, err, err_size) != 0)
            return -1;
        *last = first - 1;
    } else {
        rrd_clear_error();
        /* rrdcached may hold updates the file does not show yet: ask it */
        time_t t = s->daemon[0] && rs_daemon(s, err, err_size) == 0 ? rrdc_last(path) : rrd_last_r(path);
        if (t == (time_t)-1) {
            snprintf(err, err_size, "%s: %s", path, rrd_get_error());
            return -1;
        }
        *last = t;
    }
    if (e && found)
        e->last = *last;
    else if (e && (e->path = strdup(path)))
        e->last = *last;
    return 0;
}

static void rs_cache_set(rrd_store *s, const char *path, time_t last)
{
    int found;
    rs_cache_entry *e = rs_cache_slot(s, path, &found);
    if (e && found)
        e->last = last;
}

static int rs_cmp_sample(const void *a, const void *b)
{
    const push_sample *x = *(const push_sample *const *)a, *y = *(const push_sample *const *)b;
    int c = strcmp(x->device, y->device);
    if (!c)
        c = strcmp(x->metric, y->metric);
    if (!c)
        c = strcmp(x->instance, y->instance);
    if (!c)
        c = (x->ts > y->ts) - (x->ts < y->ts);
    return c;
}

/* Writes the run [from, to) of samples of one series, oldest first. */
/* A file librrd cannot even describe is damaged (truncated, overwritten): it is renamed aside,
 * reported, and a new file takes its place, so that one bad file does not refuse every batch. A file
 * that librrd can describe is left alone (a full disk is not corruption). Returns 1 when set aside. */
static int rs_set_aside_if_corrupt(rrd_store *s, const char *path)
{
    rrd_clear_error();
    rrd_info_t *info = rrd_info_r(path);
    if (info) {
        rrd_info_free(info);
        return 0;
    }
    char aside[RRD_PATH_MAX + 32];
    snprintf(aside, sizeof aside, "%s.corrupt-%lld", path, (long long)time(NULL));
    if (rename(path, aside) != 0)
        return 0;
    log_error("rrd", "%s is damaged (%s): set aside as %s, a new file replaces it", path, rrd_get_error(), aside);
    s->corrupt++;
    int found;
    rs_cache_entry *e = rs_cache_slot(s, path, &found);
    if (e && found)
        e->last = RS_LAST_UNKNOWN; /* the next write looks at the disk again and creates the file */
    return 1;
}

static int rs_write_series_once(rrd_store *s, const char *site, const push_sample **run, size_t n,
                                rrd_store_stats *st, char *err, size_t err_size);

static int rs_write_series(rrd_store *s, const char *site, const push_sample **run, size_t n,
                           rrd_store_stats *st, char *err, size_t err_size)
{
    int rc = rs_write_series_once(s, site, run, n, st, err, err_size);
    if (rc == 0)
        return 0;
    char path[RRD_PATH_MAX];
    if (rrd_store_path(s, site, run[0]->device, run[0]->metric, run[0]->instance, path, sizeof path) == 0 &&
        rs_set_aside_if_corrupt(s, path))
        rc = rs_write_series_once(s, site, run, n, st, err, err_size);
    return rc;
}

static int rs_write_series_once(rrd_store *s, const char *site, const push_sample **run, size_t n,
                                rrd_store_stats *st, char *err, size_t err_size)
{
    char path[RRD_PATH_MAX];
    if (rrd_store_path(s, site, run[0]->device, run[0]->metric, run[0]->instance, path, sizeof path) != 0) {
        snprintf(err, err_size, "invalid name for %s/%s/%s", site, run[0]->device, run[0]->metric);
        return -1;
    }
    time_t last;
    if (rs_last(s, path, (time_t)run[0]->ts, &last, err, err_size) != 0)
        return -1;
    char (*vals)[48] = malloc(n * sizeof *vals);
    const char **argv = malloc(n * sizeof *argv);
    if (!vals || !argv) {
        free(vals);
        free(argv);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    int argc = 0;
    for (size_t i = 0; i < n; i++) {
        if ((time_t)run[i]->ts <= last) {
            st->stale++;
            continue;
        }
        snprintf(vals[argc], sizeof vals[argc], "%lld:%.17g", (long long)run[i]->ts, run[i]->value);
        argv[argc] = vals[argc];
        argc++;
        last = (time_t)run[i]->ts;
    }
    int rc = 0;
    if (argc > 0) {
        rrd_clear_error();
        int failed = s->daemon[0] ? (rs_daemon(s, err, err_size) != 0 || rrdc_update(path, argc, argv) != 0)
                                  : rrd_update_r(path, NULL, argc, argv) != 0;
        if (failed) {
            snprintf(err, err_size, "%s: %s", path, rrd_get_error());
            rc = -1;
        } else {
            rs_cache_set(s, path, last);
            st->written += (size_t)argc;
        }
    }
    free(vals);
    free(argv);
    return rc;
}

int rrd_store_write(rrd_store *s, const char *site, const push_batch *b, rrd_store_stats *st, char *err,
                    size_t err_size)
{
    size_t n = push_batch_count(b);
    st->written = st->stale = 0;
    if (n == 0)
        return 0;
    const push_sample **order = malloc(n * sizeof *order);
    if (!order) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = push_batch_at(b, i);
    qsort(order, n, sizeof *order, rs_cmp_sample);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0;) {
        size_t j = i + 1;
        while (j < n && strcmp(order[j]->device, order[i]->device) == 0 &&
               strcmp(order[j]->metric, order[i]->metric) == 0 && strcmp(order[j]->instance, order[i]->instance) == 0)
            j++;
        rc = rs_write_series(s, site, order + i, j - i, st, err, err_size);
        i = j;
    }
    free(order);
    return rc;
}
